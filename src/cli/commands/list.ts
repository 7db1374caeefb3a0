import { Command } from 'commander';
import { apiVersionOf, type ApiGroup } from '../../api/groups.ts';
import type { Rollout } from '../../api/rollout.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { KubeObject } from '../../runtime/objects.ts';
import { ExitCode } from '../../util/exit-codes.ts';
import { addKubeOptions, kubeFlags, outputOption } from '../flags.ts';
import { connect, listRollouts, type CliKube } from '../kube.ts';
import { catchInterrupt, printData, untilInterrupted } from '../output.ts';
import { LiveView } from '../render/live.ts';
import { renderList } from '../render/list.ts';
import { styleFor } from '../render/text.ts';
import { rolloutRow, type RolloutRow } from '../../view/rollout-row.ts';
import { canaryRow } from '../../view/canary.ts';
import { listCanaries } from '../canary-objects.ts';
import { renderCanaryList } from '../render/canary.ts';

interface ListFlags {
  allNamespaces?: boolean;
  watch?: boolean;
  name?: string;
  color: boolean;
  output?: 'json' | 'yaml' | 'wide' | 'name';
}

function rowsOf(items: readonly { rollout: Rollout }[], name: string | undefined): RolloutRow[] {
  return items.filter((i) => name === undefined || i.rollout.metadata.name === name).map((i) => rolloutRow(i.rollout));
}

async function watchList(kube: CliKube, served: readonly ApiGroup[], namespace: string | undefined, flags: ListFlags): Promise<number> {
  const interrupt = catchInterrupt();
  const { Informer: InformerClass } = await import('../../runtime/informer.ts');
  const style = styleFor(process.stdout, { noColor: !flags.color });
  const informers: Informer[] = served.map((group) => new InformerClass<KubeObject>(kube.client, {
    resource: { apiVersion: apiVersionOf(group), kind: 'Rollout', plural: 'rollouts' },
    ...(namespace === undefined ? {} : { namespace }),
    watchTimeoutSeconds: 120,
  }));
  const rows = (): RolloutRow[] => rowsOf(informers.flatMap((i) => i.list() as unknown as Rollout[]).map((rollout) => ({ rollout })), flags.name);
  const view = new LiveView(process.stdout, (width) => renderList(rows(), {
    style, now: new Date(), allNamespaces: namespace === undefined, wide: flags.output === 'wide', showGroup: served.length > 1 && new Set(rows().map((r) => r.group)).size > 1, width,
  }), { minIntervalMs: 200, tickMs: flags.output === 'wide' ? 1000 : 0 });
  for (const informer of informers) {
    informer.addEventHandler({ onAdd: () => { view.schedule(); }, onUpdate: () => { view.schedule(); }, onDelete: () => { view.schedule(); } });
    informer.start();
  }
  try {
    await Promise.all(informers.map((i) => i.waitForSync(interrupt.signal)));
  } catch (error) {
    interrupt.dispose();
    await Promise.all(informers.map((i) => i.stop()));
    kube.client.close();
    view.finish();
    if (interrupt.signal.aborted) return ExitCode.success;
    throw error;
  }
  view.draw();
  await untilInterrupted(interrupt, new Promise<void>(() => undefined), async () => {
    await Promise.all(informers.map((i) => i.stop()));
  });
  view.finish();
  kube.client.close();
  return ExitCode.success;
}

export function listCommand(): Command {
  const list = new Command('list').description('List Rollouts or Canaries');
  list.addCommand(addKubeOptions(new Command('rollouts'))
    .aliases(['rollout', 'ro'])
    .description('List Rollouts with their strategy, status, step, weight and replica counts')
    .option('-A, --all-namespaces', 'Rollouts of every namespace')
    .option('--name <name>', 'only Rollouts of this name')
    .option('-w, --watch', 'keep the list up to date in place (Ctrl-C ends)')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
    .addHelpText('after', `
-o wide adds AGE, IMAGES and MESSAGE; -o name prints rollout.<group>/<name> per line; -o json/yaml print the rows as data.

Examples:
  aviary list rollouts
  aviary list rollouts -A -o wide
  aviary list rollouts -w`)
    .action(async (flags: ListFlags, command: Command) => {
      const kube = connect(kubeFlags(command));
      const namespace = flags.allNamespaces === true ? undefined : kube.namespace;
      const { items, served } = await listRollouts(kube, namespace);
      if (flags.watch === true) {
        process.exitCode = await watchList(kube, served, namespace, flags);
        return;
      }
      kube.client.close();
      const rows = rowsOf(items, flags.name);
      if (flags.output === 'json' || flags.output === 'yaml') {
        await printData({ items: rows }, flags.output);
        return;
      }
      if (flags.output === 'name') {
        for (const r of rows) process.stdout.write(`rollout.${r.group}/${r.name}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stderr.write(namespace === undefined ? 'No Rollouts found.\n' : `No Rollouts found in namespace ${namespace}.\n`);
        return;
      }
      const style = styleFor(process.stdout, { noColor: !flags.color });
      const lines = renderList(rows, {
        style, now: new Date(), allNamespaces: namespace === undefined, wide: flags.output === 'wide', showGroup: new Set(rows.map((r) => r.group)).size > 1,
        width: process.stdout.isTTY ? process.stdout.columns : 0,
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    }));
  list.addCommand(addKubeOptions(new Command('canaries'))
    .aliases(['canary'])
    .description('List Canaries with their target, strategy, status, weight and failed checks')
    .option('-A, --all-namespaces', 'Canaries of every namespace')
    .option('--name <name>', 'only Canaries of this name')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
    .addHelpText('after', `
-o wide adds AGE and MESSAGE; -o name prints canary.<group>/<name> per line; -o json/yaml print the rows as data.

Examples:
  aviary list canaries
  aviary list canaries -A -o wide`)
    .action(async (flags: Omit<ListFlags, 'watch'>, command: Command) => {
      const kube = connect(kubeFlags(command));
      const namespace = flags.allNamespaces === true ? undefined : kube.namespace;
      const { items } = await listCanaries(kube, namespace).finally(() => { kube.client.close(); });
      const rows = items.filter((c) => flags.name === undefined || c.metadata.name === flags.name).map(canaryRow);
      if (flags.output === 'json' || flags.output === 'yaml') {
        await printData({ items: rows }, flags.output);
        return;
      }
      if (flags.output === 'name') {
        for (const r of rows) process.stdout.write(`canary.${r.group}/${r.name}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stderr.write(namespace === undefined ? 'No Canaries found.\n' : `No Canaries found in namespace ${namespace}.\n`);
        return;
      }
      const lines = renderCanaryList(rows, {
        style: styleFor(process.stdout, { noColor: !flags.color }), now: new Date(), allNamespaces: namespace === undefined, wide: flags.output === 'wide',
        showGroup: new Set(rows.map((r) => r.group)).size > 1, width: process.stdout.isTTY ? process.stdout.columns : 0,
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    }));
  return list;
}

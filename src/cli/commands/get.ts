import { Command } from 'commander';
import { ExitCode } from '../../util/exit-codes.ts';
import { addKubeOptions, kubeFlags, outputOption, positiveIntArg } from '../flags.ts';
import type { FoundRollout } from '../../rollout/ref.ts';
import { connect, getRollout, type CliKube } from '../kube.ts';
import { catchInterrupt, printData, untilInterrupted } from '../output.ts';
import { LiveView } from '../render/live.ts';
import { styleFor } from '../render/text.ts';
import { renderRollout } from '../render/tree.ts';
import { fetchRolloutObjects, RolloutWatch, type WatchHandlers } from '../rollout-objects.ts';
import { rolloutInfo, type RolloutInfo, type RolloutObjects } from '../../view/rollout.ts';
import { canaryRow } from '../../view/canary.ts';
import { canaryDetails, getCanary } from '../canary-objects.ts';
import { renderCanary } from '../render/canary.ts';

interface GetFlags {
  watch?: boolean;
  timeoutSeconds?: number;
  color: boolean;
  output?: 'json' | 'yaml';
}

const infoOf = (found: FoundRollout, objects: RolloutObjects): RolloutInfo => rolloutInfo({ rollout: found.rollout, ...objects, now: new Date() });

/** Watches until Ctrl-C or the Rollout's deletion, redrawing in place (at most 5 times a second). */
export async function watchRollout(kube: CliKube, found: FoundRollout, noColor: boolean, timeoutMs = 0): Promise<number> {
  const style = styleFor(process.stdout, { noColor });
  const name = found.rollout.metadata.name ?? '';
  let current = found;
  let objects: RolloutObjects = { replicaSets: [], pods: [], analysisRuns: [], jobs: [] };
  // Handlers run while the first lists arrive, before start() has returned the watch; the view is created only
  // once the watch runs, so nothing is drawn (and the cursor is not hidden) before there is something to show.
  const live: { watcher?: RolloutWatch; view?: LiveView; deleted?: boolean } = {};
  let signalDeleted = (): void => undefined;
  const deleted = new Promise<void>((resolve) => {
    signalDeleted = resolve;
  });
  const handlers: WatchHandlers = {
    changed: () => {
      const { watcher } = live;
      if (watcher === undefined) return;
      const rollout = watcher.rollout(kube.namespace, name);
      if (rollout !== undefined) current = { ...current, rollout };
      objects = watcher.objects();
      live.view?.schedule();
    },
    deleted: () => {
      live.deleted = true;
      signalDeleted();
    },
  };
  const interrupt = catchInterrupt();
  let watcher: RolloutWatch;
  try {
    watcher = await RolloutWatch.start(kube, found, handlers, interrupt.signal);
  } catch (error) {
    interrupt.dispose();
    kube.client.close();
    // Ctrl-C while the first lists were loading: nothing was drawn, nothing to clean up.
    if (interrupt.signal.aborted) return ExitCode.success;
    throw error;
  }
  live.watcher = watcher;
  objects = watcher.objects();
  current = { ...current, rollout: watcher.rollout(kube.namespace, name) ?? current.rollout };
  const view = new LiveView(process.stdout, (width) => renderRollout(infoOf(current, objects), { style, now: new Date(), width }), { minIntervalMs: 200, tickMs: 1000 });
  live.view = view;
  view.draw();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    if (timeoutMs > 0) timer = setTimeout(resolve, timeoutMs);
  });
  await untilInterrupted(interrupt, Promise.race([deleted, timedOut]), () => watcher.stop());
  if (timer !== undefined) clearTimeout(timer);
  kube.client.close();
  view.finish(live.deleted === true ? `rollout '${name}' was deleted` : undefined);
  return ExitCode.success;
}

export function getCommand(): Command {
  const get = new Command('get').description('Show a Rollout (status, step, weights, images and its tree of revisions, ReplicaSets and pods) or a Canary');
  const rollout = addKubeOptions(new Command('rollout'))
    .aliases(['ro', 'rollouts'])
    .description('Show a Rollout and the tree of its revisions, ReplicaSets, pods and analysis runs')
    .argument('<name>', 'the Rollout')
    .option('-w, --watch', 'keep watching: redraw in place on every change (Ctrl-C ends)')
    .option('--timeout-seconds <n>', 'with -w: stop watching after this many seconds', positiveIntArg)
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addOption(outputOption(['json', 'yaml']))
    .addHelpText('after', `
The tree shows each revision (newest first) with its ReplicaSets (tagged stable, canary, active, preview; delay:
the time left before a scaled-down ReplicaSet goes), their pods (ready containers, restarts) and analysis runs.
-o json/yaml prints the same information as data (see docs/cli.md).

Examples:
  aviary get rollout web
  aviary get rollout web -w -n shop
  aviary get rollout web -o json | jq .phase`)
    .action(async (name: string, flags: GetFlags, command: Command) => {
      const kube = connect(kubeFlags(command));
      const found = await getRollout(kube, name);
      if (flags.watch === true) {
        if (flags.output !== undefined) process.stderr.write('note: -o is ignored with --watch\n');
        process.exitCode = await watchRollout(kube, found, !flags.color, (flags.timeoutSeconds ?? 0) * 1000);
        return;
      }
      const info = infoOf(found, await fetchRolloutObjects(kube, found));
      if (flags.output !== undefined) {
        await printData(info, flags.output);
        return;
      }
      const style = styleFor(process.stdout, { noColor: !flags.color });
      const width = process.stdout.isTTY ? process.stdout.columns : 0;
      process.stdout.write(`${renderRollout(info, { style, now: new Date(), width }).join('\n')}\n`);
      kube.client.close();
    });
  get.addCommand(rollout);
  get.addCommand(addKubeOptions(new Command('canary'))
    .aliases(['canaries'])
    .description('Show a Canary: its phase, weight, checks, primary and canary workloads and recent Events')
    .argument('<name>', 'the Canary')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addOption(outputOption(['json', 'yaml']))
    .addHelpText('after', `
The status line is judged against the release the target carries now: a Succeeded left by the previous release says
the controller has not noticed the new one yet. -o json/yaml prints the row, the workloads' readiness and the Events.

Examples:
  aviary get canary podinfo -n test
  aviary get canary podinfo -o json | jq .row.phase`)
    .action(async (name: string, flags: Omit<GetFlags, 'watch' | 'timeoutSeconds'>, command: Command) => {
      const kube = connect(kubeFlags(command));
      try {
        const { canary } = await getCanary(kube, name);
        const details = await canaryDetails(kube, canary);
        const view = { canary, row: canaryRow(canary), ...details };
        if (flags.output !== undefined) {
          await printData({ row: view.row, release: details.release, primary: details.primary?.status, target: details.target?.status, events: details.events.map((e) => ({ type: e.type, reason: e.reason, message: e.message, at: e.lastTimestamp ?? e.eventTime })) }, flags.output);
          return;
        }
        const style = styleFor(process.stdout, { noColor: !flags.color });
        process.stdout.write(`${renderCanary(view, { style, now: new Date() }).join('\n')}\n`);
      } finally {
        kube.client.close();
      }
    }));
  return get;
}

import { Command } from 'commander';
import type { Rollout } from '../../api/rollout.ts';
import { formatDuration } from '../../util/duration.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { addKubeOptions, durationArg, kubeFlags, outputOption } from '../flags.ts';
import { rolloutPath, type FoundRollout } from '../../rollout/ref.ts';
import { connect, getRollout, type CliKube } from '../kube.ts';
import { rolloutPhase, statusLine } from '../../view/rollout.ts';
import { parseTarget } from '../action.ts';
import { getCanary } from '../canary-objects.ts';
import { canaryStatus } from '../canary-status.ts';
import { watchObject } from '../watch-object.ts';
import { neitherFoundMessage, type FoundCanary } from '../../canary/perform.ts';

/** The Rollout of that name, else the Canary of that name; neither is exit 4 naming both. */
async function getRolloutOrCanary(kube: CliKube, name: string): Promise<FoundRollout | FoundCanary> {
  let rolloutMissing: ExitError;
  try {
    return await getRollout(kube, name);
  } catch (error) {
    if (!(error instanceof ExitError) || error.exitCode !== ExitCode.notFound) throw error;
    rolloutMissing = error;
  }
  try {
    return await getCanary(kube, name);
  } catch (error) {
    if (error instanceof ExitError && error.exitCode === ExitCode.notFound) throw new ExitError(neitherFoundMessage(rolloutMissing.message, { namespace: kube.namespace, name, groups: kube.groups }), ExitCode.notFound);
    throw error;
  }
}

interface StatusFlags {
  watch: boolean;
  timeout?: number;
  failOnPause?: boolean;
  output?: 'json';
}

export type StatusOutcome = 'healthy' | 'degraded' | 'paused' | 'timeout' | 'deleted' | 'interrupted';

/** Where watching stops for a Rollout in this state, or undefined to keep watching. */
export function settled(rollout: Rollout, failOnPause: boolean): StatusOutcome | undefined {
  const { phase } = rolloutPhase(rollout);
  if (phase === 'Healthy') return 'healthy';
  if (phase === 'Degraded') return 'degraded';
  if (phase === 'Paused' && failOnPause) return 'paused';
  return undefined;
}

export function exitCodeOf(outcome: StatusOutcome | undefined): number {
  switch (outcome) {
    case undefined:
    case 'healthy': return ExitCode.success;
    case 'degraded': return ExitCode.failed;
    case 'paused': return ExitCode.paused;
    case 'timeout': return ExitCode.timeout;
    case 'deleted': return ExitCode.notFound;
    case 'interrupted': return 130;
  }
}

function printer(json: boolean): (rollout: Rollout) => void {
  let last = '';
  return (rollout) => {
    const line = statusLine(rollout);
    if (line === last) return;
    last = line;
    if (json) {
      const { phase, message } = rolloutPhase(rollout);
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), phase, ...(message === undefined ? {} : { message }) })}\n`);
    } else {
      process.stdout.write(`${line}\n`);
    }
  };
}

/** Watches the Rollout until it settles, times out, or is deleted. */
function watchStatus(kube: CliKube, found: FoundRollout, flags: StatusFlags): Promise<StatusOutcome> {
  const print = printer(flags.output === 'json');
  return watchObject<StatusOutcome>(kube, {
    resource: { apiVersion: found.rollout.apiVersion ?? '', kind: 'Rollout', plural: 'rollouts' },
    name: found.rollout.metadata.name ?? '',
    first: found.rollout,
    timeoutMs: flags.timeout,
    seen: (obj, finish) => {
      const rollout = obj as Rollout;
      print(rollout);
      const done = settled(rollout, flags.failOnPause === true);
      if (done !== undefined) finish(done);
    },
  });
}

export function statusCommand(): Command {
  return addKubeOptions(new Command('status'))
    .description('Print the status of a Rollout or a Canary as it changes, until it is done (exit code says how)')
    .argument('<target>', 'the Rollout (NAME or rollout/NAME) or the Canary (canary/NAME, or NAME when no Rollout has it)')
    .option('-w, --watch', 'keep watching until Healthy, Degraded, paused (with --fail-on-pause) or the timeout (default)', true)
    .option('--no-watch', 'print the status once')
    .option('-t, --timeout <duration>', 'give up after this long (exit 2), e.g. 10m; default: no limit', durationArg)
    .option('--fail-on-pause', 'stop with exit code 3 as soon as the Rollout pauses')
    .addOption(outputOption(['json']))
    .addHelpText('after', `
Each change prints "Phase - message" (-o json: one JSON object per line). The exit code, as for every command:
0 Healthy, 1 Degraded (aborted, progress deadline exceeded, invalid spec), 2 timeout, 3 paused (--fail-on-pause),
4 not found (or deleted while watched), 64 usage error; 130 when interrupted.

A Canary is done when Succeeded (or Initialized) for the release its target carries now (0), Failed or Invalid (1);
--fail-on-pause stops at a confirm-rollout or confirm-promotion gate or a pause (3).

Examples:
  aviary status web --timeout 10m
  aviary status canary/podinfo --timeout 10m
  aviary status web --fail-on-pause || aviary get rollout web`)
    .action(async (target: string, flags: StatusFlags, command: Command) => {
      const kube = connect(kubeFlags(command));
      const { kind, name } = parseTarget(target);
      if (kind === 'canary') {
        await canaryStatus(kube, await getCanary(kube, name), flags);
        return;
      }
      const found = kind === 'rollout' ? await getRollout(kube, name) : await getRolloutOrCanary(kube, name);
      if ('canary' in found) {
        await canaryStatus(kube, found, flags);
        return;
      }
      if (!flags.watch) {
        kube.client.close();
        printer(flags.output === 'json')(found.rollout);
        process.exitCode = exitCodeOf(settled(found.rollout, flags.failOnPause === true));
        return;
      }
      const outcome = await watchStatus(kube, found, flags);
      kube.client.close();
      if (outcome === 'timeout') throw new ExitError(`rollout '${name}' did not become Healthy within ${formatDuration(flags.timeout ?? 0)}`, ExitCode.timeout);
      if (outcome === 'deleted') throw new ExitError(`rollout '${name}' was deleted (${rolloutPath(found.group, kube.namespace, name)})`, ExitCode.notFound);
      process.exitCode = exitCodeOf(outcome);
    });
}

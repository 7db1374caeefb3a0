/**
 * `aviary status canary/NAME`: one line per change of the Canary until it settles for the release its target carries
 * now (Succeeded or Initialized: exit 0; Failed or Invalid: 1; at a gate or paused with --fail-on-pause: 3), the
 * timeout (2) or its deletion (4). Each change of the Canary re-reads the target's release, so a result left by the
 * previous release never ends the wait.
 */
import type { Canary } from '../api/canary.ts';
import type { FoundCanary } from '../canary/perform.ts';
import { formatDuration } from '../util/duration.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { canaryOutcome, canaryRow, canaryStatusLine, type CanaryOutcome } from '../view/canary.ts';
import { currentRelease } from './canary-objects.ts';
import type { CliKube } from './kube.ts';
import { watchObject, type WaitEnding } from './watch-object.ts';

export interface CanaryStatusFlags {
  watch: boolean;
  timeout?: number;
  failOnPause?: boolean;
  output?: 'json';
}

type Ending = 'succeeded' | 'failed' | 'paused';

function endingOf(outcome: CanaryOutcome, failOnPause: boolean): Ending | undefined {
  if (outcome === 'succeeded' || outcome === 'failed') return outcome;
  if ((outcome === 'waiting' || outcome === 'paused') && failOnPause) return 'paused';
  return undefined;
}

function exitCodeOf(ending: WaitEnding<Ending> | undefined): number {
  switch (ending) {
    case undefined:
    case 'succeeded': return ExitCode.success;
    case 'failed': return ExitCode.failed;
    case 'paused': return ExitCode.paused;
    case 'timeout': return ExitCode.timeout;
    case 'deleted': return ExitCode.notFound;
    case 'interrupted': return 130;
  }
}

function printer(json: boolean): (canary: Canary, release: string | undefined) => void {
  let last = '';
  return (canary, release) => {
    const line = canaryStatusLine(canary, release);
    if (line === last) return;
    last = line;
    if (json) process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), phase: canaryRow(canary).phase, line })}\n`);
    else process.stdout.write(`${line}\n`);
  };
}

export async function canaryStatus(kube: CliKube, found: FoundCanary, flags: CanaryStatusFlags): Promise<void> {
  const name = found.canary.metadata.name ?? '';
  const print = printer(flags.output === 'json');
  const failOnPause = flags.failOnPause === true;
  if (!flags.watch) {
    const release = await currentRelease(kube, found.canary);
    kube.client.close();
    print(found.canary, release);
    process.exitCode = exitCodeOf(endingOf(canaryOutcome(found.canary, release), failOnPause));
    return;
  }
  // Changes are judged one at a time, in order: each reads the target's release, which takes a request or two.
  let judging = Promise.resolve();
  let ending: WaitEnding<Ending>;
  try {
    ending = await watchObject<Ending>(kube, {
      resource: { apiVersion: found.canary.apiVersion ?? '', kind: 'Canary', plural: 'canaries' },
      name,
      first: found.canary,
      timeoutMs: flags.timeout,
      seen: (obj, finish) => {
        const canary = obj as Canary;
        judging = judging.then(async () => {
          const release = await currentRelease(kube, canary);
          print(canary, release);
          const settled = endingOf(canaryOutcome(canary, release), failOnPause);
          if (settled !== undefined) finish(settled);
        }).catch((error: unknown) => {
          process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
          finish('failed');
        });
      },
    });
  } finally {
    await judging;
    kube.client.close();
  }
  if (ending === 'timeout') throw new ExitError(`canary '${name}' did not finish its release within ${formatDuration(flags.timeout ?? 0)}`, ExitCode.timeout);
  if (ending === 'deleted') throw new ExitError(`canary '${name}' was deleted`, ExitCode.notFound);
  process.exitCode = exitCodeOf(ending);
}

import { readSource } from '../read-source.ts';
import { Command, InvalidArgumentError } from 'commander';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { durationArg } from '../flags.ts';
import { parseFailMode, type ResourceSettings } from '../../track/annotations.ts';
import { loadKubeConnection } from '../../runtime/kubeconfig.ts';
import type { Outcome, TrackResult } from '../../track/events.ts';
import { colors, eventLine, noColors, summaryText } from '../../track/render/format.ts';
import { LiveRenderer } from '../../track/render/tty.ts';
import { parseRulesFile, RuleError, type CompiledRule } from '../../track/rules/generic.ts';
import { parseTargetArgs, TargetError, targetsFromManifests, type TrackTarget } from '../../track/targets.ts';
import { track, type TrackOptions } from '../../track/track.ts';

interface Options {
  namespace?: string;
  filename: string[];
  selector?: string;
  output: string;
  timeout: number;
  activityTimeout?: number;
  failOnPause?: boolean;
  failMode?: string;
  failuresAllowedPerReplica?: number;
  rules?: string;
  unschedulableGrace: number;
  failedMountGrace: number;
  logs: boolean;
  events: boolean;
  logRegex?: string;
  containers?: string;
  plain?: boolean;
  kubeconfig?: string;
  context?: string;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The exit code for an outcome: the convention every Aviary command shares. */
export function exitCodeFor(outcome: Outcome): number {
  switch (outcome) {
    case 'ready': return ExitCode.success;
    case 'failed': return ExitCode.failed;
    case 'timeout': return ExitCode.timeout;
    case 'paused': return ExitCode.paused;
    case 'not-found': return ExitCode.notFound;
    case 'invalid': return ExitCode.usage;
    case 'error': return ExitCode.failed;
    case 'interrupted': return 130;
  }
}


async function buildTargets(args: string[], opts: Options): Promise<TrackTarget[]> {
  const targets: TrackTarget[] = [];
  try {
    if (args.length > 0 || opts.filename.length === 0) targets.push(...parseTargetArgs(args, opts.selector, opts.namespace));
    for (const file of opts.filename) {
      for (const t of targetsFromManifests(await readSource(file), file === '-' ? 'stdin' : file)) {
        targets.push(t.namespace === undefined && opts.namespace !== undefined ? { ...t, namespace: opts.namespace } : t);
      }
    }
  } catch (error) {
    if (error instanceof TargetError) throw new ExitError(error.message, ExitCode.usage);
    throw error;
  }
  return targets;
}

async function buildOptions(opts: Options): Promise<TrackOptions> {
  const settings: Partial<ResourceSettings> = {};
  if (opts.failMode !== undefined) {
    const mode = parseFailMode(opts.failMode);
    if (mode === undefined) throw new ExitError(`--fail-mode must be fail-fast, ignore or hope, got "${opts.failMode}"`, ExitCode.usage);
    settings.failMode = mode;
  }
  if (opts.failuresAllowedPerReplica !== undefined) settings.failuresAllowedPerReplica = opts.failuresAllowedPerReplica;
  if (opts.activityTimeout !== undefined) settings.noActivityTimeoutMs = opts.activityTimeout;
  if (opts.logRegex !== undefined) {
    try {
      settings.logRegex = new RegExp(opts.logRegex);
    } catch {
      throw new ExitError(`--log-regex is not a valid regular expression: ${opts.logRegex}`, ExitCode.usage);
    }
  }
  if (opts.containers !== undefined) settings.showLogsOnlyForContainers = opts.containers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  let rules: CompiledRule[] = [];
  if (opts.rules !== undefined) {
    try {
      rules = parseRulesFile(await readSource(opts.rules));
    } catch (error) {
      if (error instanceof RuleError) throw new ExitError(`${opts.rules}: ${error.message}`, ExitCode.usage);
      throw error;
    }
  }
  let kubeConfig;
  try {
    kubeConfig = loadKubeConnection({ kubeconfig: opts.kubeconfig, context: opts.context });
  } catch (error) {
    throw new ExitError(`cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}`, ExitCode.usage);
  }
  const options: TrackOptions = {
    kubeConfig,
    timeoutMs: opts.timeout,
    failOnPause: opts.failOnPause === true,
    settings,
    rules,
    unschedulableGraceMs: opts.unschedulableGrace,
    failedMountGraceMs: opts.failedMountGrace,
    logs: opts.logs,
    events: opts.events,
  };
  if (opts.namespace !== undefined) options.namespace = opts.namespace;
  return options;
}

export function trackCommand(): Command {
  return new Command('track')
    // Commander errors (a bad option value) reach main(), which maps them to the usage exit code.
    .exitOverride()
    .description('Follow resources until they are ready at the revision just applied, or clearly failed (for CI)')
    .argument('[targets...]', 'TYPE/NAME: deploy/api sts/db ds/agent job/migrate po/x rollout/web canary/web, or any TYPE[.GROUP]/NAME')
    .option('-n, --namespace <namespace>', 'namespace of targets that do not name one (default: the kubeconfig context\'s)')
    .option('-f, --filename <file>', 'track every object the manifest file defines ("-" reads stdin); repeatable', collect, [])
    .option('-l, --selector <selector>', 'track the objects matching a label selector (of the given types, or of every trackable kind)')
    .option('-o, --output <format>', 'text (a live view on a terminal, lines otherwise) or json (one event per line)', 'text')
    .option('--timeout <duration>', 'overall time limit; 0 for none', durationArg, 15 * 60_000)
    .option('--activity-timeout <duration>', 'fail a resource when nothing about it changes for this long (default: 4m for generic resources, none for the rest)', durationArg)
    .option('--fail-on-pause', 'exit 3 as soon as a resource pauses (a Rollout at a pause step, a paused Deployment, a Canary awaiting approval)')
    .option('--fail-mode <mode>', 'what a failure does by default: fail-fast, ignore, or hope (fail only if still failed at the end)')
    .option('--failures-allowed-per-replica <n>', 'distinct pod failures tolerated per replica before a resource fails (default 0)', count)
    .option('--rules <file>', 'readiness rules for other kinds (YAML; see docs/track.md)')
    .option('--unschedulable-grace <duration>', 'how long a pod may stay Unschedulable before that is a failure', durationArg, 30_000)
    .option('--failed-mount-grace <duration>', 'how long FailedMount may last before that is a failure', durationArg, 30_000)
    .option('--no-logs', 'do not stream pod logs')
    .option('--no-events', 'do not show Kubernetes Events')
    .option('--log-regex <regex>', 'show only log lines matching this')
    .option('--containers <names>', 'show logs only of these containers (comma-separated)')
    .option('--plain', 'line-by-line output even on a terminal')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .addHelpText('after', `
Readiness is fenced by revision: the generation (or template hash, or revision) read when tracking begins must be the
one that is ready; the previous revision still looking healthy never counts. Resources may tune tracking with werf's
annotations (werf.io/fail-mode, werf.io/failures-allowed-per-replica, ...) or Aviary's (aviary.dev/track-...).

Examples:
  aviary track deploy/api sts/db job/migrate rollout/web -n prod
  kubectl apply -f release.yaml && aviary track -f release.yaml --timeout 10m
  aviary track -l app.kubernetes.io/instance=shop -n shop -o json`)
    .action(async (args: string[], opts: Options) => {
      if (opts.output !== 'text' && opts.output !== 'json') throw new ExitError(`--output must be "text" or "json", got "${opts.output}"`, ExitCode.usage);
      const targets = await buildTargets(args, opts);
      const options = await buildOptions(opts);
      const tracking = track(targets, options);
      const interrupt = (): void => { tracking.stop(); };
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      const out = process.stdout;
      const failedEarly = (r: TrackResult): boolean => r.resources.length === 0 && r.outcome !== 'ready';
      if (opts.output === 'json') {
        for await (const e of tracking.events) out.write(`${JSON.stringify(e)}\n`);
      } else if (out.isTTY && opts.plain !== true) {
        const live = new LiveRenderer(out, colors);
        for await (const e of tracking.events) {
          if (e.type === 'done') live.finish(e.result, !failedEarly(e.result));
          else live.handle(e);
        }
      } else {
        const c = out.isTTY ? colors : noColors;
        for await (const e of tracking.events) {
          if (e.type === 'done') {
            if (!failedEarly(e.result)) out.write(`${summaryText(e.result, c)}\n`);
            continue;
          }
          const line = eventLine(e, c);
          if (line !== undefined) out.write(`${line}\n`);
        }
      }
      const result = await tracking.result;
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      // Nothing was tracked (not found, bad input, no API server): say why where errors go, like every command.
      if (failedEarly(result)) process.stderr.write(`error: ${result.message}\n`);
      process.exitCode = exitCodeFor(result.outcome);
    });
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { runCanaryDemo } from '../../demo/canary-demo.ts';
import { demoEpilogue, runDemo } from '../../demo/run.ts';
import { scenarioNames, type ScenarioName } from '../../demo/scenarios.ts';
import { parseDuration } from '../../util/duration.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';

interface DemoFlags {
  interactive: boolean;
  namespace: string;
  timeout: number;
  scenario?: ScenarioName;
  failing: boolean;
  kubeconfig?: string;
  context?: string;
}

function namespaceName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) throw new InvalidArgumentError('must be a namespace name (lower-case letters, digits and "-", at most 63)');
  return value;
}

function duration(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
  if (!(ms > 0)) throw new InvalidArgumentError('must be a positive duration, e.g. 90s or 5m');
  return ms;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run a canary release end to end on the local cluster (started if needed) and show it step by step')
    .addOption(new Option('--scenario <name>', 'which example to release (default canary; canary-analysis with --failing); flagger: the Canary of examples/flagger').choices(scenarioNames))
    .option('--failing', 'release a version that fails its analysis (a real Prometheus metric) and watch Aviary roll it back (canary-analysis, flagger)', false)
    .option('--no-interactive', 'promote pauses by itself instead of waiting for Enter (the default when not on a terminal)')
    .option('-n, --namespace <ns>', 'namespace for the example; recreated on every run', namespaceName, 'aviary-demo')
    .addOption(new Option('--timeout <duration>', 'give up after this long, not counting the cluster start (e.g. 90s, 5m)').argParser(duration).default(5 * 60_000, '5m'))
    .option('--kubeconfig <file>', 'run on this cluster instead of the local one')
    .option('--context <name>', 'kubeconfig context (with --kubeconfig or $KUBECONFIG)')
    .addHelpText('after', '\nThe local cluster stays up afterwards; `aviary cluster down` stops it.')
    .action(async (flags: DemoFlags) => {
      const interactive = flags.interactive && process.stdin.isTTY && process.stdout.isTTY;
      const scenario = flags.scenario ?? (flags.failing ? 'canary-analysis' : 'canary');
      if (flags.failing && scenario !== 'canary-analysis' && scenario !== 'flagger') throw new ExitError('--failing needs --scenario canary-analysis or flagger (the examples whose release a metric judges)', ExitCode.usage);
      const result = await (scenario === 'flagger' ? runCanaryDemo : runDemo)({
        scenario,
        failing: flags.failing,
        namespace: flags.namespace,
        timeoutMs: flags.timeout,
        interactive,
        ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
        ...(flags.context === undefined ? {} : { context: flags.context }),
      });
      process.stdout.write(demoEpilogue(result, flags.namespace, scenario === 'flagger' ? 'canaries.flagger.app,deployments,services,httproutes' : undefined));
    });
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { aviaryGroup } from '../../api/groups.ts';
import { canaryProviders } from '../../api/canary.ts';
import { compatModes } from '../../install/manifests.ts';
import { addControllers } from '../../rollout/run.ts';
import { createLogger } from '../../runtime/logger.ts';
import { Manager } from '../../runtime/manager.ts';
import { loadKubeConnection } from '../../runtime/kubeconfig.ts';

interface ControllerFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  metricsAddr: string;
  leaderElect: boolean;
  leaseNamespace: string;
  workers: number;
  logLevel: string;
  instanceId?: string;
  compat: string[];
  meshProvider: string;
  metricsServer: string;
}

function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('must be a whole number from 1 to 256');
  return n;
}

function compatMode(value: string, previous: string[]): string[] {
  if (!(value in compatModes)) throw new InvalidArgumentError(`unknown compatibility mode "${value}" (known: ${Object.keys(compatModes).join(', ')})`);
  return [...previous, value];
}

export function controllerCommand(): Command {
  return new Command('controller')
    .description('Run the Aviary controller: reconcile Rollouts and Canaries in aviary.dev (and, with --compat argo, argoproj.io Rollouts; with --compat flagger, flagger.app Canaries)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'only reconcile objects in this namespace (default: all)')
    .option('--metrics-addr <addr>', 'address of /healthz, /readyz and /metrics ("off" to disable)', ':8090')
    .option('--leader-elect', 'elect a leader through a Lease, so only one of several replicas reconciles', false)
    .option('--lease-namespace <ns>', 'namespace of the leader-election Lease', 'aviary-system')
    .option('--workers <n>', 'concurrent reconciles per kind', workerCount, 10)
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .option('--instance-id <id>', 'name of this controller instance (Lease name suffix) when several run in one cluster')
    .option('--compat <mode>', 'also reconcile a peer\'s API group unmodified: argo (argoproj.io Rollouts), flagger (flagger.app Canaries); repeatable', compatMode, [])
    .addOption(new Option('--mesh-provider <provider>', 'provider of Canaries without spec.provider').choices([...canaryProviders]).default('kubernetes'))
    .option('--metrics-server <url>', 'Prometheus of Canaries without spec.metricsServer', 'http://prometheus:9090')
    .action(async (flags: ControllerFlags) => {
      // No client-node at start-up (see runtime/kubeconfig.ts): the controller's memory budget is tight.
      const kubeConfig = loadKubeConnection({ kubeconfig: flags.kubeconfig, context: flags.context });
      const logger = createLogger({ level: flags.logLevel, name: 'aviary-controller' });
      const leaseName = flags.instanceId === undefined ? 'aviary-controller' : `aviary-controller-${flags.instanceId}`;
      const manager = new Manager({
        kubeConfig,
        logger,
        address: flags.metricsAddr === 'off' ? false : flags.metricsAddr,
        leaderElection: flags.leaderElect ? { namespace: flags.leaseNamespace, name: leaseName } : false,
      });
      for (const group of [aviaryGroup, ...flags.compat.map((m) => compatModes[m]).filter((g) => g !== undefined)]) {
        const missing = await addControllers(manager, group, {
          workers: flags.workers, defaultProvider: flags.meshProvider, metricsServer: flags.metricsServer,
          ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        });
        // Optional kinds: a cluster with only the Rollout CRD still gets Rollouts reconciled.
        for (const kind of missing) logger.warn({ group: group.name }, `${kind} CRD not installed: those objects are not reconciled (\`aviary install\` adds it)`);
      }
      logger.info({ compat: flags.compat, namespace: flags.namespace ?? '(all)', leaderElect: flags.leaderElect }, 'starting');
      await manager.run();
    });
}

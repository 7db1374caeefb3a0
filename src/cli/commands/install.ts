import { Command, InvalidArgumentError } from 'commander';
import pc from 'picocolors';
import type { CustomResourceDefinition } from '../../api/crd.ts';
import { applyObjects, CrdWaitTimeout, waitForCrds } from '../../install/apply.ts';
import { compatModes, installManifests, manifestsYaml, type InstallObject } from '../../install/manifests.ts';
import { loadKubeConnection } from '../../runtime/kubeconfig.ts';
import { KubeClient } from '../../runtime/rest.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';

interface InstallFlags {
  print?: boolean;
  compat: string[];
  canaries: boolean;
  kubeconfig?: string;
  context?: string;
}

function compatMode(value: string, previous: string[]): string[] {
  if (!(value in compatModes)) throw new InvalidArgumentError(`unknown compatibility mode "${value}" (known: ${Object.keys(compatModes).join(', ')})`);
  return previous.includes(value) ? previous : [...previous, value];
}

const progress = (message: string): void => {
  process.stderr.write(`${pc.dim('•')} ${message}\n`);
};

const isCrd = (obj: InstallObject): obj is CustomResourceDefinition => obj.kind === 'CustomResourceDefinition';

export function installCommand(): Command {
  return new Command('install')
    .description('Install Aviary into the current cluster: CRDs, the aviary-system namespace, least-privilege RBAC and the controller Deployment')
    .option('--print', 'print the manifests as multi-document YAML instead of applying them')
    .option('--compat <mode>', 'also serve a peer\'s API group: argo (argoproj.io Rollouts), flagger (flagger.app Canaries): CRDs, RBAC and controller flag', compatMode, [])
    .option('--no-canaries', 'leave out Canaries (Flagger\'s shape): their CRDs and the Canary controller\'s permissions (creating workloads and Services, watching ConfigMaps and Secrets)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .addHelpText('after', '\nApplies with server-side apply (field manager "aviary") and waits until the CRDs are Established.\nThe same manifests, for kubectl: deploy/install.yaml (kubectl apply --server-side -f deploy/install.yaml).')
    .action(async (flags: InstallFlags) => {
      if (!flags.canaries && flags.compat.includes('flagger')) throw new ExitError('--compat flagger serves Canaries: it cannot be combined with --no-canaries', ExitCode.usage);
      const objects = installManifests({ compat: flags.compat.map((mode) => compatModes[mode]).filter((g) => g !== undefined), canaries: flags.canaries });
      if (flags.print === true) {
        process.stdout.write(manifestsYaml(objects));
        return;
      }
      const connection = loadKubeConnection({ kubeconfig: flags.kubeconfig, context: flags.context });
      const client = new KubeClient(connection, { userAgent: 'aviary-install' });
      try {
        progress(`installing into ${connection.server}`);
        await applyObjects(client, objects, { onApplied: (_obj, description) => { progress(`applied ${description}`); } });
        const crds = objects.filter(isCrd);
        await waitForCrds(client, crds, { timeoutMs: 60_000 });
        progress(`CRDs established: ${crds.map((c) => c.metadata.name).join(', ')}`);
        progress('installed; the controller runs in namespace aviary-system (kubectl -n aviary-system get deploy aviary-controller)');
      } catch (error) {
        if (error instanceof CrdWaitTimeout) throw new ExitError(error.message, ExitCode.timeout);
        if (error instanceof ExitError) throw error;
        throw new ExitError(`install failed: ${error instanceof Error ? error.message : String(error)}`, ExitCode.failed, { cause: error });
      } finally {
        client.close();
      }
    });
}

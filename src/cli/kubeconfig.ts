import { KubeConfig } from '@kubernetes/client-node';
import { ExitError, ExitCode } from '../util/exit-codes.ts';

export interface KubeconfigFlags {
  kubeconfig?: string;
  context?: string;
}

/** The cluster to talk to: --kubeconfig, else $KUBECONFIG, ~/.kube/config or in-cluster; --context picks a context. */
export function loadKubeconfigFromFlags(flags: KubeconfigFlags): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (flags.kubeconfig !== undefined) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new ExitError(`cannot load kubeconfig${flags.kubeconfig === undefined ? '' : ` ${flags.kubeconfig}`}: ${error instanceof Error ? error.message : String(error)}`, ExitCode.usage);
  }
  if (flags.context !== undefined) {
    if (kc.getContextObject(flags.context) === null) {
      throw new ExitError(`--context: no context named "${flags.context}" in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ')})`, ExitCode.usage);
    }
    kc.setCurrentContext(flags.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new ExitError('no cluster configured: pass --kubeconfig, set KUBECONFIG, or start the local cluster with `aviary cluster up`', ExitCode.usage);
  }
  return kc;
}

import { CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Applier } from '../../src/runtime/apply.ts';
import { KubeClient } from '../../src/runtime/rest.ts';
import { parseAllDocuments } from 'yaml';

/**
 * The test bed's cluster (the global setup points KUBECONFIG at the local control plane), or the one of a kubeconfig
 * file. Tests and benchmarks deliberately check Aviary through client-node, a second, independent client: a fault in
 * Aviary's own REST layer cannot then hide itself (docs/adr/0007-one-kubernetes-stack.md).
 */
export function kubeConfig(file = process.env.KUBECONFIG): KubeConfig {
  if (file === undefined || file === '') throw new Error('KUBECONFIG is not set: run e2e tests through `npm run test:e2e`');
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

export const fieldManager = 'aviary-test';

/** Parses multi-document YAML into objects, skipping empty documents. */
export function parseManifests(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as KubernetesObject | null;
    })
    .filter((obj): obj is KubernetesObject => obj !== null);
}

/**
 * Server-side applies every document of a (multi-document) YAML text, in order, into the namespace unless a
 * document names its own. Returns the objects as the API server stored them.
 */
export async function applyYaml(kc: KubeConfig, text: string, namespace?: string): Promise<KubernetesObject[]> {
  const applier = new Applier(new KubeClient(kc), fieldManager);
  const applied: KubernetesObject[] = [];
  for (const obj of parseManifests(text)) applied.push(await applier.apply(obj, namespace));
  return applied;
}

export function coreApi(kc: KubeConfig): CoreV1Api {
  return kc.makeApiClient(CoreV1Api);
}

import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

/** The test bed's cluster: the global setup points KUBECONFIG at the local control plane. */
export function kubeConfig(): KubeConfig {
  const file = process.env.KUBECONFIG;
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
  const api = kc.makeApiClient(ObjectApi);
  const applied: KubernetesObject[] = [];
  for (const obj of parseManifests(text)) {
    const body: KubernetesObject = { ...obj, metadata: { ...obj.metadata } };
    if (namespace !== undefined && body.metadata?.namespace === undefined && (await api.isNamespaced(obj.apiVersion ?? '', obj.kind ?? ''))) {
      body.metadata = { ...body.metadata, namespace };
    }
    applied.push(await api.patch(body, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply));
  }
  return applied;
}

/** Exposes the discovery lookup the generic client already does, to place namespaced objects in the test's namespace. */
class ObjectApi extends KubernetesObjectApi {
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind))?.namespaced === true;
  }
}

export function coreApi(kc: KubeConfig): CoreV1Api {
  return kc.makeApiClient(CoreV1Api);
}

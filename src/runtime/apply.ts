import type { KubeObject } from './objects.ts';
import { resourcePath, type KubeClient } from './rest.ts';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/**
 * Server-side apply of arbitrary objects over the raw REST client. Objects travel as the JSON they are, so
 * fields like `x-kubernetes-int-or-string` in a CRD survive (client-node's typed serializer drops what its models
 * do not name). The resource name and scope come from API discovery, cached per group/version.
 */
export class Applier {
  readonly #client: KubeClient;
  readonly #fieldManager: string;
  readonly #discovery = new Map<string, Promise<ApiResource[]>>();

  constructor(client: KubeClient, fieldManager: string) {
    this.#client = client;
    this.#fieldManager = fieldManager;
  }

  /** Applies one object (forcing ownership of its fields), defaulting the namespace of namespaced kinds. */
  async apply<T extends KubeObject>(obj: T, defaultNamespace?: string, signal?: AbortSignal): Promise<T> {
    const apiVersion = obj.apiVersion ?? '';
    const kind = obj.kind ?? '';
    const name = obj.metadata?.name;
    if (apiVersion === '' || kind === '' || name === undefined || name === '') {
      throw new Error(`cannot apply an object without apiVersion, kind and metadata.name (${apiVersion} ${kind} ${name ?? ''})`);
    }
    const resource = await this.resourceFor(apiVersion, kind);
    const namespace = resource.namespaced ? (obj.metadata?.namespace ?? defaultNamespace ?? 'default') : undefined;
    const body = { ...obj, metadata: { ...obj.metadata, ...(namespace === undefined ? {} : { namespace }) } };
    return this.#client.request<T>({
      method: 'PATCH',
      path: resourcePath(apiVersion, resource.name, namespace, name),
      query: { fieldManager: this.#fieldManager, force: true },
      body,
      contentType: 'application/apply-patch+yaml',
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    let resources = this.#discovery.get(apiVersion);
    if (resources === undefined) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      resources = this.#client.get<{ resources: ApiResource[] }>(path).then((list) => list.resources.filter((r) => !r.name.includes('/')));
      this.#discovery.set(apiVersion, resources);
      // A failed lookup (e.g. a CRD not established yet) must not be cached.
      resources.catch(() => this.#discovery.delete(apiVersion));
    }
    const found = (await resources).find((r) => r.kind === kind);
    if (found === undefined) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return found;
  }
}

import { ApiDiscovery, type ApiResource } from './discovery.ts';
import type { KubeObject } from './objects.ts';
import { resourcePath, type KubeClient } from './rest.ts';

/**
 * Server-side apply of arbitrary objects over the raw REST client. Objects travel as the JSON they are, so
 * fields like `x-kubernetes-int-or-string` in a CRD survive (client-node's typed serializer drops what its models
 * do not name). The resource name and scope come from API discovery, cached per group/version.
 */
export class Applier {
  readonly #client: KubeClient;
  readonly #fieldManager: string;
  readonly #discovery: ApiDiscovery;

  constructor(client: KubeClient, fieldManager: string) {
    this.#client = client;
    this.#fieldManager = fieldManager;
    this.#discovery = new ApiDiscovery(client);
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
    const found = await this.#discovery.resourceFor(apiVersion, kind);
    if (found === undefined) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return found;
  }
}

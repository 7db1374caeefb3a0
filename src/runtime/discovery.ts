import { isNotFound, type KubeClient } from './rest.ts';

/** A REST resource of a group version, as API discovery lists it. */
export interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  /** As discovery serves them; what people type (`aviary track deploy/x`) is matched against these too. */
  singularName?: string;
  shortNames?: string[];
}

/**
 * API discovery per group version: which REST resource serves a kind, and whether it is namespaced. Only answers
 * that list resources are cached: a group whose CRDs are not established yet is asked again next time.
 */
export class ApiDiscovery {
  readonly #client: KubeClient;
  readonly #cache = new Map<string, Promise<ApiResource[]>>();

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /** The top-level resources of a group version (`v1`, `apps/v1`, `aviary.dev/v1alpha1`); [] when it is not served. */
  resources(apiVersion: string): Promise<ApiResource[]> {
    let resources = this.#cache.get(apiVersion);
    if (resources === undefined) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      resources = this.#client.get<{ resources?: ApiResource[] }>(path).then(
        (list) => (list.resources ?? []).filter((r) => !r.name.includes('/')),
        (error: unknown) => {
          if (isNotFound(error)) return [];
          throw error;
        },
      );
      this.#cache.set(apiVersion, resources);
      resources.then((found) => {
        if (found.length === 0) this.#cache.delete(apiVersion);
      }, () => this.#cache.delete(apiVersion));
    }
    return resources;
  }

  /** The resource serving `kind` in the group version, or undefined when none does. */
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return (await this.resources(apiVersion)).find((r) => r.kind === kind);
  }
}

/**
 * Whether the API server serves a resource in an API version (`aviary.dev/v1alpha1`, `analysisruns`): its CRD is
 * installed and established. Optional kinds are probed this way before an informer is started for them, since an
 * informer of a resource that is not served would never sync.
 */
export async function servesResource(client: KubeClient, apiVersion: string, plural: string): Promise<boolean> {
  return (await new ApiDiscovery(client).resources(apiVersion)).some((r) => r.name === plural);
}

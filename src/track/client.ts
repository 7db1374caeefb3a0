import {
  ApiException,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  Watch,
  type KubernetesObject,
  type RequestContext,
} from '@kubernetes/client-node';
import type { KObject } from './model.ts';

/** A resource type as discovery describes it. */
export interface ApiResource {
  group: string;
  version: string;
  /** The plural, as used in paths: `deployments`. */
  name: string;
  kind: string;
  singularName: string;
  namespaced: boolean;
  shortNames: string[];
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
}

/** The path of a collection: `/apis/apps/v1/namespaces/ns/deployments` (or `/api/v1/...` for the core group). */
export function collectionPath(resource: Pick<ApiResource, 'group' | 'version' | 'name' | 'namespaced'>, namespace: string | undefined): string {
  const base = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns = resource.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource.name}`;
}

/**
 * Raw JSON access to the API server through client-node's HTTP stack (its authentication and TLS), so that objects
 * reach the rules exactly as the API server sends them — the same shape a watch delivers.
 */
class RawApi extends KubernetesObjectApi {
  async getJson(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    const ctx: RequestContext = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    for (const [k, v] of Object.entries(query)) if (v !== undefined) ctx.setQueryParam(k, String(v));
    return this.requestPromise<KubernetesObject>(ctx, 'any');
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

export function isForbidden(error: unknown): boolean {
  return error instanceof ApiException && error.code === 403;
}

/** The API server's own message from an error response, without client-node's headers dump. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as { message?: unknown } | string | undefined;
    if (typeof body === 'object' && typeof body.message === 'string') return body.message;
    if (typeof body === 'string' && body !== '') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') return parsed.message;
      } catch {
        return body;
      }
    }
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Drops what the tracker never reads and what makes cached objects large. */
export function slim<T extends KObject>(obj: T): T {
  const meta = obj.metadata;
  if (meta?.managedFields !== undefined) delete meta.managedFields;
  const annotations = meta?.annotations;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined) {
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  }
  return obj;
}

export class KubeClient {
  readonly kc: KubeConfig;
  private readonly raw: RawApi;
  private readonly groupVersions = new Map<string, Promise<string | undefined>>();
  private readonly resourceLists = new Map<string, Promise<ApiResource[]>>();
  private allGroups?: Promise<{ group: string; version: string }[]>;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.raw = kc.makeApiClient(RawApi);
  }

  /** The namespace of the kubeconfig's current context, or `default`. */
  defaultNamespace(): string {
    const ctx = this.kc.getContextObject(this.kc.getCurrentContext());
    return ctx?.namespace ?? 'default';
  }

  get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    return this.raw.getJson(path, query);
  }

  async list(path: string, query: Record<string, string | number | undefined> = {}): Promise<ListResult> {
    const body = (await this.get(path, query)) as { apiVersion?: string; kind?: string; items?: KObject[]; metadata?: { resourceVersion?: string } };
    // Items of a list carry no apiVersion/kind of their own; rules read both, as watch events provide them.
    const kind = body.kind?.endsWith('List') === true ? body.kind.slice(0, -'List'.length) : undefined;
    const items = (body.items ?? []).map((item) => slim({ apiVersion: body.apiVersion, kind, ...item }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, obj: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<AbortController> {
    return new Watch(this.kc).watch(path, query, onEvent, onDone);
  }

  /** The preferred version of an API group, or undefined when the server does not serve the group (CRD not installed). */
  groupVersion(group: string): Promise<string | undefined> {
    if (group === '') return Promise.resolve('v1');
    let found = this.groupVersions.get(group);
    if (found === undefined) {
      found = (async () => {
        try {
          const g = (await this.get(`/apis/${group}`)) as { preferredVersion?: { version?: string }; versions?: { version?: string }[] };
          return g.preferredVersion?.version ?? g.versions?.[0]?.version;
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      })();
      this.groupVersions.set(group, found);
    }
    return found;
  }

  /** The resources of one group/version (empty when it is not served). */
  resources(group: string, version: string): Promise<ApiResource[]> {
    const key = `${group}/${version}`;
    let found = this.resourceLists.get(key);
    if (found === undefined) {
      found = (async () => {
        try {
          const list = (await this.get(group === '' ? `/api/${version}` : `/apis/${group}/${version}`)) as {
            resources?: { name: string; kind: string; singularName?: string; namespaced: boolean; shortNames?: string[] }[];
          };
          return (list.resources ?? [])
            .filter((r) => !r.name.includes('/'))
            .map((r) => ({ group, version, name: r.name, kind: r.kind, singularName: r.singularName !== undefined && r.singularName !== '' ? r.singularName : r.kind.toLowerCase(), namespaced: r.namespaced, shortNames: r.shortNames ?? [] }));
        } catch (error) {
          if (isNotFound(error)) return [];
          throw error;
        }
      })();
      this.resourceLists.set(key, found);
    }
    return found;
  }

  /** Every served group with its preferred version, the core group first. */
  groups(): Promise<{ group: string; version: string }[]> {
    this.allGroups ??= (async () => {
      const list = (await this.get('/apis')) as { groups?: { name: string; preferredVersion?: { version?: string } }[] };
      return [
        { group: '', version: 'v1' },
        ...(list.groups ?? []).map((g) => ({ group: g.name, version: g.preferredVersion?.version ?? 'v1' })),
      ];
    })();
    return this.allGroups;
  }

  /** The resource type of a kind in a group (any served version when `version` is not given). */
  async resourceForKind(group: string, kind: string, version?: string): Promise<ApiResource | undefined> {
    const v = version ?? (await this.groupVersion(group));
    if (v === undefined) return undefined;
    return (await this.resources(group, v)).find((r) => r.kind === kind);
  }

  /** Finds a resource type by the word a person typed: plural, singular, kind or short name, optionally in a group. */
  async findResource(word: string, group?: string): Promise<ApiResource[]> {
    const w = word.toLowerCase();
    const groups = group === undefined ? await this.groups() : [{ group, version: await this.groupVersion(group) }];
    const found: ApiResource[] = [];
    for (const g of groups) {
      if (g.version === undefined) continue;
      for (const r of await this.resources(g.group, g.version)) {
        if (r.name === w || r.singularName === w || r.kind.toLowerCase() === w || r.shortNames.includes(w)) found.push(r);
      }
    }
    return found;
  }
}

export function loadKubeConfig(options: { kubeconfig?: string; context?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context !== undefined) kc.setCurrentContext(options.context);
  return kc;
}

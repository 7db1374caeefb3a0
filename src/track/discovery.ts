/**
 * Which resource type a target names: the kinds and plurals of the served API groups, found through the runtime's
 * API discovery (src/runtime/discovery.ts) plus the two things only the tracker needs — a group's preferred version
 * (a target may name a kind without a version) and a search by the word a person typed (plural, singular, kind or
 * short name, as kubectl matches them). Answers are cached for the tracking session.
 */
import { ApiDiscovery } from '../runtime/discovery.ts';
import { isNotFound, resourcePath, type KubeClient } from '../runtime/rest.ts';

/** A resource type as discovery describes it, with its group and version. */
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

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(resource: Pick<ApiResource, 'group' | 'version'>): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** The path of a collection: `/apis/apps/v1/namespaces/ns/deployments` (no namespace for cluster-scoped types). */
export function collectionPath(resource: Pick<ApiResource, 'group' | 'version' | 'name' | 'namespaced'>, namespace: string | undefined): string {
  return resourcePath(apiVersionOf(resource), resource.name, resource.namespaced ? namespace : undefined);
}

export class ResourceFinder {
  readonly #client: KubeClient;
  readonly #discovery: ApiDiscovery;
  readonly #preferredVersions = new Map<string, Promise<string | undefined>>();
  #groups: Promise<{ group: string; version: string }[]> | undefined;

  constructor(client: KubeClient) {
    this.#client = client;
    this.#discovery = new ApiDiscovery(client);
  }

  /** The preferred version of an API group, or undefined when the server does not serve the group (CRD not installed). */
  groupVersion(group: string): Promise<string | undefined> {
    if (group === '') return Promise.resolve('v1');
    let found = this.#preferredVersions.get(group);
    if (found === undefined) {
      found = this.#client.get<{ preferredVersion?: { version?: string }; versions?: { version?: string }[] }>(`/apis/${group}`).then(
        (g) => g.preferredVersion?.version ?? g.versions?.[0]?.version,
        (error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        },
      );
      this.#preferredVersions.set(group, found);
    }
    return found;
  }

  /** The resources of one group/version (empty when it is not served). */
  async resources(group: string, version: string): Promise<ApiResource[]> {
    const served = await this.#discovery.resources(apiVersionOf({ group, version }));
    return served.map((r) => ({
      group,
      version,
      name: r.name,
      kind: r.kind,
      singularName: r.singularName !== undefined && r.singularName !== '' ? r.singularName : r.kind.toLowerCase(),
      namespaced: r.namespaced,
      shortNames: r.shortNames ?? [],
    }));
  }

  /** Every served group with its preferred version, the core group first. */
  groups(): Promise<{ group: string; version: string }[]> {
    this.#groups ??= this.#client.get<{ groups?: { name: string; preferredVersion?: { version?: string } }[] }>('/apis').then((list) => [
      { group: '', version: 'v1' },
      ...(list.groups ?? []).map((g) => ({ group: g.name, version: g.preferredVersion?.version ?? 'v1' })),
    ]);
    return this.#groups;
  }

  /** The resource type of a kind in a group (its preferred version when `version` is not given). */
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

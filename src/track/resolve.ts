import { isNotFound, type KubeClient } from '../runtime/rest.ts';
import { collectionPath, ResourceFinder, type ApiResource } from './discovery.ts';
import { errorMessage, listObjects, readObject } from './reads.ts';
import type { KObject } from './model.ts';
import { kindInfoForWord, kindNameFor, knownKinds, type KindGroups, type KindInfo, type KindName, type TrackTarget } from './targets.ts';

/** A target pinned down: its resource type, namespace, name, and the object as read when tracking began. */
export interface ResolvedTarget {
  kindName: KindName;
  resource: ApiResource;
  namespace: string;
  name: string;
  object: KObject;
  /** How output names it: `deploy/api`, `rollout/web`, `widget.example.com/w1`. */
  display: string;
}

export class ResolveError extends Error {
  readonly outcome: 'not-found' | 'invalid' | 'error';
  constructor(message: string, outcome: 'not-found' | 'invalid' | 'error') {
    super(message);
    this.name = 'ResolveError';
    this.outcome = outcome;
  }
}

function builtinResource(info: KindInfo): ApiResource {
  return { group: info.group ?? '', version: info.version ?? 'v1', name: info.plural, kind: info.kind, singularName: info.kind.toLowerCase(), namespaced: true, shortNames: [] };
}

export function displayName(kindName: KindName, resource: ApiResource, name: string): string {
  const info = knownKinds.find((k) => k.kind === kindName);
  if (info !== undefined) return `${info.short}/${name}`;
  return `${resource.singularName}${resource.group === '' ? '' : `.${resource.group}`}/${name}`;
}

async function read(client: KubeClient, resource: ApiResource, namespace: string, name: string): Promise<KObject | undefined> {
  try {
    return await readObject(client, `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ResolveError(`reading ${resource.kind} ${namespace}/${name}: ${errorMessage(error)}`, 'error');
  }
}

/** The resource types a kind word can mean, across the groups that serve it. */
async function candidates(finder: ResourceFinder, target: TrackTarget, groups: KindGroups): Promise<{ kindName: KindName; resources: ApiResource[]; what: string }> {
  if (target.apiVersion !== undefined) {
    const v = target.apiVersion;
    const group = v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
    const version = v.includes('/') ? v.slice(v.indexOf('/') + 1) : v;
    const kindName = kindNameFor(v, target.kind, groups);
    const resource = await finder.resourceForKind(group, target.kind, version);
    if (resource === undefined) {
      throw new ResolveError(`the cluster does not serve ${target.kind} in ${v} (is its CRD installed?)`, 'not-found');
    }
    return { kindName, resources: [resource], what: `${target.kind} (${v})` };
  }
  const info = kindInfoForWord(target.kind);
  if (info?.group !== undefined && (target.group === undefined || target.group === info.group)) {
    return { kindName: info.kind, resources: [builtinResource(info)], what: info.kind };
  }
  if (info !== undefined && (info.kind === 'Rollout' || info.kind === 'Canary')) {
    const list = target.group !== undefined ? [target.group] : info.kind === 'Rollout' ? groups.rollout : groups.canary;
    const resources: ApiResource[] = [];
    for (const g of list) {
      const r = await finder.resourceForKind(g, info.kind);
      if (r !== undefined) resources.push(r);
    }
    if (resources.length === 0) {
      throw new ResolveError(`the ${info.kind} kind is not installed in this cluster (no CRD serves it in ${list.join(' or ')})`, 'not-found');
    }
    return { kindName: info.kind, resources, what: info.kind };
  }
  const found = await finder.findResource(target.kind, target.group);
  if (found.length === 0) {
    throw new ResolveError(`the cluster has no resource type "${target.kind}${target.group === undefined ? '' : `.${target.group}`}"`, 'not-found');
  }
  const distinct = [...new Map(found.map((r) => [`${r.group}/${r.kind}`, r])).values()];
  if (distinct.length > 1) {
    throw new ResolveError(`"${target.kind}" is ambiguous: ${distinct.map((r) => `${r.name}.${r.group === '' ? 'core' : r.group}`).join(', ')}; name the group (TYPE.GROUP/NAME)`, 'invalid');
  }
  const r = distinct[0] as ApiResource;
  return { kindName: kindNameFor(r.group === '' ? r.version : `${r.group}/${r.version}`, r.kind, groups), resources: [r], what: r.kind };
}

/** Every kind `-l` alone searches: the workloads, and Rollouts and Canaries where installed. */
async function everyTrackableKind(finder: ResourceFinder, groups: KindGroups): Promise<{ kindName: KindName; resource: ApiResource }[]> {
  const out: { kindName: KindName; resource: ApiResource }[] = [];
  for (const info of knownKinds) {
    if (info.kind === 'Pod') continue;
    if (info.group !== undefined) {
      out.push({ kindName: info.kind, resource: builtinResource(info) });
      continue;
    }
    for (const g of info.kind === 'Rollout' ? groups.rollout : groups.canary) {
      const r = await finder.resourceForKind(g, info.kind);
      if (r !== undefined) out.push({ kindName: info.kind, resource: r });
    }
  }
  return out;
}

/**
 * Finds every target in the cluster and reads it once — the reading that fixes the revision to track. A target that
 * does not exist, or whose kind the cluster does not serve, is a not-found error: tracking something absent could
 * only end in a timeout.
 */
export async function resolveTargets(client: KubeClient, targets: TrackTarget[], defaultNamespace: string, groups: KindGroups): Promise<ResolvedTarget[]> {
  const finder = new ResourceFinder(client);
  const resolved = new Map<string, ResolvedTarget>();
  const add = (kindName: KindName, resource: ApiResource, namespace: string, object: KObject): void => {
    const name = object.metadata?.name ?? '';
    const key = `${resource.group}/${resource.kind}/${namespace}/${name}`;
    if (!resolved.has(key)) resolved.set(key, { kindName, resource, namespace, name, object, display: displayName(kindName, resource, name) });
  };
  for (const target of targets) {
    const namespace = target.namespace ?? defaultNamespace;
    if (target.kind === '*') {
      const selector = target.selector ?? '';
      let count = 0;
      for (const { kindName, resource } of await everyTrackableKind(finder, groups)) {
        for (const obj of await listObjects(client, collectionPath(resource, namespace), { labelSelector: selector })) {
          add(kindName, resource, namespace, obj);
          count++;
        }
      }
      if (count === 0) throw new ResolveError(`nothing to track matches -l ${selector} in namespace ${namespace}`, 'not-found');
      continue;
    }
    const { kindName, resources, what } = await candidates(finder, target, groups);
    if (target.name === undefined) {
      let count = 0;
      for (const resource of resources) {
        for (const obj of await listObjects(client, collectionPath(resource, namespace), { labelSelector: target.selector })) {
          add(kindName, resource, resource.namespaced ? namespace : '', obj);
          count++;
        }
      }
      if (count === 0) throw new ResolveError(`no ${what} matches -l ${target.selector ?? ''} in namespace ${namespace}`, 'not-found');
      continue;
    }
    const found: { resource: ApiResource; object: KObject }[] = [];
    for (const resource of resources) {
      const object = await read(client, resource, resource.namespaced ? namespace : '', target.name);
      if (object !== undefined) found.push({ resource, object });
    }
    if (found.length === 0) {
      const where = resources.length > 1 ? ` (looked in ${resources.map((r) => r.group).join(', ')})` : '';
      throw new ResolveError(`${what} "${target.name}" not found in namespace ${namespace}${where}`, 'not-found');
    }
    if (found.length > 1) {
      throw new ResolveError(`${what} "${target.name}" exists in ${found.map((f) => f.resource.group).join(' and ')}; name the group (e.g. ${target.kind}.${found[0]?.resource.group ?? ''}/${target.name})`, 'invalid');
    }
    const one = found[0] as { resource: ApiResource; object: KObject };
    add(kindName, one.resource, one.resource.namespaced ? namespace : '', one.object);
  }
  return [...resolved.values()];
}

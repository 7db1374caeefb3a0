import type { Rollout } from '../api/rollout.ts';
import type { InformerFactory, ResourceType } from '../runtime/informer.ts';
import { controllerReference, groupOf, keyOf, type DeepReadonly, type KubeObject, type OwnerReference } from '../runtime/objects.ts';
import { routedObjectKey, type ObservedTraffic, type RouterInformers, type RouterProblem, type TrafficRouter } from './router.ts';
import type { JsonPatchOperation, ObjectWrite, WriteTarget } from './writes.ts';

/** An object a router reads and writes, named by the Rollout's configuration. */
export interface RoutedObjectRef {
  resource: Required<Pick<ResourceType, 'apiVersion' | 'kind' | 'plural'>>;
  namespace: string;
  name: string;
}

/** How a kind is named in messages and informer lookups: "HTTPRoute.gateway.networking.k8s.io". */
export function kindKey(resource: Pick<ResourceType, 'apiVersion' | 'kind'>): string {
  return `${resource.kind}.${groupOf(resource.apiVersion)}`;
}

/**
 * How ObservedTraffic.absentKinds names a kind in one version the API server does not serve:
 * "TrafficSplit.split.smi-spec.io/v1alpha2" (a CRD may serve some versions of a kind and not others).
 */
export function servedKey(resource: Pick<ResourceType, 'apiVersion' | 'kind'>): string {
  return `${resource.kind}.${resource.apiVersion}`;
}

export function targetOf(ref: RoutedObjectRef): WriteTarget {
  return { apiVersion: ref.resource.apiVersion, kind: ref.resource.kind, plural: ref.resource.plural, namespace: ref.namespace, name: ref.name };
}

/** The observed object a ref names, if it exists. */
export function observedObject<T extends KubeObject>(observed: ObservedTraffic, ref: RoutedObjectRef): DeepReadonly<T> | undefined {
  return observed.objects.get(routedObjectKey(ref.resource.apiVersion, ref.resource.kind, ref.namespace, ref.name)) as DeepReadonly<T> | undefined;
}

/**
 * Refs to the objects a Rollout names by a single field and a list (stableIngress and stableIngresses, ...), in
 * its namespace: empty names dropped, each name once, in the order given.
 */
export function namedRefs(resource: RoutedObjectRef['resource'], rollout: DeepReadonly<Rollout>, names: readonly (string | undefined)[]): RoutedObjectRef[] {
  const given = names.filter((n): n is string => n !== undefined && n !== '');
  return [...new Set(given)].map((name) => ({ resource, namespace: rollout.metadata.namespace ?? 'default', name }));
}

/** "HTTPRoute shop/web". */
export function describeRef(ref: RoutedObjectRef): string {
  return `${ref.resource.kind} ${ref.namespace}/${ref.name}`;
}

/** Reads an object a router watches from its informer's cache (frozen; never changed in place). */
export type CachedObject = (ref: RoutedObjectRef) => DeepReadonly<KubeObject> | undefined;

/**
 * Informers for a router's own kinds (a provider's CRDs): one per kind, with managedFields stripped and absent
 * kinds tolerated — a cluster without the provider's CRDs still runs every other Rollout, and the Rollouts that
 * need them get a condition saying the kind is not served. `refs` lists what one Rollout names; it may follow a
 * reference found in an object already cached (App Mesh's VirtualService names its VirtualRouter).
 */
export function routedObjectInformers(
  factory: InformerFactory,
  namespace: string | undefined,
  resources: readonly RoutedObjectRef['resource'][],
  refs: (rollout: DeepReadonly<Rollout>, cached: CachedObject) => RoutedObjectRef[],
): RouterInformers {
  const informers = resources.map((resource) => ({
    resource,
    informer: factory.informer<KubeObject>({ resource, absentRetryMs: 30_000, ...(namespace === undefined ? {} : { namespace }) }),
  }));
  const entryFor = (ref: RoutedObjectRef): (typeof informers)[number] | undefined => informers.find((i) => servedKey(i.resource) === servedKey(ref.resource));
  const cached: CachedObject = (ref) => entryFor(ref)?.informer.getByName(ref.namespace, ref.name);
  return {
    watched: informers.map(({ resource, informer }) => ({
      informer,
      referencedBy: (rollout) => refs(rollout, cached).filter((ref) => servedKey(ref.resource) === servedKey(resource)).map((ref) => keyOf(ref.namespace, ref.name)),
    })),
    observe(rollout) {
      const objects = new Map<string, DeepReadonly<KubeObject>>();
      const absentKinds = new Set<string>();
      for (const ref of refs(rollout, cached)) {
        const entry = entryFor(ref);
        if (entry === undefined) continue;
        if (entry.informer.isAbsent()) absentKinds.add(servedKey(ref.resource));
        // Cached objects are frozen and never changed in place, so the planner may hold them without a copy.
        const found = entry.informer.getByName(ref.namespace, ref.name);
        if (found !== undefined) objects.set(routedObjectKey(ref.resource.apiVersion, ref.resource.kind, ref.namespace, ref.name), found);
      }
      return { objects, absentKinds };
    },
  };
}

/**
 * The problem when a ref cannot be read: its kind is not served (CRD not installed) or not readable (RBAC), or the object does not exist
 * (event reason `<Kind>NotFound`, as Argo Rollouts' VirtualServiceNotFound).
 */
export function presenceProblem(observed: ObservedTraffic, ref: RoutedObjectRef): RouterProblem | undefined {
  if (observed.absentKinds.has(servedKey(ref.resource))) {
    return { reason: 'TrafficRoutingError', message: `${ref.resource.kind} (${ref.resource.apiVersion}) cannot be listed: install its CRD (or grant the controller get, list, watch and patch on it) to route ${describeRef(ref)}` };
  }
  if (observedObject(observed, ref) === undefined) return { reason: `${ref.resource.kind}NotFound`, message: `${describeRef(ref)} not found` };
  return undefined;
}

/** The stable and canary Service names a stand-in object routes between. */
export function standInServiceNames(rollout: DeepReadonly<Rollout>): [string, string] {
  const canary = rollout.spec.strategy?.canary;
  return [canary?.stableService ?? 'stable', canary?.canaryService ?? 'canary'];
}

/** The canary and stable entries of a stand-in backend list, all of the weight on the stable. */
export function standInBackends(rollout: DeepReadonly<Rollout>): { name: string; port: number; weight: number }[] {
  const [stable, canary] = standInServiceNames(rollout);
  return [{ name: stable, port: 80, weight: 100 }, { name: canary, port: 80, weight: 0 }];
}

/**
 * Whether every field of `want` is in `have` with the same value: the API server adds the CRD's defaults (weight 1,
 * kind Service, path `/`) and other owners' fields to what was written, and those must not count as a difference.
 */
export function containedIn(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((item, i) => containedIn(item, have[i]));
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    return Object.entries(want).every(([key, value]) => value === undefined || containedIn(value, (have as Record<string, unknown>)[key]));
  }
  return want === have;
}

/**
 * One JSON patch per ref whose object is observed, with the operations `operations` computes for it; no write where
 * there is nothing to change (a steady state writes nothing).
 */
export function jsonPatchWrites<R extends RoutedObjectRef, T extends KubeObject>(
  refs: readonly R[],
  observed: ObservedTraffic,
  operations: (ref: R, object: DeepReadonly<T>) => JsonPatchOperation[],
): ObjectWrite[] {
  return refs.flatMap((ref) => {
    const object = observedObject<T>(observed, ref);
    if (object === undefined) return [];
    const patch = operations(ref, object);
    return patch.length === 0 ? [] : [{ type: 'json' as const, target: targetOf(ref), patch }];
  });
}

/** The metadata that makes the Rollout the controller of an object a router creates, so it is deleted with it. */
export function ownedByRollout(rollout: DeepReadonly<Rollout>): { ownerReferences?: OwnerReference[] } {
  const { uid, name } = rollout.metadata;
  if (uid === undefined) return {};
  return { ownerReferences: [controllerReference({ apiVersion: rollout.apiVersion ?? 'aviary.dev/v1alpha1', kind: 'Rollout', name: name ?? '', uid })] };
}

/**
 * A registry entry's routerFor for a router configured by one ref (or ref group) of the Rollout: the registry asks
 * only for Rollouts the router applies to, so a missing configuration is a programming error.
 */
export function boundRouter<R>(refOf: (rollout: DeepReadonly<Rollout>) => R | undefined, make: (ref: R) => TrafficRouter, field: string): (rollout: DeepReadonly<Rollout>) => TrafficRouter {
  return (rollout) => {
    const ref = refOf(rollout);
    if (ref === undefined) throw new Error(`router asked for a Rollout without ${field}`);
    return make(ref);
  };
}

/** The refs of a router configured by at most one ref: what its informers follow. */
export function refList<R extends RoutedObjectRef>(refOf: (rollout: DeepReadonly<Rollout>) => R | undefined): (rollout: DeepReadonly<Rollout>) => R[] {
  return (rollout) => {
    const ref = refOf(rollout);
    return ref === undefined ? [] : [ref];
  };
}

/**
 * The minimal object shape the runtime relies on, cache keys, and freezing. Objects in the runtime are plain JSON as
 * the API server sent them (timestamps are strings), so only fields the runtime reads are declared here; kind-specific
 * types from src/api/ are assignable to KubeObject.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The reference that makes `owner` the managing controller of an object: deleting the owner deletes the object. */
export function controllerReference(owner: { apiVersion: string; kind: string; name: string; uid: string }): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** Read-only all the way down: what the informer cache hands out. Use thaw() to get a mutable copy. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [P in keyof T]: DeepReadonly<T[P]> }
      : T;

/** Cache key of an object: "namespace/name", or "name" for cluster-scoped objects (client-go's convention). */
export function objectKey(obj: { metadata?: { name?: string; namespace?: string } | undefined }): string {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

/** Splits "namespace/name" (or "name") back into its parts. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Freezes an object graph in place; cached objects are shared by every handler and must never change. */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value as DeepReadonly<T>;
}

/** The mutable counterpart of a DeepReadonly type. */
export type DeepMutable<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer E)[]
    ? DeepMutable<E>[]
    : T extends object
      ? { -readonly [P in keyof T]: DeepMutable<T[P]> }
      : T;

/**
 * A mutable deep copy of a cached object, for building an update or a patch from it. Either name the type,
 * `thaw<Rollout>(cached)`, or let it be inferred from the cached object, `thaw(cached)`.
 */
export function thaw<T>(value: T): DeepMutable<T>;
export function thaw<T>(value: DeepReadonly<T>): T;
export function thaw(value: unknown): unknown {
  return structuredClone(value);
}

/** The group part of an apiVersion ("apps/v1" → "apps", "v1" → ""). */
export function groupOf(apiVersion: string | undefined): string {
  if (apiVersion === undefined) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export interface OwnerMatch {
  kind: string;
  /** Matched by group only: an owner written as aviary.dev/v1alpha1 also matches aviary.dev/v1beta1. */
  apiVersion?: string;
  /** Only the managing controller's reference (controller: true). Default true. */
  controllerOnly?: boolean;
}

/** Owner references of obj that point at an owner of the given kind. */
export function matchingOwners(obj: DeepReadonly<KubeObject> | KubeObject, owner: OwnerMatch): OwnerReference[] {
  const refs = (obj.metadata?.ownerReferences ?? []) as readonly OwnerReference[];
  const group = owner.apiVersion === undefined ? undefined : groupOf(owner.apiVersion);
  return refs.filter(
    (ref) =>
      ref.kind === owner.kind &&
      (group === undefined || groupOf(ref.apiVersion) === group) &&
      (owner.controllerOnly === false || ref.controller === true),
  );
}

/**
 * Drops kubectl.kubernetes.io/last-applied-configuration from an object about to be cached: kubectl's copy of the
 * whole object, often its largest field, which no controller reads.
 */
export function withoutLastApplied<T extends KubeObject>(obj: T): T {
  const annotations = obj.metadata?.annotations;
  if (annotations?.[lastAppliedAnnotation] === undefined) return obj;
  const { [lastAppliedAnnotation]: _dropped, ...rest } = annotations;
  return { ...obj, metadata: { ...obj.metadata, annotations: rest } };
}

const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

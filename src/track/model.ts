/**
 * What the tracker reads of Kubernetes objects. The built-in kinds are src/api/kubernetes.ts's JSON types (what the
 * runtime's informers cache and the REST client returns) and Rollouts are src/api/rollout.ts's; this module adds only
 * what is the tracker's own: the loose shape of an object of any kind (`KObject`, for generic rules and resolving),
 * its conditions, the Flagger-shaped Canary (Aviary does not define that kind yet), and helpers over them. Rules must
 * still cope with objects a controller has not reconciled yet: most status fields are optional.
 */
import type * as k8s from '../api/kubernetes.ts';
import type * as argo from '../api/rollout.ts';

/**
 * Every field optional, all the way down. The tracker sees objects before their controllers fill them in, and
 * Rollouts from groups other than Aviary's, so it reads the API types this way; a real object is assignable to it.
 */
export type Loose<T> = T extends readonly (infer E)[] ? Loose<E>[] : T extends object ? { [K in keyof T]?: Loose<T[K]> } : T;

export type ObjectMeta = Loose<k8s.ObjectMeta>;
export type LabelSelector = Loose<k8s.LabelSelector>;
export type Container = Loose<k8s.Container>;
export type ContainerStatus = Loose<k8s.ContainerStatus>;
export type Probe = Loose<k8s.Probe>;
export type PodTemplate = Loose<k8s.PodTemplateSpec>;
export type Pod = Loose<k8s.Pod>;
export type ReplicaSet = Loose<k8s.ReplicaSet>;
export type Deployment = Loose<k8s.Deployment>;
export type StatefulSet = Loose<k8s.StatefulSet>;
export type DaemonSet = Loose<k8s.DaemonSet>;
export type ControllerRevision = Loose<k8s.ControllerRevision>;
export type Job = Loose<k8s.Job>;
/** A core/v1 Event, in either the old (count/lastTimestamp) or the new (series/eventTime) recording style. */
export type KEvent = Loose<k8s.Event>;
/** A Rollout of Argo's shape (argoproj.io or aviary.dev). Argo writes observedGeneration as text; numbers are read too. */
export type Rollout = Omit<Loose<argo.Rollout>, 'status'> & {
  status?: Omit<Loose<argo.RolloutStatus>, 'observedGeneration'> & { observedGeneration?: string | number };
};

/** An object of any kind, as JSON: generic rules read its spec and status by path. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

/** A status condition of any kind, read loosely: a controller may not have filled every field yet. */
export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

/** A Canary of Flagger's shape (flagger.app/v1beta1, or Aviary's copy of it): the fields the tracker reads. */
export interface Canary extends KObject {
  spec?: {
    suspend?: boolean;
    targetRef?: { apiVersion?: string; kind?: string; name?: string };
    analysis?: { interval?: string };
  };
  status?: {
    observedGeneration?: number | string;
    phase?: string;
    canaryWeight?: number;
    failedChecks?: number;
    iterations?: number;
    lastAppliedSpec?: string;
    lastPromotedSpec?: string;
    lastTransitionTime?: string;
    conditions?: Condition[];
  };
}

export function conditionOf(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: Condition[] | undefined, type: string): boolean {
  return conditionOf(conditions, type)?.status === 'True';
}

/** Milliseconds since the epoch, or undefined for a missing or unparsable timestamp. */
export function time(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** When an event last happened, whichever recording style produced it. */
export function eventTime(e: KEvent): number | undefined {
  return time(e.series?.lastObservedTime) ?? time(e.lastTimestamp) ?? time(e.eventTime) ?? time(e.metadata?.creationTimestamp);
}

/** When an event first happened. */
export function eventFirstTime(e: KEvent): number | undefined {
  return time(e.firstTimestamp) ?? time(e.eventTime) ?? time(e.metadata?.creationTimestamp);
}

export function eventCount(e: KEvent): number {
  return e.series?.count ?? (e.count !== undefined && e.count > 0 ? e.count : 1);
}

/** A label selector in the query-string syntax the API server accepts. */
export function selectorString(selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const key = e.key ?? '';
    const values = (e.values ?? []).join(',');
    switch (e.operator) {
      case 'In': parts.push(`${key} in (${values})`); break;
      case 'NotIn': parts.push(`${key} notin (${values})`); break;
      case 'Exists': parts.push(key); break;
      case 'DoesNotExist': parts.push(`!${key}`); break;
      default: break;
    }
  }
  return parts.length === 0 ? undefined : parts.join(',');
}

export function isOwnedBy(obj: KObject, uid: string | undefined): boolean {
  return uid !== undefined && (obj.metadata?.ownerReferences ?? []).some((o) => o.uid === uid);
}

/** Formats a duration for people: 850ms, 12.3s, 4m05s, 1h02m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

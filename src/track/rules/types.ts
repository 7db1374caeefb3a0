import type { KEvent, Pod } from '../model.ts';

export type TrackState = 'progressing' | 'ready' | 'failed' | 'paused';

/**
 * A failure seen on a pod or a controller. The tracker counts distinct keys against the allowed failures; `fatal`
 * problems (a resource-level verdict such as ProgressDeadlineExceeded) are never allowed.
 */
export interface Problem {
  /** Stable identity: the same failure seen again is not counted twice. */
  key: string;
  /** The object it concerns, kubectl style: `po/api-7d9c-x2`, `rs/api-7d9c`. */
  object: string;
  container?: string;
  reason: string;
  message: string;
  /** The container whose last log lines explain the failure (its previous run when `previous`). */
  logs?: { pod: string; container: string; previous: boolean };
}

export interface PodView {
  name: string;
  /** `tracked`: a pod of the revision being tracked; `old`: of an earlier revision (shown, never judged). */
  revision: 'tracked' | 'old';
  ready: string;
  restarts: number;
  status: string;
  node?: string;
}

export interface ReplicaView {
  desired: number;
  updated?: number;
  ready?: number;
  available?: number;
  /** Pods of earlier revisions still running. */
  old?: number;
}

export interface Status {
  state: TrackState;
  /** Why it failed or paused, or notes worth showing (e.g. an OnDelete strategy). */
  reasons: string[];
  /** What readiness still needs, in words: "available 1/3". Empty when ready. */
  waitingFor: string[];
  /** The revision being tracked, as the controller names it (ReplicaSet hash, controller revision, generation). */
  revision?: string;
  replicas?: ReplicaView;
  pods: PodView[];
  problems: Problem[];
  /** The time (epoch ms) at which the verdict may change with no new observation (a grace period ends). */
  recheckAt?: number;
  /** False when no readiness rule applies to the resource: it is never called ready. */
  ruleMatched?: boolean;
  /** Extra columns for display (Rollout step and weight, Canary weight). */
  details?: Record<string, string | number>;
}

/** Settings that shape failure detection, per tracked resource. */
export interface DetectionSettings {
  /** How long a pod may stay Unschedulable before it counts as a failure. */
  unschedulableGraceMs: number;
  /** How long FailedMount may persist before it counts as a failure. */
  failedMountGraceMs: number;
  /** Per container: a readiness-probe failure window that replaces the one derived from the probe. */
  readinessWindowMs: Record<string, number>;
  /** Controller events before this time (epoch ms) are history, not news. */
  since: number;
}

export const defaultDetection: DetectionSettings = {
  unschedulableGraceMs: 30_000,
  failedMountGraceMs: 30_000,
  readinessWindowMs: {},
  since: 0,
};

/** What a rule sees: the resource, the pods its selector matches, and the events about any of them. */
export interface Observed<T> {
  object: T;
  pods: Pod[];
  events: KEvent[];
  now: number;
  detection: DetectionSettings;
}

/** Keeps the earliest recheck time of two. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

import type { FailMode } from './annotations.ts';
import type { PodView, ReplicaView, TrackState } from './rules/types.ts';

/**
 * What `track()` reports, in order, one object per happening. `-o json` prints these one per line; docs/track.md
 * documents the schema. Every event has `type` and `time` (ISO 8601); events about one resource carry `resource`
 * (`deploy/api`) and `namespace`.
 */
export type TrackEvent =
  | StartEvent
  | ResolvedEvent
  | StatusEvent
  | KubeEventEvent
  | LogEvent
  | FailureEvent
  | NoticeEvent
  | VerdictEvent
  | DoneEvent;

interface Base {
  time: string;
}

interface About extends Base {
  resource: string;
  namespace: string;
}

export interface StartEvent extends Base {
  type: 'start';
  targets: string[];
}

/** A resource was found; its tracked revision is recorded (the fence). */
export interface ResolvedEvent extends About {
  type: 'resolved';
  apiVersion: string;
  kind: string;
  name: string;
  /** What readiness is fenced on: `{generation: 4}`, `{uid: ...}`, `{generation, lastAppliedSpec}`. */
  fence: Record<string, unknown>;
  blocking: boolean;
  failMode: FailMode;
}

/** The resource's status changed (only sent when something shown changes). */
export interface StatusEvent extends About {
  type: 'status';
  state: TrackState;
  revision?: string;
  reasons: string[];
  waitingFor: string[];
  replicas?: ReplicaView;
  pods: PodView[];
  details?: Record<string, string | number>;
}

/** A Kubernetes Event about the resource, its new ReplicaSet, or a pod of the tracked revision. */
export interface KubeEventEvent extends About {
  type: 'k8s-event';
  /** The object the event is about: `po/api-7d9c-x2`. */
  object: string;
  eventType: string;
  reason: string;
  message: string;
  count: number;
}

export interface LogEvent extends About {
  type: 'log';
  pod: string;
  container: string;
  /** True for the output of a crashed container's previous run. */
  previous: boolean;
  line: string;
}

/** A failure was seen. `count` distinct failures so far against `allowed`; beyond that, the resource has failed. */
export interface FailureEvent extends About {
  type: 'failure';
  object: string;
  container?: string;
  reason: string;
  message: string;
  count: number;
  allowed: number;
}

export interface NoticeEvent extends Base {
  type: 'notice';
  level: 'info' | 'warning';
  message: string;
  resource?: string;
  namespace?: string;
}

/** The resource reached a verdict (`paused` may be followed by more status when it resumes). */
export interface VerdictEvent extends About {
  type: 'ready' | 'failed' | 'paused';
  reasons: string[];
  /** Milliseconds since tracking began. */
  elapsedMs: number;
}

export interface DoneEvent extends Base {
  type: 'done';
  result: TrackResult;
}

/**
 * The run's outcome: `ready` (all blocking resources ready), `failed`, `timeout` (overall or no-activity), `paused`
 * (a resource paused while pauses were to fail), `not-found` (a resource or its kind does not exist), `invalid` (a
 * usage or configuration error: an ambiguous type, a bad annotation), `error` (the API server could not be used),
 * `interrupted` (stopped by the caller).
 */
export type Outcome = 'ready' | 'failed' | 'timeout' | 'paused' | 'not-found' | 'invalid' | 'error' | 'interrupted';

export interface ContainerLogs {
  pod: string;
  container: string;
  previous: boolean;
  lines: string[];
  /** Why there are no lines, when there are none. */
  unavailable?: string;
}

export interface ResourceResult {
  resource: string;
  namespace: string;
  kind: string;
  name: string;
  /** The resource's own end: `ignored` is a failure that its fail mode said to ignore; `unfinished` was still going. */
  outcome: 'ready' | 'failed' | 'timeout' | 'paused' | 'ignored' | 'unfinished';
  state: TrackState;
  blocking: boolean;
  revision?: string;
  reasons: string[];
  waitingFor: string[];
  failures: { object: string; container?: string; reason: string; message: string }[];
  /** The last lines of the containers whose failure was seen. */
  logs: ContainerLogs[];
  /** When it became ready or failed, in milliseconds since the start. */
  elapsedMs?: number;
}

export interface TrackResult {
  outcome: Outcome;
  /** One sentence for people. */
  message: string;
  resources: ResourceResult[];
  startedAt: string;
  durationMs: number;
}

/**
 * The few fields of Kubernetes objects the tracker reads, as plain JSON (what a watch delivers). Every field is
 * optional: rules must cope with objects that a controller has not reconciled yet.
 */

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid?: string; kind?: string; name?: string; controller?: boolean }[];
  managedFields?: unknown;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

export interface Probe {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name?: string;
  image?: string;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  restartPolicy?: string;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: { containers?: Container[]; initContainers?: Container[]; restartPolicy?: string; nodeSelector?: Record<string, string> };
}

export interface Pod extends KObject {
  spec?: PodTemplate['spec'] & { nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    startTime?: string;
  };
}

export interface Deployment extends KObject {
  spec?: {
    replicas?: number;
    paused?: boolean;
    selector?: LabelSelector;
    template?: PodTemplate;
    progressDeadlineSeconds?: number;
    strategy?: { type?: string };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ReplicaSet extends KObject {
  spec?: { replicas?: number; template?: PodTemplate };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}

export interface StatefulSet extends KObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Condition[];
  };
}

export interface DaemonSet extends KObject {
  spec?: { selector?: LabelSelector; template?: PodTemplate; updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    numberMisscheduled?: number;
    conditions?: Condition[];
  };
}

export interface ControllerRevision extends KObject {
  revision?: number;
}

export interface Job extends KObject {
  spec?: {
    completions?: number;
    parallelism?: number;
    suspend?: boolean;
    backoffLimit?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
  };
  status?: { active?: number; succeeded?: number; failed?: number; ready?: number; conditions?: Condition[] };
}

export interface Rollout extends KObject {
  spec?: {
    replicas?: number;
    paused?: boolean;
    selector?: LabelSelector;
    strategy?: { canary?: { steps?: unknown[] }; blueGreen?: unknown };
  };
  status?: {
    observedGeneration?: string | number;
    phase?: string;
    message?: string;
    abort?: boolean;
    pauseConditions?: { reason?: string; startTime?: string }[];
    controllerPause?: boolean;
    currentPodHash?: string;
    stableRS?: string;
    currentStepIndex?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
    canary?: { weights?: { canary?: { weight?: number } } };
  };
}

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

/** A core/v1 Event, in either the old (count/lastTimestamp) or the new (series/eventTime) recording style. */
export interface KEvent extends KObject {
  involvedObject?: { kind?: string; name?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
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

/** Whether labels satisfy a selector (used to route shared watch events to the right tracker). */
export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const key = e.key ?? '';
    const has = Object.hasOwn(l, key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(l[key] ?? '')) return false; break;
      case 'NotIn': if (has && values.includes(l[key] ?? '')) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
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

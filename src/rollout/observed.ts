import type { Deployment, ReplicaSet, Service } from '../api/kubernetes.ts';
import type { AnalysisRun } from '../api/analysis.ts';
import type { Rollout, RolloutStatus } from '../api/rollout.ts';
import type { TemplateCatalog } from '../analysis/templates.ts';
import type { PodMetadataChange } from './pod-metadata.ts';
import type { ServiceEndpoint, TrafficIntent } from '../traffic/router.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { ObjectWrite } from '../traffic/writes.ts';
import { ephemeralMetadataAnnotation, podTemplateHashLabel, revisionAnnotation, scaleDownDeadlineAnnotation, templateHashAnnotation } from '../api/labels.ts';

/** An object spec.workloadRef may name: a Deployment (the kinds of src/rollout/workload.ts's sources). */
export type WorkloadObject = Deployment;

/** Everything the planner may look at: a snapshot of the cluster as the informers saw it. */
export interface ObservedRollout {
  rollout: Rollout;
  /** ReplicaSets controlled by the Rollout. */
  replicaSets: readonly ReplicaSet[];
  /** Services in the Rollout's namespace that it references, by name (missing ones are absent): the service-selector router's. */
  services: ReadonlyMap<string, Service>;
  /** The traffic routers' own objects, by routedObjectKey (src/traffic/router.ts); absent means none. */
  routerObjects?: ReadonlyMap<string, DeepReadonly<KubeObject>>;
  /** Kinds a router reads that the API server does not serve, as "Kind.group". */
  absentKinds?: ReadonlySet<string>;
  /** The referenced Services' endpoints, by Service name (absent: not observed). */
  endpoints?: ReadonlyMap<string, readonly ServiceEndpoint[]>;
  /** The object spec.workloadRef names, if any. */
  workload?: WorkloadObject;
  /** Pods of the Rollout's ReplicaSets; needed only for restarts. */
  pods?: readonly PodView[];
  /** What analysis needs; absent when the API group has no AnalysisRun kind installed (analysis is then off). */
  analysis?: ObservedAnalysis;
  now: Date;
}

export interface ObservedAnalysis {
  /** AnalysisRuns controlled by the Rollout. */
  runs: readonly AnalysisRun[];
  /** The templates the Rollout may reference: its namespace's AnalysisTemplates and the ClusterAnalysisTemplates. */
  catalog: TemplateCatalog;
  /** Names of every AnalysisRun in the namespace, so a new run never takes the name of another's. */
  namesInUse?: ReadonlySet<string>;
}

/** A pod reduced to what a restart decides on. */
export interface PodView {
  name: string;
  /** Its rollouts-pod-template-hash label. */
  hash: string;
  createdAt: string;
  ready: boolean;
  deleting: boolean;
}

/** A ReplicaSet reduced to what decisions depend on. */
export interface ReplicaSetView {
  name: string;
  hash: string;
  /** spec.replicas */
  current: number;
  /** status.replicas: pods that exist, ready or not. */
  created: number;
  ready: number;
  available: number;
  revision: number;
  createdAt: string;
  scaleDownDeadline?: string;
  /** Aviary's template hash, on ReplicaSets adopted from another controller. */
  templateHash?: string;
  /** JSON of the role metadata its pods carry (rollout.argoproj.io/ephemeral-metadata). */
  ephemeralMetadata?: string;
  /** The ReplicaSet's controller has seen its latest spec, so its status counts can be trusted. */
  observed: boolean;
}

export function viewReplicaSet(rs: ReplicaSet): ReplicaSetView {
  const annotations = rs.metadata?.annotations ?? {};
  const revision = Number.parseInt(annotations[revisionAnnotation] ?? '0', 10);
  const deadline = annotations[scaleDownDeadlineAnnotation];
  return {
    name: rs.metadata?.name ?? '',
    hash: rs.metadata?.labels?.[podTemplateHashLabel] ?? '',
    current: rs.spec?.replicas ?? 0,
    created: rs.status?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
    revision: Number.isFinite(revision) ? revision : 0,
    createdAt: rs.metadata?.creationTimestamp ?? '',
    ...(deadline === undefined ? {} : { scaleDownDeadline: deadline }),
    ...(annotations[templateHashAnnotation] === undefined ? {} : { templateHash: annotations[templateHashAnnotation] }),
    ...(annotations[ephemeralMetadataAnnotation] === undefined ? {} : { ephemeralMetadata: annotations[ephemeralMetadataAnnotation] }),
    observed: (rs.status?.observedGeneration ?? 0) >= (rs.metadata?.generation ?? 0),
  };
}

export type EventType = 'Normal' | 'Warning';

export interface PlannedEvent {
  type: EventType;
  reason: string;
  message: string;
}

export interface ScaleAction {
  name: string;
  from: number;
  to: number;
}

/** What the executor must do for one reconcile; computed without side effects. */
export interface RolloutPlan {
  createReplicaSet?: ReplicaSet;
  scale: ScaleAction[];
  /** Annotation changes per ReplicaSet (null removes). */
  annotate: { name: string; annotations: Record<string, string | null> }[];
  deleteReplicaSets: string[];
  /** Role metadata to bring onto a ReplicaSet's template and its pods. */
  podMetadata: PodMetadataChange[];
  /** New spec.replicas for the Deployment named by workloadRef. */
  workloadScale?: { name: string; replicas: number };
  /** Pods to evict (restart). */
  evictPods: string[];
  /** How traffic should be split after this pass: what the canary or blue-green planner wants of the routers. */
  traffic?: TrafficIntent;
  /** The routers' writes for `traffic` (only what differs from the observed objects). */
  writes: ObjectWrite[];
  /** AnalysisRuns to create, complete objects. */
  createAnalysisRuns: AnalysisRun[];
  /** AnalysisRuns (by name) to stop: spec.terminate set to true. */
  terminateAnalysisRuns: string[];
  /** AnalysisRuns (by name) past the history limits, or of ReplicaSets that are gone. */
  deleteAnalysisRuns: string[];
  status: RolloutStatus;
  events: PlannedEvent[];
  /** Wake up again after this long even if nothing changes (pauses, deadlines). */
  requeueAfterMs?: number;
}

/**
 * The shapes of the objects the CLI reads, as the API server sends them in JSON (timestamps are RFC 3339 strings),
 * reduced to the fields it uses. client-node's model types describe deserialised objects (Date timestamps), which
 * these are not.
 */
import type { Rollout } from '../../api/rollout.ts';

export interface OwnerRef {
  uid?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

export interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerRef[];
}

export interface ContainerSpec {
  name: string;
  image?: string;
}

export interface ReplicaSetObject {
  metadata?: Meta;
  spec?: { replicas?: number; template?: { spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] } } };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

export interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number };
}

export interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
}

export interface PodObject {
  metadata?: Meta;
  spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
  status?: {
    phase?: string;
    reason?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    conditions?: { type?: string; status?: string }[];
  };
}

export interface AnalysisRunObject {
  metadata?: Meta;
  status?: {
    phase?: string;
    message?: string;
    metricResults?: { name?: string; phase?: string; successful?: number; failed?: number; inconclusive?: number; error?: number }[];
  };
}

export interface JobObject {
  metadata?: Meta;
  status?: { active?: number; succeeded?: number; failed?: number; conditions?: { type?: string; status?: string }[] };
}

/**
 * A Rollout with its ReplicaSets and pods (and, for a Rollout with analysis, its AnalysisRuns and their Jobs) at one
 * moment, as test/e2e/cli-fixtures.test.ts captures them.
 */
export interface CapturedState {
  capturedAt: string;
  rollout: Rollout;
  replicaSets: ReplicaSetObject[];
  pods: PodObject[];
  analysisRuns?: AnalysisRunObject[];
  jobs?: JobObject[];
}

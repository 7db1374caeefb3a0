/**
 * Kubernetes' built-in object types as Aviary handles them: plain JSON as the API server sends it, which is what the
 * informers cache, the REST client returns and the watch delivers — timestamps are RFC 3339 strings, not `Date`s.
 *
 * The shapes come from @kubernetes/client-node's model types (complete and maintained), mapped so that every `Date`
 * becomes the string it is on the wire. Only types are imported: client-node itself is never loaded by this module.
 * See docs/adr/0007-one-kubernetes-stack.md.
 */
import type {
  CoreV1Event,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1JobSpec,
  V1PolicyRule,
  V1Probe,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
  V1Affinity,
  V1Condition,
  V1ConfigMap,
  V1Container,
  V1ContainerStatus,
  V1ControllerRevision,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1LabelSelector,
  V1Lease,
  V1Namespace,
  V1Node,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1Secret,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/** A client-node model type as JSON: `Date` fields become strings; everything else keeps its shape. */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? Json<E>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export type ObjectMeta = Json<V1ObjectMeta>;
export type OwnerReference = Json<V1OwnerReference>;
export type LabelSelector = Json<V1LabelSelector>;
export type Condition = Json<V1Condition>;
export type Container = Json<V1Container>;
export type ContainerStatus = Json<V1ContainerStatus>;
export type Affinity = Json<V1Affinity>;
export type PodSpec = Json<V1PodSpec>;
export type PodTemplateSpec = Json<V1PodTemplateSpec>;
export type JobSpec = Json<V1JobSpec>;
export type Probe = Json<V1Probe>;
export type PolicyRule = Json<V1PolicyRule>;

export type Pod = Json<V1Pod>;
export type ReplicaSet = Json<V1ReplicaSet>;
export type Deployment = Json<V1Deployment>;
export type StatefulSet = Json<V1StatefulSet>;
export type DaemonSet = Json<V1DaemonSet>;
export type ControllerRevision = Json<V1ControllerRevision>;
export type Job = Json<V1Job>;
export type Service = Json<V1Service>;
export type ConfigMap = Json<V1ConfigMap>;
export type Secret = Json<V1Secret>;
export type HorizontalPodAutoscaler = Json<V2HorizontalPodAutoscaler>;
export type Namespace = Json<V1Namespace>;
export type Node = Json<V1Node>;
export type Lease = Json<V1Lease>;
export type ServiceAccount = Json<V1ServiceAccount>;
export type Role = Json<V1Role>;
export type RoleBinding = Json<V1RoleBinding>;
export type ClusterRole = Json<V1ClusterRole>;
export type ClusterRoleBinding = Json<V1ClusterRoleBinding>;
/** core/v1 Event (not events.k8s.io). */
export type Event = Json<CoreV1Event>;

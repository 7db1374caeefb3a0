/**
 * Label and annotation names Aviary reads and writes on Kubernetes objects, in one place. Most are Argo Rollouts'
 * own names (reference/argo-rollouts.md): users' selectors, dashboards and scripts read them, so Aviary writes the
 * same ones; Aviary's own additions live under aviary.dev/.
 */

/** On a Rollout's ReplicaSets and pods and in the Services' selectors: the hash of the pod template. */
export const podTemplateHashLabel = 'rollouts-pod-template-hash';
/** On a Rollout's ReplicaSets (and the Rollout): the revision number, as a decimal string. */
export const revisionAnnotation = 'rollout.argoproj.io/revision';
/** On a Rollout's ReplicaSets: the Rollout's spec.replicas when the ReplicaSet was last scaled. */
export const desiredReplicasAnnotation = 'rollout.argoproj.io/desired-replicas';
/** On a scaled-down blue-green ReplicaSet: when it may be scaled to zero (RFC 3339). */
export const scaleDownDeadlineAnnotation = 'scale-down-deadline';
/** On Services a Rollout selects through: the Rollout that owns the selector. */
export const managedByAnnotation = 'argo-rollouts.argoproj.io/managed-by-rollouts';
/** On ReplicaSets: JSON of the role (canary/stable/active/preview) metadata their pods carry. */
export const ephemeralMetadataAnnotation = 'rollout.argoproj.io/ephemeral-metadata';
/** Aviary's hash of the template an adopted ReplicaSet runs (its label holds the hash of the controller before). */
export const templateHashAnnotation = 'aviary.dev/template-hash';

/** On AnalysisRuns of a Rollout: Step, Background, PrePromotion or PostPromotion. */
export const rolloutTypeLabel = 'rollout-type';
/** On step AnalysisRuns: the index of their canary step. */
export const stepIndexLabel = 'step-index';
/** On Jobs of the job metric provider: the uid of the AnalysisRun. */
export const analysisRunUidLabel = 'analysisrun.argoproj.io/uid';
/** On Jobs of the job metric provider: the AnalysisRun's name and the metric's. */
export const analysisRunNameAnnotation = 'analysisrun.argoproj.io/name';
export const analysisMetricNameAnnotation = 'analysisrun.argoproj.io/metric-name';

/** Kubernetes' own: the pod-template hash of a Deployment's ReplicaSets and pods. */
export const deploymentPodTemplateHashLabel = 'pod-template-hash';
/** Kubernetes' own: the ControllerRevision hash of StatefulSet and DaemonSet pods. */
export const controllerRevisionHashLabel = 'controller-revision-hash';
/** Kubernetes' own: the Job a pod belongs to. */
export const jobNameLabel = 'batch.kubernetes.io/job-name';

/** On a Canary's `-primary` workload: the fingerprint of the release it was last given (it runs it once it is ready). */
export const canaryReleaseAnnotation = 'aviary.dev/release';

/** `aviary.dev/no-data: wait` on a Canary: a metric query without data holds the release instead of failing a check. */
export const canaryNoDataAnnotation = 'aviary.dev/no-data';
/**
 * Manual control of a Canary (Flagger has none): requests written by `aviary promote|abort|retry|pause` as annotations,
 * so they work the same on aviary.dev and flagger.app Canaries and survive a GitOps apply of the spec. The controller
 * removes promote, abort and retry once it acted on them; pause stays until promote (or removal) lifts it.
 */
export const canaryPromoteAnnotation = 'aviary.dev/promote';
export const canaryAbortAnnotation = 'aviary.dev/abort';
export const canaryRetryAnnotation = 'aviary.dev/retry';
export const canaryPauseAnnotation = 'aviary.dev/paused';

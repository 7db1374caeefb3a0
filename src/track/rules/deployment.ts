import { conditionOf, isOwnedBy, type Deployment, type Pod, type PodTemplate, type ReplicaSet } from '../model.ts';
import { controllerEventProblems, isPodReady, judgePods } from './pod.ts';
import { type Observed, type Status } from './types.ts';
import { deploymentPodTemplateHashLabel } from '../../api/labels.ts';

export interface DeploymentFence {
  /** metadata.generation when tracking began: nothing older may count as ready. */
  generation: number;
}

export function deploymentFence(d: Deployment): DeploymentFence {
  return { generation: d.metadata?.generation ?? 0 };
}


/** JSON with sorted keys, so two equal objects give the same text whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  const text = JSON.stringify(value) as string | undefined;
  return text ?? 'null';
}

function templateKey(template: PodTemplate | undefined): string {
  const { [deploymentPodTemplateHashLabel]: _hash, ...labels } = template?.metadata?.labels ?? {};
  const metadata: Record<string, unknown> = { ...(template?.metadata ?? {}), labels };
  delete metadata.creationTimestamp;
  return canonical({ metadata, spec: template?.spec });
}

/**
 * The ReplicaSet of the Deployment's current pod template — the controller's own test: an owned ReplicaSet whose
 * template equals the Deployment's, ignoring the pod-template-hash label the controller adds.
 */
export function newReplicaSet(d: Deployment, replicaSets: ReplicaSet[]): ReplicaSet | undefined {
  const want = templateKey(d.spec?.template);
  const owned = replicaSets.filter((rs) => isOwnedBy(rs, d.metadata?.uid));
  return owned.find((rs) => templateKey(rs.spec?.template) === want);
}

/**
 * A Deployment is ready when the controller has seen the tracked generation, the ReplicaSet of that template holds
 * every replica, all of them available, and no pod of an older revision remains. ProgressDeadlineExceeded (for the
 * tracked generation) is a failure. Only pods of the new ReplicaSet are judged.
 */
export function deploymentRule(observed: Observed<Deployment> & { replicaSets: ReplicaSet[] }, fence: DeploymentFence): Status {
  const d = observed.object;
  const generation = Math.max(fence.generation, d.metadata?.generation ?? 0);
  const desired = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  const observedGeneration = st.observedGeneration ?? 0;
  const status: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [], problems: [] };
  const caughtUp = observedGeneration >= generation;
  const rs = caughtUp ? newReplicaSet(d, observed.replicaSets) : undefined;
  const hash = rs?.metadata?.labels?.[deploymentPodTemplateHashLabel];
  if (hash !== undefined) status.revision = hash;

  const isTracked = (pod: Pod): boolean => rs !== undefined && isOwnedBy(pod, rs.metadata?.uid);
  const judged = judgePods(observed.pods, isTracked, observed);
  status.pods = judged.views.map((v) => v.view);
  if (judged.recheckAt !== undefined) status.recheckAt = judged.recheckAt;
  const updated = st.updatedReplicas ?? 0;
  const total = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  status.replicas = { desired, updated, ready: st.readyReplicas ?? 0, available, old: Math.max(0, total - updated) };

  if (caughtUp) {
    status.problems = judged.problems;
    const uids = new Set<string>();
    if (d.metadata?.uid !== undefined) uids.add(d.metadata.uid);
    if (rs?.metadata?.uid !== undefined) uids.add(rs.metadata.uid);
    const names = (uid: string): string => (uid === d.metadata?.uid ? `deploy/${d.metadata.name ?? ''}` : `rs/${rs?.metadata?.name ?? ''}`);
    status.problems.push(...controllerEventProblems(observed.events, uids, names, observed.detection.since));
  }

  if (d.spec?.paused === true) {
    return { ...status, state: 'paused', reasons: ['the Deployment is paused (spec.paused); resume it to continue the rollout'] };
  }
  if (!caughtUp) {
    status.waitingFor.push(`the controller to observe generation ${generation} (observed ${observedGeneration})`);
    return status;
  }
  const progressing = conditionOf(st.conditions, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { ...status, state: 'failed', reasons: [`ProgressDeadlineExceeded: ${progressing.message ?? 'the rollout made no progress in time'}`] };
  }
  const replicaFailure = conditionOf(st.conditions, 'ReplicaFailure');
  if (replicaFailure?.status === 'True') {
    status.problems.push({
      key: `${d.metadata?.uid ?? ''}/ReplicaFailure/${replicaFailure.reason ?? ''}`,
      object: `deploy/${d.metadata?.name ?? ''}`,
      reason: replicaFailure.reason ?? 'ReplicaFailure',
      message: replicaFailure.message ?? '',
    });
  }
  if (rs === undefined) {
    status.waitingFor.push('the new ReplicaSet');
    return status;
  }
  const rsAvailable = rs.status?.availableReplicas ?? 0;
  // Counts shown are of the tracked revision, so they agree with what readiness waits for.
  status.replicas = { ...status.replicas, ready: rs.status?.readyReplicas ?? 0, available: rsAvailable };
  if (updated < desired) status.waitingFor.push(`up-to-date ${updated}/${desired}`);
  if (total > updated) status.waitingFor.push(`old replicas to terminate: ${total - updated}`);
  if (available < desired || rsAvailable < desired) status.waitingFor.push(`available ${Math.min(available, rsAvailable)}/${desired}`);
  // The pod watch can lag the Deployment watch: a verdict is only given once the pods shown with it agree.
  const podsSeenReady = observed.pods.filter((p) => isTracked(p) && isPodReady(p)).length;
  if (status.waitingFor.length === 0 && podsSeenReady < desired) status.waitingFor.push(`pods of the new revision seen ready ${podsSeenReady}/${desired}`);
  if (status.waitingFor.length === 0) status.state = 'ready';
  return status;
}

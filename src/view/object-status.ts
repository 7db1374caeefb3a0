/**
 * The one-word status of a Kubernetes object as people know it from their tools: a pod's STATUS column of
 * `kubectl get pods`, a ReplicaSet's health in Argo Rollouts' words, a Job's outcome. Pure functions of the objects.
 */
import type { ContainerStatus, Job, Pod, ReplicaSet } from '../api/kubernetes.ts';

/** Argo Rollouts' ReplicaSet health: Progressing until observed and available, then ScaledDown or Healthy. */
export function replicaSetStatus(rs: ReplicaSet): string {
  const desired = rs.spec?.replicas ?? 1;
  if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) return 'Progressing';
  if (rs.status?.conditions?.some((c) => c.type === 'ReplicaFailure' && c.status === 'True') === true) return 'ReplicaFailure';
  if ((rs.status?.availableReplicas ?? 0) < desired) return 'Progressing';
  return desired === 0 ? 'ScaledDown' : 'Healthy';
}

type Terminated = NonNullable<NonNullable<ContainerStatus['state']>['terminated']>;

function terminatedText(state: Terminated): string {
  if (state.reason !== undefined && state.reason !== '') return state.reason;
  if (state.signal !== undefined && state.signal !== 0) return `Signal:${state.signal}`;
  return `ExitCode:${state.exitCode}`;
}

/** A pod's status in kubectl's words (the STATUS column of `kubectl get pods`). */
export function podStatus(pod: Pod): string {
  const status = pod.status ?? {};
  let reason = status.reason !== undefined && status.reason !== '' ? status.reason : (status.phase ?? 'Unknown');
  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  const initCount = pod.spec?.initContainers?.length ?? inits.length;
  for (const [i, c] of inits.entries()) {
    const terminated = c.state?.terminated;
    if (terminated !== undefined && terminated.exitCode === 0) continue;
    initializing = true;
    if (terminated !== undefined) reason = `Init:${terminatedText(terminated)}`;
    else if (c.state?.waiting?.reason !== undefined && c.state.waiting.reason !== '' && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${initCount}`;
    break;
  }
  if (!initializing) {
    let running = false;
    for (const c of [...(status.containerStatuses ?? [])].reverse()) {
      const waiting = c.state?.waiting?.reason;
      if (waiting !== undefined && waiting !== '') reason = waiting;
      else if (c.state?.terminated !== undefined) reason = terminatedText(c.state.terminated);
      else if (c.state?.running !== undefined && c.ready) running = true;
    }
    if (reason === 'Completed' && running) {
      reason = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp !== undefined) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

/** A Job's outcome: Failed, Successful, Running (pods active) or Pending. */
export function jobStatus(job: Job): string {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  if (conditions.some((c) => (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') && c.status === 'True')) return 'Successful';
  return (job.status?.active ?? 0) > 0 ? 'Running' : 'Pending';
}

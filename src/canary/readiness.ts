/**
 * Whether a Canary's workload (its primary or its target) has rolled out, as Flagger judges it: the pods the next
 * step needs are there, or what it waits for, or that it never will (its progress deadline passed).
 */
import type { DaemonSet, Deployment } from '../api/kubernetes.ts';
import type { DeepReadonly } from '../runtime/objects.ts';

export type Readiness =
  | { state: 'ready' }
  | { state: 'waiting'; message: string }
  /** The workload is stuck: the Canary rolls back (Flagger: a non-retriable error). */
  | { state: 'stuck'; message: string };

export interface ReadinessOptions {
  /** spec.progressDeadlineSeconds of the Canary. */
  deadlineSeconds: number;
  /** primaryReadyThreshold or canaryReadyThreshold: percent of the updated pods that must be available. */
  readyThreshold: number;
  now: number;
}

export function deploymentReadiness(deployment: DeepReadonly<Deployment>, options: ReadinessOptions): Readiness {
  const status = deployment.status ?? {};
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'waiting for rollout to finish: observed deployment generation less than desired generation' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const available = status.conditions?.find((c) => c.type === 'Available');
  let retriable = true;
  // Stuck: too few pods available for longer than the deadline.
  if (progressing !== undefined && available?.status === 'False' && available.reason === 'MinimumReplicasUnavailable') {
    const since = Date.parse(available.lastUpdateTime ?? '');
    retriable = Number.isNaN(since) || since + options.deadlineSeconds * 1000 >= options.now;
  }
  const wait = (message: string): Readiness => (retriable ? { state: 'waiting', message } : { state: 'stuck', message });
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const needed = Math.floor((updated * options.readyThreshold) / 100);
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { state: 'stuck', message: `deployment "${deployment.metadata?.name ?? ''}" exceeded its progress deadline` };
  if (deployment.spec?.replicas !== undefined && updated < deployment.spec.replicas) {
    return wait(`waiting for rollout to finish: ${String(updated)} out of ${String(deployment.spec.replicas)} new replicas have been updated`);
  }
  if (replicas > updated) return wait(`waiting for rollout to finish: ${String(replicas - updated)} old replicas are pending termination`);
  if ((status.availableReplicas ?? 0) < needed) {
    return wait(`waiting for rollout to finish: ${String(status.availableReplicas ?? 0)} of ${String(needed)} (readyThreshold ${String(options.readyThreshold)}%) updated replicas are available`);
  }
  return { state: 'ready' };
}

/**
 * A DaemonSet has rolled out when its controller saw the latest generation, every scheduled node runs the updated
 * pods and enough of them are available. DaemonSets have no progress deadline of their own, so they never count as stuck.
 */
export function daemonSetReadiness(daemonSet: DeepReadonly<DaemonSet>, options: Pick<ReadinessOptions, 'readyThreshold'>): Readiness {
  const status = daemonSet.status;
  if (status === undefined || (daemonSet.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'waiting for rollout to finish: observed daemon set generation less than desired generation' };
  }
  const desired = status.desiredNumberScheduled;
  const updated = status.updatedNumberScheduled ?? 0;
  if (updated < desired) return { state: 'waiting', message: `waiting for rollout to finish: ${String(updated)} out of ${String(desired)} new pods have been updated` };
  const needed = Math.floor((desired * options.readyThreshold) / 100);
  if ((status.numberAvailable ?? 0) < needed) {
    return { state: 'waiting', message: `waiting for rollout to finish: ${String(status.numberAvailable ?? 0)} of ${String(needed)} (readyThreshold ${String(options.readyThreshold)}%) updated pods are available` };
  }
  return { state: 'ready' };
}

/**
 * What a person (or a script, with -o json) wants to know about a Rollout, computed from the objects alone: its
 * phase, step and weights, the images by role, and the tree of revisions, ReplicaSets, pods and analysis runs.
 * Pure: the same objects always give the same info, so the rendering of captured objects can be snapshot-tested.
 */
import type { Rollout } from '../../api/rollout.ts';
import { formatDuration, parseDuration } from '../../util/duration.ts';
import type { AnalysisRunObject, ContainerStatus, JobObject, Meta, PodObject, ReplicaSetObject } from './objects.ts';

export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';
export type Tag = 'stable' | 'canary' | 'active' | 'preview';

export interface PodInfo {
  name: string;
  /** As kubectl prints it: Running, ContainerCreating, CrashLoopBackOff, Init:0/1, Terminating, Completed, ... */
  status: string;
  /** "ready/total" containers. */
  ready: string;
  restarts: number;
  createdAt?: string;
}

export interface ReplicaSetInfo {
  name: string;
  revision: number;
  hash: string;
  /** Healthy, Progressing, ScaledDown or ReplicaFailure (Argo Rollouts' words). */
  status: string;
  tags: Tag[];
  desired: number;
  current: number;
  ready: number;
  available: number;
  images: string[];
  createdAt?: string;
  /** When a scaled-down delay ends (RFC 3339), for old ReplicaSets kept up for a while. */
  scaleDownDeadline?: string;
  pods: PodInfo[];
}

export interface JobInfo {
  name: string;
  status: string;
  createdAt?: string;
}

export interface AnalysisRunInfo {
  name: string;
  revision: number;
  status: string;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  createdAt?: string;
  jobs: JobInfo[];
}

export interface RevisionInfo {
  revision: number;
  replicaSets: ReplicaSetInfo[];
  analysisRuns: AnalysisRunInfo[];
}

export interface ImageInfo {
  image: string;
  tags: Tag[];
}

export interface RolloutInfo {
  name: string;
  namespace: string;
  apiVersion: string;
  phase: Phase;
  message?: string;
  strategy: 'Canary' | 'BlueGreen' | 'None';
  /** Canary only: "steps done/steps", the current step in words, the weight set and the weight observed. */
  step?: string;
  stepDetail?: string;
  setWeight?: number;
  actualWeight?: number;
  images: ImageInfo[];
  replicas: { desired: number; current: number; updated: number; ready: number; available: number };
  createdAt?: string;
  generation?: number;
  observedGeneration?: string;
  revisions: RevisionInfo[];
}

export const hashLabel = 'rollouts-pod-template-hash';
const revisionKey = 'rollout.argoproj.io/revision';
const scaleDownDeadlineKey = 'scale-down-deadline';

/**
 * The phase a person should see. A status the controller wrote for an older generation says nothing about the
 * current spec, so it is "Progressing: waiting for rollout spec update to be observed" (as Argo Rollouts reports).
 */
export function rolloutPhase(rollout: Rollout): { phase: Phase; message?: string } {
  const status = rollout.status;
  if (status?.observedGeneration !== String(rollout.metadata.generation ?? '')) {
    return { phase: 'Progressing', message: 'waiting for rollout spec update to be observed' };
  }
  const phase = status.phase;
  if (phase === 'Healthy' || phase === 'Progressing' || phase === 'Paused' || phase === 'Degraded') {
    return status.message === undefined || status.message === '' ? { phase } : { phase, message: status.message };
  }
  return { phase: 'Progressing', message: status.message ?? 'waiting for the controller' };
}

/** The weight the steps have set so far: the last setWeight at or before the current step; 100 once done, 0 aborted. */
export function currentSetWeight(rollout: Rollout): number {
  const status = rollout.status ?? {};
  if (status.abort === true) return 0;
  const steps = rollout.spec.strategy?.canary?.steps ?? [];
  const index = status.currentStepIndex ?? 0;
  if (steps.length === 0 || index >= steps.length) return 100;
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

const revisionOf = (meta: Meta | undefined): number => {
  const value = Number.parseInt(meta?.annotations?.[revisionKey] ?? '', 10);
  return Number.isFinite(value) ? value : 0;
};

const ownedBy = (meta: Meta | undefined, uid: string | undefined): boolean =>
  uid === undefined || uid === '' || meta?.ownerReferences?.some((o) => o.uid === uid) === true;

/** Argo Rollouts' ReplicaSet health: Progressing until observed and available, then ScaledDown or Healthy. */
export function replicaSetStatus(rs: ReplicaSetObject): string {
  const desired = rs.spec?.replicas ?? 1;
  if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) return 'Progressing';
  if (rs.status?.conditions?.some((c) => c.type === 'ReplicaFailure' && c.status === 'True') === true) return 'ReplicaFailure';
  if ((rs.status?.availableReplicas ?? 0) < desired) return 'Progressing';
  return desired === 0 ? 'ScaledDown' : 'Healthy';
}

function terminatedText(state: NonNullable<ContainerStatus['state']>['terminated']): string {
  if (state?.reason !== undefined && state.reason !== '') return state.reason;
  if (state?.signal !== undefined && state.signal !== 0) return `Signal:${state.signal}`;
  return `ExitCode:${state?.exitCode ?? 0}`;
}

/** A pod's status in kubectl's words (the STATUS column of `kubectl get pods`). */
export function podStatus(pod: PodObject): string {
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
      else if (c.state?.running !== undefined && c.ready === true) running = true;
    }
    if (reason === 'Completed' && running) {
      reason = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp !== undefined) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podInfo(pod: PodObject): PodInfo {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? statuses.length;
  const ready = statuses.filter((c) => c.ready === true).length;
  return {
    name: pod.metadata?.name ?? '',
    status: podStatus(pod),
    ready: `${ready}/${total}`,
    restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    ...(pod.metadata?.creationTimestamp === undefined ? {} : { createdAt: pod.metadata.creationTimestamp }),
  };
}

function tagsOf(rollout: Rollout, hash: string): Tag[] {
  const status = rollout.status ?? {};
  const tags: Tag[] = [];
  if (hash === '') return tags;
  if (rollout.spec.strategy?.blueGreen !== undefined) {
    if (status.stableRS === hash) tags.push('stable');
    if (status.blueGreen?.activeSelector === hash) tags.push('active');
    else if (status.blueGreen?.previewSelector === hash) tags.push('preview');
  } else if (status.stableRS === hash) {
    tags.push('stable');
  } else if (status.currentPodHash === hash) {
    tags.push('canary');
  }
  return tags;
}

const byCreation = <T extends { createdAt?: string; name: string }>(a: T, b: T): number =>
  (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.name.localeCompare(b.name);

function jobStatus(job: JobObject): string {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  if (conditions.some((c) => (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') && c.status === 'True')) return 'Successful';
  return (job.status?.active ?? 0) > 0 ? 'Running' : 'Pending';
}

/**
 * A run's row: the counts are measurements summed over its metrics, as kubectl-argo-rollouts shows them — not
 * status.runSummary, which counts metrics (a metric measured 3 times successfully is 1 there).
 */
function analysisRunInfo(run: AnalysisRunObject, jobs: readonly JobObject[], revision: number): AnalysisRunInfo {
  const metrics = run.status?.metricResults ?? [];
  const sum = (pick: (m: (typeof metrics)[number]) => number | undefined): number => metrics.reduce((n, m) => n + (pick(m) ?? 0), 0);
  return {
    name: run.metadata?.name ?? '',
    revision,
    status: run.status?.phase ?? 'Pending',
    successful: sum((m) => m.successful),
    failed: sum((m) => m.failed),
    inconclusive: sum((m) => m.inconclusive),
    error: sum((m) => m.error),
    ...(run.metadata?.creationTimestamp === undefined ? {} : { createdAt: run.metadata.creationTimestamp }),
    jobs: jobs
      .filter((j) => ownedBy(j.metadata, run.metadata?.uid) && run.metadata?.uid !== undefined)
      .map((j) => ({ name: j.metadata?.name ?? '', status: jobStatus(j), ...(j.metadata?.creationTimestamp === undefined ? {} : { createdAt: j.metadata.creationTimestamp }) }))
      .sort(byCreation),
  };
}

/** Words for the step the canary is at, e.g. "pause (until promoted)", "setWeight: 40", or "all steps done". */
function stepDetail(rollout: Rollout, now: Date): string | undefined {
  const steps = rollout.spec.strategy?.canary?.steps ?? [];
  const status = rollout.status ?? {};
  const index = status.currentStepIndex ?? 0;
  if (steps.length === 0) return undefined;
  if (status.abort === true) return 'aborted';
  if (index >= steps.length) return 'all steps done';
  const step = steps[index];
  if (step === undefined) return undefined;
  if (step.setWeight !== undefined) return `setWeight: ${step.setWeight}`;
  if (step.pause !== undefined) {
    if (step.pause.duration === undefined) return 'pause (until promoted)';
    const duration = String(step.pause.duration);
    const started = status.pauseConditions?.find((c) => c.reason === 'CanaryPauseStep')?.startTime;
    let ms: number;
    try {
      ms = parseDuration(duration);
    } catch {
      return `pause: ${duration}`;
    }
    if (started === undefined) return `pause: ${duration}`;
    const left = Date.parse(started) + ms - now.getTime();
    return `pause: ${duration} (${left > 0 ? `${formatDuration(Math.ceil(left / 1000) * 1000)} left` : 'ending'})`;
  }
  return Object.keys(step).find((k) => (step as Record<string, unknown>)[k] !== undefined);
}

export interface InfoInput {
  rollout: Rollout;
  replicaSets?: readonly ReplicaSetObject[];
  pods?: readonly PodObject[];
  analysisRuns?: readonly AnalysisRunObject[];
  jobs?: readonly JobObject[];
  /** For the remaining time of timed pauses. */
  now: Date;
}

export function rolloutInfo(input: InfoInput): RolloutInfo {
  const { rollout } = input;
  const uid = rollout.metadata.uid;
  const { phase, message } = rolloutPhase(rollout);
  const status = rollout.status ?? {};
  const canary = rollout.spec.strategy?.canary;
  const blueGreen = rollout.spec.strategy?.blueGreen;

  const podsByOwner = new Map<string, PodInfo[]>();
  for (const pod of input.pods ?? []) {
    for (const owner of pod.metadata?.ownerReferences ?? []) {
      if (owner.uid === undefined) continue;
      const list = podsByOwner.get(owner.uid) ?? [];
      list.push(podInfo(pod));
      podsByOwner.set(owner.uid, list);
    }
  }
  const replicaSets: ReplicaSetInfo[] = (input.replicaSets ?? [])
    .filter((rs) => ownedBy(rs.metadata, uid))
    .map((rs) => {
      const hash = rs.metadata?.labels?.[hashLabel] ?? '';
      const deadline = rs.metadata?.annotations?.[scaleDownDeadlineKey];
      return {
        name: rs.metadata?.name ?? '',
        revision: revisionOf(rs.metadata),
        hash,
        status: replicaSetStatus(rs),
        tags: tagsOf(rollout, hash),
        desired: rs.spec?.replicas ?? 1,
        current: rs.status?.replicas ?? 0,
        ready: rs.status?.readyReplicas ?? 0,
        available: rs.status?.availableReplicas ?? 0,
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
        ...(rs.metadata?.creationTimestamp === undefined ? {} : { createdAt: rs.metadata.creationTimestamp }),
        ...(deadline === undefined || deadline === '' ? {} : { scaleDownDeadline: deadline }),
        pods: (podsByOwner.get(rs.metadata?.uid ?? '') ?? []).sort(byCreation),
      };
    })
    .sort((a, b) => b.revision - a.revision || byCreation(a, b));

  const revisionOfHash = new Map(replicaSets.map((rs) => [rs.hash, rs.revision]));
  const analysisRuns = (input.analysisRuns ?? [])
    .filter((run) => ownedBy(run.metadata, uid))
    .map((run) => analysisRunInfo(run, input.jobs ?? [], revisionOf(run.metadata) || (revisionOfHash.get(run.metadata?.labels?.[hashLabel] ?? '') ?? 0)))
    .sort(byCreation);

  const revisionNumbers = [...new Set([...replicaSets.map((rs) => rs.revision), ...analysisRuns.map((r) => r.revision)])].sort((a, b) => b - a);
  const revisions = revisionNumbers.map((revision) => ({
    revision,
    replicaSets: replicaSets.filter((rs) => rs.revision === revision),
    analysisRuns: analysisRuns.filter((r) => r.revision === revision),
  }));

  const images: ImageInfo[] = [];
  for (const rs of replicaSets) {
    if (rs.tags.length === 0 || (rs.desired === 0 && rs.current === 0)) continue;
    for (const image of rs.images) {
      const known = images.find((i) => i.image === image);
      if (known === undefined) images.push({ image, tags: [...rs.tags] });
      else for (const tag of rs.tags) if (!known.tags.includes(tag)) known.tags.push(tag);
    }
  }

  const info: RolloutInfo = {
    name: rollout.metadata.name ?? '',
    namespace: rollout.metadata.namespace ?? '',
    apiVersion: rollout.apiVersion ?? '',
    phase,
    ...(message === undefined ? {} : { message }),
    strategy: canary !== undefined ? 'Canary' : blueGreen !== undefined ? 'BlueGreen' : 'None',
    images,
    replicas: {
      desired: rollout.spec.replicas ?? 1,
      current: status.replicas ?? 0,
      updated: status.updatedReplicas ?? 0,
      ready: status.readyReplicas ?? 0,
      available: status.availableReplicas ?? 0,
    },
    ...(rollout.metadata.creationTimestamp === undefined ? {} : { createdAt: rollout.metadata.creationTimestamp }),
    ...(rollout.metadata.generation === undefined ? {} : { generation: rollout.metadata.generation }),
    ...(status.observedGeneration === undefined ? {} : { observedGeneration: status.observedGeneration }),
    revisions,
  };
  if (canary !== undefined) {
    const steps = canary.steps ?? [];
    if (steps.length > 0) info.step = `${Math.min(status.currentStepIndex ?? 0, steps.length)}/${steps.length}`;
    const detail = stepDetail(rollout, input.now);
    if (detail !== undefined) info.stepDetail = detail;
    info.setWeight = currentSetWeight(rollout);
    const weights = status.canary?.weights;
    if (weights !== undefined) {
      info.actualWeight = weights.canary.weight;
    } else {
      const canaryRS = replicaSets.find((rs) => rs.tags.includes('canary'));
      const available = status.availableReplicas ?? 0;
      info.actualWeight = canaryRS === undefined ? (status.stableRS !== undefined && status.stableRS === status.currentPodHash ? 100 : 0)
        : available > 0 ? Math.floor((canaryRS.available * 100) / available) : 0;
    }
  }
  return info;
}

/**
 * The read model of a Rollout: what a person (or a script, or a dashboard) wants to know about it, computed from the
 * objects alone — its phase and message, the canary's step and weights, the images by role, and the tree of
 * revisions → ReplicaSets → pods and AnalysisRuns → Jobs. Pure: the same objects always give the same model, so the
 * CLI's rendering of captured objects can be snapshot-tested and a dashboard can serve the model as JSON.
 */
import type { AnalysisRun } from '../api/analysis.ts';
import type { Job, ObjectMeta, Pod, ReplicaSet } from '../api/kubernetes.ts';
import { podTemplateHashLabel, revisionAnnotation, scaleDownDeadlineAnnotation } from '../api/labels.ts';
import type { Rollout } from '../api/rollout.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { jobStatus, podStatus, replicaSetStatus } from './object-status.ts';

export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';
export type Tag = 'stable' | 'canary' | 'active' | 'preview';
export type Strategy = 'Canary' | 'BlueGreen' | 'None';

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

/** A canary's progress: "steps done/steps", the current step in words, the weight set and the weight observed. */
export interface CanaryProgress {
  step?: string;
  stepDetail?: string;
  setWeight: number;
  actualWeight: number;
}

export interface RolloutInfo {
  name: string;
  namespace: string;
  apiVersion: string;
  phase: Phase;
  message?: string;
  strategy: Strategy;
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

/** The objects around a Rollout that its read model is computed from. */
export interface RolloutObjects {
  replicaSets: readonly ReplicaSet[];
  pods: readonly Pod[];
  analysisRuns: readonly AnalysisRun[];
  jobs: readonly Job[];
}

export interface InfoInput extends Partial<RolloutObjects> {
  rollout: Rollout;
  /** For the remaining time of timed pauses. */
  now: Date;
}

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

/** "Paused - CanaryPauseStep": the phase and its message on one line, as kubectl-argo-rollouts prints the status. */
export function statusLine(rollout: Rollout): string {
  const { phase, message } = rolloutPhase(rollout);
  return message === undefined ? phase : `${phase} - ${message}`;
}

export function strategyOf(rollout: Rollout): Strategy {
  const strategy = rollout.spec.strategy;
  return strategy?.canary !== undefined ? 'Canary' : strategy?.blueGreen !== undefined ? 'BlueGreen' : 'None';
}

/** "done/total" steps of a canary with steps (the current index, capped at the number of steps). */
export function stepCount(rollout: Rollout): string | undefined {
  const steps = rollout.spec.strategy?.canary?.steps ?? [];
  if (rollout.spec.strategy?.canary === undefined || steps.length === 0) return undefined;
  return `${Math.min(rollout.status?.currentStepIndex ?? 0, steps.length)}/${steps.length}`;
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

/** Words for the step the canary is at, e.g. "pause (until promoted)", "setWeight: 40", or "all steps done". */
export function stepDetail(rollout: Rollout, now: Date): string | undefined {
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

type Meta = ObjectMeta | AnalysisRun['metadata'] | undefined;

const revisionOf = (meta: Meta): number => {
  const value = Number.parseInt(meta?.annotations?.[revisionAnnotation] ?? '', 10);
  return Number.isFinite(value) ? value : 0;
};

const ownedBy = (meta: Meta, uid: string | undefined): boolean =>
  uid === undefined || uid === '' || meta?.ownerReferences?.some((o) => o.uid === uid) === true;

const createdAt = (meta: Meta): { createdAt?: string } =>
  meta?.creationTimestamp === undefined ? {} : { createdAt: meta.creationTimestamp };

const byCreation = <T extends { createdAt?: string; name: string }>(a: T, b: T): number =>
  (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.name.localeCompare(b.name);

function podInfo(pod: Pod): PodInfo {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers.length ?? statuses.length;
  const ready = statuses.filter((c) => c.ready).length;
  return {
    name: pod.metadata?.name ?? '',
    status: podStatus(pod),
    ready: `${ready}/${total}`,
    restarts: statuses.reduce((n, c) => n + c.restartCount, 0),
    ...createdAt(pod.metadata),
  };
}

/** The roles of the ReplicaSet with pod-template hash `hash`: stable, and canary, active or preview. */
export function tagsOf(rollout: Rollout, hash: string): Tag[] {
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

/**
 * A run's row: the counts are measurements summed over its metrics, as kubectl-argo-rollouts shows them — not
 * status.runSummary, which counts metrics (a metric measured 3 times successfully is 1 there).
 */
function analysisRunInfo(run: AnalysisRun, jobs: readonly Job[], revision: number): AnalysisRunInfo {
  const metrics = run.status?.metricResults ?? [];
  const sum = (pick: (m: (typeof metrics)[number]) => number | undefined): number => metrics.reduce((n, m) => n + (pick(m) ?? 0), 0);
  const uid = run.metadata.uid;
  return {
    name: run.metadata.name ?? '',
    revision,
    status: run.status?.phase ?? 'Pending',
    successful: sum((m) => m.successful),
    failed: sum((m) => m.failed),
    inconclusive: sum((m) => m.inconclusive),
    error: sum((m) => m.error),
    ...createdAt(run.metadata),
    jobs: jobs
      .filter((j) => ownedBy(j.metadata, uid) && uid !== undefined)
      .map((j) => ({ name: j.metadata?.name ?? '', status: jobStatus(j), ...createdAt(j.metadata) }))
      .sort(byCreation),
  };
}

/** The Rollout's ReplicaSets (those it owns), newest revision first, each with its pods by creation. */
export function replicaSetInfos(rollout: Rollout, replicaSets: readonly ReplicaSet[], pods: readonly Pod[]): ReplicaSetInfo[] {
  const podsByOwner = new Map<string, PodInfo[]>();
  for (const pod of pods) {
    for (const owner of pod.metadata?.ownerReferences ?? []) {
      const list = podsByOwner.get(owner.uid) ?? [];
      list.push(podInfo(pod));
      podsByOwner.set(owner.uid, list);
    }
  }
  return replicaSets
    .filter((rs) => ownedBy(rs.metadata, rollout.metadata.uid))
    .map((rs) => {
      const hash = rs.metadata?.labels?.[podTemplateHashLabel] ?? '';
      const deadline = rs.metadata?.annotations?.[scaleDownDeadlineAnnotation];
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
        ...createdAt(rs.metadata),
        ...(deadline === undefined || deadline === '' ? {} : { scaleDownDeadline: deadline }),
        pods: (podsByOwner.get(rs.metadata?.uid ?? '') ?? []).sort(byCreation),
      };
    })
    .sort((a, b) => b.revision - a.revision || byCreation(a, b));
}

/**
 * The revision tree, newest first: each revision's ReplicaSets, then its AnalysisRuns (by creation) with their Jobs.
 * A run's revision is its own annotation, else that of the ReplicaSet with its pod-template hash.
 */
export function revisionTree(rollout: Rollout, replicaSets: readonly ReplicaSetInfo[], analysisRuns: readonly AnalysisRun[], jobs: readonly Job[]): RevisionInfo[] {
  const revisionOfHash = new Map(replicaSets.map((rs) => [rs.hash, rs.revision]));
  const runs = analysisRuns
    .filter((run) => ownedBy(run.metadata, rollout.metadata.uid))
    .map((run) => analysisRunInfo(run, jobs, revisionOf(run.metadata) || (revisionOfHash.get(run.metadata.labels?.[podTemplateHashLabel] ?? '') ?? 0)))
    .sort(byCreation);
  const revisionNumbers = [...new Set([...replicaSets.map((rs) => rs.revision), ...runs.map((r) => r.revision)])].sort((a, b) => b - a);
  return revisionNumbers.map((revision) => ({
    revision,
    replicaSets: replicaSets.filter((rs) => rs.revision === revision),
    analysisRuns: runs.filter((r) => r.revision === revision),
  }));
}

/** The images the Rollout runs, by role: those of its tagged ReplicaSets that are not scaled away. */
export function imagesByRole(replicaSets: readonly ReplicaSetInfo[]): ImageInfo[] {
  const images: ImageInfo[] = [];
  for (const rs of replicaSets) {
    if (rs.tags.length === 0 || (rs.desired === 0 && rs.current === 0)) continue;
    for (const image of rs.images) {
      const known = images.find((i) => i.image === image);
      if (known === undefined) images.push({ image, tags: [...rs.tags] });
      else for (const tag of rs.tags) if (!known.tags.includes(tag)) known.tags.push(tag);
    }
  }
  return images;
}

/**
 * A canary's step and weights. The actual weight is the one the traffic router reports (status.canary.weights), or
 * without traffic routing the canary's share of the available pods.
 */
export function canaryProgress(rollout: Rollout, replicaSets: readonly ReplicaSetInfo[], now: Date): CanaryProgress {
  const status = rollout.status ?? {};
  const step = stepCount(rollout);
  const detail = stepDetail(rollout, now);
  const weights = status.canary?.weights;
  let actualWeight: number;
  if (weights !== undefined) {
    actualWeight = weights.canary.weight;
  } else {
    const canaryRS = replicaSets.find((rs) => rs.tags.includes('canary'));
    const available = status.availableReplicas ?? 0;
    actualWeight = canaryRS === undefined ? (status.stableRS !== undefined && status.stableRS === status.currentPodHash ? 100 : 0)
      : available > 0 ? Math.floor((canaryRS.available * 100) / available) : 0;
  }
  return {
    ...(step === undefined ? {} : { step }),
    ...(detail === undefined ? {} : { stepDetail: detail }),
    setWeight: currentSetWeight(rollout),
    actualWeight,
  };
}

export function rolloutInfo(input: InfoInput): RolloutInfo {
  const { rollout } = input;
  const { phase, message } = rolloutPhase(rollout);
  const status = rollout.status ?? {};
  const replicaSets = replicaSetInfos(rollout, input.replicaSets ?? [], input.pods ?? []);
  const info: RolloutInfo = {
    name: rollout.metadata.name ?? '',
    namespace: rollout.metadata.namespace ?? '',
    apiVersion: rollout.apiVersion ?? '',
    phase,
    ...(message === undefined ? {} : { message }),
    strategy: strategyOf(rollout),
    images: imagesByRole(replicaSets),
    replicas: {
      desired: rollout.spec.replicas ?? 1,
      current: status.replicas ?? 0,
      updated: status.updatedReplicas ?? 0,
      ready: status.readyReplicas ?? 0,
      available: status.availableReplicas ?? 0,
    },
    ...createdAt(rollout.metadata),
    ...(rollout.metadata.generation === undefined ? {} : { generation: rollout.metadata.generation }),
    ...(status.observedGeneration === undefined ? {} : { observedGeneration: status.observedGeneration }),
    revisions: revisionTree(rollout, replicaSets, input.analysisRuns ?? [], input.jobs ?? []),
  };
  // Appended after the rest, where `-o json` has always had them.
  if (rollout.spec.strategy?.canary !== undefined) Object.assign(info, canaryProgress(rollout, replicaSets, input.now));
  return info;
}

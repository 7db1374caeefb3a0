import { tryParseDuration } from '../../util/duration.ts';
import { conditionOf, type Canary } from '../model.ts';
import { judgePods } from './pod.ts';
import type { Observed, Status } from './types.ts';

/**
 * What the tracker recorded when it began: the tracked revision of a Canary is the target's pod template, which the
 * controller fingerprints as status.lastAppliedSpec once it has noticed it.
 */
export interface CanaryFence {
  generation: number;
  lastAppliedSpec?: string;
  phase?: string;
  /** When tracking began (epoch ms). */
  startedAt: number;
}

export function canaryFence(c: Canary, now: number): CanaryFence {
  const fence: CanaryFence = { generation: c.metadata?.generation ?? 0, startedAt: now };
  if (c.status?.lastAppliedSpec !== undefined) fence.lastAppliedSpec = c.status.lastAppliedSpec;
  if (c.status?.phase !== undefined) fence.phase = c.status.phase;
  return fence;
}

/** What the tracker has seen since it began; the rule itself keeps no state. */
export interface CanaryHistory {
  /** The controller was seen working on a revision (an active phase) after tracking began. */
  sawActivePhase: boolean;
}

export const activePhases = new Set(['Initializing', 'Waiting', 'Progressing', 'WaitingPromotion', 'Promoting', 'Finalising']);
const gatePhases: Record<string, string> = {
  Waiting: 'waiting for approval to start (confirm-rollout webhook)',
  WaitingPromotion: 'waiting for approval to promote (confirm-promotion webhook)',
};

/**
 * How long to give the controller to notice a new revision when the Canary showed a finished phase at the start and
 * nothing has changed since: Flagger looks at its target once per analysis interval, so two intervals (at least 30 s).
 */
export function detectionWindowMs(c: Canary): number {
  const interval = tryParseDuration(c.spec?.analysis?.interval ?? '') ?? 60_000;
  return Math.max(30_000, 2 * interval);
}

/**
 * A Canary (Flagger's shape, in flagger.app or aviary.dev) succeeds when Succeeded (or Initialized, for its first
 * revision) for the tracked revision, and fails when Failed for it. A finished phase already showing when tracking
 * began belongs to the previous revision — unless the controller shows, within its detection window, no sign of a
 * new one (a changed lastAppliedSpec or an active phase): then the current revision is the tracked one.
 */
export function canaryRule(observed: Observed<Canary>, fence: CanaryFence, history: CanaryHistory): Status {
  const c = observed.object;
  const st = c.status ?? {};
  const generation = Math.max(fence.generation, c.metadata?.generation ?? 0);
  const status: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [], problems: [] };
  if (st.lastAppliedSpec !== undefined) status.revision = st.lastAppliedSpec;
  status.details = { phase: st.phase ?? '-', weight: st.canaryWeight ?? 0, failedChecks: st.failedChecks ?? 0 };
  if (st.iterations !== undefined && st.iterations > 0) status.details.iterations = st.iterations;

  const phase = st.phase;
  const active = phase !== undefined && activePhases.has(phase);
  const judged = judgePods(observed.pods, () => active, observed);
  status.pods = judged.views.map((v) => v.view);
  if (judged.recheckAt !== undefined) status.recheckAt = judged.recheckAt;

  if (st.observedGeneration !== undefined && Number(st.observedGeneration) < generation) {
    status.waitingFor.push(`the controller to observe generation ${generation} (observed ${String(st.observedGeneration)})`);
    return status;
  }
  if (phase === undefined) {
    status.waitingFor.push('the Canary controller to report status (is it running?)');
    return status;
  }
  if (c.spec?.suspend === true) return { ...status, state: 'paused', reasons: ['the Canary is suspended (spec.suspend)'] };
  if (phase === 'Terminating' || phase === 'Terminated') return { ...status, state: 'failed', reasons: [`the Canary is ${phase.toLowerCase()} (being deleted)`] };
  if (active) {
    status.problems = judged.problems;
    const gate = gatePhases[phase];
    if (gate !== undefined) return { ...status, state: 'paused', reasons: [gate] };
    status.waitingFor.push(`${phase}: weight ${st.canaryWeight ?? 0}, failed checks ${st.failedChecks ?? 0}`);
    return status;
  }

  const windowEnd = fence.startedAt + detectionWindowMs(c);
  const newRevisionSeen =
    history.sawActivePhase ||
    (fence.phase !== undefined && activePhases.has(fence.phase)) ||
    fence.phase === undefined ||
    st.lastAppliedSpec !== fence.lastAppliedSpec;
  const settled = newRevisionSeen || observed.now >= windowEnd;
  if (!settled) {
    status.waitingFor.push(`the controller to detect the new revision (${phase} belongs to the revision before tracking began)`);
    status.recheckAt = windowEnd;
    return status;
  }
  const note = newRevisionSeen ? [] : ['no new revision was detected: the current one is the tracked one'];
  if (phase === 'Failed') {
    const promoted = conditionOf(st.conditions, 'Promoted');
    return { ...status, state: 'failed', reasons: [...note, `Failed${promoted?.message === undefined ? '' : `: ${promoted.message}`}`] };
  }
  if (phase === 'Succeeded' || phase === 'Initialized') {
    if (phase === 'Succeeded' && st.lastPromotedSpec !== undefined && st.lastAppliedSpec !== undefined && st.lastPromotedSpec !== st.lastAppliedSpec) {
      status.waitingFor.push('promotion of the last applied revision');
      return status;
    }
    return { ...status, state: 'ready', reasons: note };
  }
  status.waitingFor.push(`phase ${phase}`);
  return status;
}

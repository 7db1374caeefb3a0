import { conditionOf, type Pod, type Rollout } from '../model.ts';
import { judgePods } from './pod.ts';
import type { Observed, Status } from './types.ts';
import { podTemplateHashLabel } from '../../api/labels.ts';

export interface RolloutFence {
  generation: number;
}

export function rolloutFence(r: Rollout): RolloutFence {
  return { generation: r.metadata?.generation ?? 0 };
}


/**
 * A Rollout (Aviary's or Argo's shape) succeeds when Healthy at the tracked revision: status.observedGeneration (a
 * string) equals the generation, and the current pod hash is the stable one — a Healthy phase left over from the
 * previous revision never counts. Degraded or aborted is a failure with the controller's message; a pause is reported
 * as `paused` (the caller decides whether that ends tracking).
 */
export function rolloutRule(observed: Observed<Rollout>, fence: RolloutFence): Status {
  const r = observed.object;
  const generation = Math.max(fence.generation, r.metadata?.generation ?? 0);
  const st = r.status ?? {};
  const status: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [], problems: [] };
  const observedGeneration = st.observedGeneration === undefined ? undefined : String(st.observedGeneration);
  const caughtUp = observedGeneration === String(generation);
  const current = st.currentPodHash;
  if (caughtUp && current !== undefined) status.revision = current;
  const desired = r.spec?.replicas ?? 1;
  status.replicas = {
    desired,
    updated: st.updatedReplicas ?? 0,
    ready: st.readyReplicas ?? 0,
    available: st.availableReplicas ?? 0,
    old: Math.max(0, (st.replicas ?? 0) - (st.updatedReplicas ?? 0)),
  };
  const steps = r.spec?.strategy?.canary?.steps;
  if (steps !== undefined && steps.length > 0) status.details = { step: `${Math.min(st.currentStepIndex ?? 0, steps.length)}/${steps.length}` };
  const weight = st.canary?.weights?.canary?.weight;
  if (weight !== undefined) status.details = { ...status.details, weight };

  const isTracked = (pod: Pod): boolean => caughtUp && current !== undefined && pod.metadata?.labels?.[podTemplateHashLabel] === current;
  const judged = judgePods(observed.pods, isTracked, observed);
  status.pods = judged.views.map((v) => v.view);
  if (judged.recheckAt !== undefined) status.recheckAt = judged.recheckAt;

  if (r.status === undefined || st.phase === undefined) {
    status.waitingFor.push('the Rollout controller to report status (is it running?)');
    return status;
  }
  if (!caughtUp) {
    status.waitingFor.push(`the controller to observe generation ${generation} (observed ${observedGeneration ?? 'none'})`);
    return status;
  }
  status.problems = judged.problems;
  const message = st.message === undefined || st.message === '' ? '' : `: ${st.message}`;
  if (st.abort === true) return { ...status, state: 'failed', reasons: [`aborted${message}`] };
  const invalid = conditionOf(st.conditions, 'InvalidSpec');
  if (invalid?.status === 'True') return { ...status, state: 'failed', reasons: [`InvalidSpec: ${invalid.message ?? st.message ?? ''}`] };
  if (st.phase === 'Degraded') return { ...status, state: 'failed', reasons: [`Degraded${message}`] };

  const pauses = (st.pauseConditions ?? []).map((p) => p.reason ?? 'paused');
  if (st.phase === 'Paused' || r.spec?.paused === true || pauses.length > 0) {
    const why = pauses.length > 0 ? pauses.join(', ') : r.spec?.paused === true ? 'manually paused (spec.paused)' : (st.message ?? 'paused');
    return { ...status, state: 'paused', reasons: [`paused: ${why}`] };
  }
  if (st.phase === 'Healthy' && current !== undefined && current === st.stableRS) {
    return { ...status, state: 'ready' };
  }
  status.waitingFor.push(st.phase === 'Healthy'
    ? `the new revision ${current ?? '?'} to become stable (stable is ${st.stableRS ?? 'none'})`
    : `${st.phase}${message}`);
  return status;
}

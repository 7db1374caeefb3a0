import { applyRolloutDefaults } from '../api/defaults.ts';
import type { RolloutPhase } from '../api/rollout.ts';
import { validateRolloutSchema } from '../api/validate.ts';
import { AnalysisPlanner, analysisAbortReason, clearAnalysisRunStatuses, failedAnalysisRun, resolveAnalyses, type AnalysisSummary } from './analysis.ts';
import { planBlueGreen } from './bluegreen.ts';
import { planCanary } from './canary.ts';
import { getCondition, removeCondition, setCondition } from './conditions.ts';
import { PlanContext } from './context.ts';
import { podTemplateHash } from './hash.ts';
import { blueGreenMaxUnavailable, canaryFenceposts } from './int-or-percent.ts';
import { planPodMetadata } from './pod-metadata.ts';
import { planRestart } from './restart.ts';
import { planWorkloadSource, resolveWorkload } from './workload.ts';
import { type ObservedRollout, type RolloutPlan } from './observed.ts';
import { invalidSpecMessage, validateRollout, type SpecIssue } from './validate.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import { routeTraffic, type TrafficIntent } from '../traffic/router.ts';

/**
 * Decides everything one reconcile of a Rollout should do, from a snapshot of what the informers observed. Pure:
 * the same snapshot always yields the same plan, and the status it computes is the whole of the progress, so a
 * restarted controller continues where the last one stopped.
 */
export function planRollout(observed: ObservedRollout): RolloutPlan {
  const workload = resolveWorkload(observed);
  const rollout = applyRolloutDefaults(workload.rollout);
  const ctx = new PlanContext(rollout, observed, workload.workload);
  const { status } = ctx;
  status.observedGeneration = String(rollout.metadata.generation ?? 0);

  const issues = workload.issues.length > 0 ? workload.issues : specIssues({ ...observed, rollout: workload.rollout });
  if (issues.length > 0) return planInvalid(ctx, issues);
  const resolved = resolveAnalyses(rollout, observed.analysis?.catalog, { stable: status.stableRS ?? ctx.hash, latest: ctx.hash });
  if (resolved.issues.length > 0) return planInvalid(ctx, resolved.issues);
  status.conditions = removeCondition(status.conditions ?? [], 'InvalidSpec');

  const { canary, blueGreen } = rollout.spec.strategy ?? {};
  startOverOnChange(ctx, canary === undefined ? undefined : podTemplateHash(canary.steps ?? []));
  if (status.abort !== true && status.abortedAt !== undefined) {
    // A retry: the analyses run again from the start, with new runs.
    delete status.abortedAt;
    clearAnalysisRunStatuses(status);
  }

  const analysis = new AnalysisPlanner(ctx, resolved.specs, observed.analysis);
  if (canary !== undefined) planCanary(ctx, canary, analysis);
  else if (blueGreen !== undefined) planBlueGreen(ctx, blueGreen, analysis);

  planTraffic(ctx);

  planPodMetadata(ctx);
  if (status.abort !== true) planRestart(ctx, restartBudget(ctx));
  pruneHistory(ctx);
  summarize(ctx, analysis.finish());
  planWorkloadSource(ctx);
  return finish(ctx);
}

/**
 * The writes of every router the Rollout's traffic goes through, for the intent the strategy planned. If any
 * router cannot act (its object is missing or malformed, its CRD not installed), no router writes anything: the
 * traffic stays exactly where it is, the TrafficRouting condition and an Event name the object, and the steps
 * wait (they need the routers to carry their weight). With traffic routing, status.canary.weights records what
 * the routers were told.
 */
function planTraffic(ctx: PlanContext): void {
  const intent = ctx.plan.traffic;
  if (intent === undefined) return;
  const { status } = ctx;
  const problems = ctx.routers.flatMap((router) => router.problems(intent, ctx.traffic));
  const previous = getCondition(status.conditions, 'TrafficRouting');
  if (problems.length > 0) {
    const message = problems.map((p) => p.message).join('; ');
    const reason = problems[0]?.reason ?? 'TrafficRoutingError';
    if (previous?.message !== message) ctx.event('Warning', reason, message);
    status.conditions = setCondition(status.conditions ?? [], { type: 'TrafficRouting', status: 'False', reason, message }, ctx.nowTime);
    return;
  }
  if (previous !== undefined) status.conditions = removeCondition(status.conditions ?? [], 'TrafficRouting');
  for (const router of ctx.routers) {
    for (const write of routeTraffic(router, intent, ctx.traffic)) {
      ctx.plan.writes.push(write);
      if (write.event !== undefined) ctx.event('Normal', write.event.reason, write.event.message);
    }
  }
  if (ctx.rollout.spec.strategy?.canary?.trafficRouting !== undefined) recordWeights(ctx, intent);
}

/** status.canary.weights as Argo Rollouts writes it, and TrafficWeightUpdated when the canary's weight moves. */
function recordWeights(ctx: PlanContext, intent: TrafficIntent): void {
  const { status } = ctx;
  const before = ctx.previous.canary?.weights;
  const verified = ctx.routers.every((router) => router.verify(intent, ctx.traffic) !== false);
  status.canary = {
    ...(status.canary ?? {}),
    weights: {
      canary: { weight: intent.weight, podTemplateHash: intent.canaryHash, ...(intent.canaryService === undefined ? {} : { serviceName: intent.canaryService }) },
      stable: { weight: intent.maxWeight - intent.weight, podTemplateHash: intent.stableHash, ...(intent.stableService === undefined ? {} : { serviceName: intent.stableService }) },
      verified,
    },
  };
  const from = before?.canary.weight ?? 0;
  if (from !== intent.weight) ctx.event('Normal', 'TrafficWeightUpdated', `Traffic weight updated from ${from} to ${intent.weight}`);
}

function specIssues(observed: ObservedRollout): SpecIssue[] {
  const schema = validateRolloutSchema(observed.rollout).map((i) => ({ field: i.path === '' ? 'rollout' : i.path, message: i.message }));
  if (schema.length > 0) return schema;
  return validateRollout(observed.rollout, new Set(observed.services.keys()));
}

/** An invalid spec stops all scaling: the condition names the field, and other Rollouts are unaffected. */
function planInvalid(ctx: PlanContext, issues: SpecIssue[]): RolloutPlan {
  const { status } = ctx;
  const message = invalidSpecMessage(ctx.rollout.metadata.name ?? '', issues);
  if (getCondition(status.conditions, 'InvalidSpec')?.message !== message) ctx.event('Warning', 'InvalidSpec', message);
  status.conditions = setCondition(status.conditions ?? [], { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message }, ctx.nowTime);
  status.phase = 'Degraded';
  status.message = `InvalidSpec: ${message}`;
  return finish(ctx);
}

/** A new pod template or new steps: progress through the steps starts again; abort and pauses are forgotten. */
function startOverOnChange(ctx: PlanContext, stepsHash: string | undefined): void {
  const { status, previous } = ctx;
  const templateChanged = previous.currentPodHash !== ctx.hash;
  const stepsChanged = stepsHash !== undefined && previous.currentStepHash !== stepsHash;
  if (!templateChanged && !stepsChanged) return;
  status.currentPodHash = ctx.hash;
  if (stepsHash !== undefined) {
    status.currentStepHash = stepsHash;
    status.currentStepIndex = 0;
  }
  delete status.abort;
  delete status.abortedAt;
  delete status.pauseConditions;
  delete status.controllerPause;
  delete status.promoteFull;
  if (status.blueGreen !== undefined) delete status.blueGreen.scaleUpPreviewCheckPoint;
  if (!templateChanged) return;
  ctx.event('Normal', 'RolloutUpdated', `Rollout updated to revision ${ctx.revision}`);
  if (previous.currentPodHash !== undefined && previous.stableRS === ctx.hash) {
    ctx.event('Normal', 'SkipSteps', 'Rollout skipped steps: the new template is the stable one');
  }
}

/** ReplicaSets beyond revisionHistoryLimit that no longer run pods are deleted, oldest first. */
function pruneHistory(ctx: PlanContext): void {
  const limit = ctx.rollout.spec.revisionHistoryLimit ?? 10;
  const stableHash = ctx.status.stableRS;
  const idle = ctx.views.filter((v) => v !== ctx.newRS && v.hash !== stableHash && v.current === 0 && v.created === 0);
  const excess = idle.length - limit;
  if (excess > 0) ctx.plan.deleteReplicaSets.push(...idle.slice(0, excess).map((v) => v.name));
}

/** Counts, selector, conditions, phase and message — what users and tools read. */
function summarize(ctx: PlanContext, analysis: AnalysisSummary): void {
  const { status, previous, rollout, newRS } = ctx;
  const blueGreen = rollout.spec.strategy?.blueGreen;
  const sum = (pick: (v: (typeof ctx.views)[number]) => number): number => ctx.views.reduce((n, v) => n + pick(v), 0);
  status.replicas = sum((v) => v.created);
  status.updatedReplicas = newRS?.created ?? 0;
  status.readyReplicas = sum((v) => v.ready);
  status.availableReplicas = sum((v) => v.available);
  status.HPAReplicas = status.replicas;
  const activeHash = status.blueGreen?.activeSelector;
  status.selector = selectorString(rollout.spec.selector?.matchLabels ?? {}, blueGreen !== undefined ? activeHash : undefined);

  const revision = ctx.revision;
  const rsName = newRS?.name ?? '';
  const newAvailable = newRS !== undefined && newRS.observed && newRS.current === ctx.replicas && newRS.available >= ctx.replicas;
  const completed = status.stableRS === ctx.hash && newAvailable && (blueGreen === undefined || activeHash === ctx.hash);
  const otherPods = ctx.views.some((v) => v !== newRS && v.current > 0);
  const paused = rollout.spec.paused === true || (status.pauseConditions ?? []).length > 0;
  let aborted = status.abort === true;
  let conditions = status.conditions ?? [];
  const set = (type: Parameters<typeof setCondition>[1]['type'], s: 'True' | 'False' | 'Unknown', reason: string, message: string): void => {
    conditions = setCondition(conditions, { type, status: s, reason, message }, ctx.nowTime);
  };

  // Progressing, with the progress deadline measured from the last observed change.
  const countsMoved = (['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'currentStepIndex'] as const).some((k) => status[k] !== previous[k]) ||
    status.currentPodHash !== previous.currentPodHash;
  const failedRun = failedAnalysisRun(status);
  const abortMessage = `Rollout aborted update to revision ${revision}${failedRun === undefined ? '' : `: ${analysisAbortReason(failedRun)}`}`;
  if (aborted) {
    set('Progressing', 'False', 'RolloutAborted', abortMessage);
    if (previous.abortedAt === undefined) {
      status.abortedAt = ctx.nowTime;
      ctx.event('Warning', 'RolloutAborted', abortMessage, 'trailing');
    }
  } else if (paused) {
    set('Progressing', 'Unknown', 'RolloutPaused', 'Rollout is paused');
  } else if (completed) {
    set('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`);
  } else {
    const progressing = getCondition(conditions, 'Progressing');
    const deadlineMs = (rollout.spec.progressDeadlineSeconds ?? 600) * 1000;
    const since = progressing?.reason === 'ReplicaSetUpdated' && !countsMoved ? Date.parse(progressing.lastUpdateTime) : Number.NaN;
    if (progressing?.reason === 'ProgressDeadlineExceeded' && !countsMoved) {
      // Stays exceeded until something moves again.
    } else if (!Number.isNaN(since) && ctx.now.getTime() - since >= deadlineMs) {
      const message = `ReplicaSet "${rsName}" has timed out progressing.`;
      set('Progressing', 'False', 'ProgressDeadlineExceeded', message);
      ctx.event('Warning', 'ProgressDeadlineExceeded', message, 'trailing');
      // As in Argo Rollouts, an abort needs a stable revision to go back to: a first revision that misses its
      // deadline is reported (Progressing False, Degraded) and keeps trying.
      const stable = ctx.stableRS;
      if (rollout.spec.progressDeadlineAbort === true && stable !== undefined && stable.hash !== ctx.hash) {
        // The status written with abort set already says so (phase and message), never Degraded with a stale reason.
        status.abort = true;
        aborted = true;
      }
    } else {
      if (countsMoved) conditions = conditions.filter((c) => c.type !== 'Progressing');
      set('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`);
      const started = Date.parse(getCondition(conditions, 'Progressing')?.lastUpdateTime ?? ctx.nowTime);
      ctx.requeueAfter(started + deadlineMs - ctx.now.getTime());
    }
  }

  if (paused) set('Paused', 'True', 'RolloutPaused', 'Rollout is paused');
  else if (getCondition(conditions, 'Paused') !== undefined) set('Paused', 'False', 'RolloutResumed', 'Rollout is resumed');

  const minAvailable = blueGreen !== undefined ? ctx.replicas : ctx.replicas - canaryMaxUnavailable(ctx);
  const available = (status.availableReplicas) >= minAvailable;
  set('Available', available ? 'True' : 'False', 'AvailableReason', available ? 'Rollout has minimum availability' : 'Rollout does not have minimum availability');

  const wasCompleted = getCondition(previous.conditions, 'Completed')?.status === 'True';
  if (completed) {
    set('Completed', 'True', 'RolloutCompleted', `Rollout completed update to revision ${revision} (${ctx.hash})`);
    if (!wasCompleted) ctx.event('Normal', 'RolloutCompleted', `Rollout completed update to revision ${revision} (${ctx.hash}): ${previous.stableRS === undefined || previous.stableRS === '' ? 'Initial deploy' : 'Completed all steps'}`, 'trailing');
  } else {
    set('Completed', 'False', 'RolloutNotCompleted', `Rollout not completed, started update to revision ${revision} (${ctx.hash})`);
    if (wasCompleted || getCondition(previous.conditions, 'Completed') === undefined) notCompleted(ctx, revision);
  }

  const progressing = getCondition(conditions, 'Progressing');
  let phase: RolloutPhase;
  let message: string | undefined;
  if (aborted) [phase, message] = ['Degraded', `RolloutAborted: ${abortMessage}`];
  else if (progressing?.reason === 'ProgressDeadlineExceeded') [phase, message] = ['Degraded', `ProgressDeadlineExceeded: ${progressing.message}`];
  else if (rollout.spec.paused === true) [phase, message] = ['Paused', 'manually paused'];
  else if (paused) [phase, message] = ['Paused', status.pauseConditions?.[0]?.reason ?? 'paused'];
  else if (!completed) {
    phase = 'Progressing';
    const routing = getCondition(conditions, 'TrafficRouting');
    if (routing?.status === 'False') message = `${routing.reason}: ${routing.message}`;
    else if ((newRS?.current ?? 0) < ctx.replicas && status.stableRS !== ctx.hash && rollout.spec.strategy?.canary !== undefined) message = 'more replicas need to be updated';
    else if ((newRS?.created ?? 0) < ctx.replicas) message = 'more replicas need to be updated';
    else if ((newRS?.available ?? 0) < (newRS?.current ?? 0)) message = 'updated replicas are still becoming available';
    else if (analysis.waiting) message = 'waiting for analysis to complete';
    else if (blueGreen !== undefined && activeHash !== ctx.hash) message = 'active service cutover pending';
    else message = 'waiting for all steps to complete';
  } else if (otherPods && blueGreen === undefined) [phase, message] = ['Progressing', 'old replicas are pending termination'];
  else [phase, message] = ['Healthy', undefined];
  set('Healthy', phase === 'Healthy' ? 'True' : 'False', phase === 'Healthy' ? 'RolloutHealthy' : 'RolloutNotHealthy', phase === 'Healthy' ? 'Rollout is healthy' : 'Rollout is not healthy');

  status.conditions = conditions;
  status.phase = phase;
  if (message === undefined) delete status.message;
  else status.message = message;
}

function notCompleted(ctx: PlanContext, revision: number): void {
  ctx.event('Normal', 'RolloutNotCompleted', `Rollout not completed, started update to revision ${revision} (${ctx.hash})`);
}

function restartBudget(ctx: PlanContext): number {
  const blueGreen = ctx.rollout.spec.strategy?.blueGreen;
  if (blueGreen === undefined) return canaryMaxUnavailable(ctx);
  return blueGreenMaxUnavailable(ctx.replicas, blueGreen.maxUnavailable);
}

function canaryMaxUnavailable(ctx: PlanContext): number {
  const canary = ctx.rollout.spec.strategy?.canary;
  return canary === undefined ? 0 : canaryFenceposts(ctx.replicas, canary.maxSurge, canary.maxUnavailable).maxUnavailable;
}

function selectorString(matchLabels: Record<string, string>, hash: string | undefined): string {
  const labels = hash === undefined ? matchLabels : { ...matchLabels, [podTemplateHashLabel]: hash };
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

function finish(ctx: PlanContext): RolloutPlan {
  ctx.plan.events = [...ctx.leadingEvents, ...ctx.scalingEvents, ...ctx.trailingEvents];
  return ctx.plan;
}

import type { BlueGreenStrategy } from '../api/rollout.ts';
import type { PlanContext } from './context.ts';
import { podTemplateHashLabel, scaleDownDeadlineAnnotation, type ReplicaSetView } from './observed.ts';

/**
 * Plans a blue-green release: the new ReplicaSet comes up beside the active one (preview Service on it), waits for
 * promotion (automatic, timed, or a user's promote), scales to full size, takes over the active Service, and the
 * previous one is scaled down after scaleDownDelaySeconds.
 */
export function planBlueGreen(ctx: PlanContext, blueGreen: BlueGreenStrategy): void {
  const { status } = ctx;
  const newRS = ctx.ensureNewReplicaSet();
  const activeHash = serviceHash(ctx, blueGreen.activeService);
  let stable = ctx.stableRS;
  if (stable !== undefined) ctx.injectAntiAffinity(blueGreen.antiAffinity, stable.hash);
  if (stable === undefined) {
    // First deploy: nothing serves yet, so the new ReplicaSet goes straight to full size and becomes active.
    stable = newRS;
    status.stableRS = ctx.hash;
  }
  const updating = stable.hash !== ctx.hash;
  let activeTarget = stable;

  if (!updating) {
    ctx.scale(newRS, ctx.replicas);
    if (fullyAvailable(ctx, newRS)) activeTarget = newRS;
    else if (activeHash === undefined) activeTarget = newRS;
  } else if (status.abort === true) {
    ctx.scale(stable, ctx.replicas);
    // abortScaleDownDelaySeconds 0 keeps the aborted preview running (for debugging), as in Argo Rollouts.
    const abortDelay = blueGreen.abortScaleDownDelaySeconds ?? 30;
    if (abortDelay > 0) scaleDownAfter(ctx, newRS, abortDelay);
    if ((status.pauseConditions ?? []).length > 0 || status.controllerPause === true) {
      delete status.pauseConditions;
      delete status.controllerPause;
    }
  } else {
    ctx.scale(stable, ctx.replicas);
    const previewCount = Math.min(blueGreen.previewReplicaCount ?? ctx.replicas, ctx.replicas);
    const promoted = ctx.rollout.spec.paused !== true && readyToPromote(ctx, blueGreen, newRS, previewCount);
    ctx.scale(newRS, promoted ? ctx.replicas : previewCount);
    if (promoted && fullyAvailable(ctx, newRS)) {
      activeTarget = newRS;
      status.stableRS = ctx.hash;
      delete status.promoteFull;
      status.blueGreen = { ...(status.blueGreen ?? {}), scaleUpPreviewCheckPoint: false };
    }
  }

  // The active Service moves only onto pods that are all available; the preview Service follows the new pods.
  ctx.plan.serviceSelectors.push({ service: blueGreen.activeService, hash: activeTarget.hash });
  if (blueGreen.previewService !== undefined) ctx.plan.serviceSelectors.push({ service: blueGreen.previewService, hash: newRS.hash });
  if (activeHash !== undefined && activeHash !== activeTarget.hash) {
    ctx.event('Normal', 'SwitchService', `Switched selector for service '${blueGreen.activeService}' from '${activeHash}' to '${activeTarget.hash}'`);
  }
  status.blueGreen = { ...(status.blueGreen ?? {}), activeSelector: activeTarget.hash, previewSelector: newRS.hash };

  // Everything that is neither new nor active leaves after the scale-down delay.
  for (const view of ctx.views) {
    if (view === newRS || view === activeTarget) continue;
    // Without a delay, the previous version still goes only after the active Service has left it (next pass).
    if (view === stable && activeHash !== activeTarget.hash && (blueGreen.scaleDownDelaySeconds ?? 30) <= 0) continue;
    scaleDownAfter(ctx, view, blueGreen.scaleDownDelaySeconds ?? 30);
  }
}

/**
 * Whether the preview has been accepted: automatically, after autoPromotionSeconds, or by a promote. Acceptance
 * is latched in status.blueGreen.scaleUpPreviewCheckPoint, so it survives the pause being cleared and restarts.
 */
function readyToPromote(ctx: PlanContext, blueGreen: BlueGreenStrategy, newRS: ReplicaSetView, previewCount: number): boolean {
  const { status } = ctx;
  const accept = (): boolean => {
    status.blueGreen = { ...(status.blueGreen ?? {}), scaleUpPreviewCheckPoint: true };
    return true;
  };
  if (status.blueGreen?.scaleUpPreviewCheckPoint === true) return true;
  if (status.promoteFull === true) return accept();
  const previewReady = newRS.observed && newRS.current === previewCount && newRS.available >= previewCount;
  if (!previewReady) return false;
  const manual = blueGreen.autoPromotionEnabled === false;
  const timed = blueGreen.autoPromotionSeconds !== undefined && blueGreen.autoPromotionSeconds > 0;
  if (!manual && !timed) return accept();
  if (ctx.pauseLiftedByUser) {
    ctx.clearPause();
    return accept();
  }
  const pause = ctx.pauseCondition('BlueGreenPause');
  if (pause === undefined) ctx.setPause('BlueGreenPause');
  if (!manual) {
    const started = Date.parse(pause?.startTime ?? ctx.nowTime);
    const remaining = started + (blueGreen.autoPromotionSeconds ?? 0) * 1000 - ctx.now.getTime();
    if (remaining <= 0) {
      ctx.clearPause();
      return accept();
    }
    ctx.requeueAfter(remaining);
  }
  return false;
}

function fullyAvailable(ctx: PlanContext, view: ReplicaSetView): boolean {
  return view.observed && view.current === ctx.replicas && view.available >= ctx.replicas;
}

/** Scale a ReplicaSet to 0 once its deadline (recorded in an annotation, so restarts keep it) has passed. */
function scaleDownAfter(ctx: PlanContext, view: ReplicaSetView, delaySeconds: number): void {
  if (view.current === 0) {
    if (view.scaleDownDeadline !== undefined) ctx.plan.annotate.push({ name: view.name, annotations: { [scaleDownDeadlineAnnotation]: null } });
    return;
  }
  if (delaySeconds <= 0) {
    ctx.scale(view, 0);
    return;
  }
  const deadline = view.scaleDownDeadline === undefined ? Number.NaN : Date.parse(view.scaleDownDeadline);
  if (Number.isNaN(deadline)) {
    const at = new Date(ctx.now.getTime() + delaySeconds * 1000);
    ctx.plan.annotate.push({ name: view.name, annotations: { [scaleDownDeadlineAnnotation]: at.toISOString().replace(/\.\d{3}Z$/, 'Z') } });
    ctx.requeueAfter(delaySeconds * 1000);
    return;
  }
  const remaining = deadline - ctx.now.getTime();
  if (remaining > 0) ctx.requeueAfter(remaining);
  else ctx.scale(view, 0);
}

function serviceHash(ctx: PlanContext, service: string): string | undefined {
  return ctx.observed.services.get(service)?.spec?.selector?.[podTemplateHashLabel];
}

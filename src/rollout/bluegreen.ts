import type { BlueGreenStrategy } from '../api/rollout.ts';
import type { AnalysisPlanner, Verdict } from './analysis.ts';
import type { PlanContext } from './context.ts';
import { type ReplicaSetView } from './observed.ts';
import { scaleDownAfter } from './scale-down.ts';
import { selectedHash } from '../traffic/service-selector.ts';
import type { ServiceTarget } from '../traffic/router.ts';

/**
 * Plans a blue-green release: the new ReplicaSet comes up beside the active one (preview Service on it), is judged
 * by pre-promotion analysis, waits for promotion (automatic, timed, or a user's promote), scales to full size,
 * takes over the active Service, is judged by post-promotion analysis while the previous version stays at full
 * size, and becomes stable; the previous one is scaled down after scaleDownDelaySeconds. A failed analysis aborts:
 * the active Service stays on (or goes back to) the previous version.
 */
export function planBlueGreen(ctx: PlanContext, blueGreen: BlueGreenStrategy, analysis: AnalysisPlanner): void {
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
  const previewCount = Math.min(blueGreen.previewReplicaCount ?? ctx.replicas, ctx.replicas);
  // The active Service already selects the new pods: the switch is done, post-promotion analysis judges it.
  const switched = updating && activeHash === ctx.hash;
  const verdicts: Verdicts = updating && status.abort !== true ? judge(ctx, blueGreen, analysis, { newRS, previewCount, switched }) : { pre: 'passed', post: true };
  let activeTarget = stable;
  /** The previous version, kept at full size until post-promotion analysis has passed. */
  let keep: ReplicaSetView | undefined;

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
    // A retry judges the preview afresh: promotion is not latched across an abort.
    if (status.blueGreen?.scaleUpPreviewCheckPoint === true) status.blueGreen = { ...status.blueGreen, scaleUpPreviewCheckPoint: false };
  } else {
    ctx.scale(stable, ctx.replicas);
    const promoted = switched || (ctx.rollout.spec.paused !== true && readyToPromote(ctx, blueGreen, newRS, previewCount, verdicts.pre));
    ctx.scale(newRS, promoted ? ctx.replicas : previewCount);
    if (promoted && (switched || fullyAvailable(ctx, newRS))) {
      activeTarget = newRS;
      if (verdicts.post) {
        status.stableRS = ctx.hash;
        delete status.promoteFull;
        status.blueGreen = { ...(status.blueGreen ?? {}), scaleUpPreviewCheckPoint: false };
      } else {
        keep = stable;
      }
    }
  }

  // The active Service moves only onto pods that are all available; the preview Service follows the new pods.
  const services: ServiceTarget[] = [{ service: blueGreen.activeService, hash: activeTarget.hash }];
  if (blueGreen.previewService !== undefined) services.push({ service: blueGreen.previewService, hash: newRS.hash });
  // The weight is the new version's share: all of it once the active Service is on it, none before.
  const stableHash = ctx.stableRS?.hash ?? newRS.hash;
  const weight = stableHash === newRS.hash || activeTarget !== newRS ? 0 : 100;
  ctx.plan.traffic = { stableHash, canaryHash: newRS.hash, weight, maxWeight: 100, headerRoutes: [], mirrorRoutes: [], services };
  if (activeHash !== undefined && activeHash !== activeTarget.hash) {
    ctx.event('Normal', 'SwitchService', `Switched selector for service '${blueGreen.activeService}' from '${activeHash}' to '${activeTarget.hash}'`);
  }
  status.blueGreen = { ...(status.blueGreen ?? {}), activeSelector: activeTarget.hash, previewSelector: newRS.hash };

  // Everything that is neither new nor active leaves after the scale-down delay.
  for (const view of ctx.views) {
    if (view === newRS || view === activeTarget || view === keep) continue;
    // Without a delay, the previous version still goes only after the active Service has left it (next pass).
    if (view === stable && activeHash !== activeTarget.hash && (blueGreen.scaleDownDelaySeconds ?? 30) <= 0) continue;
    scaleDownAfter(ctx, view, blueGreen.scaleDownDelaySeconds ?? 30);
  }
}

interface JudgeState {
  newRS: ReplicaSetView;
  previewCount: number;
  switched: boolean;
}

interface Verdicts {
  /** Pre-promotion analysis: 'passed' also when there is nothing to judge; 'accepted' is a promote's doing. */
  pre: Verdict;
  /** Post-promotion analysis passed, was accepted, or there is nothing to judge. */
  post: boolean;
}

/**
 * The analysis verdicts of an update in progress. Pre-promotion
 * analysis starts once the preview is fully available and counts until promotion is latched; post-promotion
 * analysis starts once the active Service selects the new pods. A full promotion skips both. While manually
 * paused, runs that exist are still watched, and nothing passes.
 */
function judge(ctx: PlanContext, blueGreen: BlueGreenStrategy, analysis: AnalysisPlanner, state: JudgeState): Verdicts {
  const { status } = ctx;
  const paused = ctx.rollout.spec.paused === true;
  const full = status.promoteFull === true;
  const { prePromotionAnalysis: preAnalysis, postPromotionAnalysis: postAnalysis } = blueGreen;
  let pre: Verdict = preAnalysis === undefined || full || status.blueGreen?.scaleUpPreviewCheckPoint === true ? 'passed' : 'wait';
  if (pre === 'wait' && preAnalysis !== undefined) {
    if (paused) analysis.observe('PrePromotion');
    else if (previewReady(state.newRS, state.previewCount)) pre = analysis.prePromotion(preAnalysis);
  }
  let post = postAnalysis === undefined || full;
  if (!post && postAnalysis !== undefined && state.switched) {
    if (paused) analysis.observe('PostPromotion');
    else post = analysis.postPromotion(postAnalysis) !== 'wait';
  }
  return { pre, post };
}

function previewReady(newRS: ReplicaSetView, previewCount: number): boolean {
  return newRS.observed && newRS.current === previewCount && newRS.available >= previewCount;
}

/**
 * Whether the preview has been accepted: automatically, after autoPromotionSeconds, or by a promote — and, with
 * pre-promotion analysis, only once it passed or a promote accepted its Inconclusive result (which lifts the
 * promotion pause too). Acceptance is latched in status.blueGreen.scaleUpPreviewCheckPoint, so it survives the
 * pause being cleared and restarts.
 */
function readyToPromote(ctx: PlanContext, blueGreen: BlueGreenStrategy, newRS: ReplicaSetView, previewCount: number, analysis: Verdict): boolean {
  const { status } = ctx;
  const accept = (): boolean => {
    status.blueGreen = { ...(status.blueGreen ?? {}), scaleUpPreviewCheckPoint: true };
    return true;
  };
  if (status.blueGreen?.scaleUpPreviewCheckPoint === true) return true;
  if (status.promoteFull === true) return accept();
  if (!previewReady(newRS, previewCount)) return false;
  const manual = blueGreen.autoPromotionEnabled === false;
  const timed = blueGreen.autoPromotionSeconds !== undefined && blueGreen.autoPromotionSeconds > 0;
  const analysisPassed = analysis !== 'wait';
  if (!manual && !timed) return analysisPassed && accept();
  // A promote given before the analysis passed is kept (controllerPause stays set) until it does.
  if (ctx.pauseLiftedByUser || analysis === 'accepted') {
    if (!analysisPassed) return false;
    ctx.clearPause();
    return accept();
  }
  const pause = ctx.pauseCondition('BlueGreenPause');
  if (pause === undefined) ctx.setPause('BlueGreenPause');
  if (!manual) {
    const started = Date.parse(pause?.startTime ?? ctx.nowTime);
    const remaining = started + (blueGreen.autoPromotionSeconds ?? 0) * 1000 - ctx.now.getTime();
    if (remaining <= 0) {
      if (!analysisPassed) return false;
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

function serviceHash(ctx: PlanContext, service: string): string | undefined {
  return selectedHash(ctx.observed.services.get(service));
}

import type { CanaryStep, CanaryStrategy, RolloutTrafficRouting } from '../api/rollout.ts';
import { parseDuration, formatDuration } from '../util/duration.ts';
import type { AnalysisPlanner } from './analysis.ts';
import { canaryScaleAt, canaryScaleReached, maxWeightOf, planRoutedCanary, routedWeightReached } from './canary-traffic.ts';
import type { PlanContext } from './context.ts';
import { canaryFenceposts } from './int-or-percent.ts';
import type { ReplicaSetView } from './observed.ts';
import { canaryStepReplicasReady, planBasicCanaryStep, type NamedReplicas } from './replicas.ts';
import type { ServiceTarget, TrafficIntent } from '../traffic/router.ts';

/**
 * Plans a basic canary (no traffic routing): the canary's share of pods follows the steps' setWeight, pauses
 * wait for time or a promote, analysis steps wait for their run (background analysis runs beside them), and the
 * last step promotes the canary to stable. A failed analysis aborts back to the stable ReplicaSet.
 */
export function planCanary(ctx: PlanContext, canary: CanaryStrategy, analysis: AnalysisPlanner): void {
  const steps = canary.steps ?? [];
  const { maxSurge, maxUnavailable } = canaryFenceposts(ctx.replicas, canary.maxSurge, canary.maxUnavailable);
  const { status } = ctx;
  let stable = ctx.stableRS;
  const newRS = ctx.ensureNewReplicaSet();
  if (stable !== undefined) ctx.injectAntiAffinity(canary.antiAffinity, stable.hash);

  if (stable === undefined) {
    // First deploy (or the stable ReplicaSet is gone): there is nothing to protect, so the new one is stable at once.
    status.stableRS = ctx.hash;
    status.currentStepIndex = steps.length > 0 ? steps.length : undefined;
    stable = newRS;
  }

  const routing = canary.trafficRouting;
  let weight = 100;
  let stepsDone = true;
  if (stable.hash !== ctx.hash) {
    const paused = ctx.rollout.spec.paused === true;
    if (status.abort !== true) {
      // Analysis is judged even while manually paused: a failure still aborts, an Inconclusive result still pauses.
      if (paused) {
        const index = status.currentStepIndex ?? 0;
        analysis.observe('Step', (stepIndex) => stepIndex === index);
        analysis.observe('Background');
      } else if (canary.analysis !== undefined) {
        analysis.background(canary.analysis);
      }
    }
    if (status.abort !== true && paused) {
      weight = currentSetWeight(steps, status.currentStepIndex ?? 0);
    } else if (status.abort !== true) {
      weight = runSteps(ctx, canary, { maxSurge, maxUnavailable, newRS, stable }, analysis);
    }
    if (status.abort === true) weight = abortCanary(ctx);
    stepsDone = (status.currentStepIndex ?? 0) >= steps.length;
  } else if (steps.length > 0) {
    status.currentStepIndex = steps.length;
  }

  if (routing !== undefined) {
    planRouted(ctx, canary, routing, { weight, stepsDone, newRS, stable });
    return;
  }

  const older = ctx.views.filter((v) => v !== newRS && v !== stable);
  const plan = planBasicCanaryStep({
    replicas: ctx.replicas,
    weight,
    maxSurge,
    maxUnavailable,
    canary: named(newRS),
    stable: stable === newRS ? undefined : named(stable),
    older: older.map(named),
  });
  for (const [name, to] of Object.entries(plan.targets)) {
    const view = ctx.views.find((v) => v.name === name);
    if (view !== undefined) ctx.scale(view, to);
  }

  // Promotion: every step done and the canary carries the full count, all available.
  const promoted = stable !== newRS && stepsDone && status.abort !== true && ctx.rollout.spec.paused !== true &&
    newRS.current === ctx.replicas && newRS.available >= ctx.replicas && newRS.observed;
  if (promoted) {
    status.stableRS = ctx.hash;
    delete status.promoteFull;
  }
  ctx.plan.traffic = canaryTraffic(ctx, canary, weight);
}

interface RoutedOutcome {
  weight: number;
  stepsDone: boolean;
  newRS: ReplicaSetView;
  stable: ReplicaSetView;
}

/**
 * The traffic-routed canary after the steps: promotion once every step is done and the routers carry all of the
 * traffic to the fully available canary; then the pods and the weight for this pass (canary-traffic.ts).
 */
function planRouted(ctx: PlanContext, canary: CanaryStrategy, routing: RolloutTrafficRouting, outcome: RoutedOutcome): void {
  const { status } = ctx;
  const { newRS } = outcome;
  let { stable } = outcome;
  const maxWeight = maxWeightOf(routing);
  const desired = status.abort === true ? 0 : outcome.stepsDone ? maxWeight : outcome.weight;
  const promoted = stable !== newRS && outcome.stepsDone && status.abort !== true && ctx.rollout.spec.paused !== true &&
    newRS.observed && newRS.current === ctx.replicas && newRS.available >= ctx.replicas && routedWeightReached(ctx, canary, routing, maxWeight);
  if (promoted) {
    status.stableRS = ctx.hash;
    delete status.promoteFull;
    stable = newRS;
  }
  const scale = outcome.stepsDone ? undefined : canaryScaleAt(canary.steps ?? [], status.currentStepIndex ?? 0);
  ctx.plan.traffic = planRoutedCanary(ctx, canary, routing, { desired, newRS, stable, scale });
}

/**
 * Traffic after this pass: the canary Service on the canary (on the stable version once aborted), the stable
 * Service on the stable version, and the weight the step wants — 0 when there is nothing to split.
 */
function canaryTraffic(ctx: PlanContext, canary: CanaryStrategy, weight: number): TrafficIntent {
  const stableHash = ctx.stableRS?.hash ?? ctx.hash;
  const canaryHash = ctx.status.abort === true ? stableHash : ctx.hash;
  const services: ServiceTarget[] = [];
  if (canary.stableService !== undefined) services.push({ service: canary.stableService, hash: stableHash });
  if (canary.canaryService !== undefined) services.push({ service: canary.canaryService, hash: canaryHash });
  return { stableHash, canaryHash, weight: canaryHash === stableHash ? 0 : weight, maxWeight: 100, headerRoutes: [], mirrorRoutes: [], services };
}

/** Aborted: back to the stable ReplicaSet, steps from the start on a retry, pauses forgotten. */
function abortCanary(ctx: PlanContext): number {
  const { status } = ctx;
  status.currentStepIndex = 0;
  if ((status.pauseConditions ?? []).length > 0 || status.controllerPause === true) {
    delete status.pauseConditions;
    delete status.controllerPause;
  }
  return 0;
}

interface StepState {
  maxSurge: number;
  maxUnavailable: number;
  newRS: ReplicaSetView;
  stable: ReplicaSetView;
}

/** Advances through the steps that are done; returns the weight the canary should have now. */
function runSteps(ctx: PlanContext, canary: CanaryStrategy, state: StepState, analysis: AnalysisPlanner): number {
  const { status } = ctx;
  const steps = canary.steps ?? [];
  const routing = canary.trafficRouting;
  let index = status.currentStepIndex ?? 0;
  if (status.promoteFull === true) {
    index = steps.length;
    if (status.controllerPause === true || (status.pauseConditions ?? []).length > 0) ctx.clearPause();
  }
  // An Inconclusive analysis holds the steps where they are until a promote accepts it.
  while (index < steps.length && ctx.pauseCondition('InconclusiveAnalysisRun') === undefined) {
    const step = steps[index];
    if (step === undefined) break;
    const label = `Rollout step ${index + 1}/${steps.length} completed`;
    // A step may set several fields (Argo accepts it): each takes effect, and the step completes as the first of
    // pause, setCanaryScale, setWeight, analysis, setHeaderRoute, setMirrorRoute does — Argo's order.
    if (step.pause !== undefined) {
      const duration = step.pause.duration;
      const describe = duration === undefined ? 'pause' : `pause: ${formatDuration(parseDuration(duration))}`;
      if (ctx.pauseLiftedByUser) {
        ctx.event('Normal', 'RolloutStepCompleted', `${label} (${describe})`);
        ctx.clearPause();
      } else {
        const pause = ctx.pauseCondition('CanaryPauseStep');
        if (pause === undefined) ctx.setPause('CanaryPauseStep');
        if (duration === undefined) break;
        const started = Date.parse(pause?.startTime ?? ctx.nowTime);
        const remaining = started + parseDuration(duration) - ctx.now.getTime();
        if (remaining > 0) {
          ctx.requeueAfter(remaining);
          break;
        }
        ctx.event('Normal', 'RolloutStepCompleted', `${label} (${describe})`);
        ctx.clearPause();
      }
    } else if (step.setCanaryScale !== undefined && routing !== undefined) {
      if (!canaryScaleReached(ctx, state.newRS, step.setCanaryScale, currentSetWeight(steps, index), maxWeightOf(routing))) break;
      ctx.event('Normal', 'RolloutStepCompleted', `${label} (setCanaryScale)`);
    } else if (step.setWeight !== undefined) {
      const reached = routing === undefined ? setWeightDone(ctx, step.setWeight, state) : routedWeightReached(ctx, canary, routing, step.setWeight);
      if (!reached) break;
      ctx.event('Normal', 'RolloutStepCompleted', `${label} (setWeight: ${step.setWeight})`);
    } else if (step.analysis !== undefined) {
      if (analysis.step(index, step.analysis) !== 'done') break;
      ctx.event('Normal', 'RolloutStepCompleted', `${label} (analysis)`);
    } else if (step.setHeaderRoute !== undefined && routing !== undefined) {
      // The route is written in this pass, with the routes of the steps up to it (managedRoutesAt).
      ctx.event('Normal', 'RolloutStepCompleted', `${label} (setHeaderRoute: ${step.setHeaderRoute.name ?? ''})`);
    } else if (step.setMirrorRoute !== undefined && routing !== undefined) {
      ctx.event('Normal', 'RolloutStepCompleted', `${label} (setMirrorRoute: ${step.setMirrorRoute.name})`);
    } else {
      // Validation rejects the other step kinds until they are implemented; never skip a step silently.
      break;
    }
    index++;
  }
  status.currentStepIndex = index;
  return index >= steps.length ? 100 : currentSetWeight(steps, index);
}

function setWeightDone(ctx: PlanContext, weight: number, state: StepState): boolean {
  const older = ctx.views.filter((v) => v !== state.newRS && v !== state.stable);
  return state.newRS.observed && state.stable.observed && canaryStepReplicasReady({
    replicas: ctx.replicas,
    weight,
    maxSurge: state.maxSurge,
    maxUnavailable: state.maxUnavailable,
    canary: { current: state.newRS.current, available: state.newRS.available },
    stable: { current: state.stable.current, available: state.stable.available },
    stableCreated: state.stable.created,
    olderReplicas: older.reduce((n, v) => n + v.current, 0),
    olderAvailable: older.reduce((n, v) => n + v.available, 0),
  });
}

/** The weight of the last setWeight at or before the step (0 before any); 100 once every step is done. */
export function currentSetWeight(steps: readonly CanaryStep[], index: number): number {
  if (index >= steps.length) return 100;
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

function named(view: ReplicaSetView): NamedReplicas {
  return { name: view.name, current: view.current, available: view.available, revision: view.revision, createdAt: view.createdAt };
}

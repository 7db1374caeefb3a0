/**
 * Defaults of the Rollout API. The CRDs carry no `default:` values (neither do Argo's), so stored objects keep
 * exactly what users wrote; the controller and the planner read rollouts through applyRolloutDefaults instead.
 */
import type { BlueGreenStrategy, CanaryStrategy, Rollout } from './rollout.ts';

export const rolloutDefaults = {
  replicas: 1,
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
  successfulRunHistoryLimit: 5,
  unsuccessfulRunHistoryLimit: 5,
  canary: {
    maxSurge: '25%',
    maxUnavailable: '25%',
    /** Only with traffic routing: basic canaries scale the old ReplicaSet down at once. */
    scaleDownDelaySeconds: 30,
    /** Only with traffic routing: an aborted basic canary returns to stable at once. */
    abortScaleDownDelaySeconds: 30,
    maxTrafficWeight: 100,
  },
  blueGreen: {
    autoPromotionEnabled: true,
    maxUnavailable: '25%',
    scaleDownDelaySeconds: 30,
    abortScaleDownDelaySeconds: 30,
  },
} as const;

function canaryWithDefaults(canary: CanaryStrategy): CanaryStrategy {
  const d = rolloutDefaults.canary;
  const out: CanaryStrategy = {
    ...canary,
    maxSurge: canary.maxSurge ?? d.maxSurge,
    maxUnavailable: canary.maxUnavailable ?? d.maxUnavailable,
  };
  if (canary.trafficRouting !== undefined) {
    out.scaleDownDelaySeconds = canary.scaleDownDelaySeconds ?? d.scaleDownDelaySeconds;
    out.abortScaleDownDelaySeconds = canary.abortScaleDownDelaySeconds ?? d.abortScaleDownDelaySeconds;
    out.trafficRouting = {
      ...canary.trafficRouting,
      maxTrafficWeight: canary.trafficRouting.maxTrafficWeight ?? d.maxTrafficWeight,
    };
  }
  return out;
}

function blueGreenWithDefaults(blueGreen: BlueGreenStrategy): BlueGreenStrategy {
  const d = rolloutDefaults.blueGreen;
  return {
    ...blueGreen,
    autoPromotionEnabled: blueGreen.autoPromotionEnabled ?? d.autoPromotionEnabled,
    maxUnavailable: blueGreen.maxUnavailable ?? d.maxUnavailable,
    scaleDownDelaySeconds: blueGreen.scaleDownDelaySeconds ?? d.scaleDownDelaySeconds,
    abortScaleDownDelaySeconds: blueGreen.abortScaleDownDelaySeconds ?? d.abortScaleDownDelaySeconds,
  };
}

/**
 * The rollout with every defaulted field filled in. Pure: the argument is not modified and the result shares no
 * objects with it. Fields that were set, including explicit zeros, are kept.
 */
export function applyRolloutDefaults(rollout: Rollout): Rollout {
  const copy = structuredClone(rollout);
  const spec = copy.spec;
  const strategy = spec.strategy === undefined ? undefined : { ...spec.strategy };
  if (strategy?.canary !== undefined) strategy.canary = canaryWithDefaults(strategy.canary);
  if (strategy?.blueGreen !== undefined) strategy.blueGreen = blueGreenWithDefaults(strategy.blueGreen);
  copy.spec = {
    ...spec,
    replicas: spec.replicas ?? rolloutDefaults.replicas,
    revisionHistoryLimit: spec.revisionHistoryLimit ?? rolloutDefaults.revisionHistoryLimit,
    progressDeadlineSeconds: spec.progressDeadlineSeconds ?? rolloutDefaults.progressDeadlineSeconds,
    analysis: {
      ...spec.analysis,
      successfulRunHistoryLimit: spec.analysis?.successfulRunHistoryLimit ?? rolloutDefaults.successfulRunHistoryLimit,
      unsuccessfulRunHistoryLimit:
        spec.analysis?.unsuccessfulRunHistoryLimit ?? rolloutDefaults.unsuccessfulRunHistoryLimit,
    },
  };
  if (strategy !== undefined) copy.spec.strategy = strategy;
  return copy;
}

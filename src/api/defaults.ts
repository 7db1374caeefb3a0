/**
 * Defaults of the Rollout and analysis APIs. The CRDs carry no `default:` values (neither do Argo's), so stored
 * objects keep exactly what users wrote; the controller and the planner read rollouts through applyRolloutDefaults
 * and metrics through effectiveMetricLimits instead.
 */
import type { Metric } from './analysis.ts';
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

/** Defaults of the analysis API (Argo Rollouts' values). */
export const analysisDefaults = {
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  /** 0 disables: a metric does not complete early on successes in a row. */
  consecutiveSuccessLimit: 0,
  /** Measurements kept per metric in status when measurementRetention names no limit for it. */
  measurementRetention: 10,
  /** After an Error measurement, the next one is taken this soon (unless the interval is shorter). */
  errorRetrySeconds: 10,
} as const;

/** A metric's counts and limits as integers, defaults applied. */
export interface MetricLimits {
  /** Measurements to take; undefined: unbounded (an interval without count runs until the run is terminated). */
  count: number | undefined;
  /** Failed measurements tolerated; -1: no limit. */
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  /** 0: disabled. */
  consecutiveSuccessLimit: number;
}

type LimitField = 'count' | 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit' | 'consecutiveSuccessLimit';

/** An int-or-string limit as an integer; a string must hold a decimal integer once arguments are resolved. */
function integerOf(metric: Metric, name: LimitField, minimum: number): number | undefined {
  const value = metric[name];
  if (value === undefined) return undefined;
  const number = typeof value === 'number' ? value : /^-?[0-9]+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw new Error(`metrics[${metric.name}].${name}: ${JSON.stringify(value)} is not an integer (an unresolved argument?)`);
  }
  if (number < minimum) throw new Error(`metrics[${metric.name}].${name}: ${String(number)} is below ${String(minimum)}`);
  return number;
}

/**
 * The counts and limits a metric is measured with. Call it on a metric whose `{{args.x}}` placeholders are resolved:
 * a string that is not an integer throws an Error naming the metric and field. A count of 0 counts as absent, as in
 * Argo: one measurement without interval, unbounded with one.
 */
export function effectiveMetricLimits(metric: Metric): MetricLimits {
  const d = analysisDefaults;
  const count = integerOf(metric, 'count', 0);
  return {
    count: count === undefined || count === 0 ? (metric.interval === undefined || metric.interval === '' ? 1 : undefined) : count,
    failureLimit: integerOf(metric, 'failureLimit', -1) ?? d.failureLimit,
    inconclusiveLimit: integerOf(metric, 'inconclusiveLimit', 0) ?? d.inconclusiveLimit,
    consecutiveErrorLimit: integerOf(metric, 'consecutiveErrorLimit', 0) ?? d.consecutiveErrorLimit,
    consecutiveSuccessLimit: integerOf(metric, 'consecutiveSuccessLimit', 0) ?? d.consecutiveSuccessLimit,
  };
}

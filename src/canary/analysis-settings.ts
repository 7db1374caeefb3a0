/**
 * How a Flagger-shaped Canary's analysis reads, with Flagger's defaults and limits, and how its traffic weight moves
 * from one analysis to the next: pure functions the Canary planner and `aviary plan` share.
 */
import type { Canary } from '../api/canary.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { tryParseDuration } from '../util/duration.ts';

/** The whole of the traffic, in Flagger's units. */
export const totalWeight = 100;
const defaultIntervalMs = 60_000;
/** Flagger never analyses more often than every 10 s. */
const minimumIntervalMs = 10_000;

export type CanaryStrategy = 'canary' | 'blueGreen' | 'abTesting';

/** A/B testing with match conditions and iterations, blue-green with iterations alone, else weighted steps. */
export function canaryStrategy(canary: DeepReadonly<Canary>): CanaryStrategy {
  const { analysis } = canary.spec;
  const iterations = analysis.iterations ?? 0;
  if ((analysis.match ?? []).length > 0 && iterations > 0) return 'abTesting';
  if (iterations > 0) return 'blueGreen';
  return 'canary';
}

/** analysis.interval: 60 s when unset or unparsable, never below 10 s. */
export function analysisIntervalMs(canary: DeepReadonly<Canary>): number {
  const text = canary.spec.analysis.interval;
  const parsed = text === undefined || text === '' ? undefined : tryParseDuration(text);
  if (parsed === undefined) return defaultIntervalMs;
  return Math.max(parsed, minimumIntervalMs);
}

/** Failed checks that roll a release back: analysis.threshold, 1 when unset or not positive. */
export function analysisThreshold(canary: DeepReadonly<Canary>): number {
  const threshold = canary.spec.analysis.threshold ?? 0;
  return threshold > 0 ? threshold : 1;
}

export function progressDeadlineSeconds(canary: DeepReadonly<Canary>): number {
  return canary.spec.progressDeadlineSeconds ?? 600;
}

/** The percentages of a workload's pods that must be available for it to count as ready (100 unless set). */
export function readyThresholds(canary: DeepReadonly<Canary>): { primary: number; canary: number } {
  return { primary: canary.spec.analysis.primaryReadyThreshold ?? 100, canary: canary.spec.analysis.canaryReadyThreshold ?? 100 };
}

/** The weight at which the canary is promoted: the last stepWeights entry, else maxWeight, else all of it. */
export function maxWeight(canary: DeepReadonly<Canary>): number {
  const steps = canary.spec.analysis.stepWeights ?? [];
  const last = steps[steps.length - 1];
  if (last !== undefined) return Math.min(totalWeight, last);
  const max = canary.spec.analysis.maxWeight ?? 0;
  return max > 0 ? max : totalWeight;
}

/** How much the next advance adds to `canaryWeight`: stepWeight, or up to the next stepWeights entry. */
export function nextStepWeight(canary: DeepReadonly<Canary>, canaryWeight: number): number {
  const { stepWeight, stepWeights = [] } = canary.spec.analysis;
  if ((stepWeight ?? 0) > 0 || stepWeights.length === 0) return stepWeight ?? 0;
  const room = totalWeight - canaryWeight;
  // At the whole weight any step leads to promotion.
  if (room === 0) return 1;
  if (canaryWeight === 0) return Math.min(room, stepWeights[0] ?? room);
  const at = stepWeights.indexOf(canaryWeight);
  const next = at >= 0 ? stepWeights[at + 1] : undefined;
  return next === undefined ? room : Math.min(room, next - canaryWeight);
}

/** The routing of one analysis step: the primary's and the canary's weights, and whether requests are mirrored. */
export interface CanaryRoutes {
  primaryWeight: number;
  canaryWeight: number;
  mirrored: boolean;
}

/**
 * What an analysis that passed does next: raise the canary's weight by a step (with `analysis.mirror`, the first
 * step only mirrors: all traffic stays on the primary and the canary gets a copy), or, at the promotion weight,
 * promote. A weight above maxWeight is possible (maxWeight 50, stepWeight 20: 20, 40, 60), as in Flagger.
 */
export function advance(canary: DeepReadonly<Canary>, routes: CanaryRoutes): CanaryRoutes | 'promote' {
  if (routes.canaryWeight >= maxWeight(canary)) return 'promote';
  const step = nextStepWeight(canary, routes.canaryWeight);
  if (canary.spec.analysis.mirror === true && routes.canaryWeight === 0) {
    return routes.mirrored
      ? { primaryWeight: totalWeight - step, canaryWeight: step, mirrored: false }
      : { primaryWeight: totalWeight, canaryWeight: 0, mirrored: true };
  }
  return {
    primaryWeight: Math.max(0, routes.primaryWeight - step),
    canaryWeight: Math.min(totalWeight, routes.canaryWeight + step),
    mirrored: false,
  };
}

/** Every routing a release that always passes goes through before promotion (what `aviary plan` shows). */
export function routesOfRelease(canary: DeepReadonly<Canary>): CanaryRoutes[] {
  const seen: CanaryRoutes[] = [];
  let routes: CanaryRoutes = { primaryWeight: totalWeight, canaryWeight: 0, mirrored: false };
  // A step of 0 never reaches the promotion weight: Flagger would advance forever; stop at the first repeat.
  for (let i = 0; i <= totalWeight + 1; i++) {
    const next = advance(canary, routes);
    if (next === 'promote' || (next.canaryWeight === routes.canaryWeight && next.mirrored === routes.mirrored)) break;
    seen.push(next);
    routes = next;
  }
  return seen;
}

/**
 * The primary's weight at each step of a promotion: with analysis.stepWeightPromotion the traffic comes back to the
 * (now promoted) primary in steps of that size, else at once.
 */
export function promotionPrimaryWeights(canary: DeepReadonly<Canary>, fromCanaryWeight: number): number[] {
  const step = canary.spec.analysis.stepWeightPromotion ?? 0;
  if (step <= 0) return [totalWeight];
  const weights: number[] = [];
  for (let primary = totalWeight - fromCanaryWeight + step; primary < totalWeight; primary += step) weights.push(primary);
  return [...weights, totalWeight];
}

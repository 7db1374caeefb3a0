/**
 * Replica counts of a Rollout's ReplicaSets, as pure functions of observed counts. The results match Argo Rollouts'
 * so a Rollout moves through the same pod counts under Aviary as it did before.
 */
import { assertCount } from './int-or-percent.ts';
import { scaleDownOlderForCanary, type ReplicaSetState } from './rolling-update.ts';

/** A ReplicaSet's observed counts. */
export interface ObservedReplicas {
  /** spec.replicas */
  readonly current: number;
  /** status.availableReplicas */
  readonly available: number;
}

export interface CanaryCounts {
  readonly canary: number;
  readonly stable: number;
}

/**
 * The canary/stable split that best approximates `weight` percent of `replicas` pods, for a canary without traffic
 * routing (where the pod ratio *is* the traffic ratio). Candidates: the weighted count rounded down and up, out of
 * `replicas` pods and — when maxSurge allows one extra pod — out of `replicas + 1`. The candidate closest to the
 * weight wins; on equal distance the larger canary. For weights 1–99 neither side is 0 once there are two pods to
 * share (counting the surge pod): a canary step must run some canary and keep some stable.
 *
 * The arithmetic is done in floating point in exactly the order Argo uses, so that the rare ties that floating
 * point decides (e.g. 25 replicas at 14%) come out the same.
 *
 * One deliberate difference: when the only candidates would leave a side at 0 against that rule (2 replicas at
 * 75%, 5 at 90%, 10 at 95% with maxSurge 0), Argo falls back to 0 canary pods; here the canary gets
 * `replicas - 1` and the stable keeps one.
 */
export function idealCanarySplit(replicas: number, weight: number, maxSurge: number): CanaryCounts {
  assertCount(replicas, 'replicas');
  assertWeight(weight);
  assertCount(maxSurge, 'maxSurge');
  if (replicas === 0) return { canary: 0, stable: 0 };

  const up = Math.ceil((replicas * weight) / 100);
  const down = Math.floor((replicas * weight) / 100);
  const zeroAllowed = weight === 0 || weight === 100 || (replicas === 1 && maxSurge === 0);
  const candidates: { canary: number; total: number }[] = [];
  if (up < replicas || zeroAllowed) candidates.push({ canary: up, total: replicas });
  if (!halfway(replicas, weight) && (down !== 0 || zeroAllowed)) candidates.push({ canary: down, total: replicas });
  if (maxSurge > 0) {
    candidates.push({ canary: up, total: replicas + 1 });
    if (!halfway(replicas + 1, weight) && (down !== 0 || zeroAllowed)) {
      candidates.push({ canary: down, total: replicas + 1 });
    }
  }

  let best = candidates[0];
  if (best === undefined) return { canary: replicas - 1, stable: 1 };
  let bestError = weightError(weight, best.canary, best.total);
  for (const candidate of candidates.slice(1)) {
    const error = weightError(weight, candidate.canary, candidate.total);
    if (error < bestError) {
      best = candidate;
      bestError = error;
    }
  }
  return { canary: best.canary, stable: best.total - best.canary };
}

/** The weighted count falls exactly between two pod counts, so rounding up and down are equally far off. */
function halfway(total: number, weight: number): boolean {
  const exact = total * (weight / 100);
  return exact - Math.trunc(exact) === 0.5;
}

function weightError(weight: number, canary: number, total: number): number {
  return Math.abs((canary * 100) / total - weight);
}

export interface BasicCanaryInput {
  /** The Rollout's spec.replicas. */
  readonly replicas: number;
  /** The current setWeight, 0–100 (100 when there are no steps, after the last step, or on a full promotion). */
  readonly weight: number;
  /** Resolved bounds (canaryFenceposts). */
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  /** The ReplicaSet of the current template; absent until it is created. */
  readonly canary?: ObservedReplicas | undefined;
  /** The stable ReplicaSet; absent when there is none yet or it is the canary itself (then the canary takes all). */
  readonly stable?: ObservedReplicas | undefined;
  /** Sum of spec.replicas of all other ReplicaSets. */
  readonly olderReplicas?: number | undefined;
}

/**
 * Argo's basic canary (no traffic routing) replica counts for the next step: where the canary and stable
 * ReplicaSets go from their observed counts toward idealCanarySplit(), as far as the bounds allow.
 *
 * - Growth comes first and stays within `replicas + maxSurge` pods in total (older ReplicaSets included); the
 *   stable side gets room before the canary, so moving back to stable restores capacity before removing any.
 * - While older ReplicaSets still have pods, nothing shrinks here: they are removed first (scaleDownOlderForCanary).
 * - Shrinking keeps `replicas - maxUnavailable` pods available. While the canary grows, only the stable shrinks,
 *   counted by spec so an unavailable stable cannot block the rollout; when the weight goes down (abort), only the
 *   canary shrinks, counted by spec for the same reason. Pods of a ReplicaSet already shrinking are never counted.
 * - After a shrink, the other side is trimmed back under the surge bound, but not below what availability needs.
 *
 * A single result may change both sides; a controller applies the stable count first and re-plans (see
 * planBasicCanaryStep), which is what makes each reconcile one bounded move.
 */
export function canaryReplicaCounts(input: BasicCanaryInput): CanaryCounts {
  const { replicas, weight, maxSurge, maxUnavailable, canary, stable } = input;
  assertCount(maxUnavailable, 'maxUnavailable');
  const older = input.olderReplicas ?? 0;
  assertCount(older, 'olderReplicas');
  if (canary !== undefined) checkObserved(canary, 'canary');
  if (stable !== undefined) checkObserved(stable, 'stable');

  const ideal = idealCanarySplit(replicas, weight, maxSurge);
  const desiredCanary = stable === undefined ? replicas : ideal.canary;
  const desiredStable = stable === undefined ? 0 : ideal.stable;
  let canaryCount = canary?.current ?? 0;
  let stableCount = stable?.current ?? 0;

  const maxTotal = replicas + maxSurge;
  let room = maxTotal - (older + canaryCount + stableCount);
  if (stable !== undefined && stable.current < desiredStable && room > 0) {
    const grow = Math.min(room, desiredStable - stable.current);
    stableCount = stable.current + grow;
    room -= grow;
  }
  if (canary !== undefined && canary.current < desiredCanary && room > 0) {
    canaryCount = Math.min(canary.current + room, desiredCanary);
  }
  if (older > 0) return { canary: canaryCount, stable: stableCount };

  const minAvailable = replicas - maxUnavailable;
  const increasing = canary === undefined || desiredCanary >= canary.current;
  const counted = countedForScaleDown(canary, !increasing) + countedForScaleDown(stable, increasing);
  if (counted <= minAvailable) return { canary: canaryCount, stable: stableCount };
  const excess = counted - minAvailable;

  if (!increasing) {
    if (canary.current > desiredCanary) canaryCount = Math.max(desiredCanary, canary.current - excess);
    const kept = keepWithinBounds(canary, stable, canaryCount, stableCount, maxTotal, minAvailable);
    return { canary: kept.drained, stable: kept.adjusted };
  }
  if (stable !== undefined) {
    if (stable.current > desiredStable) stableCount = Math.max(desiredStable, stable.current - excess);
    const kept = keepWithinBounds(stable, canary, stableCount, canaryCount, maxTotal, minAvailable);
    return { canary: kept.adjusted, stable: kept.drained };
  }
  return { canary: canaryCount, stable: stableCount };
}

/**
 * The pods of a ReplicaSet that may be counted toward availability when deciding how far the other side may
 * shrink: its available pods, or its spec when `bySpec` (the side being drained, whose unready pods must not stall
 * the move), and never more than its spec (extra pods are on their way out).
 */
function countedForScaleDown(rs: ObservedReplicas | undefined, bySpec: boolean): number {
  if (rs === undefined) return 0;
  if (rs.current < rs.available || bySpec) return rs.current;
  return rs.available;
}

/**
 * After `drained` was cut back, trims `adjusted` so the total stays within maxTotal, gives back whatever of that trim
 * availability still needs, and takes any remaining excess from the drained side.
 */
function keepWithinBounds(
  drainedRS: ObservedReplicas,
  adjustedRS: ObservedReplicas | undefined,
  drained: number,
  adjusted: number,
  maxTotal: number,
  minAvailable: number,
): { drained: number; adjusted: number } {
  if (adjustedRS === undefined) return { drained, adjusted };
  let available = Math.min(drainedRS.available, drained);
  let next = adjusted - Math.max(0, adjusted + drained - maxTotal);
  available += Math.min(adjustedRS.available, next);
  const lost = Math.max(0, adjustedRS.available - next);
  const missing = Math.max(0, minAvailable - available);
  next += Math.min(lost, missing);
  const over = Math.max(0, next + drained - maxTotal);
  return { drained: Math.max(0, drained - over), adjusted: Math.max(0, next) };
}

export interface CanaryStepReadyInput extends BasicCanaryInput {
  /** status.replicas of the stable ReplicaSet (pods created, ready or not); defaults to its spec. */
  readonly stableCreated?: number | undefined;
  /** Available pods of all other ReplicaSets. */
  readonly olderAvailable?: number | undefined;
}

/**
 * Whether a basic canary has reached the counts of its current setWeight step, so the step can complete: the
 * canary at its count with every pod available, the stable at its count with every pod created (availability of
 * the stable side was never in question), and no older pods left serving traffic. Both ReplicaSets must exist.
 */
export function canaryStepReplicasReady(input: CanaryStepReadyInput): boolean {
  const { canary, stable } = input;
  if (canary === undefined || stable === undefined) return false;
  const desired = canaryReplicaCounts(input);
  if (canary.current !== desired.canary || canary.available !== desired.canary) return false;
  if (stable.current !== desired.stable || (input.stableCreated ?? stable.current) !== desired.stable) return false;
  return (input.olderAvailable ?? 0) === 0;
}

/** A ReplicaSet in a reconcile plan. */
export interface NamedReplicas extends ObservedReplicas {
  readonly name: string;
  readonly revision?: number | undefined;
  readonly createdAt?: string | number | Date | undefined;
}

export interface BasicCanaryState {
  readonly replicas: number;
  readonly weight: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly canary?: NamedReplicas | undefined;
  /** Omit when there is no stable ReplicaSet or it is the canary. */
  readonly stable?: NamedReplicas | undefined;
  readonly older?: readonly NamedReplicas[] | undefined;
}

/** `stable`, `canary`, `older`: which ReplicaSets this reconcile resizes; `steady`: none. */
export interface CanaryScalePlan {
  readonly phase: 'stable' | 'canary' | 'older' | 'steady';
  /** New spec.replicas for the ReplicaSets to resize (only those that change). */
  readonly targets: Readonly<Record<string, number>>;
}

/**
 * One reconcile of a basic canary's ReplicaSets, in Argo's order: resize the stable if its count changed; else the
 * canary; else shrink the older ReplicaSets. Only one of the three happens per reconcile, and the next reconcile
 * re-plans from what the cluster then reports, so every intermediate state respects both bounds.
 */
export function planBasicCanaryStep(state: BasicCanaryState): CanaryScalePlan {
  const older = state.older ?? [];
  const toObserved = (rs: NamedReplicas | undefined): ObservedReplicas | undefined =>
    rs === undefined ? undefined : { current: rs.current, available: rs.available };
  const counts = canaryReplicaCounts({
    replicas: state.replicas,
    weight: state.weight,
    maxSurge: state.maxSurge,
    maxUnavailable: state.maxUnavailable,
    canary: toObserved(state.canary),
    stable: toObserved(state.stable),
    olderReplicas: older.reduce((total, rs) => total + rs.current, 0),
  });
  if (state.stable !== undefined && counts.stable !== state.stable.current) {
    return { phase: 'stable', targets: { [state.stable.name]: counts.stable } };
  }
  if (state.canary !== undefined && counts.canary !== state.canary.current) {
    return { phase: 'canary', targets: { [state.canary.name]: counts.canary } };
  }

  const all = [state.canary, state.stable, ...older].filter((rs) => rs !== undefined);
  const olderTargets = scaleDownOlderForCanary({
    replicas: state.replicas,
    maxUnavailable: state.maxUnavailable,
    availableTotal: all.reduce((total, rs) => total + Math.min(rs.available, rs.current), 0),
    older: older.map(toReplicaSetState),
  });
  const changed = Object.fromEntries(
    older.filter((rs) => olderTargets[rs.name] !== rs.current).map((rs) => [rs.name, olderTargets[rs.name] ?? rs.current]),
  );
  return Object.keys(changed).length > 0 ? { phase: 'older', targets: changed } : { phase: 'steady', targets: {} };
}

function toReplicaSetState(rs: NamedReplicas): ReplicaSetState {
  return {
    name: rs.name,
    replicas: rs.current,
    available: rs.available,
    ...(rs.revision === undefined ? {} : { revision: rs.revision }),
    ...(rs.createdAt === undefined ? {} : { createdAt: rs.createdAt }),
  };
}

/**
 * Canary pods for a traffic-routed weight: the weight's share of `replicas`, rounded up so a non-zero weight never
 * lands on zero pods, and at least minPodsPerReplicaSet when non-zero.
 */
export function trafficRoutedCanaryReplicas(
  replicas: number,
  weight: number,
  maxWeight = 100,
  minPodsPerReplicaSet?: number,
): number {
  assertCount(replicas, 'replicas');
  assertCount(weight, 'weight');
  if (!Number.isSafeInteger(maxWeight) || maxWeight <= 0) {
    throw new RangeError(`maxWeight must be a positive integer, got ${String(maxWeight)}`);
  }
  return atLeastMinPods(Math.ceil((weight * replicas) / maxWeight), minPodsPerReplicaSet, replicas);
}

/**
 * A non-zero count raised to minPodsPerReplicaSet, which is capped at spec.replicas as in Argo Rollouts: more canary
 * pods than replicas at full weight would never let the canary be promoted.
 */
function atLeastMinPods(count: number, minPods: number | undefined, replicas: number): number {
  if (count === 0 || minPods === undefined) return count;
  assertCount(minPods, 'minPodsPerReplicaSet');
  return Math.max(count, Math.min(minPods, replicas));
}

export interface TrafficRoutedInput {
  readonly replicas: number;
  /** The desired canary weight (setWeight, or setCanaryScale.weight). */
  readonly weight: number;
  /** trafficRouting.maxTrafficWeight; default 100. */
  readonly maxWeight?: number | undefined;
  /** setCanaryScale.replicas: an explicit canary count, which leaves the stable at full weight. */
  readonly canaryReplicas?: number | undefined;
  readonly minPodsPerReplicaSet?: number | undefined;
  readonly dynamicStableScale?: boolean | undefined;
  /** status.canary.weights: the weights the router currently applies. */
  readonly currentWeights?: { readonly canary: number; readonly stable: number } | undefined;
  /** status.abort */
  readonly aborted?: boolean | undefined;
}

/**
 * Canary and stable counts with traffic routing. The stable stays at full size unless dynamicStableScale; then it
 * follows the larger of its desired and its current traffic weight (never fewer pods than the traffic it still
 * gets), and while aborting the canary likewise keeps pods for the traffic it still gets.
 */
export function trafficRoutedReplicaCounts(input: TrafficRoutedInput): CanaryCounts {
  const { replicas, minPodsPerReplicaSet, currentWeights } = input;
  const maxWeight = input.maxWeight ?? 100;
  const desiredWeight = input.canaryReplicas === undefined ? input.weight : 0;
  let canary: number;
  if (input.canaryReplicas === undefined) {
    canary = trafficRoutedCanaryReplicas(replicas, desiredWeight, maxWeight, minPodsPerReplicaSet);
  } else {
    assertCount(input.canaryReplicas, 'canaryReplicas');
    canary = input.canaryReplicas;
  }
  if (input.dynamicStableScale !== true) return { canary, stable: replicas };

  let stable = trafficRoutedCanaryReplicas(replicas, Math.max(0, maxWeight - desiredWeight), maxWeight);
  if (currentWeights !== undefined) {
    stable = Math.max(stable, trafficRoutedCanaryReplicas(replicas, currentWeights.stable, maxWeight));
    if (input.aborted === true) {
      canary = Math.max(canary, trafficRoutedCanaryReplicas(replicas, currentWeights.canary, maxWeight));
    }
  }
  return {
    canary: atLeastMinPods(canary, minPodsPerReplicaSet, replicas),
    stable: atLeastMinPods(stable, minPodsPerReplicaSet, replicas),
  };
}

export interface BlueGreenNewReplicasInput {
  readonly replicas: number;
  /** blueGreen.previewReplicaCount */
  readonly previewReplicaCount?: number | undefined;
  /** The active Service already selects the new ReplicaSet, or no active ReplicaSet exists. */
  readonly newIsActive: boolean;
  /** status.promoteFull */
  readonly promoteFull?: boolean | undefined;
  /** The new ReplicaSet's hash equals status.currentPodHash (false: the template changed just now). */
  readonly newIsCurrent: boolean;
  /** spec.paused, or any status.pauseConditions. */
  readonly paused: boolean;
  /** status.blueGreen.scaleUpPreviewCheckPoint */
  readonly scaleUpPreviewCheckPoint: boolean;
}

/**
 * Size of a blue-green Rollout's new ReplicaSet. With previewReplicaCount the preview runs at that size until the
 * Rollout is resumed past the checkpoint (or fully promoted); then it grows to full size before the active Service
 * switches, so the switch never lands on a partial ReplicaSet.
 */
export function blueGreenNewReplicas(input: BlueGreenNewReplicasInput): number {
  const { replicas, previewReplicaCount } = input;
  assertCount(replicas, 'replicas');
  if (previewReplicaCount === undefined) return replicas;
  assertCount(previewReplicaCount, 'previewReplicaCount');
  if (input.newIsActive || input.promoteFull === true) return replicas;
  if (!input.newIsCurrent) return previewReplicaCount;
  if (!input.paused && input.scaleUpPreviewCheckPoint) return replicas;
  return previewReplicaCount;
}

export interface PreviewCheckPointInput {
  readonly previewReplicaCount?: number | undefined;
  /** The current status.blueGreen.scaleUpPreviewCheckPoint. */
  readonly previous: boolean;
  /** status.abort is set and the template changed since the abort. */
  readonly abortedTemplateChange: boolean;
  readonly newExists: boolean;
  /** status.stableRS is empty or is the new ReplicaSet's hash (the update is fully promoted). */
  readonly newIsStable: boolean;
  /** No pre-promotion analysis is configured, or it succeeded (or autoPromotionSeconds passed). */
  readonly prePromotionAnalysisDone: boolean;
  /** status.availableReplicas of the new ReplicaSet. */
  readonly newAvailable: number;
}

/**
 * status.blueGreen.scaleUpPreviewCheckPoint: a one-way latch that flips to true once the preview has all its
 * previewReplicaCount pods available (and pre-promotion analysis passed), and resets when the update is fully
 * promoted or a new template arrives after an abort.
 */
export function scaleUpPreviewCheckPoint(input: PreviewCheckPointInput): boolean {
  if (input.previewReplicaCount === undefined) return false;
  if (input.abortedTemplateChange) return false;
  if (!input.newExists || input.newIsStable) return false;
  if (input.previous) return true;
  if (!input.prePromotionAnalysisDone) return false;
  return input.newAvailable === input.previewReplicaCount;
}

function assertWeight(weight: number): void {
  if (!Number.isSafeInteger(weight) || weight < 0 || weight > 100) {
    throw new RangeError(`weight must be an integer from 0 to 100, got ${String(weight)}`);
  }
}

function checkObserved(rs: ObservedReplicas, name: string): void {
  assertCount(rs.current, `${name}.current`);
  assertCount(rs.available, `${name}.available`);
}

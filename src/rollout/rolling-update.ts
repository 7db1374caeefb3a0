/**
 * Bounded rolling steps over a set of ReplicaSets: each call returns the replica counts for the next step only,
 * decided from observed counts, so a controller re-plans after every write and a restart resumes where it was.
 */
import { assertCount } from './int-or-percent.ts';

/** A ReplicaSet as the planner sees it. */
export interface ReplicaSetState {
  readonly name: string;
  /** spec.replicas */
  readonly replicas: number;
  /** status.availableReplicas */
  readonly available: number;
  /** The ReplicaSet of the current pod template. */
  readonly isNew?: boolean;
  /** The rollout.argoproj.io/revision annotation. */
  readonly revision?: number;
  /** metadata.creationTimestamp (RFC 3339 or epoch milliseconds). */
  readonly createdAt?: string | number | Date;
}

export interface RollingUpdateInput {
  /** Desired pods. */
  readonly replicas: number;
  /** Resolved bounds, e.g. from resolveFenceposts() with maxUnavailable capped at `replicas`. */
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  /** All ReplicaSets of the workload; at most one has `isNew`. Create the new one (at 0) before planning. */
  readonly replicaSets: readonly ReplicaSetState[];
}

/** `new`: the new ReplicaSet is resized; `old`: older ones shrink; `steady`: nothing to do this step. */
export type RollingUpdatePhase = 'new' | 'old' | 'steady';

export interface RollingUpdateStep {
  readonly phase: RollingUpdatePhase;
  /** Target spec.replicas for every input ReplicaSet (unchanged ones keep their count). */
  readonly targets: Readonly<Record<string, number>>;
}

/**
 * One step of a Kubernetes Deployment style rolling update. The new ReplicaSet grows first, as far as
 * `replicas + maxSurge` total pods allow; only when it cannot grow do older ReplicaSets shrink — first their
 * unavailable pods (they serve nothing, and removing them frees surge room), then available ones, oldest first, as
 * long as `replicas - maxUnavailable` pods stay available. Unavailable pods of the new ReplicaSet are not counted
 * as capacity, so a crash-looping new version cannot drain the old one.
 */
export function rollingUpdateStep(input: RollingUpdateInput): RollingUpdateStep {
  const { replicas, maxSurge, maxUnavailable } = input;
  assertCount(replicas, 'replicas');
  assertCount(maxSurge, 'maxSurge');
  assertCount(maxUnavailable, 'maxUnavailable');
  const sets = input.replicaSets.map(checkReplicaSet);
  const targets = Object.fromEntries(sets.map((rs) => [rs.name, rs.replicas]));
  const newSets = sets.filter((rs) => rs.isNew === true);
  if (newSets.length > 1) throw new RangeError(`more than one new ReplicaSet: ${newSets.map((rs) => rs.name).join(', ')}`);
  const newRS = newSets[0];

  if (newRS !== undefined && newRS.replicas !== replicas) {
    let target = newRS.replicas;
    if (newRS.replicas > replicas) {
      target = replicas;
    } else {
      const room = replicas + maxSurge - sum(sets, (rs) => rs.replicas);
      if (room > 0) target = newRS.replicas + Math.min(room, replicas - newRS.replicas);
    }
    if (target !== newRS.replicas) return { phase: 'new', targets: { ...targets, [newRS.name]: target } };
  }

  const old = sets.filter((rs) => rs.isNew !== true && rs.replicas > 0).sort(byCreation);
  if (old.length === 0) return { phase: 'steady', targets };
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = newRS === undefined ? 0 : Math.max(0, newRS.replicas - newRS.available);
  const maxScaledDown = sum(sets, (rs) => rs.replicas) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return { phase: 'steady', targets };

  const next = { ...targets };
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = rs.replicas - rs.available;
    if (unhealthy <= 0) continue;
    const cut = Math.min(maxScaledDown - cleaned, unhealthy);
    next[rs.name] = rs.replicas - cut;
    cleaned += cut;
  }

  const available = sum(newRS === undefined ? old : [...old, newRS], countedAvailable);
  let budget = available - minAvailable;
  for (const rs of old) {
    if (budget <= 0) break;
    const current = next[rs.name] ?? rs.replicas;
    if (current === 0) continue;
    const cut = Math.min(current, budget);
    next[rs.name] = current - cut;
    budget -= cut;
  }

  const changed = sets.some((rs) => next[rs.name] !== rs.replicas);
  return { phase: changed ? 'old' : 'steady', targets: changed ? next : targets };
}

export interface OlderScaleDownInput {
  /** The Rollout's spec.replicas. */
  readonly replicas: number;
  /** Resolved maxUnavailable (canaryFenceposts). */
  readonly maxUnavailable: number;
  /**
   * Available pods across all the Rollout's ReplicaSets (canary, stable and older), counting at most spec.replicas
   * for each: pods of a ReplicaSet that is already shrinking are about to go and must not be spent twice.
   */
  readonly availableTotal: number;
  /** ReplicaSets that are neither the canary nor the stable one. */
  readonly older: readonly ReplicaSetState[];
}

/**
 * How a basic canary shrinks the ReplicaSets that are neither canary nor stable (an interrupted update's
 * intermediate version, say). They must go to zero: without traffic routing every ready pod receives traffic.
 * First each one drops its unavailable pods; then available pods go, newest revision first, as long as
 * `replicas - maxUnavailable` stay available. Returns the target for every older ReplicaSet.
 *
 * While an older ReplicaSet still reports more available pods than its spec asks for (its last scale-down is in
 * flight), nothing past the unhealthy clean-up happens in this step: its pod counts are stale until it settles.
 */
export function scaleDownOlderForCanary(input: OlderScaleDownInput): Record<string, number> {
  const { replicas, maxUnavailable, availableTotal } = input;
  assertCount(replicas, 'replicas');
  assertCount(maxUnavailable, 'maxUnavailable');
  assertCount(availableTotal, 'availableTotal');
  const older = input.older.map(checkReplicaSet);
  const targets: Record<string, number> = Object.fromEntries(older.map((rs) => [rs.name, rs.replicas]));
  const active = older.filter((rs) => rs.replicas > 0).sort(byCreation);
  if (active.length === 0) return targets;

  for (const rs of active) {
    if (rs.available > rs.replicas) return targets;
    targets[rs.name] = rs.available;
  }

  let budget = availableTotal - (replicas - maxUnavailable);
  if (budget <= 0) return targets;
  for (const rs of [...active].sort(byRevisionNewestFirst)) {
    if (budget <= 0) break;
    const current = targets[rs.name] ?? rs.replicas;
    if (current === 0) continue;
    const cut = Math.min(current, budget);
    targets[rs.name] = current - cut;
    budget -= cut;
  }
  return targets;
}

function checkReplicaSet(rs: ReplicaSetState): ReplicaSetState {
  assertCount(rs.replicas, `${rs.name}.replicas`);
  assertCount(rs.available, `${rs.name}.available`);
  return rs;
}

function sum(sets: readonly ReplicaSetState[], pick: (rs: ReplicaSetState) => number): number {
  let total = 0;
  for (const rs of sets) total += pick(rs);
  return total;
}

/** Pods of a ReplicaSet that is already shrinking are about to go; they must not be spent as capacity. */
function countedAvailable(rs: ReplicaSetState): number {
  return Math.min(rs.available, rs.replicas);
}

function createdMillis(rs: ReplicaSetState): number {
  const at = rs.createdAt;
  if (at === undefined) return 0;
  if (typeof at === 'number') return at;
  const ms = at instanceof Date ? at.getTime() : Date.parse(at);
  return Number.isNaN(ms) ? 0 : ms;
}

/** Oldest first; the name breaks ties so the order never depends on list order. */
export function byCreation(a: ReplicaSetState, b: ReplicaSetState): number {
  return createdMillis(a) - createdMillis(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Highest revision first; a ReplicaSet without a revision counts as older than any with one. */
export function byRevisionNewestFirst(a: ReplicaSetState, b: ReplicaSetState): number {
  const ra = a.revision ?? -1;
  const rb = b.revision ?? -1;
  return rb - ra || -byCreation(a, b);
}

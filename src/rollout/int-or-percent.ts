/**
 * Kubernetes IntOrString values as used by maxSurge / maxUnavailable: a pod count (`3`) or a percentage of the
 * desired replicas (`"25%"`), and their resolution into pod counts.
 */

export type IntOrString = number | string;

export type IntOrPercent =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'percent'; readonly value: number };

/** A rolling bound resolved to pods. */
export interface Fenceposts {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/** Argo Rollouts' default for both canary.maxSurge and maxUnavailable. */
export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

/** Raised for a value that is neither a non-negative integer nor a percentage; the message names field and value. */
export class IntOrPercentError extends Error {
  readonly field: string | undefined;
  readonly value: unknown;
  constructor(value: unknown, field: string | undefined, reason: string) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    super(`${field === undefined ? '' : `${field}: `}invalid value ${shown}: ${reason}`);
    this.name = 'IntOrPercentError';
    this.field = field;
    this.value = value;
  }
}

const expected = 'expected a non-negative integer or a percentage such as "25%"';

/**
 * Parses an IntOrString. A string of digits without a `%` is read as a percentage: Argo resolves maxSurge and
 * maxUnavailable with the apimachinery helper that treats every string as a percentage, so `"3"` means 3% there,
 * and counting it as 3 pods would change the replica counts of existing manifests.
 */
export function parseIntOrPercent(value: IntOrString, field?: string): IntOrPercent {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new IntOrPercentError(value, field, expected);
    return { kind: 'int', value };
  }
  if (typeof value !== 'string') throw new IntOrPercentError(value, field, expected);
  const match = /^(\d+)(%?)$/.exec(value);
  const digits = match?.[1];
  if (digits === undefined) throw new IntOrPercentError(value, field, expected);
  const parsed = Number(digits);
  if (!Number.isSafeInteger(parsed)) throw new IntOrPercentError(value, field, 'number too large');
  return { kind: 'percent', value: parsed };
}

/**
 * Resolves an IntOrString against `total` pods. Percentages round up for a surge and down for unavailability, so
 * neither bound is ever looser than the user asked for in the direction that matters.
 */
export function resolveIntOrPercent(value: IntOrString, total: number, roundUp: boolean, field?: string): number {
  assertCount(total, 'total');
  const parsed = parseIntOrPercent(value, field);
  if (parsed.kind === 'int') return parsed.value;
  const scaled = (parsed.value * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * Kubernetes' fenceposts for a rolling update of `desired` pods: maxSurge rounds up, maxUnavailable rounds down, an
 * absent value counts as 0. When both come out as 0 (a small percentage of few pods), maxUnavailable becomes 1 —
 * otherwise the update could never make progress.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): Fenceposts {
  const surge = resolveIntOrPercent(maxSurge ?? 0, desired, true, 'maxSurge');
  const unavailable = resolveIntOrPercent(maxUnavailable ?? 0, desired, false, 'maxUnavailable');
  if (surge === 0 && unavailable === 0) return { maxSurge: 0, maxUnavailable: 1 };
  return { maxSurge: surge, maxUnavailable: unavailable };
}

/**
 * The bounds a canary Rollout scales with: unset values default to 25%, maxUnavailable never exceeds the replica
 * count, and a Rollout scaled to zero has no unavailability budget (there is nothing to take down).
 */
export function canaryFenceposts(
  replicas: number,
  maxSurge: IntOrString | undefined = DEFAULT_MAX_SURGE,
  maxUnavailable: IntOrString | undefined = DEFAULT_MAX_UNAVAILABLE,
): Fenceposts {
  assertCount(replicas, 'replicas');
  const resolved = resolveFenceposts(maxSurge, maxUnavailable, replicas);
  return {
    maxSurge: resolved.maxSurge,
    maxUnavailable: replicas === 0 ? 0 : Math.min(resolved.maxUnavailable, replicas),
  };
}

/**
 * blueGreen.maxUnavailable in pods. Blue-green has no surge bound, so there is no "both zero" rule: 0 stays 0.
 */
export function blueGreenMaxUnavailable(
  replicas: number,
  maxUnavailable: IntOrString | undefined = DEFAULT_MAX_UNAVAILABLE,
): number {
  assertCount(replicas, 'replicas');
  if (replicas === 0) return 0;
  return Math.min(resolveIntOrPercent(maxUnavailable, replicas, false, 'maxUnavailable'), replicas);
}

/**
 * Whether maxSurge and maxUnavailable are both literally zero (`0` or `"0%"`) after defaulting — the combination
 * a Rollout spec must reject, because rounding can only make the bounds tighter.
 */
export function fencepostsBothZero(
  maxSurge: IntOrString | undefined = DEFAULT_MAX_SURGE,
  maxUnavailable: IntOrString | undefined = DEFAULT_MAX_UNAVAILABLE,
): boolean {
  return (
    parseIntOrPercent(maxSurge, 'maxSurge').value === 0 &&
    parseIntOrPercent(maxUnavailable, 'maxUnavailable').value === 0
  );
}

/** Throws a RangeError naming `name` unless `value` is a non-negative safe integer. */
export function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
}

import { pointer } from '../util/json-patch.ts';
import type { RouterProblem, TrafficIntent } from './router.ts';
import type { JsonPatchOperation } from './writes.ts';

/** A backend entry of a provider's list: a route rule's backendRef, a TraefikService's service, ... */
export interface WeightedEntry {
  /** The Service it sends to (normalised: a short name). */
  readonly name?: string | undefined;
  readonly weight?: number | undefined;
  /** The value stored where `nameAt` points, when it differs from `name` (an Istio host written as an FQDN). */
  readonly stored?: string | undefined;
  /** Where this entry keeps its Service's name, when entries of one list differ (Gloo's upstream or kube refs). */
  readonly nameAt?: readonly string[] | undefined;
}

/** One list of backends inside an object, with the JSON pointer tokens that lead to it. */
export interface WeightedList {
  readonly path: readonly (string | number)[];
  readonly entries: readonly WeightedEntry[];
  /** Where an entry keeps its Service's name, below the entry: default ["name"]; Istio ["destination", "host"]. */
  readonly nameAt?: readonly string[];
}

/** The weight each Service should carry: the canary the intent's weight, the stable the rest. */
export function serviceWeights(intent: TrafficIntent): Map<string, number> {
  const weights = new Map<string, number>();
  if (intent.stableService !== undefined) weights.set(intent.stableService, intent.maxWeight - intent.weight);
  if (intent.canaryService !== undefined) weights.set(intent.canaryService, intent.weight);
  return weights;
}

/** Whether a list names both the canary and the stable Service: the lists a router weights. */
export function splitsBetween(entries: readonly WeightedEntry[], intent: TrafficIntent): boolean {
  const names = new Set(entries.map((e) => e.name));
  return intent.canaryService !== undefined && intent.stableService !== undefined && names.has(intent.canaryService) && names.has(intent.stableService);
}

/**
 * JSON patch operations giving each named entry its weight, only where it differs. Each change first tests the
 * entry's name at that index, so a list someone reordered in between fails the patch instead of weighting the
 * wrong backend; every other field and entry is left alone.
 */
export function weightOperations(lists: readonly WeightedList[], weights: ReadonlyMap<string, number>): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  for (const list of lists) {
    list.entries.forEach((entry, index) => {
      const weight = entry.name === undefined ? undefined : weights.get(entry.name);
      if (weight === undefined || entry.weight === weight) return;
      operations.push(
        { op: 'test', path: pointer(...list.path, index, ...(entry.nameAt ?? list.nameAt ?? ['name'])), value: entry.stored ?? entry.name },
        { op: 'add', path: pointer(...list.path, index, 'weight'), value: weight },
      );
    });
  }
  return operations;
}

/** Every named entry of every list carries its weight. */
export function weightsCarried(lists: readonly WeightedList[], weights: ReadonlyMap<string, number>): boolean {
  return lists.every((list) => list.entries.every((entry) => {
    const weight = entry.name === undefined ? undefined : weights.get(entry.name);
    return weight === undefined || entry.weight === weight;
  }));
}

/**
 * The lists a router weights (those naming both the canary and the stable Service) and, when there is none, the
 * problem naming the object: the Rollout then stays where it is.
 */
export function weightedListsOf(lists: readonly WeightedList[], intent: TrafficIntent, described: string, what: string): { lists: WeightedList[]; problem?: RouterProblem } {
  const split = lists.filter((l) => splitsBetween(l.entries, intent));
  if (split.length > 0) return { lists: split };
  return { lists: [], problem: { reason: 'TrafficRoutingError', message: `${described} has no ${what} sending to both ${intent.canaryService ?? '?'} and ${intent.stableService ?? '?'}` } };
}

import type { DeepReadonly } from '../runtime/objects.ts';
import { pointer, type JsonPatchOperation } from '../util/json-patch.ts';
import { containedIn } from './routed-objects.ts';

/** A list inside an object that holds a router's managed entries among other owners' (Istio's spec.http, an Ingress rule's paths). */
export interface ManagedList<T> {
  /** JSON pointer tokens that lead to the list. */
  path: readonly (string | number)[];
  entries: readonly DeepReadonly<T>[];
  /** The managed route an entry stands for, if it is one; below the entry at `nameAt`. */
  nameOf: (entry: DeepReadonly<T>) => string | undefined;
  nameAt: readonly string[];
}

/**
 * Brings the managed entries of a list to `desired`, in that order at its top (managed routes take precedence):
 * every managed entry is removed (from the back, each removal testing the entry's name, so a list someone
 * reordered in between fails the patch instead of losing another owner's entry) and the desired ones are inserted
 * first — only when they differ from what is there. Entries of other owners are never touched.
 */
export function managedEntryOperations<T>(list: ManagedList<T>, desired: readonly T[], managed: ReadonlySet<string>): JsonPatchOperation[] {
  const present = list.entries.map((entry, index) => ({ entry, index, name: list.nameOf(entry) })).filter((e) => e.name !== undefined && managed.has(e.name));
  const inPlace = present.length === desired.length && present.every(({ entry, index }, i) => index === i && containedIn(desired[i], entry));
  if (inPlace) return [];
  const operations: JsonPatchOperation[] = [];
  for (const { index, name } of [...present].reverse()) {
    operations.push({ op: 'test', path: pointer(...list.path, index, ...list.nameAt), value: name }, { op: 'remove', path: pointer(...list.path, index) });
  }
  desired.forEach((entry, i) => operations.push({ op: 'add', path: pointer(...list.path, i), value: entry }));
  return operations;
}

/** The informer's in-memory cache: frozen objects by "namespace/name", with a namespace index and named indexes. */
import { objectKey, type DeepReadonly, type KubeObject } from './objects.ts';

/** Index values of an object, e.g. the value of one label, or the uids of its owners. */
export type IndexFunc<T> = (obj: DeepReadonly<T>) => readonly string[];

/** Indexes objects by the value of one label (objects without the label are not indexed). */
export function labelIndex<T extends KubeObject>(label: string): IndexFunc<T> {
  return (obj) => {
    const value = obj.metadata?.labels?.[label];
    return value === undefined ? [] : [value];
  };
}

/** Indexes objects by the uid of each owner reference. */
export function ownerUidIndex<T extends KubeObject>(obj: DeepReadonly<T>): readonly string[] {
  return (obj.metadata?.ownerReferences ?? []).map((ref) => ref.uid);
}

/** Indexes objects by the uid of their controller owner reference only. */
export function controllerUidIndex<T extends KubeObject>(obj: DeepReadonly<T>): readonly string[] {
  return (obj.metadata?.ownerReferences ?? []).filter((ref) => ref.controller === true).map((ref) => ref.uid);
}

export class Store<T extends KubeObject> {
  readonly #items = new Map<string, DeepReadonly<T>>();
  readonly #byNamespace = new Map<string, Set<string>>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn);
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): DeepReadonly<T> | undefined {
    return this.#items.get(key);
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** All objects, or those of one namespace. */
  list(namespace?: string): DeepReadonly<T>[] {
    if (namespace === undefined) return [...this.#items.values()];
    const keys = this.#byNamespace.get(namespace);
    return keys === undefined ? [] : this.#resolve(keys);
  }

  /** Objects whose index function returned value. */
  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    const index = this.#indexes.get(indexName);
    if (index === undefined) throw new Error(`no index named ${indexName}`);
    const keys = index.get(value);
    return keys === undefined ? [] : this.#resolve(keys);
  }

  hasIndex(indexName: string): boolean {
    return this.#indexers.has(indexName);
  }

  /** Adds an index over the current and future contents; a second indexer with the same name is ignored. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexers.has(name)) return;
    this.#indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.#indexes.set(name, index);
    for (const [key, obj] of this.#items) addTo(index, fn(obj), key);
  }

  /** Inserts or replaces an object; returns the previous one. */
  upsert(obj: DeepReadonly<T>): DeepReadonly<T> | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old !== undefined) this.#unindex(key, old);
    this.#items.set(key, obj);
    addTo(this.#byNamespace, [obj.metadata?.namespace ?? ''], key);
    for (const [name, fn] of this.#indexers) addTo(this.#indexes.get(name) as Map<string, Set<string>>, fn(obj), key);
    return old;
  }

  /** Removes an object by key; returns it. */
  delete(key: string): DeepReadonly<T> | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  clear(): void {
    this.#items.clear();
    this.#byNamespace.clear();
    for (const index of this.#indexes.values()) index.clear();
  }

  #unindex(key: string, obj: DeepReadonly<T>): void {
    removeFrom(this.#byNamespace, [obj.metadata?.namespace ?? ''], key);
    for (const [name, fn] of this.#indexers) removeFrom(this.#indexes.get(name) as Map<string, Set<string>>, fn(obj), key);
  }

  #resolve(keys: Set<string>): DeepReadonly<T>[] {
    const out: DeepReadonly<T>[] = [];
    for (const key of keys) {
      const obj = this.#items.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }
}

function addTo(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const value of values) {
    let keys = index.get(value);
    if (keys === undefined) {
      keys = new Set();
      index.set(value, keys);
    }
    keys.add(key);
  }
}

function removeFrom(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const value of values) {
    const keys = index.get(value);
    if (keys === undefined) continue;
    keys.delete(key);
    // Empty sets are dropped so that memory follows the live objects, not every value ever seen.
    if (keys.size === 0) index.delete(value);
  }
}

/**
 * A controller's own writes that its informer has not delivered yet. After a status patch, the reconcile woken by
 * the consequences of that write (a ReplicaSet event, a finished measurement) often runs before the informer has the
 * patched object; planning from the stale one repeats work already done (a measurement taken twice) or ends in a 409
 * Conflict. Remembering, per key, the resourceVersion each write replaced lets the reconcile wait for its own write.
 *
 * A reconcile that finds its write pending simply ends: the informer delivers that write (by watch, or by re-list
 * after a broken watch) and its event enqueues the key again. A timer would only add a reconcile per write. Only
 * writes that produced a new resourceVersion are remembered (a patch the server found to change nothing keeps the
 * version and is never delivered), and never for longer than `patienceMs`.
 */
export class OwnWrites {
  /** Per key: the versions our last writes replaced (several for writes in a row), the version they ended at. */
  readonly #replaced = new Map<string, { versions: Set<string>; last: string; at: number }>();
  readonly #patienceMs: number;
  readonly #now: () => number;

  constructor(options: { patienceMs?: number; now?: () => number } = {}) {
    this.#patienceMs = options.patienceMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records a write of `key` that turned `from` into `to`. A write that continues the previous one (say, a status
   * then an annotation) keeps both replaced versions stale: the cache may deliver the one in between first.
   */
  wrote(key: string, from: string | undefined, to: string | undefined): void {
    if (from === undefined || to === undefined || from === to) return;
    const previous = this.#replaced.get(key);
    const versions = previous !== undefined && previous.last === from ? new Set([...previous.versions, from]) : new Set([from]);
    this.#replaced.set(key, { versions, last: to, at: this.#now() });
  }

  /** True while the cache still holds a version our last writes of `key` replaced. */
  pending(key: string, cachedVersion: string | undefined): boolean {
    const entry = this.#replaced.get(key);
    if (entry === undefined) return false;
    if (cachedVersion !== undefined && entry.versions.has(cachedVersion) && this.#now() - entry.at < this.#patienceMs) return true;
    this.#replaced.delete(key);
    return false;
  }

  forget(key: string): void {
    this.#replaced.delete(key);
  }

  get size(): number {
    return this.#replaced.size;
  }
}

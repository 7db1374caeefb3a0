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
  readonly #replaced = new Map<string, { version: string; at: number }>();
  readonly #patienceMs: number;
  readonly #now: () => number;

  constructor(options: { patienceMs?: number; now?: () => number } = {}) {
    this.#patienceMs = options.patienceMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /** Records a write of `key` that turned `from` into `to`. */
  wrote(key: string, from: string | undefined, to: string | undefined): void {
    if (from === undefined || to === undefined || from === to) return;
    this.#replaced.set(key, { version: from, at: this.#now() });
  }

  /** True while the cache still holds the version our last write of `key` replaced. */
  pending(key: string, cachedVersion: string | undefined): boolean {
    const entry = this.#replaced.get(key);
    if (entry === undefined) return false;
    if (entry.version === cachedVersion && this.#now() - entry.at < this.#patienceMs) return true;
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

/**
 * A work queue with client-go semantics:
 * - an item is queued at most once however often it is added (the dirty set);
 * - an item handed to a worker is in the processing set until done(); adding it meanwhile marks it dirty and it is
 *   queued again on done(), so one key is never reconciled by two workers at once and no change is lost;
 * - addRateLimited() retries with per-item exponential backoff; forget() clears it;
 * - addAfter() delays an item; if it is already waiting, the earliest deadline wins.
 */
import { ItemExponentialBackoff, type RateLimiter } from './backoff.ts';
import { systemClock, type Clock, type Timer } from './clock.ts';

/** Hooks for metrics; the queue calls them synchronously, so they must be cheap and must not throw. */
export interface WorkQueueMetrics {
  /** An item entered the queue (duplicates of a queued item are not counted). */
  add?(): void;
  /** The number of queued items (not counting items being processed or waiting on a timer) changed. */
  depth?(length: number): void;
  /** addRateLimited() was called. */
  retry?(): void;
  /** An item spent `seconds` queued before a worker took it. */
  queueLatency?(seconds: number): void;
  /** A worker held an item for `seconds` between get() and done(). */
  workDuration?(seconds: number): void;
}

export interface WorkQueueOptions<K> {
  name?: string;
  clock?: Clock;
  rateLimiter?: RateLimiter<K>;
  metrics?: WorkQueueMetrics;
}

interface Delayed<K> {
  at: number;
  seq: number;
  item: K;
}

export class WorkQueue<K = string> {
  readonly name: string;
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter<K>;
  readonly #metrics: WorkQueueMetrics;

  // FIFO as an array with a moving head, so get() is O(1) without Array.shift() copying.
  #queue: K[] = [];
  #head = 0;
  readonly #dirty = new Set<K>();
  readonly #processing = new Map<K, number>();
  readonly #enqueuedAt = new Map<K, number>();
  #waiters: ((item: K | undefined) => void)[] = [];
  #shuttingDown = false;
  #drainWaiters: (() => void)[] = [];

  // Delayed items: the earliest deadline per item, a min-heap with lazy deletion, and one timer for the heap's top.
  readonly #waiting = new Map<K, number>();
  #heap: Delayed<K>[] = [];
  #seq = 0;
  #timer: Timer | undefined;
  #timerAt = Infinity;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.name = options.name ?? 'default';
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? new ItemExponentialBackoff<K>();
    this.#metrics = options.metrics ?? {};
  }

  /** Queues the item unless it is already queued. Ignored after shutDown(). */
  add(item: K): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#dirty.add(item);
    this.#metrics.add?.();
    if (this.#processing.has(item)) return;
    this.#push(item);
  }

  /** Queues the item after delayMs; while it waits, a new addAfter with an earlier deadline moves it forward. */
  addAfter(item: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(item);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const current = this.#waiting.get(item);
    if (current !== undefined && current <= at) return;
    this.#waiting.set(item, at);
    heapPush(this.#heap, { at, seq: this.#seq++, item });
    this.#compactHeap();
    this.#scheduleTimer();
  }

  /** Queues the item after its backoff delay and counts one more failure for it. */
  addRateLimited(item: K): void {
    if (this.#shuttingDown) return;
    this.#metrics.retry?.();
    this.addAfter(item, this.#rateLimiter.when(item));
  }

  /** Clears the item's backoff; call after a successful reconcile or when giving up on it. */
  forget(item: K): void {
    this.#rateLimiter.forget(item);
  }

  numRequeues(item: K): number {
    return this.#rateLimiter.numRequeues(item);
  }

  /**
   * The next item, marked as processing until done(item). Waits while the queue is empty. Resolves undefined once the
   * queue is shut down and empty: the worker should exit then.
   */
  get(): Promise<K | undefined> {
    if (this.#length() > 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends processing of an item from get(); if it was added meanwhile it is queued again. */
  done(item: K): void {
    const startedAt = this.#processing.get(item);
    if (startedAt === undefined) return;
    this.#processing.delete(item);
    this.#metrics.workDuration?.((this.#clock.now() - startedAt) / 1000);
    if (this.#dirty.has(item)) this.#push(item);
    if (this.#processing.size === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Queued items, not counting items being processed or waiting for a timer. */
  len(): number {
    return this.#length();
  }

  /** Items waiting for an addAfter/addRateLimited deadline. */
  delayedLen(): number {
    return this.#waiting.size;
  }

  processingLen(): number {
    return this.#processing.size;
  }

  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops accepting items and drops delayed ones. Items already queued are still handed out, so workers drain the
   * queue; get() resolves undefined once it is empty.
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#waiting.clear();
    this.#heap = [];
    if (this.#length() === 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const resolve of waiters) resolve(undefined);
    }
  }

  /** shutDown(), then resolves when no item is being processed any more. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #length(): number {
    return this.#queue.length - this.#head;
  }

  #push(item: K): void {
    this.#queue.push(item);
    this.#enqueuedAt.set(item, this.#clock.now());
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter(this.#take());
    } else {
      this.#metrics.depth?.(this.#length());
    }
  }

  #take(): K {
    const item = this.#queue[this.#head] as K;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    const now = this.#clock.now();
    const enqueuedAt = this.#enqueuedAt.get(item);
    this.#enqueuedAt.delete(item);
    if (enqueuedAt !== undefined) this.#metrics.queueLatency?.((now - enqueuedAt) / 1000);
    this.#processing.set(item, now);
    this.#dirty.delete(item);
    this.#metrics.depth?.(this.#length());
    if (this.#shuttingDown && this.#length() === 0) {
      // The last queued item went out: workers still waiting must learn that nothing more will come.
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const resolve of waiters) resolve(undefined);
    }
    return item;
  }

  #scheduleTimer(): void {
    const top = this.#heap[0];
    if (top === undefined) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= top.at) return;
    this.#timer?.cancel();
    this.#timerAt = top.at;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#fireDue();
    }, top.at - this.#clock.now());
  }

  #fireDue(): void {
    const now = this.#clock.now();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.at > now) break;
      heapPop(this.#heap);
      // Entries superseded by an earlier deadline for the same item are stale; only the current one counts.
      if (this.#waiting.get(top.item) !== top.at) continue;
      this.#waiting.delete(top.item);
      this.add(top.item);
    }
    this.#scheduleTimer();
  }

  #compactHeap(): void {
    if (this.#heap.length <= 64 || this.#heap.length <= 2 * this.#waiting.size) return;
    const live = this.#heap.filter((entry) => this.#waiting.get(entry.item) === entry.at);
    this.#heap = [];
    for (const entry of live) heapPush(this.#heap, entry);
  }
}

function before<K>(a: Delayed<K>, b: Delayed<K>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function heapPush<K>(heap: Delayed<K>[], entry: Delayed<K>): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as Delayed<K>;
    if (!before(entry, p)) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = entry;
}

function heapPop<K>(heap: Delayed<K>[]): Delayed<K> | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let smallest = last;
    let at = -1;
    const left = heap[l];
    const right = heap[r];
    if (left !== undefined && before(left, smallest)) {
      smallest = left;
      at = l;
    }
    if (right !== undefined && before(right, smallest)) {
      smallest = right;
      at = r;
    }
    if (at < 0) break;
    heap[i] = smallest;
    i = at;
  }
  heap[i] = last;
  return top;
}

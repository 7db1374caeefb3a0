/**
 * A controller: informer events become keys in a work queue; N workers run the reconciler on them, never two on the
 * same key at once. Errors are retried with per-key exponential backoff, TerminalErrors are not; requeueAfter
 * schedules the next look. A controller can be started and stopped repeatedly (each run gets a fresh queue), which
 * is what leader election needs: it runs only while its process leads.
 */
import type { Logger } from 'pino';
import { ItemExponentialBackoff, type ExponentialBackoffOptions } from './backoff.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Informer } from './informer.ts';
import { silentLogger } from './logger.ts';
import { RuntimeMetrics } from './metrics.ts';
import { keyOf, matchingOwners, objectKey, type DeepReadonly, type KubeObject, type OwnerMatch } from './objects.ts';
import { isTerminalError, type ReconcileResult, type Reconciler } from './reconcile.ts';
import { WorkQueue } from './workqueue.ts';

/** Something the Manager runs: start() runs until the signal aborts and resolves once fully stopped. */
export interface Runnable {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
}

/**
 * Abort reason that tells a Runnable how long it may drain in-flight work. A controller that lost leadership gets a
 * short drain because another process is about to take over; a graceful shutdown gets a longer one.
 */
export class StopRequest extends Error {
  readonly drainTimeoutMs: number;

  constructor(message: string, drainTimeoutMs: number) {
    super(message);
    this.name = 'StopRequest';
    this.drainTimeoutMs = drainTimeoutMs;
  }
}

export interface EventFilter<T> {
  /** Only objects passing this cause a reconcile (on add, update and delete). */
  filter?: (obj: DeepReadonly<T>) => boolean;
  /** Only updates passing this cause a reconcile, e.g. generationChanged. Default: every update. */
  updateFilter?: (oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>) => boolean;
}

/** Update filter: the spec changed (metadata.generation moved), ignoring status-only writes. */
export function generationChanged(oldObj: DeepReadonly<KubeObject>, newObj: DeepReadonly<KubeObject>): boolean {
  return oldObj.metadata?.generation !== newObj.metadata?.generation;
}

export interface ControllerOptions {
  /** Used in logs, metric labels and the queue name. */
  name: string;
  reconciler: Reconciler;
  /** Concurrent reconciles (of different keys). Default 2. */
  workers?: number;
  /** Retry backoff per key. Default 5 ms doubling up to 10 s. */
  backoff?: ExponentialBackoffOptions;
  /** Abort a reconcile that runs longer than this. Default none. */
  reconcileTimeoutMs?: number;
  /** On stop, how long in-flight reconciles may finish before their signal aborts. Default 10 s. */
  drainTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
  metrics?: RuntimeMetrics;
}

export class Controller implements Runnable {
  readonly name: string;
  readonly #reconciler: Reconciler;
  readonly #workers: number;
  readonly #backoff: ExponentialBackoffOptions;
  readonly #reconcileTimeoutMs: number | undefined;
  readonly #drainTimeoutMs: number;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #metrics: RuntimeMetrics | undefined;
  readonly #sources: Informer[] = [];
  readonly #seeders: (() => string[])[] = [];
  #queue: WorkQueue | undefined;
  #running = false;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#reconciler = options.reconciler;
    this.#workers = Math.max(1, options.workers ?? 2);
    this.#backoff = options.backoff ?? {};
    this.#reconcileTimeoutMs = options.reconcileTimeoutMs;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.#logger = (options.logger ?? silentLogger()).child({ controller: this.name });
    this.#clock = options.clock ?? systemClock;
    this.#metrics = options.metrics;
  }

  /** The kind this controller reconciles: its objects' keys go to the queue, and all of them at every start. */
  primary<T extends KubeObject>(informer: Informer<T>, filter: EventFilter<T> = {}): this {
    this.#watch(informer, filter, (obj) => [objectKey(obj)]);
    this.#seeders.push(() => informer.list().filter((obj) => filter.filter?.(obj) ?? true).map((obj) => objectKey(obj)));
    return this;
  }

  /**
   * Objects owned by the primary kind (ReplicaSets of a Rollout): a change enqueues the owner's key, found through
   * ownerReferences (the controller reference only, unless owner.controllerOnly is false). Owners are taken to live
   * in the owned object's namespace unless ownerNamespaced is false.
   */
  owns<T extends KubeObject>(informer: Informer<T>, owner: OwnerMatch & { ownerNamespaced?: boolean }, filter: EventFilter<T> = {}): this {
    this.#watch(
      informer,
      filter,
      (obj) =>
        matchingOwners(obj, owner).map((ref) =>
          owner.ownerNamespaced === false ? ref.name : keyOf(obj.metadata?.namespace, ref.name),
        ),
    );
    return this;
  }

  /** Any other related kind: map decides which keys a change of obj affects. */
  watches<T extends KubeObject>(informer: Informer<T>, map: (obj: DeepReadonly<T>) => readonly string[], filter: EventFilter<T> = {}): this {
    this.#watch(informer, filter, map);
    return this;
  }

  /** The informers this controller reads from; it waits for all of them to sync before reconciling. */
  informers(): Informer[] {
    return [...new Set(this.#sources)];
  }

  /** Queues a key now (ignored while the controller is not running). */
  enqueue(key: string): void {
    this.#queue?.add(key);
  }

  /** Queues a key after a delay (ignored while the controller is not running). */
  enqueueAfter(key: string, delayMs: number): void {
    this.#queue?.addAfter(key, delayMs);
  }

  isRunning(): boolean {
    return this.#running;
  }

  /** Keys waiting in the queue, or 0 while stopped. */
  queueLength(): number {
    return this.#queue?.len() ?? 0;
  }

  /**
   * Waits for the informers to sync, queues every primary object, runs the workers until the signal aborts, then
   * drains: in-flight reconciles get drainTimeoutMs (or the StopRequest's) to finish before their signal aborts.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`controller ${this.name} is already running`);
    this.#running = true;
    try {
      await this.#run(signal);
    } finally {
      this.#running = false;
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    try {
      await Promise.all(this.informers().map((informer) => informer.waitForSync(signal)));
    } catch {
      return;
    }
    if (signal.aborted) return;
    const queue = new WorkQueue<string>({
      name: this.name,
      clock: this.#clock,
      rateLimiter: new ItemExponentialBackoff<string>(this.#backoff),
      metrics: this.#metrics?.queueMetrics(this.name) ?? {},
    });
    this.#queue = queue;
    for (const seed of this.#seeders) for (const key of seed()) queue.add(key);
    this.#logger.info({ workers: this.#workers, queued: queue.len() }, 'controller started');

    const reconcileAbort = new AbortController();
    const workers = Promise.all(Array.from({ length: this.#workers }, () => this.#worker(queue, reconcileAbort.signal)));

    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => { resolve(); }, { once: true });
    });

    this.#queue = undefined;
    queue.shutDown();
    const reason: unknown = signal.reason;
    const drainMs = reason instanceof StopRequest ? reason.drainTimeoutMs : this.#drainTimeoutMs;
    if (!(await settlesWithin(workers, drainMs))) {
      this.#logger.warn({ drainMs, inFlight: queue.processingLen() }, 'reconciles still running after the drain timeout; aborting them');
      reconcileAbort.abort(reason instanceof Error ? reason : new Error(`controller ${this.name} stopped`));
      if (!(await settlesWithin(workers, 5000))) {
        this.#logger.error({ inFlight: queue.processingLen() }, 'reconciles ignore their abort signal; leaving them behind');
      }
    }
    this.#logger.info('controller stopped');
  }

  async #worker(queue: WorkQueue, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      // After shutdown the queue still hands out what it holds; a stopping controller leaves that to the next run.
      if (queue.isShuttingDown()) {
        queue.done(key);
        return;
      }
      try {
        await this.#reconcileOne(queue, key, signal);
      } finally {
        queue.done(key);
      }
    }
  }

  async #reconcileOne(queue: WorkQueue, key: string, stopSignal: AbortSignal): Promise<void> {
    const labels = { controller: this.name };
    const signal = this.#reconcileTimeoutMs === undefined ? stopSignal : AbortSignal.any([stopSignal, AbortSignal.timeout(this.#reconcileTimeoutMs)]);
    const started = performance.now();
    let result: ReconcileResult;
    try {
      result = await this.#reconciler.reconcile(key, signal);
    } catch (error) {
      this.#metrics?.reconcileDuration.observe(labels, (performance.now() - started) / 1000);
      this.#metrics?.reconcileErrors.inc(labels);
      // Not a failure of the object: the controller is stopping, and its next run queues every object again.
      if (stopSignal.aborted) {
        this.#logger.debug({ key, err: error }, 'reconcile aborted by stop');
        return;
      }
      // The controller name comes with the logger's bindings. Attempts count from 1 since the key last succeeded.
      const attempt = queue.numRequeues(key) + 1;
      if (isTerminalError(error)) {
        this.#metrics?.reconcileTotal.inc({ ...labels, result: 'terminal_error' });
        this.#logger.error({ key, attempt, err: error }, 'reconcile failed with a terminal error; not retrying until the object changes');
        queue.forget(key);
        return;
      }
      this.#metrics?.reconcileTotal.inc({ ...labels, result: 'error' });
      // Every failed attempt is a warning, the first as much as the tenth: the first failure of a key usually explains
      // the ones after it, and a level that rose with the attempt count hid exactly that line. The volume stays sane
      // without levels: a conflict that one retry fixes costs one line, and a key that keeps failing is held back by
      // its exponential backoff, so it logs at most once per maximum backoff delay once it persists.
      this.#logger.warn({ key, attempt, err: error }, 'reconcile failed; retrying with backoff');
      queue.addRateLimited(key);
      return;
    }
    this.#metrics?.reconcileDuration.observe(labels, (performance.now() - started) / 1000);
    queue.forget(key);
    const after = result.requeueAfter;
    if (after !== undefined && after > 0) {
      this.#metrics?.reconcileTotal.inc({ ...labels, result: 'requeue_after' });
      queue.addAfter(key, after);
    } else {
      this.#metrics?.reconcileTotal.inc({ ...labels, result: 'success' });
    }
  }

  #watch<T extends KubeObject>(
    informer: Informer<T>,
    filter: EventFilter<T>,
    keysOf: (obj: DeepReadonly<T>) => readonly string[],
  ): void {
    this.#sources.push(informer as unknown as Informer);
    const pass = (obj: DeepReadonly<T>): boolean => filter.filter?.(obj) ?? true;
    const enqueueFor = (obj: DeepReadonly<T>): void => {
      const queue = this.#queue;
      if (queue === undefined || !pass(obj)) return;
      for (const key of keysOf(obj)) queue.add(key);
    };
    informer.addEventHandler({
      onAdd: enqueueFor,
      onUpdate: (oldObj, newObj) => {
        if (this.#queue === undefined) return;
        if (filter.updateFilter !== undefined && !filter.updateFilter(oldObj, newObj)) return;
        // Both sides: an owned object that moved to another owner must wake the old owner as well.
        enqueueFor(oldObj);
        enqueueFor(newObj);
      },
      onDelete: enqueueFor,
    });
  }
}

/** True if the promise settled within ms. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => { resolve(false); }, ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

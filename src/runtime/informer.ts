/**
 * A shared informer: one LIST+WATCH per resource type feeding a frozen in-memory cache and event handlers.
 *
 * Unlike client-node's makeInformer it: lists in pages; watches with bookmarks from the list's resourceVersion;
 * re-lists on 410 Gone; restarts on every other error or stream end with backoff and never gives up; keeps all
 * objects as the raw JSON the server sent (no Date objects), with managedFields stripped and an optional transform;
 * deep-freezes cached objects so handlers cannot corrupt them; and reports its health for /readyz.
 * resourceVersion is opaque: it is only passed back to the server and compared for equality.
 */
import type { Logger } from 'pino';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { sleepUntilAborted, systemClock, type Clock, type Timer } from './clock.ts';
import { silentLogger } from './logger.ts';
import { deepFreeze, keyOf, objectKey, type DeepReadonly, type KubeObject } from './objects.ts';
import { KubeApiError, WatchInactivityError, isApiError, isGone, isNotFound, resourcePath, type KubeClient, type KubeStatus, type WatchEvent } from './rest.ts';
import { Store, type IndexFunc } from './store.ts';

export interface ResourceType {
  /** "v1", "apps/v1", "aviary.dev/v1alpha1". */
  apiVersion: string;
  kind: string;
  /** The resource name in URLs: "configmaps". */
  plural: string;
  /** Default true. */
  namespaced?: boolean;
}

export interface InformerOptions<T extends KubeObject> {
  resource: ResourceType;
  /** Watch one namespace only; default all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Runs on every object after managedFields are stripped and before it is frozen and cached: drop bulk here. */
  transform?: (obj: T) => T;
  indexers?: Record<string, IndexFunc<T>>;
  /** LIST page size. Default 500. */
  pageSize?: number;
  /** Periodically replay every cached object to onUpdate(obj, obj). Default off. */
  resyncPeriodMs?: number;
  /** Server-side watch timeout, randomised in [t, 2t) so that informers do not reconnect in step. Default 300. */
  watchTimeoutSeconds?: number;
  /**
   * Abort a watch that delivers nothing (not even a bookmark, which the API server sends about every minute) for
   * this long; it resumes from the last resourceVersion. Catches connections that died without a reset. Default 3 min.
   */
  inactivityTimeoutMs?: number;
  backoff?: BackoffOptions;
  logger?: Logger;
  clock?: Clock;
  /** Called for every restart of the list/watch loop after an error. */
  onRestart?: (error: unknown) => void;
  /**
   * The kind may not be served (a provider's CRD that is not installed) or readable (RBAC): a 404 or 403 on LIST then counts as an empty,
   * synced list — so the controller starts and every other object is reconciled — and the LIST is retried every
   * this many milliseconds until the kind appears. Unset: a 404 is an error like any other.
   */
  absentRetryMs?: number;
}

export interface EventHandler<T> {
  onAdd?(obj: DeepReadonly<T>): void;
  onUpdate?(oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>): void;
  /** Receives the object's final state as the watch reported it (or its last cached state after a re-list). */
  onDelete?(obj: DeepReadonly<T>): void;
}

export interface InformerHealth {
  /** e.g. "configmaps.v1 in rt-1 (app=web)". */
  name: string;
  synced: boolean;
  /** A watch stream is open. */
  watching: boolean;
  /** Since when no watch has been open (ISO time), while not watching. */
  disconnectedSince?: string;
  /** Restarts of the list/watch loop since start: errors, 410 Gone, broken or silent connections. */
  restarts: number;
  relists: number;
  lastError?: { message: string; at: string };
  resourceVersion?: string;
  objects: number;
}

interface ListBody {
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: Record<string, unknown>[];
}

/** Asked for by restartWatch(): ends the stream like a broken connection would. */
class WatchRestartRequested extends Error {}

export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceType;
  readonly namespace: string | undefined;
  readonly labelSelector: string | undefined;
  readonly fieldSelector: string | undefined;
  readonly name: string;

  readonly #client: KubeClient;
  readonly #store: Store<T>;
  readonly #transform: ((obj: T) => T) | undefined;
  readonly #pageSize: number;
  readonly #watchTimeoutSeconds: number;
  readonly #inactivityTimeoutMs: number;
  readonly #resyncPeriodMs: number;
  readonly #backoff: Backoff;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #onRestart: ((error: unknown) => void) | undefined;
  readonly #path: string;
  readonly #absentRetryMs: number | undefined;

  #handlers: EventHandler<T>[] = [];
  #running: Promise<void> | undefined;
  #stop = new AbortController();
  #watchAbort: AbortController | undefined;
  #resyncTimer: Timer | undefined;

  #synced = false;
  #syncWaiters: { resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal | undefined; onAbort: () => void }[] = [];
  #watching = false;
  #disconnectedSince: number;
  #restarts = 0;
  #relists = 0;
  #lastError: { message: string; at: number } | undefined;
  #resourceVersion: string | undefined;
  #absent = false;

  constructor(client: KubeClient, options: InformerOptions<T>) {
    this.#client = client;
    this.resource = options.resource;
    this.namespace = options.resource.namespaced === false ? undefined : options.namespace;
    this.labelSelector = emptyToUndefined(options.labelSelector);
    this.fieldSelector = emptyToUndefined(options.fieldSelector);
    this.#store = new Store<T>(options.indexers);
    this.#transform = options.transform;
    this.#pageSize = options.pageSize ?? 500;
    this.#watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    this.#inactivityTimeoutMs = options.inactivityTimeoutMs ?? 3 * 60_000;
    this.#resyncPeriodMs = options.resyncPeriodMs ?? 0;
    this.#backoff = new Backoff({ initialMs: 500, maxMs: 30_000, ...options.backoff });
    this.#clock = options.clock ?? systemClock;
    this.#onRestart = options.onRestart;
    this.#absentRetryMs = options.absentRetryMs;
    this.#path = resourcePath(options.resource.apiVersion, options.resource.plural, this.namespace);
    this.name = describe(options.resource, this.namespace, this.labelSelector, this.fieldSelector);
    this.#logger = (options.logger ?? silentLogger()).child({ informer: this.name });
    this.#disconnectedSince = this.#clock.now();
  }

  /** Starts listing and watching in the background; safe to call more than once. */
  start(): void {
    if (this.#running !== undefined) return;
    this.#stop = new AbortController();
    this.#running = this.#run();
    if (this.#resyncPeriodMs > 0) this.#scheduleResync();
  }

  /** Stops the watch; the cache keeps its last contents. */
  async stop(): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    this.#stop.abort(new Error('informer stopped'));
    this.#resyncTimer?.cancel();
    await running;
    this.#running = undefined;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** The last LIST found the kind not served or not readable (404 or 403; only with absentRetryMs). */
  isAbsent(): boolean {
    return this.#absent;
  }

  /** Resolves once the first LIST has been applied; rejects if the signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason as Error);
        return;
      }
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#syncWaiters = this.#syncWaiters.filter((w) => w !== waiter);
          reject(signal?.reason as Error);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#syncWaiters.push(waiter);
    });
  }

  /** Cached object by "namespace/name" (or "name" for cluster-scoped resources). */
  get(key: string): DeepReadonly<T> | undefined {
    return this.#store.get(key);
  }

  getByName(namespace: string | undefined, name: string): DeepReadonly<T> | undefined {
    return this.#store.get(keyOf(namespace, name));
  }

  list(namespace?: string): DeepReadonly<T>[] {
    return this.#store.list(namespace);
  }

  keys(): string[] {
    return this.#store.keys();
  }

  get size(): number {
    return this.#store.size;
  }

  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    return this.#store.byIndex(indexName, value);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#store.addIndexer(name, fn);
  }

  /**
   * Registers handlers; returns a function that removes them. Handlers run synchronously on the informer's loop:
   * keep them cheap (enqueue a key). If the informer has synced already, onAdd is called at once for every cached
   * object so a late subscriber sees the same world as an early one.
   */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.#handlers = [...this.#handlers, handler];
    if (this.#synced && handler.onAdd !== undefined) {
      for (const obj of this.#store.list()) this.#call(() => handler.onAdd?.(obj));
    }
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  onAdd(fn: (obj: DeepReadonly<T>) => void): () => void {
    return this.addEventHandler({ onAdd: fn });
  }

  onUpdate(fn: (oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>) => void): () => void {
    return this.addEventHandler({ onUpdate: fn });
  }

  onDelete(fn: (obj: DeepReadonly<T>) => void): () => void {
    return this.addEventHandler({ onDelete: fn });
  }

  /**
   * Breaks the current watch as a dropped connection would; the informer resumes from its last resourceVersion.
   * Test seam: fromResourceVersion makes it resume from that version instead (an old one provokes 410 Gone).
   */
  restartWatch(options: { fromResourceVersion?: string } = {}): void {
    if (options.fromResourceVersion !== undefined) this.#resourceVersion = options.fromResourceVersion;
    this.#watchAbort?.abort(new WatchRestartRequested('watch restart requested'));
  }

  health(): InformerHealth {
    const health: InformerHealth = {
      name: this.name,
      synced: this.#synced,
      watching: this.#watching,
      restarts: this.#restarts,
      relists: this.#relists,
      objects: this.#store.size,
    };
    if (!this.#watching) health.disconnectedSince = new Date(this.#disconnectedSince).toISOString();
    if (this.#lastError !== undefined) {
      health.lastError = { message: this.#lastError.message, at: new Date(this.#lastError.at).toISOString() };
    }
    if (this.#resourceVersion !== undefined) health.resourceVersion = this.#resourceVersion;
    return health;
  }

  /** Milliseconds since the last watch closed, or 0 while watching. */
  disconnectedForMs(): number {
    return this.#watching ? 0 : this.#clock.now() - this.#disconnectedSince;
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    let needList = true;
    let watchFailures = 0;
    let lastListAt = -Infinity;
    while (!stop.aborted) {
      try {
        if (needList) {
          if (!(await this.#listOrAbsent(stop))) {
            await sleepUntilAborted(this.#clock, this.#absentRetryMs ?? 0, stop);
            continue;
          }
          lastListAt = this.#clock.now();
          needList = false;
        }
        const startedAt = this.#clock.now();
        const received = await this.#watchOnce(stop);
        watchFailures = 0;
        // A normal end (the server's timeoutSeconds): resume at once. A stream that closes immediately with
        // nothing in it is treated as a failure so that a misbehaving server cannot make this loop spin.
        if (received > 0 || this.#clock.now() - startedAt >= 1000) {
          this.#backoff.reset();
          continue;
        }
        await sleepUntilAborted(this.#clock, this.#backoff.next(), stop);
      } catch (error) {
        this.#setWatching(false);
        // Re-read through a call: the loop condition narrowed `stop.aborted` to false, but awaits changed it.
        if (isAborted(stop)) break;
        this.#restarts++;
        this.#onRestart?.(error);
        if (error instanceof WatchRestartRequested) {
          this.#logger.info('watch restart requested; resuming from the last resourceVersion');
          continue;
        }
        if (error instanceof WatchInactivityError) {
          // The API server sends a bookmark about every minute, so silence means a dead connection, not an error
          // of ours or the server's: reconnect at once.
          this.#logger.info('watch silent for too long; reconnecting');
          continue;
        }
        this.#lastError = { message: error instanceof Error ? error.message : String(error), at: this.#clock.now() };
        if (isGone(error)) {
          // The resourceVersion is too old for the server's watch cache: only a fresh LIST can resync.
          this.#logger.info({ err: this.#lastError.message }, 'resourceVersion expired; re-listing');
          needList = true;
          watchFailures = 0;
          // Gone right after a fresh list means the server is unwell; back off instead of listing in a tight loop.
          if (this.#clock.now() - lastListAt < 5000) await sleepUntilAborted(this.#clock, this.#backoff.next(), stop);
          continue;
        }
        watchFailures++;
        // A watch that keeps failing from the same resourceVersion may be stuck on it; a re-list starts clean.
        if (!needList && watchFailures >= 3) {
          needList = true;
          watchFailures = 0;
        }
        const delay = this.#backoff.next();
        this.#logger.warn({ err: this.#lastError.message, retryInMs: delay, needList }, 'list/watch failed; retrying');
        await sleepUntilAborted(this.#clock, delay, stop);
      }
    }
    this.#setWatching(false);
  }

  /** Lists; false when the kind is not served and absentRetryMs allows that (the cache is then empty and synced). */
  async #listOrAbsent(signal: AbortSignal): Promise<boolean> {
    try {
      await this.#list(signal);
      if (this.#absent) this.#logger.info('the kind is served now');
      this.#absent = false;
      return true;
    } catch (error) {
      // Forbidden counts as absent too: a kind the controller may not read must not keep every other object waiting.
      if (this.#absentRetryMs === undefined || !(isNotFound(error) || isApiError(error, 403))) throw error;
      if (!this.#absent) this.#logger.warn({ retryInMs: this.#absentRetryMs, err: error instanceof Error ? error.message : String(error) }, 'the kind cannot be listed (CRD not installed, or RBAC); treating it as empty');
      this.#absent = true;
      this.#replace([], undefined);
      return false;
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const items: DeepReadonly<T>[] = [];
    let resourceVersion: string | undefined;
    let continueToken: string | undefined;
    let limit: number | undefined = this.#pageSize;
    for (;;) {
      let page: ListBody;
      try {
        page = await this.#client.get<ListBody>(
          this.#path,
          { limit, continue: continueToken, labelSelector: this.labelSelector, fieldSelector: this.fieldSelector },
          signal,
        );
      } catch (error) {
        if (continueToken !== undefined && isGone(error)) {
          // The continue token outlived the server's compaction window: start over with one unpaginated list.
          items.length = 0;
          continueToken = undefined;
          limit = undefined;
          continue;
        }
        throw error;
      }
      for (const raw of page.items ?? []) items.push(this.#normalise(raw));
      resourceVersion = page.metadata?.resourceVersion;
      continueToken = emptyToUndefined(page.metadata?.continue);
      if (continueToken === undefined) break;
    }
    this.#replace(items, resourceVersion);
  }

  /** Applies a full list: adds new objects, updates changed ones, deletes those that disappeared. */
  #replace(items: DeepReadonly<T>[], resourceVersion: string | undefined): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.#store.get(key);
      if (old !== undefined && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.#store.upsert(obj);
      if (old === undefined) this.#dispatchAdd(obj);
      else this.#dispatchUpdate(old, obj);
    }
    for (const key of this.#store.keys()) {
      if (seen.has(key)) continue;
      const old = this.#store.delete(key);
      if (old !== undefined) this.#dispatchDelete(old);
    }
    this.#resourceVersion = resourceVersion;
    if (this.#synced) this.#relists++;
    this.#logger.debug({ objects: items.length, resourceVersion }, 'listed');
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const waiter of waiters) {
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.resolve();
      }
    }
  }

  async #watchOnce(stop: AbortSignal): Promise<number> {
    const abort = new AbortController();
    this.#watchAbort = abort;
    let received = 0;
    const timeoutSeconds = Math.floor(this.#watchTimeoutSeconds * (1 + Math.random()));
    try {
      await this.#client.watch<Record<string, unknown>>(
        {
          path: this.#path,
          query: {
            resourceVersion: this.#resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds,
            labelSelector: this.labelSelector,
            fieldSelector: this.fieldSelector,
          },
          signal: AbortSignal.any([stop, abort.signal]),
          inactivityTimeoutMs: this.#inactivityTimeoutMs,
          onOpen: () => {
            this.#setWatching(true);
          },
        },
        (event) => {
          received++;
          this.#apply(event);
        },
      );
    } catch (error) {
      // An abort surfaces as a generic AbortError; report why the watch was aborted instead.
      if (abort.signal.aborted && abort.signal.reason instanceof WatchRestartRequested) throw abort.signal.reason;
      throw error;
    } finally {
      this.#watchAbort = undefined;
    }
    this.#setWatching(false);
    return received;
  }

  #apply(event: WatchEvent<Record<string, unknown>>): void {
    if (event.type === 'ERROR') {
      const status = event.object as KubeStatus;
      throw new KubeApiError(status.code ?? 500, status, {}, `watch ${this.name}`);
    }
    const rv = (event.object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv !== undefined) this.#resourceVersion = rv;
      return;
    }
    const obj = this.#normalise(event.object);
    const key = objectKey(obj);
    if (event.type === 'DELETED') {
      this.#store.delete(key);
      this.#dispatchDelete(obj);
    } else {
      const old = this.#store.upsert(obj);
      if (old === undefined) this.#dispatchAdd(obj);
      else this.#dispatchUpdate(old, obj);
    }
    if (rv !== undefined) this.#resourceVersion = rv;
  }

  #normalise(raw: Record<string, unknown>): DeepReadonly<T> {
    // List items of built-in kinds come without apiVersion and kind; handlers should not have to care.
    const obj = { apiVersion: this.resource.apiVersion, kind: this.resource.kind, ...raw } as Record<string, unknown>;
    const metadata = obj.metadata as Record<string, unknown> | undefined;
    if (metadata !== undefined) delete metadata.managedFields;
    const shaped = this.#transform === undefined ? (obj as T) : this.#transform(obj as T);
    return deepFreeze(shaped);
  }

  #setWatching(watching: boolean): void {
    if (this.#watching === watching) return;
    this.#watching = watching;
    if (!watching) this.#disconnectedSince = this.#clock.now();
  }

  #dispatchAdd(obj: DeepReadonly<T>): void {
    for (const h of this.#handlers) if (h.onAdd !== undefined) this.#call(() => h.onAdd?.(obj));
  }

  #dispatchUpdate(oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>): void {
    for (const h of this.#handlers) if (h.onUpdate !== undefined) this.#call(() => h.onUpdate?.(oldObj, newObj));
  }

  #dispatchDelete(obj: DeepReadonly<T>): void {
    for (const h of this.#handlers) if (h.onDelete !== undefined) this.#call(() => h.onDelete?.(obj));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      // One faulty handler must neither break the cache nor starve the other handlers.
      this.#logger.error({ err: error }, 'event handler threw');
    }
  }

  #scheduleResync(): void {
    this.#resyncTimer = this.#clock.setTimer(() => {
      if (this.#stop.signal.aborted) return;
      if (this.#synced) for (const obj of this.#store.list()) this.#dispatchUpdate(obj, obj);
      this.#scheduleResync();
    }, this.#resyncPeriodMs);
  }
}

export interface InformerFactoryOptions {
  logger?: Logger;
  clock?: Clock;
  /** Called when any informer restarts after an error, with the informer's resource plural. */
  onRestart?: (informer: Informer, error: unknown) => void;
}

/**
 * Hands out one informer per (resource, namespace, selectors), so every controller that needs ConfigMaps shares one
 * watch and one cache. Informers requested after start() are started at once.
 */
export class InformerFactory {
  readonly #client: KubeClient;
  readonly #options: InformerFactoryOptions;
  readonly #informers = new Map<string, Informer>();
  #started = false;

  constructor(client: KubeClient, options: InformerFactoryOptions = {}) {
    this.#client = client;
    this.#options = options;
  }

  /**
   * The shared informer for these options. The first caller's transform, page size and timeouts apply; indexers
   * from later callers are added to the shared cache.
   */
  informer<T extends KubeObject>(options: InformerOptions<T>): Informer<T> {
    const key = [
      options.resource.apiVersion,
      options.resource.plural,
      options.resource.namespaced === false ? '' : (options.namespace ?? ''),
      options.labelSelector ?? '',
      options.fieldSelector ?? '',
    ].join('|');
    let informer = this.#informers.get(key) as Informer<T> | undefined;
    if (informer === undefined) {
      const onRestart = this.#options.onRestart;
      const created: Informer<T> = new Informer<T>(this.#client, {
        logger: this.#options.logger,
        clock: this.#options.clock,
        ...options,
        onRestart: (error) => {
          options.onRestart?.(error);
          onRestart?.(created as unknown as Informer, error);
        },
      });
      informer = created;
      this.#informers.set(key, informer as unknown as Informer);
      if (this.#started) informer.start();
    } else {
      for (const [name, fn] of Object.entries(options.indexers ?? {})) informer.addIndexer(name, fn);
    }
    return informer;
  }

  all(): Informer[] {
    return [...this.#informers.values()];
  }

  start(): void {
    this.#started = true;
    for (const informer of this.#informers.values()) informer.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all([...this.#informers.values()].map((informer) => informer.stop()));
  }

  /** Resolves once every informer has synced. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.#informers.values()].map((informer) => informer.waitForSync(signal)));
  }

  hasSynced(): boolean {
    return [...this.#informers.values()].every((informer) => informer.hasSynced());
  }

  health(): InformerHealth[] {
    return [...this.#informers.values()].map((informer) => informer.health());
  }
}

function describe(resource: ResourceType, namespace?: string, labelSelector?: string, fieldSelector?: string): string {
  const group = resource.apiVersion.includes('/') ? resource.apiVersion.replace('/', '.') : resource.apiVersion;
  const where = namespace === undefined ? '' : ` in ${namespace}`;
  const selectors = [labelSelector, fieldSelector].filter((s) => s !== undefined).join(', ');
  return `${resource.plural}.${group}${where}${selectors === '' ? '' : ` (${selectors})`}`;
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, slim, type KubeClient } from './client.ts';
import type { KObject } from './model.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type Listener = (type: ChangeType, obj: KObject) => void;

export interface WatchKey {
  /** Collection path, namespace-scoped. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export function keyString(key: WatchKey): string {
  return `${key.path}?l=${key.labelSelector ?? ''}&f=${key.fieldSelector ?? ''}`;
}

const identity = (obj: KObject): string => obj.metadata?.uid ?? `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/**
 * List, then watch from the list's resourceVersion; on any end of the watch, resume from the last version seen (and
 * relist when the server says that version is gone). Keeps a cache of the objects and tells listeners about every
 * change, including the differences a relist reveals. Never polls.
 */
export class Informer {
  readonly key: WatchKey;
  private readonly client: KubeClient;
  private readonly cache = new Map<string, KObject>();
  private readonly listeners = new Set<Listener>();
  private resourceVersion = '';
  private stopped = false;
  private controller?: AbortController;
  private readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  private rejectSynced!: (error: unknown) => void;
  private isSynced = false;
  private started = false;
  /** Watch restarts so far (for diagnostics and tests). */
  restarts = 0;
  private readonly onError: (message: string) => void;

  constructor(client: KubeClient, key: WatchKey, onError: (message: string) => void = () => undefined) {
    this.client = client;
    this.key = key;
    this.onError = onError;
    this.synced = new Promise((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // A rejection before anyone awaits `synced` must not crash the process; `start()` hands it to the caller.
    this.synced.catch(() => undefined);
  }

  /** Starts listing and watching; resolves once the first list is in the cache, rejects if that first list fails. */
  start(): Promise<void> {
    if (this.started) return this.synced;
    this.started = true;
    void this.run().catch((error: unknown) => {
      // `run` handles its own errors; reaching here is a bug worth seeing rather than a silent stall.
      this.onError(`watch ${this.key.path} stopped: ${errorMessage(error)}`);
    });
    return this.synced;
  }

  /** Read through a method: `stop()` may run while a watch is awaited, which flow analysis cannot see. */
  private isStopped(): boolean {
    return this.stopped;
  }

  /** Settles when the first list is in (or failed). */
  whenSynced(): Promise<void> {
    return this.synced;
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  items(): KObject[] {
    return [...this.cache.values()];
  }

  private emit(type: ChangeType, obj: KObject): void {
    for (const l of this.listeners) l(type, obj);
  }

  private async relist(): Promise<void> {
    const query = { labelSelector: this.key.labelSelector, fieldSelector: this.key.fieldSelector };
    const list = await this.client.list(this.key.path, query);
    const seen = new Set<string>();
    for (const obj of list.items) {
      const id = identity(obj);
      seen.add(id);
      const before = this.cache.get(id);
      this.cache.set(id, obj);
      if (before === undefined) this.emit('ADDED', obj);
      else if (before.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('MODIFIED', obj);
    }
    for (const [id, obj] of this.cache) {
      if (!seen.has(id)) {
        this.cache.delete(id);
        this.emit('DELETED', obj);
      }
    }
    this.resourceVersion = list.resourceVersion;
  }

  private async run(): Promise<void> {
    let needList = true;
    let backoff = 100;
    while (!this.stopped) {
      if (needList) {
        try {
          await this.relist();
          needList = false;
          if (!this.isSynced) {
            this.isSynced = true;
            this.resolveSynced();
          }
        } catch (error) {
          if (!this.isSynced) {
            this.rejectSynced(error);
            return;
          }
          this.onError(`list ${this.key.path} failed, retrying: ${errorMessage(error)}`);
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 5_000);
          continue;
        }
      }
      const outcome = await this.watchOnce();
      if (this.isStopped()) return;
      this.restarts++;
      if (outcome.gone) needList = true;
      if (outcome.delivered) backoff = 100;
      if (outcome.error !== undefined && !outcome.delivered) {
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /** One watch request, until the server or the client ends it. */
  private watchOnce(): Promise<{ gone: boolean; delivered: boolean; error?: unknown }> {
    return new Promise((resolve) => {
      let gone = false;
      let delivered = false;
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: this.key.labelSelector,
        fieldSelector: this.key.fieldSelector,
      };
      const onEvent = (type: string, raw: unknown): void => {
        const obj = raw as KObject & { code?: number; message?: string };
        if (type === 'BOOKMARK') {
          this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
          return;
        }
        if (type === 'ERROR') {
          if (obj.code === 410) gone = true;
          return;
        }
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
        delivered = true;
        slim(obj);
        this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
        const id = identity(obj);
        if (type === 'DELETED') this.cache.delete(id);
        else this.cache.set(id, obj);
        this.emit(type, obj);
      };
      const onDone = (error: unknown): void => {
        const status = (error as { statusCode?: number } | null)?.statusCode;
        if (status === 410) gone = true;
        // client-node ends a watch that has been quiet for a while; that is a normal end, resumed at once.
        const quiet = error instanceof Error && error.name === 'TimeoutError';
        resolve({ gone, delivered, error: error === null || quiet ? undefined : error });
      };
      this.client.watch(this.key.path, query, onEvent, onDone).then(
        (controller) => {
          this.controller = controller;
          if (this.stopped) controller.abort();
        },
        (error: unknown) => {
          resolve({ gone, delivered, error });
        },
      );
    });
  }
}

/** Shares one informer among all who ask for the same collection, selector and field selector. */
export class WatchHub {
  private readonly client: KubeClient;
  private readonly informers = new Map<string, Informer>();
  private readonly onError: (message: string) => void;
  private stopped = false;

  constructor(client: KubeClient, onError: (message: string) => void) {
    this.client = client;
    this.onError = onError;
  }

  /** The informer for a key, started on first use; the promise settles when its first list is in. */
  async informer(key: WatchKey): Promise<Informer> {
    if (this.stopped) throw new Error('tracking has ended');
    const k = keyString(key);
    let informer = this.informers.get(k);
    if (informer === undefined) {
      informer = new Informer(this.client, key, this.onError);
      this.informers.set(k, informer);
      try {
        await informer.start();
      } catch (error) {
        this.informers.delete(k);
        informer.stop();
        throw error;
      }
      // Tracking may have ended while the first list was in flight.
      if (this.isStopped()) informer.stop();
      return informer;
    }
    await informer.whenSynced();
    return informer;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  stopAll(): void {
    this.stopped = true;
    for (const i of this.informers.values()) i.stop();
    this.informers.clear();
  }
}

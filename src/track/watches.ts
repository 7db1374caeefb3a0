/**
 * The tracker's watches: one runtime Informer (src/runtime/informer.ts — list, then watch with bookmarks from the
 * list's resourceVersion, re-list on 410 Gone, restart with backoff, never poll) per collection and selectors, shared
 * by every tracked resource that needs it. What the tracker adds: the first list is a verdict — a watch that cannot
 * list (Forbidden, a kind that is not served) fails the request for it instead of retrying in the background — and
 * later failures the API server reports are shown as notices while the informer retries.
 */
import type { Clock } from '../runtime/clock.ts';
import { Informer, type ResourceType } from '../runtime/informer.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { isApiError, isGone, type KubeClient } from '../runtime/rest.ts';
import type { KObject } from './model.ts';
import { errorMessage, slim } from './reads.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type Listener = (type: ChangeType, obj: KObject) => void;

export interface WatchSpec {
  resource: ResourceType;
  /** Undefined for all namespaces (and for cluster-scoped resources). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * What a tracked resource reads of one watch: the objects it holds, and every change to them. The informer holds
 * them as the API server's JSON, frozen; here they are handed out as the tracker's loose types, which rules only read.
 */
export interface Watched {
  /** The cached objects. They are frozen: rules read them and never write. */
  items<T extends KObject = KObject>(): T[];
  /** Calls the listener for every change (and at once, as ADDED, for every object already held). */
  subscribe(listener: Listener): () => void;
}

/** CI waits on these: retry quickly, and never wait long between attempts. */
const backoff = { initialMs: 100, maxMs: 5_000 };

class SharedWatch implements Watched {
  readonly informer: Informer;
  readonly synced: Promise<void>;
  readonly #failFirstList: (error: unknown) => void;

  constructor(client: KubeClient, spec: WatchSpec, clock: Clock, onError: (message: string) => void) {
    let failFirstList: (error: unknown) => void = () => undefined;
    const informer: Informer = new Informer(client, {
      ...spec,
      transform: (obj: KubeObject) => slim(obj as KObject) as KubeObject,
      clock,
      backoff,
      onRestart: (error) => {
        if (!informer.hasSynced()) {
          failFirstList(error);
          return;
        }
        // Connection trouble is retried silently, as kubectl does; what the API server refuses is worth a line.
        if (isApiError(error) && !isGone(error)) onError(`watch ${informer.name} failed, retrying: ${errorMessage(error)}`);
      },
    });
    this.informer = informer;
    this.synced = new Promise<void>((resolve, reject) => {
      failFirstList = reject;
      informer.waitForSync().then(resolve, reject);
    });
    this.#failFirstList = failFirstList;
    // A rejection before anyone awaits `synced` must not crash the process; the hub hands it to the caller.
    this.synced.catch(() => undefined);
  }

  /** Stops the informer; a first list still in flight fails (a stopped informer would never sync). */
  async stop(): Promise<void> {
    this.#failFirstList(new Error('tracking has ended'));
    await this.informer.stop();
  }

  items<T extends KObject = KObject>(): T[] {
    return this.informer.list() as unknown as T[];
  }

  subscribe(listener: Listener): () => void {
    return this.informer.addEventHandler({
      onAdd: (obj) => { listener('ADDED', obj as unknown as KObject); },
      onUpdate: (_old, obj) => { listener('MODIFIED', obj as unknown as KObject); },
      onDelete: (obj) => { listener('DELETED', obj as unknown as KObject); },
    });
  }
}

function keyOf(spec: WatchSpec): string {
  const r = spec.resource;
  return [r.apiVersion, r.plural, spec.namespace ?? '', spec.labelSelector ?? '', spec.fieldSelector ?? ''].join('|');
}

/** Shares one watch among all who ask for the same collection, label selector and field selector. */
export class WatchHub {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #onError: (message: string) => void;
  readonly #watches = new Map<string, SharedWatch>();
  #stopped = false;

  constructor(client: KubeClient, clock: Clock, onError: (message: string) => void) {
    this.#client = client;
    this.#clock = clock;
    this.#onError = onError;
  }

  /** The watch for a spec, started on first use; resolves once its first list is in, rejects if that list failed. */
  async watch(spec: WatchSpec): Promise<Watched> {
    if (this.#stopped) throw new Error('tracking has ended');
    const key = keyOf(spec);
    let shared = this.#watches.get(key);
    if (shared === undefined) {
      const created = new SharedWatch(this.#client, spec, this.#clock, this.#onError);
      shared = created;
      this.#watches.set(key, created);
      created.informer.start();
      try {
        await created.synced;
      } catch (error) {
        // Forget it, so that a later request lists afresh instead of inheriting this failure.
        if (this.#watches.get(key) === created) this.#watches.delete(key);
        await created.stop();
        throw error;
      }
      return created;
    }
    await shared.synced;
    return shared;
  }

  /** Stops every watch; later requests fail. */
  async stopAll(): Promise<void> {
    this.#stopped = true;
    const all = [...this.#watches.values()];
    this.#watches.clear();
    await Promise.all(all.map((w) => w.stop()));
  }
}

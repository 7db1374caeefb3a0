/**
 * Records core/v1 Events about objects, like client-go's EventRecorder: a repeat of the same (object, type, reason,
 * message) within the aggregation window increments count and lastTimestamp on the existing Event instead of
 * creating another, so a reconcile loop that keeps failing the same way costs one Event, not thousands. While a write
 * for an Event is in flight, further repeats are folded into the next patch.
 *
 * Recording never throws and never waits: a failed write is logged and dropped, because an Event is a courtesy to
 * the user and must not fail or slow down a reconcile. Writes in flight are bounded; the rest wait their turn in
 * order: a controller starting with thousands of objects records one Event each, and writing them all at once cost
 * hundreds of MiB of request buffers and sockets and stalled the event loop for seconds.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import { silentLogger } from './logger.ts';
import type { DeepReadonly, KubeObject } from './objects.ts';
import { isNotFound, PatchType, resourcePath, type KubeClient } from './rest.ts';
import { formatTime } from './time.ts';

export type EventType = 'Normal' | 'Warning';

/** core/v1 ObjectReference fields that identify the object an Event is about. */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventRecorderOptions {
  client: KubeClient;
  /** source.component and reportingComponent. Default "aviary-controller". */
  component?: string;
  /** reportingInstance; default the hostname (the pod name in a cluster). */
  reportingInstance?: string;
  logger?: Logger;
  clock?: Clock;
  /** Repeats within this time of the previous occurrence are aggregated. Default 10 minutes. */
  aggregationWindowMs?: number;
  /** Aggregation entries kept (least recently used are dropped). Default 4096: memory stays flat. */
  maxEntries?: number;
  /** Event writes in flight at once. Default 16. */
  maxInFlight?: number;
}

/** The aggregation state of one recorded Event. */
export interface EventAggregate {
  count: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/**
 * Identity of an occurrence for aggregation: the object (by uid; by kind/namespace/name when it has none), the type,
 * the reason and the exact message.
 */
export function eventAggregationKey(object: InvolvedObject, type: EventType, reason: string, message: string): string {
  const identity = object.uid !== undefined && object.uid !== '' ? object.uid : `${object.apiVersion ?? ''}/${object.kind ?? ''}/${object.namespace ?? ''}/${object.name ?? ''}`;
  return JSON.stringify([identity, type, reason, message]);
}

/** Whether an occurrence at `now` extends the existing aggregate or starts a new Event. */
export function planEvent(existing: EventAggregate | undefined, now: number, windowMs: number): 'create' | 'increment' {
  if (existing === undefined) return 'create';
  return now - existing.lastTimestamp <= windowMs && now >= existing.firstTimestamp ? 'increment' : 'create';
}

/** Limits from the API server's Event validation and client-go's recorder. */
const maxMessageLength = 1024;
const maxReasonLength = 128;

interface Entry extends EventAggregate {
  key: string;
  name: string;
  namespace: string;
  object: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  created: boolean;
  /** The count the API server has acknowledged. */
  written: number;
  /** A write is in flight or waiting for a slot. */
  writing: boolean;
}

export class EventRecorder {
  readonly component: string;
  readonly reportingInstance: string;
  readonly #client: KubeClient;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #maxInFlight: number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Set<Promise<void>>();
  /** Entries waiting for a write slot, oldest first. */
  readonly #waiting: Entry[] = [];
  #seq = 0;

  constructor(options: EventRecorderOptions) {
    this.#client = options.client;
    this.component = options.component ?? 'aviary-controller';
    this.reportingInstance = options.reportingInstance ?? hostname();
    this.#logger = (options.logger ?? silentLogger()).child({ component: 'events' });
    this.#clock = options.clock ?? systemClock;
    this.#windowMs = options.aggregationWindowMs ?? 10 * 60_000;
    this.#maxEntries = options.maxEntries ?? 4096;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 16);
  }

  normal(object: KubeObject | DeepReadonly<KubeObject> | InvolvedObject, reason: string, message: string): void {
    this.event(object, 'Normal', reason, message);
  }

  warning(object: KubeObject | DeepReadonly<KubeObject> | InvolvedObject, reason: string, message: string): void {
    this.event(object, 'Warning', reason, message);
  }

  /** Records an Event about the object (a full object or an ObjectReference). Returns at once; never throws. */
  event(object: KubeObject | DeepReadonly<KubeObject> | InvolvedObject, type: EventType, reason: string, message: string): void {
    try {
      const ref = involvedObject(object);
      if (ref.name === undefined || ref.name === '') throw new Error('the object has no name');
      const clippedReason = reason.slice(0, maxReasonLength);
      const clippedMessage = message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 3)}...` : message;
      const key = eventAggregationKey(ref, type, clippedReason, clippedMessage);
      const now = this.#clock.now();
      let entry = this.#entries.get(key);
      if (entry !== undefined && planEvent(entry, now, this.#windowMs) === 'increment') {
        entry.count++;
        entry.lastTimestamp = now;
        entry.object = ref;
        this.#entries.delete(key);
      } else {
        entry = {
          key,
          name: this.#eventName(ref.name, now),
          namespace: ref.namespace !== undefined && ref.namespace !== '' ? ref.namespace : 'default',
          object: ref,
          type,
          reason: clippedReason,
          message: clippedMessage,
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          created: false,
          written: 0,
          writing: false,
        };
      }
      // Re-inserting keeps the Map in least-recently-used order for eviction.
      this.#entries.set(key, entry);
      this.#evict();
      this.#schedule(entry);
    } catch (error) {
      this.#logger.warn({ err: error instanceof Error ? error.message : String(error), reason }, 'could not record event');
    }
  }

  /** Event writes in flight now (never more than maxInFlight). */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Waits for every write in flight: for tests and graceful shutdown. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #schedule(entry: Entry): void {
    if (entry.writing) return;
    entry.writing = true;
    if (this.#pending.size >= this.#maxInFlight) this.#waiting.push(entry);
    else this.#start(entry);
  }

  #start(entry: Entry): void {
    const write = this.#write(entry).finally(() => {
      entry.writing = false;
      this.#pending.delete(write);
      const next = this.#waiting.shift();
      if (next !== undefined) this.#start(next);
    });
    this.#pending.add(write);
  }

  /** Writes until the server has seen the entry's latest count; never rejects. */
  async #write(entry: Entry): Promise<void> {
    while (!entry.created || entry.written < entry.count) {
      const count = entry.count;
      try {
        if (!entry.created) {
          await this.#client.create(resourcePath('v1', 'events', entry.namespace), this.#body(entry, count));
          entry.created = true;
        } else {
          const patch = { count, lastTimestamp: formatTime(entry.lastTimestamp) };
          try {
            await this.#client.patch(resourcePath('v1', 'events', entry.namespace, entry.name), patch, PatchType.merge);
          } catch (error) {
            if (!isNotFound(error)) throw error;
            // The Event expired (the API server keeps them for an hour by default): record it afresh.
            entry.created = false;
            entry.name = this.#eventName(entry.object.name ?? 'unknown', this.#clock.now());
            continue;
          }
        }
        entry.written = count;
      } catch (error) {
        this.#logger.warn(
          { err: error instanceof Error ? error.message : String(error), event: entry.name, namespace: entry.namespace, reason: entry.reason },
          'could not write event',
        );
        // Dropped rather than retried: a later occurrence tries again, and nothing waits on Events.
        entry.written = entry.count;
        entry.created = true;
        return;
      }
    }
  }

  #body(entry: Entry, count: number): Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: entry.name, namespace: entry.namespace },
      involvedObject: entry.object,
      reason: entry.reason,
      message: entry.message,
      type: entry.type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.reportingInstance,
      firstTimestamp: formatTime(entry.firstTimestamp),
      lastTimestamp: formatTime(entry.lastTimestamp),
      count,
    };
  }

  /** <object>.<hex nanoseconds>, client-go's naming; the sequence keeps names unique within one millisecond. */
  #eventName(objectName: string, now: number): string {
    const nanos = BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    const suffix = nanos.toString(16);
    return `${objectName.slice(0, 253 - suffix.length - 1)}.${suffix}`;
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries) return;
      if (!entry.writing) this.#entries.delete(key);
    }
  }
}

/** The involvedObject reference for an object or reference. */
export function involvedObject(object: KubeObject | DeepReadonly<KubeObject> | InvolvedObject): InvolvedObject {
  const source: InvolvedObject =
    'metadata' in object && object.metadata !== undefined
      ? {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace: object.metadata.namespace,
          uid: object.metadata.uid,
          resourceVersion: object.metadata.resourceVersion,
        }
      : (object);
  const ref: InvolvedObject = {};
  for (const field of ['apiVersion', 'kind', 'name', 'namespace', 'uid', 'resourceVersion'] as const) {
    const value = source[field];
    if (value !== undefined && value !== '') ref[field] = value;
  }
  return ref;
}

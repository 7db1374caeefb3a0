/**
 * Leader election on a coordination.k8s.io/v1 Lease, compatible with client-go's LeaseLock: the same fields, the
 * same MicroTime format and the same takeover rules, so Aviary and Go controllers could even share a Lease.
 *
 * The decision (create, renew, take over, or wait) is a pure function of the observed Lease, the time and our
 * identity; the elector only reads, writes with compare-and-swap on resourceVersion (a 409 means another candidate
 * won the race), and keeps time.
 *
 * Expiry is judged from the Lease's renewTime against our wall clock, so candidates' clocks must agree to well within
 * leaseDuration - renewDeadline (5 s by default); NTP-synchronised nodes do.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { sleepUntilAborted, systemClock, type Clock } from './clock.ts';
import { silentLogger } from './logger.ts';
import type { KubeObject, ObjectMeta } from './objects.ts';
import { isConflict, isNotFound, resourcePath, type KubeClient } from './rest.ts';
import { formatMicroTime, parseTime } from './time.ts';

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

export interface Lease extends KubeObject {
  metadata?: ObjectMeta;
  spec?: LeaseSpec;
}

export type LeaseDecision =
  /** No Lease exists: create it holding it. */
  | { action: 'create'; spec: LeaseSpec }
  /** We hold it: extend it. */
  | { action: 'renew'; spec: LeaseSpec }
  /** It is free (released) or its holder let it expire: take it over. */
  | { action: 'takeover'; spec: LeaseSpec; previousHolder: string | undefined }
  /** Someone else holds a valid Lease until expiresAt. */
  | { action: 'wait'; holder: string; expiresAt: number };

/**
 * What a candidate should do with the Lease it observed at `now` (epoch ms). leaseDurationSeconds is ours; the
 * Lease's own duration, when set, governs its expiry because its holder chose it.
 */
export function decideLease(
  lease: Lease | undefined,
  now: number,
  identity: string,
  leaseDurationSeconds: number,
): LeaseDecision {
  const nowText = formatMicroTime(now);
  if (lease === undefined) {
    return {
      action: 'create',
      spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: nowText, renewTime: nowText, leaseTransitions: 0 },
    };
  }
  const spec = lease.spec ?? {};
  const holder = emptyToUndefined(spec.holderIdentity);
  const transitions = spec.leaseTransitions ?? 0;
  if (holder === identity) {
    return {
      action: 'renew',
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: spec.acquireTime ?? nowText,
        renewTime: nowText,
        leaseTransitions: transitions,
      },
    };
  }
  if (holder !== undefined) {
    const expiresAt = leaseExpiry(spec, leaseDurationSeconds);
    if (expiresAt !== undefined && expiresAt >= now) return { action: 'wait', holder, expiresAt };
  }
  return {
    action: 'takeover',
    previousHolder: holder,
    spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: nowText, renewTime: nowText, leaseTransitions: transitions + 1 },
  };
}

/** When the Lease expires (epoch ms), or undefined if it has no valid renewTime (treated as expired). */
export function leaseExpiry(spec: LeaseSpec, defaultDurationSeconds: number): number | undefined {
  const renewedAt = parseTime(spec.renewTime ?? spec.acquireTime);
  if (renewedAt === undefined) return undefined;
  return renewedAt + (spec.leaseDurationSeconds ?? defaultDurationSeconds) * 1000;
}

/**
 * The spec that gives a Lease up: no holder and a 1 s duration, so another candidate takes over at its next retry
 * instead of waiting out the full lease (client-go's ReleaseOnCancel writes the same).
 */
export function releasedSpec(spec: LeaseSpec, now: number): LeaseSpec {
  const nowText = formatMicroTime(now);
  return { leaseDurationSeconds: 1, acquireTime: nowText, renewTime: nowText, leaseTransitions: spec.leaseTransitions ?? 0 };
}

export interface LeaderElectionConfig {
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease, e.g. "aviary-controller". */
  name: string;
  /** Unique per candidate; default hostname + random suffix (the pod name in a cluster). */
  identity?: string;
  /** How long a Lease is valid after its last renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** A leader that cannot renew for this long steps down. Default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between attempts. Default 2 s. */
  retryPeriodMs?: number;
  /** Clear the holder on stop() so another candidate takes over at once. Default true. */
  releaseOnStop?: boolean;
}

export interface LeaderElectorOptions extends LeaderElectionConfig {
  client: KubeClient;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  onStartedLeading?: () => void;
  /** Called when leadership ends, whether lost or given up by stop(). */
  onStoppedLeading?: () => void;
  /** Called when the observed holder changes (undefined: nobody holds it). */
  onNewLeader?: (identity: string | undefined) => void;
}

export interface LeaderElectionHealth {
  identity: string;
  lease: string;
  leading: boolean;
  holder?: string;
  lastRenew?: string;
  lastError?: { message: string; at: string };
}

/** client-go's jitter factor for candidates retrying to acquire. */
const jitterFactor = 1.2;

export class LeaderElector {
  readonly identity: string;
  readonly namespace: string;
  readonly name: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;

  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #releaseOnStop: boolean;
  readonly #callbacks: Pick<LeaderElectorOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onNewLeader'>;
  readonly #path: string;

  #stop = new AbortController();
  #running: Promise<void> | undefined;
  #leading = false;
  #observed: Lease | undefined;
  #holder: string | undefined;
  #lastRenew = 0;
  #lostToOther = false;
  #lastError: { message: string; at: number } | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#client = options.client;
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity ?? defaultIdentity();
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs < 1000 || this.leaseDurationMs % 1000 !== 0) {
      throw new RangeError('leaseDurationMs must be a whole number of seconds (the Lease stores seconds)');
    }
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new RangeError('leaseDurationMs must be greater than renewDeadlineMs');
    if (this.renewDeadlineMs <= jitterFactor * this.retryPeriodMs) {
      throw new RangeError(`renewDeadlineMs must be greater than ${jitterFactor} * retryPeriodMs`);
    }
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger()).child({ lease: `${this.namespace}/${this.name}`, identity: this.identity });
    this.#random = options.random ?? Math.random;
    this.#releaseOnStop = options.releaseOnStop ?? true;
    this.#callbacks = { onStartedLeading: options.onStartedLeading, onStoppedLeading: options.onStoppedLeading, onNewLeader: options.onNewLeader };
    this.#path = resourcePath('coordination.k8s.io/v1', 'leases', this.namespace, this.name);
  }

  /** Starts campaigning in the background. */
  start(): void {
    if (this.#running !== undefined) return;
    this.#stop = new AbortController();
    this.#running = this.#run(this.#stop.signal);
  }

  /** Stops campaigning; a leader releases the Lease (unless releaseOnStop is false) and calls onStoppedLeading. */
  async stop(): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    this.#stop.abort(new Error('leader election stopped'));
    await running;
    this.#running = undefined;
    if (this.#leading) {
      if (this.#releaseOnStop) await this.#release();
      this.#setLeading(false);
    }
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder seen in the Lease at the last attempt. */
  holder(): string | undefined {
    return this.#holder;
  }

  health(): LeaderElectionHealth {
    const health: LeaderElectionHealth = { identity: this.identity, lease: `${this.namespace}/${this.name}`, leading: this.#leading };
    if (this.#holder !== undefined) health.holder = this.#holder;
    if (this.#lastRenew > 0) health.lastRenew = new Date(this.#lastRenew).toISOString();
    if (this.#lastError !== undefined) {
      health.lastError = { message: this.#lastError.message, at: new Date(this.#lastError.at).toISOString() };
    }
    return health;
  }

  async #run(signal: AbortSignal): Promise<void> {
    this.#logger.info('campaigning for leadership');
    while (!signal.aborted) {
      if (this.#leading && this.#clock.now() - this.#lastRenew >= this.renewDeadlineMs) {
        this.#logger.warn({ renewDeadlineMs: this.renewDeadlineMs }, 'could not renew the lease in time; stepping down');
        this.#setLeading(false);
      }
      const renewed = await this.#tryAcquireOrRenew(signal);
      if (isAborted(signal)) break;
      if (renewed) {
        this.#lastRenew = this.#clock.now();
        this.#setLeading(true);
      } else if (this.#leading && (this.#lostToOther || this.#clock.now() - this.#lastRenew >= this.renewDeadlineMs)) {
        this.#logger.warn({ holder: this.#holder }, 'lost leadership');
        this.#setLeading(false);
      }
      const delay = this.#leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + jitterFactor * this.#random());
      await sleepUntilAborted(this.#clock, delay, signal);
    }
  }

  /** One attempt; true when we hold the Lease afterwards. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    this.#lostToOther = false;
    // A leader must not outlive its renew deadline waiting on a slow request.
    const timeoutMs = this.#leading
      ? Math.max(500, this.#lastRenew + this.renewDeadlineMs - this.#clock.now())
      : this.renewDeadlineMs;
    const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      // A leader renews from the Lease it last wrote, saving a read per renewal; a conflict makes it re-read.
      let lease = this.#leading ? this.#observed : undefined;
      if (lease === undefined) {
        try {
          lease = await this.#client.get<Lease>(this.#path, undefined, requestSignal);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      const now = this.#clock.now();
      const decision = decideLease(lease, now, this.identity, this.leaseDurationMs / 1000);
      switch (decision.action) {
        case 'wait':
          this.#observed = lease;
          this.#observeHolder(decision.holder);
          if (this.#leading) this.#lostToOther = true;
          return false;
        case 'create': {
          const body: Lease = {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.name, namespace: this.namespace },
            spec: decision.spec,
          };
          const collection = resourcePath('coordination.k8s.io/v1', 'leases', this.namespace);
          this.#observed = await this.#client.request<Lease>({ method: 'POST', path: collection, body, signal: requestSignal });
          break;
        }
        case 'renew':
        case 'takeover':
          // Replace with the resourceVersion we read: the API server rejects the write (409) if anyone wrote since.
          this.#observed = await this.#client.request<Lease>({
            method: 'PUT',
            path: this.#path,
            body: { ...lease, spec: decision.spec },
            signal: requestSignal,
          });
          if (decision.action === 'takeover') {
            this.#logger.info({ previousHolder: decision.previousHolder }, 'acquired the lease');
          }
          break;
      }
      this.#observeHolder(this.identity);
      this.#lastError = undefined;
      return true;
    } catch (error) {
      if (isAborted(signal)) return false;
      this.#observed = undefined;
      if (isConflict(error)) {
        // Another candidate wrote first (or created the Lease): it decides at the next attempt after a fresh read.
        this.#logger.debug('lease changed while we wrote it');
        return false;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.#lastError = { message, at: this.#clock.now() };
      this.#logger.warn({ err: message, leading: this.#leading }, 'lease attempt failed');
      return false;
    }
  }

  async #release(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const lease = this.#observed ?? (await this.#client.get<Lease>(this.#path, undefined, AbortSignal.timeout(this.renewDeadlineMs)));
        if (emptyToUndefined(lease.spec?.holderIdentity) !== this.identity) return;
        await this.#client.request({
          method: 'PUT',
          path: this.#path,
          body: { ...lease, spec: releasedSpec(lease.spec ?? {}, this.#clock.now()) },
          signal: AbortSignal.timeout(this.renewDeadlineMs),
        });
        this.#observed = undefined;
        this.#observeHolder(undefined);
        this.#logger.info('released the lease');
        return;
      } catch (error) {
        this.#observed = undefined;
        if (isConflict(error) && attempt === 0) continue;
        // Not fatal: the Lease simply expires after its duration and another candidate takes over then.
        this.#logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not release the lease');
        return;
      }
    }
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    if (!leading) this.#observed = undefined;
    this.#logger.info(leading ? 'started leading' : 'stopped leading');
    const callback = leading ? this.#callbacks.onStartedLeading : this.#callbacks.onStoppedLeading;
    try {
      callback?.();
    } catch (error) {
      this.#logger.error({ err: error }, 'leader election callback threw');
    }
  }

  #observeHolder(holder: string | undefined): void {
    if (this.#holder === holder) return;
    this.#holder = holder;
    if (holder !== undefined && holder !== this.identity) this.#logger.info({ holder }, 'new leader observed');
    try {
      this.#callbacks.onNewLeader?.(holder);
    } catch (error) {
      this.#logger.error({ err: error }, 'onNewLeader threw');
    }
  }
}

/** hostname_<random>: unique even for two processes on one machine. */
export function defaultIdentity(): string {
  return `${hostname()}_${Math.random().toString(36).slice(2, 10)}`;
}

function emptyToUndefined(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

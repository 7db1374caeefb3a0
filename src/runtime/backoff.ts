/** Retry delays: a per-item rate limiter for the work queue and a single-stream backoff for watches. */

export interface RateLimiter<K> {
  /** Delay before the item may be retried; each call counts as one more failure. */
  when(item: K): number;
  /** Clears the item's failure history (it succeeded or was given up). */
  forget(item: K): void;
  /** Failures counted for the item since it was last forgotten. */
  numRequeues(item: K): number;
}

export interface ExponentialBackoffOptions {
  /** Delay after the first failure. Default 5 ms (client-go's controller default). */
  baseDelayMs?: number;
  /** Upper bound. Default 10 s: a broken object is retried often enough to notice a fix without hammering the API. */
  maxDelayMs?: number;
}

/** Per-item exponential backoff: baseDelay * 2^failures, capped at maxDelay. */
export class ItemExponentialBackoff<K = string> implements RateLimiter<K> {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly #failures = new Map<K, number>();

  constructor(options: ExponentialBackoffOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    if (this.baseDelayMs < 0 || this.maxDelayMs < this.baseDelayMs) {
      throw new RangeError(`invalid backoff: base ${this.baseDelayMs} ms, max ${this.maxDelayMs} ms`);
    }
  }

  when(item: K): number {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    return exponentialDelay(this.baseDelayMs, this.maxDelayMs, failures);
  }

  forget(item: K): void {
    this.#failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.#failures.get(item) ?? 0;
  }
}

/** base * 2^attempt capped at max, without overflowing to Infinity for large attempts. */
export function exponentialDelay(baseMs: number, maxMs: number, attempt: number): number {
  if (attempt >= 1024) return maxMs;
  return Math.min(maxMs, baseMs * 2 ** attempt);
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Each delay is multiplied by a random factor in [1, 1 + jitter] so that many clients do not retry in step. */
  jitter?: number;
  random?: () => number;
}

/** Backoff for one retrying loop (a watch, a lease renewal): next() grows the delay, reset() after success. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 500;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
  }

  get attempts(): number {
    return this.#attempt;
  }

  next(): number {
    const base = exponentialDelay(this.#initialMs, this.#maxMs, this.#attempt);
    this.#attempt++;
    return Math.min(this.#maxMs, Math.round(base * (1 + this.#jitter * this.#random())));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

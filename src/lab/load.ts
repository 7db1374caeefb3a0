/**
 * The lab's load generator: HTTP requests at a constant rate against one URL, counted by the version, pod and status
 * code that answered. The demo, the end-to-end tests, the benchmarks and `aviary load` use it to see which version
 * serves how much of the traffic while a release shifts it.
 *
 * It is an open loop: request i is due at start + i/rps whatever earlier requests are doing, and its latency is
 * counted from that due time, not from the moment it went out. A generator that waits for answers (or measures from
 * the actual send) hides a stalled server behind a lower request rate; this one shows the stall in the latency.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { assertDialable } from './guard.ts';

export interface LoadOptions {
  url: string;
  /** Requests per second, > 0 and ≤ 20000. */
  rps: number;
  /** How long requests are sent; the run then waits for those in flight (at most timeoutMs). */
  durationMs: number;
  /** Stop sending after this many requests, if that comes before durationMs. */
  maxRequests?: number;
  /** Request headers; `host` (any case) picks the route on the gateway. */
  headers?: Record<string, string>;
  method?: string;
  /** Per request, from the moment it is sent until its body has been read; default 5000. */
  timeoutMs?: number;
  /** Aborting stops the sending; requests in flight are still waited for (at most timeoutMs). */
  signal?: AbortSignal;
  /** A snapshot of the run so far, about every second. */
  onProgress?: (snapshot: LoadReport) => void;
  /** Every request's outcome as it settles, e.g. to feed a LoadWindow. */
  onResponse?: (outcome: LoadOutcome) => void;
  /** Cap of the keep-alive connection pool; default 64. Requests beyond it wait for a connection (and their latency grows). */
  connections?: number;
  /** The lab's network namespace file, for the network rule (see guard.ts); tests name a missing one. */
  netnsPath?: string;
}

export interface LoadReport {
  /** Requests sent (due and handed to the HTTP client). */
  sent: number;
  /** Requests answered with an HTTP response, whatever its status. */
  completed: number;
  /** Transport errors and timeouts: no HTTP response. */
  failed: number;
  /** Completed responses by the version that answered; responses without a version are only in byCode. */
  byVersion: Record<string, number>;
  /** Completed responses by HTTP status code: "200", "500", "502". */
  byCode: Record<string, number>;
  byPod: Record<string, number>;
  /** Of completed responses, from each request's due time to the end of its body; 0 when there are none. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  elapsedMs: number;
  /** Completed responses per second of elapsedMs. */
  achievedRps: number;
  /** Failed requests by error code: ECONNREFUSED, ECONNRESET, timeout, ... */
  errors: Record<string, number>;
}

/** How one request settled. A failed request has no code and an error. */
export interface LoadOutcome {
  version?: string;
  pod?: string;
  code: number | undefined;
  error?: string;
  /** From the request's due time to its end. */
  latencyMs: number;
  /** When it settled, on the performance.now() clock. */
  atMs: number;
}

/** A LoadOptions value that cannot be used; the message names the option as `aviary load` spells it. */
export class LoadOptionError extends Error {
  override name = 'LoadOptionError';
}

export const maxRps = 20_000;
const defaultTimeoutMs = 5000;
const defaultConnections = 64;
/** Enough of a body to read the pod runtime's JSON; the rest of a larger body is read and dropped. */
const bodyCap = 64 * 1024;
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

interface Target {
  host: string;
  port: number;
  path: string;
}

/** Checks the options and the network rule; throws before anything is dialled. */
function validate(options: LoadOptions): Target {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new LoadOptionError(`aviary load: URL "${options.url}" is not a valid URL (e.g. http://127.0.0.1:8080/)`);
  }
  if (url.protocol !== 'http:') throw new LoadOptionError(`aviary load: URL "${options.url}" must be an http: URL, not ${url.protocol}`);
  const { rps, durationMs, maxRequests, timeoutMs, connections, method, headers } = options;
  if (!Number.isFinite(rps) || rps <= 0 || rps > maxRps) throw new LoadOptionError(`aviary load: --rps must be a number > 0 and ≤ ${maxRps}, got ${String(rps)}`);
  if (!Number.isFinite(durationMs) || durationMs <= 0) throw new LoadOptionError(`aviary load: --duration must be longer than 0, got ${String(durationMs)} ms`);
  if (maxRequests !== undefined && (!Number.isInteger(maxRequests) || maxRequests < 1)) {
    throw new LoadOptionError(`aviary load: --max-requests must be a whole number ≥ 1, got ${String(maxRequests)}`);
  }
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) throw new LoadOptionError(`aviary load: the request timeout must be longer than 0, got ${String(timeoutMs)} ms`);
  if (connections !== undefined && (!Number.isInteger(connections) || connections < 1)) {
    throw new LoadOptionError(`aviary load: connections must be a whole number ≥ 1, got ${String(connections)}`);
  }
  if (method !== undefined && !tokenPattern.test(method)) throw new LoadOptionError(`aviary load: method "${method}" is not an HTTP method`);
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!tokenPattern.test(name)) throw new LoadOptionError(`aviary load: --header "${name}" is not a valid header name`);
    // Node refuses these characters only when the request is made; refusing them here keeps that from being a per-request failure.
    if (/[\r\n\0]/.test(value)) throw new LoadOptionError(`aviary load: --header ${name} has a line break or NUL in its value`);
  }
  assertDialable(url.hostname, 'aviary load: URL', options.netnsPath);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port === '' ? 80 : Number(url.port), path: `${url.pathname}${url.search}` };
}

/** Nearest-rank percentile of a sorted array; 0 for an empty one. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/** Latencies of completed requests, kept exactly (8 bytes each) in a buffer that doubles as it fills. */
class Latencies {
  private buffer = new Float64Array(1024);
  private length = 0;

  add(ms: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Float64Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = ms;
  }

  summary(): LoadReport['latencyMs'] {
    const sorted = this.buffer.slice(0, this.length).sort();
    return { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0 };
  }
}

class RequestTimeout extends Error {
  readonly code = 'timeout';
}

const increment = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function headerValue(res: IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The `version` and `pod` fields of a JSON body (the pod runtime's answer), when there are any. */
function bodyFields(body: Buffer): { version?: string; pod?: string } {
  if (body.length === 0 || body[0] !== 0x7b /* { */) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { version, pod } = parsed as Record<string, unknown>;
    return { ...(typeof version === 'string' && version !== '' ? { version } : {}), ...(typeof pod === 'string' && pod !== '' ? { pod } : {}) };
  } catch {
    return {};
  }
}

/**
 * Sends requests at options.rps for options.durationMs (or until maxRequests, or the signal), waits for the ones in
 * flight, and reports what answered. Throws LoadOptionError for bad options and NetworkRuleError for a URL this
 * process may not dial, both before any connection is opened.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const target = validate(options);
  const { rps, durationMs, signal, onProgress, onResponse } = options;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const limit = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const method = options.method ?? 'GET';
  const headers = { ...options.headers };
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections ?? defaultConnections });

  const counts = { sent: 0, completed: 0, failed: 0 };
  const byVersion: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  const byPod: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const latencies = new Latencies();
  const start = performance.now();

  const snapshot = (): LoadReport => {
    const elapsedMs = performance.now() - start;
    return {
      ...counts,
      byVersion: { ...byVersion },
      byCode: { ...byCode },
      byPod: { ...byPod },
      latencyMs: latencies.summary(),
      elapsedMs,
      achievedRps: elapsedMs > 0 ? (counts.completed * 1000) / elapsedMs : 0,
      errors: { ...errors },
    };
  };

  let inFlight = 0;
  let sending = true;
  let drained = (): void => undefined;
  const allSettled = new Promise<void>((resolve) => { drained = resolve; });
  const settleCheck = (): void => {
    if (!sending && inFlight === 0) drained();
  };

  const record = (dueAt: number, outcome: Omit<LoadOutcome, 'latencyMs' | 'atMs'>): void => {
    const atMs = performance.now();
    const latencyMs = atMs - dueAt;
    if (outcome.code === undefined) {
      counts.failed++;
      increment(errors, outcome.error ?? 'error');
    } else {
      counts.completed++;
      increment(byCode, String(outcome.code));
      if (outcome.version !== undefined) increment(byVersion, outcome.version);
      if (outcome.pod !== undefined) increment(byPod, outcome.pod);
      latencies.add(latencyMs);
    }
    onResponse?.({ ...outcome, latencyMs, atMs });
  };

  const send = (dueAt: number): void => {
    counts.sent++;
    inFlight++;
    let settled = false;
    const settle = (outcome: Omit<LoadOutcome, 'latencyMs' | 'atMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      inFlight--;
      record(dueAt, outcome);
      settleCheck();
    };
    const fail = (error: Error): void => {
      const code = error instanceof RequestTimeout ? error.code : (error as NodeJS.ErrnoException).code;
      settle({ code: undefined, error: typeof code === 'string' && code !== '' ? code : error.name });
    };
    const req = request({ agent, host: target.host, port: target.port, path: target.path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept >= bodyCap) return;
        chunks.push(chunk);
        kept += chunk.length;
      });
      res.on('error', fail);
      res.on('end', () => {
        let version = headerValue(res, 'aviary-version');
        let pod = headerValue(res, 'aviary-pod');
        if (version === undefined || pod === undefined) {
          const fields = bodyFields(Buffer.concat(chunks));
          version ??= fields.version;
          pod ??= fields.pod;
        }
        settle({ code: res.statusCode, ...(version === undefined ? {} : { version }), ...(pod === undefined ? {} : { pod }) });
      });
    });
    // Counted from the send, so a request waiting for a pooled connection is bounded too.
    const deadline = setTimeout(() => { req.destroy(new RequestTimeout(`no response within ${String(timeoutMs)} ms`)); }, timeoutMs);
    req.on('error', fail);
    req.end();
  };

  // The schedule: request i is due at start + i·1000/rps. Each tick sends every request that is due by now, then
  // sleeps until the next one is due, so timer lateness never accumulates into a lower rate.
  const dueOffset = (i: number): number => (i * 1000) / rps;
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const stopSending = (): void => {
    if (!sending) return;
    sending = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    settleCheck();
  };
  const tick = (): void => {
    timer = undefined;
    if (!sending) return;
    const now = performance.now();
    while (next < limit && dueOffset(next) < durationMs && start + dueOffset(next) <= now) {
      send(start + dueOffset(next));
      next++;
    }
    if (next >= limit || dueOffset(next) >= durationMs) {
      stopSending();
      return;
    }
    timer = setTimeout(tick, Math.max(0, start + dueOffset(next) - performance.now()));
  };

  const progress = onProgress === undefined ? undefined : setInterval(() => { onProgress(snapshot()); }, 1000);
  signal?.addEventListener('abort', stopSending, { once: true });
  try {
    if (signal?.aborted === true) stopSending();
    else tick();
    await allSettled;
  } finally {
    signal?.removeEventListener('abort', stopSending);
    if (progress !== undefined) clearInterval(progress);
    agent.destroy();
  }
  return snapshot();
}

/** Counts of the outcomes inside a LoadWindow at one moment. */
export interface WindowShares {
  /** Every outcome in the window, failed ones included. */
  total: number;
  failed: number;
  byVersion: Record<string, number>;
  byCode: Record<string, number>;
  /** byVersion as fractions (0..1) of total; {} when the window is empty. */
  versionShare: Record<string, number>;
}

/**
 * The outcomes of the last windowMs, for lines like "v2 answered 24% of the last 5 s". Times are on the clock the
 * outcomes carry (performance.now() for runLoad's): shares(nowMs) counts outcomes with nowMs − windowMs < atMs ≤ nowMs,
 * and expects nowMs not to be earlier than outcomes already added (older ones are dropped as newer ones arrive).
 */
export class LoadWindow {
  private items: LoadOutcome[] = [];
  private head = 0;
  private latestAt = Number.NEGATIVE_INFINITY;
  readonly windowMs: number;

  constructor(windowMs: number) {
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError(`LoadWindow: the window must be longer than 0 ms, got ${String(windowMs)}`);
    this.windowMs = windowMs;
  }

  add(outcome: LoadOutcome): void {
    // Outcomes arrive in time order from runLoad; one that does not is put in its place.
    let at = this.items.length;
    while (at > this.head && (this.items[at - 1]?.atMs ?? 0) > outcome.atMs) at--;
    this.items.splice(at, 0, outcome);
    this.latestAt = Math.max(this.latestAt, outcome.atMs);
    this.prune(this.latestAt);
  }

  shares(nowMs: number = performance.now()): WindowShares {
    this.prune(nowMs);
    const shares: WindowShares = { total: 0, failed: 0, byVersion: {}, byCode: {}, versionShare: {} };
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item === undefined || item.atMs > nowMs) continue;
      shares.total++;
      if (item.code === undefined) shares.failed++;
      else increment(shares.byCode, String(item.code));
      if (item.version !== undefined) increment(shares.byVersion, item.version);
    }
    for (const [version, count] of Object.entries(shares.byVersion)) shares.versionShare[version] = count / shares.total;
    return shares;
  }

  private prune(nowMs: number): void {
    const oldest = nowMs - this.windowMs;
    while (this.head < this.items.length && (this.items[this.head]?.atMs ?? 0) <= oldest) this.head++;
    // Dropped entries are cut off in one go once they are the larger part, so adding stays cheap.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

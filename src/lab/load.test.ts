import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { closeServer } from '../util/http-server.ts';
import { NetworkRuleError } from './guard.ts';
import { LoadOptionError, LoadWindow, runLoad, type LoadOutcome, type LoadOptions } from './load.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A server on 127.0.0.1 that numbers the requests it receives, in arrival order, from 0. */
async function withServer<T>(handler: Handler, body: (url: string, received: () => number) => Promise<T>): Promise<T> {
  let n = 0;
  const server = createServer((req, res) => { handler(req, res, n++); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await body(`http://127.0.0.1:${String(port)}/`, () => n);
  } finally {
    await closeServer(server);
  }
}

/** Like the pod runtime: versions in headers, in the JSON body, or none at all. */
const podRuntime: Handler = (_req, res, n) => {
  switch (n % 4) {
    case 0:
      res.writeHead(200, { 'aviary-version': 'v1', 'aviary-pod': 'web-1' }).end('{}');
      return;
    case 1:
      res.writeHead(200, { 'aviary-version': 'v2' }).end('ok');
      return;
    case 2:
      res.writeHead(500).end('broken');
      return;
    default:
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pod: 'web-3', version: 'v3', path: '/' }));
  }
};

const base = { rps: 2000, durationMs: 10_000 } satisfies Partial<LoadOptions>;

describe('runLoad', () => {
  it('counts by version (header or JSON body), pod and status code, and stops at maxRequests exactly', async () => {
    const outcomes: LoadOutcome[] = [];
    const { report, received } = await withServer(podRuntime, async (url, received) => ({
      report: await runLoad({ ...base, url, maxRequests: 20, onResponse: (o) => outcomes.push(o) }),
      received: received(),
    }));
    assert.equal(received, 20);
    assert.equal(report.sent, 20);
    assert.equal(report.completed, 20);
    assert.equal(report.failed, 0);
    assert.deepEqual(report.byVersion, { v1: 5, v2: 5, v3: 5 });
    assert.deepEqual(report.byCode, { '200': 15, '500': 5 });
    assert.deepEqual(report.byPod, { 'web-1': 5, 'web-3': 5 });
    assert.deepEqual(report.errors, {});
    assert.equal(outcomes.length, 20);
    assert.equal(outcomes.filter((o) => o.code === 500 && o.version === undefined).length, 5);
    const { p50, p90, p99, max } = report.latencyMs;
    assert.ok(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, JSON.stringify(report.latencyMs));
    assert.ok(report.achievedRps > 0);
  });

  it('sends exactly the requests due within the duration', async () => {
    // Due at 0, 5, ..., 45 ms: ten, however late the timers fire.
    const report = await withServer(podRuntime, (url) => runLoad({ url, rps: 200, durationMs: 50 }));
    assert.equal(report.sent, 10);
    assert.equal(report.completed, 10);
  });

  it('sends the Host header given, for the gateway to route by', async () => {
    const echoHost: Handler = (req, res) => res.writeHead(200, { 'aviary-version': req.headers.host ?? '' }).end();
    const report = await withServer(echoHost, (url) => runLoad({ ...base, url, maxRequests: 5, headers: { Host: 'web.shop.example' } }));
    assert.deepEqual(report.byVersion, { 'web.shop.example': 5 });
  });

  it('counts transport errors and timeouts by code, apart from responses', async () => {
    const flaky: Handler = (req, res, n) => {
      if (n % 3 === 0) res.writeHead(200, { 'aviary-version': 'v1' }).end();
      else if (n % 3 === 1) req.socket.destroy();
      // else: never answers, until the request times out
    };
    const report = await withServer(flaky, (url) => runLoad({ ...base, url, maxRequests: 9, timeoutMs: 100 }));
    assert.equal(report.sent, 9);
    assert.equal(report.completed, 3);
    assert.equal(report.failed, 6);
    assert.deepEqual(report.byVersion, { v1: 3 });
    assert.deepEqual(report.errors, { ECONNRESET: 3, timeout: 3 });
  });

  it('reports every request failed, with zero latencies, when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await closeServer(closed);
    const report = await runLoad({ ...base, url: `http://127.0.0.1:${String(port)}/`, maxRequests: 4 });
    assert.deepEqual([report.sent, report.completed, report.failed], [4, 0, 4]);
    assert.deepEqual(report.errors, { ECONNREFUSED: 4 });
    assert.deepEqual(report.latencyMs, { p50: 0, p90: 0, p99: 0, max: 0 });
    assert.equal(report.achievedRps, 0);
  });

  it('is an open loop: a server that holds every answer still receives the schedule, and the stall is in the latency', async () => {
    // The server answers nothing until all 20 requests are open at once; a generator waiting for answers
    // would never get there (and would fail by timeout).
    const held: ServerResponse[] = [];
    let firstArrival = 0;
    let released = 0;
    const holding: Handler = (_req, res) => {
      if (held.length === 0) firstArrival = performance.now();
      held.push(res);
      if (held.length < 20) return;
      released = performance.now();
      for (const r of held) r.writeHead(200, { 'aviary-version': 'v1' }).end();
    };
    const report = await withServer(holding, (url) => runLoad({ url, rps: 200, durationMs: 10_000, maxRequests: 20 }));
    assert.equal(report.sent, 20);
    assert.equal(report.completed, 20);
    const stall = released - firstArrival;
    assert.ok(stall > 0);
    assert.ok(report.latencyMs.p99 >= stall, `p99 ${String(report.latencyMs.p99)} ms < stall ${String(stall)} ms`);
  });

  it('measures latency from the scheduled time: requests that fall due while the process stalls carry the stall', async () => {
    // The first request blocks the whole process for 300 ms (server and generator alike). Requests due meanwhile
    // go out late, in a burst; timed from the actual send they would look fast, timed from their due time a
    // quarter of them have waited 150 ms or more, so p90 shows it.
    const stallMs = 300;
    const blocking: Handler = (_req, res, n) => {
      if (n === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallMs);
      res.writeHead(200, { 'aviary-version': 'v1' }).end();
    };
    const report = await withServer(blocking, (url) => runLoad({ url, rps: 100, durationMs: 10_000, maxRequests: 60 }));
    assert.equal(report.completed, 60);
    assert.ok(report.latencyMs.p90 >= stallMs / 2, `p90 ${String(report.latencyMs.p90)} ms < ${String(stallMs / 2)} ms`);
    assert.ok(report.latencyMs.max >= stallMs);
  });

  it('stops sending on abort and waits for the requests in flight', async () => {
    const abort = new AbortController();
    let seen = 0;
    const report = await withServer(podRuntime, (url) =>
      runLoad({ url, rps: 100, durationMs: 10_000, signal: abort.signal, onResponse: () => { if (++seen === 3) abort.abort(); } }));
    assert.ok(report.sent >= 3 && report.sent < 1000, `sent ${String(report.sent)}`);
    assert.equal(report.completed + report.failed, report.sent);

    const before = new AbortController();
    before.abort();
    const none = await withServer(podRuntime, async (url, received) => {
      const r = await runLoad({ url, rps: 100, durationMs: 10_000, signal: before.signal });
      assert.equal(received(), 0);
      return r;
    });
    assert.deepEqual([none.sent, none.completed, none.failed], [0, 0, 0]);
  });

  it('reports progress about every second', async () => {
    const snapshots: number[] = [];
    const report = await withServer(podRuntime, (url) => runLoad({ url, rps: 20, durationMs: 1500, onProgress: (s) => snapshots.push(s.sent) }));
    assert.equal(report.sent, 30);
    assert.ok(snapshots.length >= 1, 'at least one snapshot');
    assert.ok(snapshots.every((sent, i) => sent > 0 && sent <= 30 && sent >= (snapshots[i - 1] ?? 0)), snapshots.join(','));
  });

  it('refuses a non-loopback URL outside the lab before opening any connection', async () => {
    let sockets = 0;
    const count = (): void => { sockets++; };
    const opened = (): number => sockets;
    subscribe('net.client.socket', count);
    try {
      await assert.rejects(
        runLoad({ ...base, url: 'http://10.244.0.5:8080/', maxRequests: 1, netnsPath: '/nonexistent/aviary-test-netns' }),
        (error: unknown) => error instanceof NetworkRuleError && /aviary load: URL: 10\.244\.0\.5 is not a loopback address/.test(error.message) && /ip netns exec/.test(error.message),
      );
      assert.equal(opened(), 0);
      // The channel does see the sockets a run opens, so the zero above means something.
      await withServer(podRuntime, (url) => runLoad({ ...base, url, maxRequests: 1, netnsPath: '/nonexistent/aviary-test-netns' }));
      assert.ok(opened() >= 1);
    } finally {
      unsubscribe('net.client.socket', count);
    }
  });

  it('refuses bad options, naming them', async () => {
    const url = 'http://127.0.0.1:9/';
    const cases: [Partial<LoadOptions>, RegExp][] = [
      [{ url: 'not a url' }, /URL "not a url" is not a valid URL/],
      [{ url: 'https://127.0.0.1/' }, /must be an http: URL, not https:/],
      [{ rps: 0 }, /--rps must be a number > 0 and ≤ 20000, got 0/],
      [{ rps: 20_001 }, /--rps .* got 20001/],
      [{ rps: Number.NaN }, /--rps .* got NaN/],
      [{ durationMs: 0 }, /--duration must be longer than 0/],
      [{ maxRequests: 0 }, /--max-requests must be a whole number ≥ 1, got 0/],
      [{ maxRequests: 1.5 }, /--max-requests .* got 1\.5/],
      [{ timeoutMs: -1 }, /request timeout must be longer than 0/],
      [{ connections: 0 }, /connections must be a whole number ≥ 1/],
      [{ headers: { 'bad name': 'x' } }, /--header "bad name" is not a valid header name/],
      [{ headers: { 'x-a': 'a\r\nb: c' } }, /--header x-a has a line break/],
      [{ method: 'GE T' }, /method "GE T" is not an HTTP method/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(runLoad({ url, rps: 10, durationMs: 1000, ...options }), (error: unknown) => error instanceof LoadOptionError && message.test(error.message), JSON.stringify(options));
    }
  });
});

describe('LoadWindow', () => {
  const at = (atMs: number, version: string | undefined, code: number | undefined): LoadOutcome => ({ atMs, code, latencyMs: 1, ...(version === undefined ? {} : { version }) });

  it('counts the outcomes of the last windowMs at each moment', () => {
    const window = new LoadWindow(5000);
    // Added out of order once (3000 after 4000): it still counts in its place.
    for (const o of [at(0, 'v1', 200), at(1000, 'v1', 200), at(2000, 'v2', 200), at(4000, 'v2', 500), at(3000, undefined, 502), at(5000, undefined, undefined), at(6000, 'v2', 200)]) window.add(o);
    const table: [number, { total: number; failed: number; byVersion: Record<string, number>; byCode: Record<string, number>; versionShare: Record<string, number> }][] = [
      // (1000, 6000]: 2000 v2, 3000 502, 4000 v2 500, 5000 failed, 6000 v2
      [6000, { total: 5, failed: 1, byVersion: { v2: 3 }, byCode: { '200': 2, '500': 1, '502': 1 }, versionShare: { v2: 0.6 } }],
      // (3000, 8000]: the boundary itself is out
      [8000, { total: 3, failed: 1, byVersion: { v2: 2 }, byCode: { '200': 1, '500': 1 }, versionShare: { v2: 2 / 3 } }],
      [10_999, { total: 1, failed: 0, byVersion: { v2: 1 }, byCode: { '200': 1 }, versionShare: { v2: 1 } }],
      [11_000, { total: 0, failed: 0, byVersion: {}, byCode: {}, versionShare: {} }],
    ];
    for (const [now, expected] of table) assert.deepEqual(window.shares(now), expected, `at ${String(now)}`);
  });

  it('drops outcomes older than the window of the newest one and keeps counting new ones', () => {
    const window = new LoadWindow(100);
    for (let t = 0; t < 5000; t++) window.add(at(t, t % 4 === 0 ? 'v2' : 'v1', 200));
    assert.deepEqual(window.shares(4999), { total: 100, failed: 0, byVersion: { v1: 75, v2: 25 }, byCode: { '200': 100 }, versionShare: { v1: 0.75, v2: 0.25 } });
  });

  it('refuses an empty window', () => {
    assert.throws(() => new LoadWindow(0), /window must be longer than 0 ms/);
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { NetworkRuleError } from '../../lab/guard.ts';
import type { LoadReport } from '../../lab/load.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { closeServer } from '../../util/http-server.ts';
import { buildProgram } from '../program.ts';
import { allFailed, formatLatency, liveLine, loadFromCli, loadOptionsFrom, parseHeader, summaryText, type LoadFlags, type LoadIo } from './load.ts';

const defaults: LoadFlags = { rps: '50', duration: '10s', header: [], output: 'text' };

function exitError(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof ExitError && error.exitCode === code && message.test(error.message));
}

const report = (over: Partial<LoadReport> = {}): LoadReport => ({
  sent: 500, completed: 498, failed: 2,
  byVersion: { v10: 10, v2: 88, v1: 398 }, byCode: { '200': 496, '502': 2 }, byPod: { 'web-a': 398 },
  latencyMs: { p50: 2.14, p90: 4.5, p99: 31.6, max: 1234 },
  elapsedMs: 10_012, achievedRps: 49.74, errors: { ECONNRESET: 2 },
  ...over,
});

/** stdout and stderr as strings; stderr a terminal when `tty`. */
function capture(tty: boolean): LoadIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: tty, columns: 100 },
    out: () => out,
    err: () => err,
  };
}

describe('aviary load: arguments', () => {
  it('parses --header NAME=VALUE', () => {
    assert.deepEqual(parseHeader('Host=web.shop.example'), ['Host', 'web.shop.example']);
    assert.deepEqual(parseHeader('X-Query=a=b'), ['X-Query', 'a=b']);
    assert.deepEqual(parseHeader('X-Empty='), ['X-Empty', '']);
    exitError(() => parseHeader('Host'), ExitCode.usage, /^--header "Host" must be NAME=VALUE/);
    exitError(() => parseHeader('=x'), ExitCode.usage, /^--header "=x" must be NAME=VALUE/);
  });

  it('builds the load options, with the defaults and the one duration grammar', () => {
    assert.deepEqual(loadOptionsFrom('http://127.0.0.1:16450/', defaults), { url: 'http://127.0.0.1:16450/', rps: 50, durationMs: 10_000 });
    assert.deepEqual(
      loadOptionsFrom('http://127.0.0.1:16450/x', { ...defaults, rps: '2.5', duration: '1m30s', maxRequests: '7', header: ['host=a', 'X-A=1', 'Host=web.shop.example'] }),
      { url: 'http://127.0.0.1:16450/x', rps: 2.5, durationMs: 90_000, maxRequests: 7, headers: { Host: 'web.shop.example', 'X-A': '1' } },
    );
    assert.equal(loadOptionsFrom('http://127.0.0.1/', { ...defaults, duration: '30' }).durationMs, 30_000);
  });

  it('refuses bad values with exit code 64, naming the flag', () => {
    const cases: [Partial<LoadFlags>, RegExp][] = [
      [{ rps: 'fast' }, /^--rps must be a number > 0 and ≤ 20000, got "fast"/],
      [{ rps: '0' }, /^--rps .* got "0"/],
      [{ rps: '20001' }, /^--rps .* got "20001"/],
      [{ rps: ' ' }, /^--rps /],
      [{ duration: 'soon' }, /^--duration "soon" is not a duration/],
      [{ duration: '1.5' }, /^--duration "1.5" is not a duration/],
      [{ duration: '0s' }, /^--duration must be longer than 0, got "0s"/],
      [{ maxRequests: '0' }, /^--max-requests must be a whole number ≥ 1, got "0"/],
      [{ maxRequests: '2.5' }, /^--max-requests .* got "2.5"/],
      [{ header: ['Host: x'] }, /^--header "Host: x" must be NAME=VALUE/],
    ];
    for (const [flags, message] of cases) exitError(() => loadOptionsFrom('http://127.0.0.1/', { ...defaults, ...flags }), ExitCode.usage, message);
  });

  it('is registered after track', async () => {
    const names = (await buildProgram([])).commands.map((c) => c.name());
    assert.equal(names.indexOf('load'), names.indexOf('track') + 1);
  });
});

describe('aviary load: output', () => {
  it('words latencies', () => {
    assert.deepEqual([0, 0.44, 9.94, 9.96, 12.4, 999.4, 999.6, 1234].map(formatLatency), ['0.0ms', '0.4ms', '9.9ms', '10ms', '12ms', '999ms', '1.00s', '1.23s']);
  });

  it('prints a summary of versions (of all requests sent), codes, errors, latency and rate', () => {
    assert.equal(summaryText(report(), 50), `VERSION        REQUESTS   SHARE
v1             398        79.6%
v2             88         17.6%
v10            10         2.0%
(no version)   2          0.4%
(failed)       2          0.4%

codes:    200×496 502×2
errors:   ECONNRESET×2
latency:  p50 2.1ms  p90 4.5ms  p99 32ms  max 1.23s
rate:     49.7 rps achieved (target 50): 500 sent, 498 answered, 2 failed in 10.0s
`);
    assert.equal(summaryText(report({ sent: 0, completed: 0, failed: 0 }), 50), 'no requests sent\n');
  });

  it('prints a live line with the recent version shares', () => {
    const recent = { total: 250, failed: 0, byVersion: { v1: 200, v2: 50 }, byCode: { '200': 250 }, versionShare: { v1: 0.8, v2: 0.2 } };
    assert.equal(liveLine(report(), recent), '10s  sent 500  49.7 rps  last 5s: v1 80.0% v2 20.0%  200×496 502×2  failed 2  p50 2.1ms p99 32ms');
    const empty = { total: 0, failed: 0, byVersion: {}, byCode: {}, versionShare: {} };
    assert.equal(liveLine(report({ completed: 0, failed: 0 }), empty), '10s  sent 500  49.7 rps  last 5s: -  p50 2.1ms p99 32ms');
  });

  it('fails (exit 1) only when no request got an HTTP response', () => {
    assert.equal(allFailed(report(), 'http://127.0.0.1:1/'), undefined);
    assert.equal(allFailed(report({ sent: 0, completed: 0, failed: 0 }), 'http://127.0.0.1:1/'), undefined);
    const error = allFailed(report({ completed: 0, failed: 500, errors: { ECONNREFUSED: 500 } }), 'http://127.0.0.1:1/');
    assert.ok(error instanceof ExitError);
    assert.equal(error.exitCode, ExitCode.failed);
    assert.equal(error.message, 'all 500 requests to http://127.0.0.1:1/ failed without an HTTP response (ECONNREFUSED×500): is anything listening there?');
  });
});

describe('aviary load: running', () => {
  it('prints the report as JSON, and rewrites a live line on a terminal', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'aviary-version': 'v1' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const io = capture(true);
    try {
      await loadFromCli(`http://127.0.0.1:${String(port)}/`, { ...defaults, rps: '1000', maxRequests: '5', output: 'json' }, io);
    } finally {
      await closeServer(server);
    }
    const printed = JSON.parse(io.out()) as LoadReport;
    assert.deepEqual([printed.sent, printed.completed, printed.byVersion], [5, 5, { v1: 5 }]);
    assert.ok(io.err().endsWith('\r\x1b[K'), 'the live line is cleared at the end');
  });

  it('prints the summary and exits 1 when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await closeServer(closed);
    const io = capture(false);
    const url = `http://127.0.0.1:${String(port)}/`;
    await assert.rejects(loadFromCli(url, { ...defaults, maxRequests: '3' }, io), (error: unknown) =>
      error instanceof ExitError && error.exitCode === ExitCode.failed && error.message.startsWith(`all 3 requests to ${url} failed`));
    assert.match(io.out(), /^VERSION {4}REQUESTS {3}SHARE\n\(failed\) {3}3 {10}100\.0%\n\ncodes: {4}-\nerrors: {3}ECONNREFUSED×3\nlatency: {2}-\n/);
    assert.equal(io.err(), '', 'no live line off a terminal');
  });

  it('turns the network rule and bad URLs into usage errors', async () => {
    const refused = (): Promise<LoadReport> => Promise.reject(new NetworkRuleError('aviary load: URL: 10.244.0.5 is not a loopback address'));
    await assert.rejects(loadFromCli('http://10.244.0.5:8080/', defaults, capture(false), refused), (error: unknown) =>
      error instanceof ExitError && error.exitCode === ExitCode.usage && error.message === 'aviary load: URL: 10.244.0.5 is not a loopback address');
    await assert.rejects(loadFromCli('ftp://127.0.0.1/', defaults, capture(false)), (error: unknown) =>
      error instanceof ExitError && error.exitCode === ExitCode.usage && /URL "ftp:\/\/127\.0\.0\.1\/" must be an http: URL/.test(error.message));
  });
});

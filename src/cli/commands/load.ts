import { Command, Option } from 'commander';
import { NetworkRuleError } from '../../lab/guard.ts';
import { LoadOptionError, LoadWindow, maxRps, runLoad, type LoadOptions, type LoadReport, type WindowShares } from '../../lab/load.ts';
import { tryParseDuration } from '../../util/duration.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { catchInterrupt } from '../output.ts';

/** The flags as commander hands them over: raw strings, parsed by loadOptionsFrom so its errors name the flag. */
export interface LoadFlags {
  rps: string;
  duration: string;
  maxRequests?: string;
  header: string[];
  output: 'text' | 'json';
}

/** What the command writes to; the terminal's, or a test's. */
export interface LoadIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  signal?: AbortSignal;
}

/** The window the live line's version shares are counted over. */
const recentMs = 5000;

const usage = (message: string): ExitError => new ExitError(message, ExitCode.usage);

/** `--header K=V` → [K, V]; the value may be empty or contain `=`. */
export function parseHeader(value: string): [string, string] {
  const at = value.indexOf('=');
  const name = at < 0 ? '' : value.slice(0, at).trim();
  if (at < 0 || name === '') throw usage(`--header "${value}" must be NAME=VALUE, e.g. --header Host=web.shop.example`);
  return [name, value.slice(at + 1)];
}

/** The LoadOptions of a command line; throws a usage ExitError naming the flag at fault. */
export function loadOptionsFrom(url: string, flags: LoadFlags): LoadOptions {
  const rps = Number(flags.rps);
  if (flags.rps.trim() === '' || !Number.isFinite(rps) || rps <= 0 || rps > maxRps) throw usage(`--rps must be a number > 0 and ≤ ${maxRps}, got "${flags.rps}"`);
  const durationMs = tryParseDuration(flags.duration);
  if (durationMs === undefined) throw usage(`--duration "${flags.duration}" is not a duration: use a number of seconds or units like 30s, 5m, 1h30m`);
  if (durationMs <= 0) throw usage(`--duration must be longer than 0, got "${flags.duration}"`);
  const options: LoadOptions = { url, rps, durationMs };
  if (flags.maxRequests !== undefined) {
    const max = Number(flags.maxRequests);
    if (flags.maxRequests.trim() === '' || !Number.isInteger(max) || max < 1) throw usage(`--max-requests must be a whole number ≥ 1, got "${flags.maxRequests}"`);
    options.maxRequests = max;
  }
  // Header names are case-insensitive: a later --header replaces an earlier one of the same name, in any case.
  const headers = new Map<string, [string, string]>();
  for (const arg of flags.header) {
    const [name, value] = parseHeader(arg);
    headers.set(name.toLowerCase(), [name, value]);
  }
  if (headers.size > 0) options.headers = Object.fromEntries(headers.values());
  return options;
}

const byName = (counts: Record<string, number>): [string, number][] =>
  Object.entries(counts).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));

const percent = (part: number, whole: number): string => `${whole === 0 ? '0.0' : ((100 * part) / whole).toFixed(1)}%`;

/** Latencies as people read them: 0.4ms, 12ms, 1.25s. */
export function formatLatency(ms: number): string {
  if (Math.round(ms) >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (Math.round(ms * 10) >= 100) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(1)}ms`;
}

const codesText = (codes: Record<string, number>): string => byName(codes).map(([code, n]) => `${code}×${n}`).join(' ');

/** The line rewritten every second on a terminal: totals so far, and the version shares of the last few seconds. */
export function liveLine(report: LoadReport, recent: WindowShares): string {
  const shares = byName(recent.byVersion).map(([version, n]) => `${version} ${percent(n, recent.total)}`);
  const parts = [
    `${(report.elapsedMs / 1000).toFixed(0)}s`,
    `sent ${report.sent}`,
    `${report.achievedRps.toFixed(1)} rps`,
    `last ${recentMs / 1000}s: ${shares.length === 0 ? '-' : shares.join(' ')}`,
    ...(report.completed === 0 ? [] : [codesText(report.byCode)]),
    ...(report.failed === 0 ? [] : [`failed ${report.failed}`]),
    `p50 ${formatLatency(report.latencyMs.p50)} p99 ${formatLatency(report.latencyMs.p99)}`,
  ];
  return parts.join('  ');
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((r) => (r[column] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, column) => (column === r.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 3))).join('').trimEnd()).join('\n');
}

/** The text summary at the end: versions (of all requests sent), codes, errors, latency, rate. */
export function summaryText(report: LoadReport, targetRps: number): string {
  if (report.sent === 0) return 'no requests sent\n';
  const versioned = Object.values(report.byVersion).reduce((sum, n) => sum + n, 0);
  const rows = [['VERSION', 'REQUESTS', 'SHARE'], ...byName(report.byVersion).map(([version, n]) => [version, String(n), percent(n, report.sent)])];
  if (report.completed > versioned) rows.push(['(no version)', String(report.completed - versioned), percent(report.completed - versioned, report.sent)]);
  if (report.failed > 0) rows.push(['(failed)', String(report.failed), percent(report.failed, report.sent)]);
  const { p50, p90, p99, max } = report.latencyMs;
  const lines = [
    table(rows),
    '',
    `codes:    ${report.completed === 0 ? '-' : codesText(report.byCode)}`,
    ...(report.failed === 0 ? [] : [`errors:   ${codesText(report.errors)}`]),
    `latency:  ${report.completed === 0 ? '-' : `p50 ${formatLatency(p50)}  p90 ${formatLatency(p90)}  p99 ${formatLatency(p99)}  max ${formatLatency(max)}`}`,
    `rate:     ${report.achievedRps.toFixed(1)} rps achieved (target ${targetRps}): ${report.sent} sent, ${report.completed} answered, ${report.failed} failed in ${(report.elapsedMs / 1000).toFixed(1)}s`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The error for a run in which no request got an HTTP response, if this was one. */
export function allFailed(report: LoadReport, url: string): ExitError | undefined {
  if (report.sent === 0 || report.failed < report.sent) return undefined;
  return new ExitError(`all ${report.sent} requests to ${url} failed without an HTTP response (${codesText(report.errors)}): is anything listening there?`, ExitCode.failed);
}

/** Runs the load of a command line and prints what answered; `run` is runLoad, or a test's stand-in. */
export async function loadFromCli(url: string, flags: LoadFlags, io: LoadIo, run: typeof runLoad = runLoad): Promise<void> {
  const options = loadOptionsFrom(url, flags);
  const live = io.stderr.isTTY === true;
  const window = new LoadWindow(recentMs);
  const clear = '\r\x1b[K';
  let report: LoadReport;
  try {
    report = await run({
      ...options,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(live
        ? {
            onResponse: (outcome) => { window.add(outcome); },
            onProgress: (snapshot) => {
              // Cut to the terminal's width: a line that wraps cannot be rewritten with \r.
              const columns = io.stderr.columns !== undefined && io.stderr.columns > 0 ? io.stderr.columns : 80;
              io.stderr.write(`${clear}${liveLine(snapshot, window.shares()).slice(0, Math.max(20, columns - 1))}`);
            },
          }
        : {}),
    });
  } catch (error) {
    if (error instanceof NetworkRuleError || error instanceof LoadOptionError) throw new ExitError(error.message, ExitCode.usage, { cause: error });
    throw error;
  } finally {
    if (live) io.stderr.write(clear);
  }
  io.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : summaryText(report, options.rps));
  const failure = allFailed(report, url);
  if (failure !== undefined) throw failure;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function loadCommand(): Command {
  return new Command('load')
    .description('Send HTTP requests at a constant rate and count which version, pod and status code answered')
    .argument('<url>', 'http:// URL: from the host a loopback address (the gateway line of `aviary cluster status`)')
    .option('--rps <n>', `requests per second (≤ ${maxRps})`, '50')
    .option('--duration <duration>', 'how long to send, e.g. 30s, 2m', '10s')
    .option('--max-requests <n>', 'stop after this many requests, if that comes first')
    .option('--header <name=value>', 'request header, repeatable; Host=web.shop.example picks the gateway route', collect, [])
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', `
Requests are sent on a fixed schedule whatever the server does (an open loop), and latency is counted from each
request's scheduled time, so a stalled server shows in the latency instead of lowering the rate. The version and
pod are read from the aviary-version / aviary-pod response headers, else from a JSON body's version / pod fields.
Exit 1 when no request got an HTTP response; HTTP error codes are counted, not failures.

Pod IPs are dialled only inside the lab: ip netns exec aviary-lab aviary load http://10.244.0.5:8080/

Examples:
  aviary load http://127.0.0.1:16450/ --header Host=web.shop.example --rps 100 --duration 1m
  aviary load http://127.0.0.1:16450/ --max-requests 1000 -o json`)
    // addCommand does not pass the program's exitOverride down: without it, a bad flag would exit 1, not 64.
    .exitOverride()
    .action(async (url: string, flags: LoadFlags) => {
      const interrupt = catchInterrupt();
      try {
        await loadFromCli(url, flags, { stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal });
      } finally {
        interrupt.dispose();
      }
    });
}

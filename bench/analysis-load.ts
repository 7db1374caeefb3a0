/**
 * The AnalysisRun controller under load: many concurrent AnalysisRuns, each with several metrics measured at an
 * interval, the controller running as its own process (`bin/aviary controller`, scoped to the benchmark's namespace).
 *
 * Every metric uses the `web` provider against a server in this process, which answers {"value": 1} at once
 * (successCondition `result.value >= 1`), so each run ends Successful after `--count` measurements per metric.
 * The URL names the run and the metric, so the server knows when each measurement of each (run, metric) arrived.
 * Runs are created at an even pace over `--stagger` seconds (0: as fast as `--concurrency` requests in flight
 * allow). Reported:
 *
 * - controller CPU: utime + stime of /proc/<pid>/stat, as % of one core, over the whole window (first create to
 *   all runs completed), over the steady part (every run created and none finished), and as a timeline;
 * - memory: VmRSS before, VmRSS at the end, VmHWM (peak);
 * - measurement lateness: per (run, metric), the gap between consecutive arrivals at the server minus the
 *   interval; and the first measurement's delay after the run's create request was answered;
 * - what the runs recorded: phases, and measurements in status against requests the server received.
 *
 * Prints figures; asserts nothing.
 *
 *   node bench/analysis-load.ts [--runs 500] [--metrics 3] [--interval 10] [--count 9] [--stagger 10]
 *                               [--concurrency 20] [--workers 10]
 */
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnalysisRun } from '../src/api/analysis.ts';
import { resourcePath } from '../src/runtime/rest.ts';
import { formatSummary, summarize } from './stats.ts';
import { Cleanup } from './support/cleanup.ts';
import { ControllerProcess, mib } from './support/controller-process.ts';
import {
  benchCluster, createBenchNamespace, deleteNamespace, ensureAnalysisCrds, ensureRolloutCrd, inPool, progressLog, retrying,
  rolloutApiVersion,
} from './support/kube.ts';
import { MetricServer } from './support/metric-server.ts';
import { sumSamples } from './support/prometheus.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '500' },
    metrics: { type: 'string', default: '3' },
    interval: { type: 'string', default: '10' },
    count: { type: 'string', default: '9' },
    stagger: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '20' },
    workers: { type: 'string', default: '10' },
  },
});
const wholeNumber = (name: keyof typeof values, min: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: a whole number ≥ ${min}`);
  return n;
};
const runCount = wholeNumber('runs', 1);
const metricCount = wholeNumber('metrics', 1);
const intervalSeconds = wholeNumber('interval', 1);
const measurementCount = wholeNumber('count', 1);
const staggerSeconds = wholeNumber('stagger', 0);
const concurrency = wholeNumber('concurrency', 1);
const workers = wholeNumber('workers', 1);
const intervalMs = intervalSeconds * 1000;
const expectedRequests = runCount * metricCount * measurementCount;

const runName = (i: number): string => `load-${i}`;
const metricName = (m: number): string => `m${m}`;
const metricPath = (run: string, metric: string): string => `/m/${run}/${metric}`;

interface Reading {
  at: number;
  cpuSeconds: number;
  rssBytes: number;
}

const log = progressLog('analysis-load');
const { kubeconfig, client } = await benchCluster();
const crds = [await ensureRolloutCrd(client), await ensureAnalysisCrds(client)];
const cleanup = new Cleanup();
console.log(`AnalysisRun load — ${new Date().toISOString()}, CRDs ${crds.includes('installed') ? 'installed' : 'present'}: ` +
  `${runCount} runs × ${metricCount} metrics, interval ${intervalSeconds} s, count ${measurementCount}, ` +
  `${staggerSeconds === 0 ? 'created at once' : `created evenly over ${staggerSeconds} s`} (${concurrency} requests in flight), controller --workers ${workers}`);
try {
  await run();
} finally {
  await cleanup.run();
}

async function run(): Promise<void> {
  const server = await MetricServer.start((path) => (path.startsWith('/m/') ? { value: 1 } : undefined));
  cleanup.add('stop the metric server', () => server.close());
  const namespace = await createBenchNamespace(client, 'analysis-load');
  cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));
  const runsPath = (name?: string): string => resourcePath(rolloutApiVersion, 'analysisruns', namespace, name);

  const controller = await ControllerProcess.start({ kubeconfig, namespace, workers });
  cleanup.add('stop controller', () => controller.stop());
  const readings: Reading[] = [];
  const read = async (): Promise<Reading> => {
    const [cpuSeconds, status] = await Promise.all([controller.cpuSeconds(), readFile(`/proc/${controller.pid}/status`, 'utf8')]);
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
    const reading = { at: performance.now(), cpuSeconds, rssBytes: rssKb * 1024 };
    readings.push(reading);
    return reading;
  };
  // Idle baseline: what the controller costs before any run exists.
  await sleep(2000);
  const idleFrom = await read();
  await sleep(10_000);
  const idleTo = await read();
  const idleMemory = await controller.memory();
  const load = loadavg();
  log(`idle controller: ${cpuPercent(idleFrom, idleTo).toFixed(1)} % CPU, VmRSS ${mib(idleMemory.vmRssBytes)}; load average ${load.map((l) => l.toFixed(1)).join(' ')}; creating runs`);

  const sampling = { stop: false };
  // prom-client resets its event-loop-delay histogram at every scrape: scraping every 5 s gives the worst lag
  // of each 5 s, whose maximum is the worst over the run.
  const lag = { maxSeconds: 0, worstP99Seconds: 0 };
  const scrapeLag = async (): Promise<void> => {
    const samples = await controller.metrics();
    lag.maxSeconds = Math.max(lag.maxSeconds, sumSamples(samples, 'nodejs_eventloop_lag_max_seconds'));
    lag.worstP99Seconds = Math.max(lag.worstP99Seconds, sumSamples(samples, 'nodejs_eventloop_lag_p99_seconds'));
  };
  await scrapeLag();
  const sampler = (async () => {
    for (let tick = 1; !sampling.stop; tick++) {
      await sleep(1000);
      await read();
      if (tick % 5 === 0) await scrapeLag();
    }
  })();
  cleanup.add('stop sampling', async () => {
    sampling.stop = true;
    await sampler;
  });

  const createdAt: number[] = new Array<number>(runCount).fill(Number.NaN);
  const start = await read();
  const indexes = Array.from({ length: runCount }, (_, i) => i);
  await inPool(indexes, concurrency, async (i) => {
    const due = start.at + (staggerSeconds * 1000 * i) / runCount;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const name = runName(i);
    await retrying(() => client.create(runsPath(), manifest(namespace, name, server.url)));
    createdAt[i] = performance.now();
  }, (done) => { log(`${done}/${runCount} runs created`); }, 100);
  const createdAll = await read();
  log(`all ${runCount} runs created in ${((createdAll.at - start.at) / 1000).toFixed(1)} s`);

  // The server sees every measurement; the API is asked only once the last ones should be in.
  let lastProgress = performance.now();
  const deadline = createdAll.at + (measurementCount * intervalMs + 120_000) * 3;
  while (server.total < expectedRequests && performance.now() < deadline) {
    await sleep(500);
    if (performance.now() - lastProgress > 15_000) {
      lastProgress = performance.now();
      const r = readings[readings.length - 1];
      log(`${server.total}/${expectedRequests} measurements received; controller VmRSS ${r === undefined ? '?' : mib(r.rssBytes)}`);
    }
  }
  const lastMeasurement = performance.now();
  let listed: AnalysisRun[] = [];
  for (;;) {
    listed = (await client.get<{ items: AnalysisRun[] }>(runsPath())).items;
    const running = listed.filter((r) => !['Successful', 'Failed', 'Error', 'Inconclusive'].includes(r.status?.phase ?? '')).length;
    if (running === 0 || performance.now() > deadline) break;
    await sleep(1000);
  }
  const end = await read();
  sampling.stop = true;
  await sampler;
  const endMemory = await controller.memory();
  const controllerMetrics = await controller.metrics();
  lag.maxSeconds = Math.max(lag.maxSeconds, sumSamples(controllerMetrics, 'nodejs_eventloop_lag_max_seconds'));

  // Lateness per (run, metric): consecutive arrivals at the server, minus the interval.
  const lateness: number[] = [];
  const firstDelay: number[] = [];
  /**
   * Where in its wall-clock second each measurement after the first arrived: status times have whole seconds, so
   * due times fall on second boundaries, and measurements of runs created at different times bunch up there.
   */
  const withinSecond: number[] = [];
  /** First-measurement delays per tenth of the runs in creation order: does a backlog build up while creating? */
  const firstDelayByTenth: number[][] = Array.from({ length: 10 }, () => []);
  let missing = 0;
  let extra = 0;
  let example: { run: number; metric: number; arrivals: number[] } | undefined;
  for (let i = 0; i < runCount; i++) {
    for (let m = 0; m < metricCount; m++) {
      const arrivals = (server.requests.get(metricPath(runName(i), metricName(m))) ?? []).map((r) => r.arrivedAt);
      if (arrivals.length < measurementCount) missing += measurementCount - arrivals.length;
      if (arrivals.length > measurementCount) extra += arrivals.length - measurementCount;
      const repeated = arrivals.some((a, k) => k > 0 && a - (arrivals[k - 1] ?? 0) < intervalMs / 2);
      if (repeated || arrivals.length > measurementCount) example ??= { run: i, metric: m, arrivals };
      const first = arrivals[0];
      const created = createdAt[i] ?? Number.NaN;
      if (first !== undefined && !Number.isNaN(created)) {
        firstDelay.push(first - created);
        firstDelayByTenth[Math.floor((10 * i) / runCount)]?.push(first - created);
      }
      for (let k = 1; k < arrivals.length; k++) {
        lateness.push((arrivals[k] ?? 0) - (arrivals[k - 1] ?? 0) - intervalMs);
        withinSecond.push((performance.timeOrigin + (arrivals[k] ?? 0)) % 1000);
      }
    }
  }
  const phases = new Map<string, number>();
  let recorded = 0;
  let recordedErrors = 0;
  for (const r of listed) {
    const phase = r.status?.phase ?? '(none)';
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
    for (const result of r.status?.metricResults ?? []) {
      recorded += (result.count ?? 0);
      recordedErrors += (result.error ?? 0);
    }
  }

  const steadyFrom = createdAll.at + intervalMs;
  const steadyTo = start.at + (measurementCount - 1) * intervalMs;
  const steady = readings.filter((r) => r.at >= steadyFrom && r.at <= steadyTo);
  const steadyFirst = steady[0];
  const steadyLast = steady[steady.length - 1];
  const lateSummary = summarize(lateness);
  const early = lateness.filter((l) => l < 0).length;
  const loadEnd = loadavg();

  console.log(`\n${runCount} AnalysisRuns × ${metricCount} metrics in ${namespace}, controller pid ${controller.pid}`);
  console.log(`  created in ${((createdAll.at - start.at) / 1000).toFixed(1)} s; last measurement ${((lastMeasurement - start.at) / 1000).toFixed(1)} s and all runs completed ${((end.at - start.at) / 1000).toFixed(1)} s after the first create`);
  console.log(`  runs by phase: ${[...phases].map(([p, n]) => `${p} ${n}`).join(', ')}`);
  console.log(`  measurements: ${server.total} requests received (${expectedRequests} expected; ${missing} missing, ${extra} beyond the count), ${recorded} recorded in status (${recordedErrors} errors)`);
  console.log(`  controller CPU: idle ${cpuPercent(idleFrom, idleTo).toFixed(1)} % of one core; whole window ${cpuPercent(start, end).toFixed(1)} % ` +
    `(${(end.cpuSeconds - start.cpuSeconds).toFixed(1)} s CPU in ${((end.at - start.at) / 1000).toFixed(1)} s)` +
    (steadyFirst !== undefined && steadyLast !== undefined && steadyLast.at > steadyFirst.at
      ? `; steady part (${((steadyFirst.at - start.at) / 1000).toFixed(0)}–${((steadyLast.at - start.at) / 1000).toFixed(0)} s, all runs measuring) ${cpuPercent(steadyFirst, steadyLast).toFixed(1)} %`
      : '; no steady part (runs too short for the creation time)'));
  console.log(`  CPU timeline (% of one core per 10 s from the first create): ${timeline(readings.filter((r) => r.at >= start.at && r.at <= end.at), start.at)}`);
  console.log(`  controller memory: VmRSS idle ${mib(idleMemory.vmRssBytes)}, at the end ${mib(endMemory.vmRssBytes)}, VmHWM (peak) ${mib(endMemory.vmHwmBytes)}; heap used ${mib(endMemory.heapUsedBytes)} of ${mib(endMemory.heapTotalBytes)}`);
  console.log(formatSummary(`  lateness (gap between consecutive measurements − ${intervalSeconds} s)`, lateness));
  console.log(`      min ${lateSummary.n === 0 ? 'n/a' : `${Math.min(...lateness).toFixed(1)} ms`}; ${early} of ${lateness.length} gaps shorter than the interval`);
  // A gap under half the interval is a measurement taken twice (see "extra" above), not a late or early one.
  const scheduled = lateness.filter((l) => l >= -intervalMs / 2);
  console.log(formatSummary(`      without the ${lateness.length - scheduled.length} gaps < interval/2 (a measurement taken twice)`, scheduled));
  console.log(formatSummary('      arrival of measurements 2… within their wall-clock second (ms past the second)', withinSecond));
  console.log(formatSummary('  first measurement after the create request was answered', firstDelay));
  console.log(`      p50 per tenth of the runs in creation order: ${firstDelayByTenth.filter((d) => d.length > 0).map((d) => summarize(d).p50.toFixed(0)).join(', ')} ms`);
  if (example !== undefined) {
    // One (run, metric) measured twice in a row or more often than its count, to show when: the server's
    // arrivals against what the run's status recorded.
    const { run: i, metric: m, arrivals } = example;
    const created = createdAt[i] ?? Number.NaN;
    const result = listed.find((r) => r.metadata.name === runName(i))?.status?.metricResults?.find((r) => r.name === metricName(m));
    console.log(`  e.g. ${runName(i)}/${metricName(m)}: requests at ${arrivals.map((a) => `+${((a - created) / 1000).toFixed(3)}`).join(', ')} s after its create; ` +
      `status: count ${result?.count ?? 0}, measurements ${(result?.measurements ?? []).map((x) => `${x.phase} ${x.startedAt ?? '?'}–${x.finishedAt ?? '?'}`).join(', ')}`);
  }
  const controllerName = 'analysisrun.aviary.dev';
  const of = (name: string, label = 'controller'): number => sumSamples(controllerMetrics, name, (l) => l[label] === controllerName);
  const reconciles = of('aviary_reconcile_total');
  console.log(`  ${controllerName}: ${reconciles} reconciles (${['success', 'requeue_after', 'error', 'terminal_error'].map((r) => `${r} ${sumSamples(controllerMetrics, 'aviary_reconcile_total', (l) => l.controller === controllerName && l.result === r)}`).join(', ')}), ` +
    `mean reconcile ${(of('aviary_reconcile_duration_seconds_sum') / Math.max(1, of('aviary_reconcile_duration_seconds_count')) * 1000).toFixed(1)} ms, ` +
    `mean queue wait ${(of('aviary_workqueue_queue_duration_seconds_sum', 'name') / Math.max(1, of('aviary_workqueue_queue_duration_seconds_count', 'name')) * 1000).toFixed(1)} ms, ` +
    `retries ${of('aviary_workqueue_retries_total', 'name')}`);
  console.log(`  controller event loop delay (its /metrics every 5 s): max ${(lag.maxSeconds * 1000).toFixed(0)} ms, worst 5-s p99 ${(lag.worstP99Seconds * 1000).toFixed(0)} ms`);
  console.log(`  load average: ${load.map((l) => l.toFixed(1)).join(' ')} before, ${loadEnd.map((l) => l.toFixed(1)).join(' ')} at the end`);
  log('cleaning up');
  await cleanup.run();
  const gone = await deleteNamespace(client, namespace, 5 * 60_000);
  log(gone === undefined ? 'namespace still terminating' : `namespace deleted in ${(gone / 1000).toFixed(1)} s`);
}

function manifest(namespace: string, name: string, url: string): AnalysisRun {
  return {
    apiVersion: rolloutApiVersion,
    kind: 'AnalysisRun',
    metadata: { name, namespace, labels: { 'bench.aviary.dev/benchmark': 'analysis-load' } },
    spec: {
      metrics: Array.from({ length: metricCount }, (_, m) => ({
        name: metricName(m),
        interval: `${intervalSeconds}s`,
        count: measurementCount,
        successCondition: 'result.value >= 1',
        provider: { web: { url: `${url}${metricPath(name, metricName(m))}`, jsonPath: '{$}' } },
      })),
    },
  };
}

function cpuPercent(from: Reading, to: Reading): number {
  return to.at > from.at ? ((to.cpuSeconds - from.cpuSeconds) / ((to.at - from.at) / 1000)) * 100 : Number.NaN;
}

/** CPU % per 10 s bucket, from the readings (about one a second). */
function timeline(readings: readonly Reading[], origin: number): string {
  const out: string[] = [];
  let from = readings[0];
  for (const r of readings) {
    if (from === undefined) break;
    if (r.at - from.at >= 10_000 || r === readings[readings.length - 1]) {
      if (r.at > from.at) out.push(`${((from.at - origin) / 1000).toFixed(0)}s ${cpuPercent(from, r).toFixed(0)}`);
      from = r;
    }
  }
  return out.join(', ');
}

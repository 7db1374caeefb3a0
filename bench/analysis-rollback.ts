/**
 * Rollback latency of a failing analysis: the time from a failing measurement being recorded to the Rollout's
 * canary being scaled down, the controller running as its own process (`bin/aviary controller`, scoped to the
 * benchmark's namespace).
 *
 * One canary Rollout (2 replicas, steps [setWeight: 50, analysis: {templates: [fail-fast]}]) whose AnalysisTemplate
 * `fail-fast` measures with the `web` provider against a server in this process (interval 1 s, failureLimit 0),
 * which answers {"score": 10} while the successCondition asks for ≥ 90. The step passes the canary's pod template
 * hash as an argument (podTemplateHashValue: Latest) into the URL, so each request is known to belong to a sample.
 * Per sample a new pod template is released (which also clears the previous sample's abort); then:
 *
 *   t_resp  the server hands the failing measurement's response to the socket;
 *   t0      the watch event (this process) in which the AnalysisRun's status first shows a Failed measurement;
 *   t1      the watch event in which the canary ReplicaSet's spec.replicas goes from > 0 to 0.
 *
 * t0 → t1 is the headline (target p99 ≤ 1 s): the Rollout controller's watch delivery, reconcile and scaling write,
 * plus two watch deliveries to this process. t_resp → t0 is the AnalysisRun controller's share (recording the
 * measurement), t_resp → t1 the whole path. All times are performance.now() of this process. Prints figures;
 * asserts nothing.
 *
 *   node bench/analysis-rollback.ts [--samples 25] [--replicas 2]
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnalysisRun } from '../src/api/analysis.ts';
import type { Rollout } from '../src/api/rollout.ts';
import type { DeepReadonly } from '../src/runtime/objects.ts';
import { resourcePath } from '../src/runtime/rest.ts';
import { formatSummary } from './stats.ts';
import { Cleanup } from './support/cleanup.ts';
import { ControllerProcess, mib } from './support/controller-process.ts';
import {
  benchCluster, benchLabel, createBenchNamespace, deleteNamespace, ensureAnalysisCrds, ensureRolloutCrd, progressLog,
  rolloutApiVersion, rolloutManifest, rolloutsPath,
} from './support/kube.ts';
import { MetricServer } from './support/metric-server.ts';
import { sumSamples } from './support/prometheus.ts';
import { analysisRunInformer, isHealthy, replicaSetInformer, rolloutInformer, waitUntil, type CachedReplicaSet } from './support/watch.ts';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '25' },
    replicas: { type: 'string', default: '2' },
  },
});
const samples = Number(values.samples);
const replicas = Number(values.replicas);
if (!Number.isInteger(samples) || samples < 1) throw new Error('--samples: a whole number ≥ 1');
if (!Number.isInteger(replicas) || replicas < 2) throw new Error('--replicas: a whole number ≥ 2 (setWeight 50 must give the canary a pod)');

const hashLabel = 'rollouts-pod-template-hash';
const measuredName = 'measured';
const templateName = 'fail-fast';
const mergePatch = 'application/merge-patch+json';

/** What the watch handlers and the server saw of one sample. */
interface SampleState {
  knownReplicaSets: Set<string>;
  hash?: string;
  runName?: string;
  runAddedAt?: number;
  failedAt?: number;
  scaledDownAt?: number;
}

function hasFailedMeasurement(run: DeepReadonly<AnalysisRun>): boolean {
  return (run.status?.metricResults ?? []).some((r) => (r.measurements ?? []).some((m) => m.phase === 'Failed'));
}

const log = progressLog('analysis-rollback');
const { kubeconfig, client } = await benchCluster();
const crds = [await ensureRolloutCrd(client), await ensureAnalysisCrds(client)];
const cleanup = new Cleanup();
console.log(`Analysis rollback latency — ${new Date().toISOString()}, CRDs ${crds.includes('installed') ? 'installed' : 'present'}, ${samples} samples`);
try {
  await run();
} finally {
  await cleanup.run();
}

async function run(): Promise<void> {
  const server = await MetricServer.start((path) => (path.startsWith('/fail/') ? { score: 10 } : undefined));
  cleanup.add('stop the metric server', () => server.close());
  const namespace = await createBenchNamespace(client, 'analysis-rollback');
  cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));

  await client.create(resourcePath(rolloutApiVersion, 'analysistemplates', namespace), {
    apiVersion: rolloutApiVersion,
    kind: 'AnalysisTemplate',
    metadata: { name: templateName, namespace },
    spec: {
      args: [{ name: 'hash' }],
      metrics: [{
        name: 'score',
        interval: '1s',
        failureLimit: 0,
        successCondition: 'result.score >= 90',
        provider: { web: { url: `${server.url}/fail/{{args.hash}}`, jsonPath: '{$}' } },
      }],
    },
  });
  const steps = [
    { setWeight: 50 },
    { analysis: { templates: [{ templateName }], args: [{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }] } },
  ];
  await client.create(rolloutsPath(namespace), rolloutManifest({ name: measuredName, namespace, replicas, steps, role: 'measured' }));

  const rollouts = rolloutInformer(client, namespace);
  const replicaSets = replicaSetInformer(client, namespace, `${benchLabel}=measured`);
  const runs = analysisRunInformer(client, namespace);
  cleanup.add('stop informers', () => Promise.all([rollouts.stop(), replicaSets.stop(), runs.stop()]));
  rollouts.start();
  replicaSets.start();
  runs.start();
  await Promise.all([rollouts.waitForSync(), replicaSets.waitForSync(), runs.waitForSync()]);

  const controller = await ControllerProcess.start({ kubeconfig, namespace });
  cleanup.add('stop controller', () => controller.stop());
  const measuredKey = `${namespace}/${measuredName}`;
  const measured = (): DeepReadonly<Rollout> | undefined => rollouts.get(measuredKey);
  await waitUntil('the Rollout Healthy', () => { const r = measured(); return r !== undefined && isHealthy(r); }, 120_000, 20);
  log('Rollout Healthy; measuring');

  let current: SampleState | undefined;
  const ownedByMeasured = (rs: CachedReplicaSet): boolean =>
    rs.metadata?.ownerReferences?.some((o) => o.name === measuredName && o.controller === true) === true;
  replicaSets.addEventHandler({
    onAdd: (rs) => {
      const name = rs.metadata?.name ?? '';
      if (current !== undefined && current.hash === undefined && ownedByMeasured(rs) && !current.knownReplicaSets.has(name)) {
        current.hash = rs.metadata?.labels?.[hashLabel];
      }
    },
    onUpdate: (oldRs, rs) => {
      const at = performance.now();
      if (current?.hash === undefined || current.scaledDownAt !== undefined || rs.metadata?.labels?.[hashLabel] !== current.hash) return;
      if ((oldRs.spec?.replicas ?? 0) > 0 && rs.spec?.replicas === 0) current.scaledDownAt = at;
    },
  });
  const onRun = (r: DeepReadonly<AnalysisRun>): void => {
    const at = performance.now();
    if (current?.hash === undefined || r.metadata.labels?.[hashLabel] !== current.hash) return;
    if (current.runAddedAt === undefined) {
      current.runAddedAt = at;
      current.runName = r.metadata.name;
    }
    if (current.failedAt === undefined && hasFailedMeasurement(r)) current.failedAt = at;
  };
  runs.addEventHandler({ onAdd: onRun, onUpdate: (_old, r) => { onRun(r); } });

  const failToScale: number[] = [];
  const respToScale: number[] = [];
  const respToFail: number[] = [];
  const releaseToRun: number[] = [];
  const runToRequest: number[] = [];
  const requestsPerRun: number[] = [];
  /** For runs measured more than once: how long after the failing response the next request arrived. */
  const repeatAfter: number[] = [];
  /** "measurements/count/failed" of each run's metric once the sample settled. */
  const measurementsPerRun: string[] = [];
  const before = await controllerTimings(controller);
  let failures = 0;
  for (let i = 0; i < samples; i++) {
    const sample: SampleState = { knownReplicaSets: new Set(replicaSets.list().map((rs) => rs.metadata?.name ?? '')) };
    current = sample;
    try {
      await client.patch(rolloutsPath(namespace, measuredName), { spec: { template: { metadata: { annotations: { 'bench.aviary.dev/sample': `${Date.now()}-${i}` } } } } }, mergePatch);
      const releasedAt = performance.now();
      await waitUntil('the canary scaled to 0 after the failed analysis', () => sample.scaledDownAt !== undefined, 60_000, 2, () =>
        `hash ${sample.hash ?? '?'}, run ${sample.runName ?? 'not created'}, failed measurement ${sample.failedAt === undefined ? 'not seen' : 'seen'}; ` +
        `Rollout ${measured()?.status?.phase ?? '?'}: ${measured()?.status?.message ?? ''}`);
      const request = server.requests.get(`/fail/${sample.hash ?? ''}`)?.[0];
      if (sample.failedAt === undefined || request?.sentAt === undefined || sample.runAddedAt === undefined) {
        throw new Error(`incomplete sample: failed measurement ${String(sample.failedAt)}, request ${JSON.stringify(request)}`);
      }
      const scaledDownAt = sample.scaledDownAt ?? 0;
      failToScale.push(scaledDownAt - sample.failedAt);
      respToScale.push(scaledDownAt - request.sentAt);
      respToFail.push(sample.failedAt - request.sentAt);
      releaseToRun.push(sample.runAddedAt - releasedAt);
      runToRequest.push(request.arrivedAt - sample.runAddedAt);
      await waitUntil('the Rollout to settle aborted', () => {
        const r = measured();
        return r?.status?.abort === true && r.status.phase === 'Degraded' && r.status.observedGeneration === String(r.metadata.generation ?? 0);
      }, 60_000, 10);
      if ((i + 1) % 5 === 0) log(`${i + 1}/${samples} samples`);
    } catch (error) {
      failures++;
      log(`sample ${i}: ${error instanceof Error ? error.message : String(error)}`);
      if (failures > 3) throw error;
    }
    current = undefined;
    // Trailing Events and status writes of this sample finish before the next release.
    await sleep(300);
    if (sample.hash !== undefined) {
      const requests = server.requests.get(`/fail/${sample.hash}`) ?? [];
      requestsPerRun.push(requests.length);
      const [first, second] = requests;
      if (first?.sentAt !== undefined && second !== undefined) repeatAfter.push(second.arrivedAt - first.sentAt);
      const recorded = runs.get(`${namespace}/${sample.runName ?? ''}`)?.status?.metricResults?.[0];
      measurementsPerRun.push(`${recorded?.measurements?.length ?? 0}/${recorded?.count ?? 0}/${recorded?.failed ?? 0}`);
    }
  }

  const after = await controllerTimings(controller);
  const memory = await controller.memory();
  console.log(`\n1 canary Rollout (${replicas} replicas, steps [setWeight: 50, analysis: ${templateName}]) in ${namespace}, controller pid ${controller.pid}`);
  console.log(formatSummary('  failed measurement in AnalysisRun status (t0) → canary spec.replicas 0 (t1)', failToScale));
  console.log(formatSummary('  measurement response sent by the server → t1', respToScale));
  console.log(formatSummary('  measurement response sent by the server → t0 (recording the measurement)', respToFail));
  console.log(formatSummary('  template PATCH response → AnalysisRun ADDED (pod ready, setWeight step, run created)', releaseToRun));
  console.log(formatSummary('  AnalysisRun ADDED → measurement request arrived', runToRequest));
  console.log(`  measurement requests per run: ${tally(requestsPerRun.map(String))} (failureLimit 0: one expected)`);
  if (repeatAfter.length > 0) console.log(formatSummary('      a second request, after the failing response was sent', repeatAfter));
  console.log(`  recorded in status (measurements/count/failed): ${tally(measurementsPerRun)}`);
  for (const [name, t] of Object.entries(after)) {
    const b = before[name];
    const mean = (key: 'queue' | 'reconcile'): string => {
      const count = t[key].count - (b?.[key].count ?? 0);
      return count === 0 ? 'n/a' : `${((t[key].sum - (b?.[key].sum ?? 0)) / count * 1000).toFixed(1)} ms over ${count}`;
    };
    console.log(`  ${name}: mean queue wait ${mean('queue')}, mean reconcile ${mean('reconcile')} (its histograms)`);
  }
  if (failures > 0) console.log(`  samples that failed or timed out: ${failures}`);
  console.log(`  controller RSS at the end: ${mib(memory.vmRssBytes)} (peak ${mib(memory.vmHwmBytes)})`);
}

/** "a ×3, b ×1": how often each value occurs. */
function tally(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([item, n]) => `${item} ×${n}`).join(', ');
}

/** Queue-wait and reconcile-duration histogram sums and counts, per controller. */
async function controllerTimings(controller: ControllerProcess): Promise<Record<string, Record<'queue' | 'reconcile', { sum: number; count: number }>>> {
  const metrics = await controller.metrics();
  const names = new Set(metrics.filter((s) => s.name === 'aviary_reconcile_duration_seconds_count').map((s) => s.labels.controller ?? ''));
  const out: Record<string, Record<'queue' | 'reconcile', { sum: number; count: number }>> = {};
  for (const name of names) {
    const pick = (metric: string, label: string): { sum: number; count: number } => ({
      sum: sumSamples(metrics, `${metric}_sum`, (l) => l[label] === name),
      count: sumSamples(metrics, `${metric}_count`, (l) => l[label] === name),
    });
    out[name] = { queue: pick('aviary_workqueue_queue_duration_seconds', 'name'), reconcile: pick('aviary_reconcile_duration_seconds', 'controller') };
  }
  return out;
}

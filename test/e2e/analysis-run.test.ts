/**
 * The AnalysisRun controller against the local cluster: real measurements (a local HTTP server for web, the test
 * bed's Prometheus, Jobs completed by KWOK), the limits of the reference, arguments from Secrets, terminate and
 * ttlStrategy.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AnalysisRun, Metric } from '../../src/api/analysis.ts';
import { aviaryGroup } from '../../src/api/groups.ts';
import { analysisRunController } from '../../src/analysis/controller.ts';
import { involvedObject } from '../../src/runtime/events.ts';
import { Manager } from '../../src/runtime/manager.ts';
import { KubeClient, PatchType, isNotFound, resourcePath } from '../../src/runtime/rest.ts';
import { installAnalysisCrds } from '../support/controller.ts';
import { TestNamespace } from '../support/namespace.ts';
import { TestExporter, TestPrometheus } from '../support/prometheus.ts';
import { waitFor } from '../support/wait.ts';

const ns = new TestNamespace('analysis-run', [['aviary.dev/v1alpha1', 'AnalysisRun'], ['batch/v1', 'Job'], ['v1', 'Pod']]);
const client = new KubeClient(ns.kc, { userAgent: 'aviary-e2e' });
const runsPath = resourcePath('aviary.dev/v1alpha1', 'analysisruns', ns.name);
const exporter = new TestExporter();
const prometheus = new TestPrometheus();
let manager: Manager;
const events: { object: string; reason: string; message: string }[] = [];

/** A web endpoint whose answer the test sets; it counts the requests it served. */
let webAnswer: unknown = { ok: true, rate: 0.99 };
const webRequests: { path: string; auth: string | undefined }[] = [];
let webServer: Server;
let webUrl = '';

async function createRun(name: string, spec: AnalysisRun['spec']): Promise<void> {
  await client.create(runsPath, { apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun', metadata: { name }, spec });
}

async function getRun(name: string): Promise<AnalysisRun> {
  return client.get<AnalysisRun>(`${runsPath}/${name}`);
}

async function finalRun(name: string, timeoutMs = 60_000): Promise<AnalysisRun> {
  return ns.waitFor(`AnalysisRun ${name} to complete`, async () => {
    const run = await getRun(name);
    return ['Successful', 'Failed', 'Error', 'Inconclusive'].includes(run.status?.phase ?? '') ? run : undefined;
  }, { timeoutMs });
}

const webMetric = (extra: Partial<Metric> = {}): Metric => ({
  name: 'health',
  successCondition: 'result.ok == true && result.rate >= 0.95',
  provider: { web: { url: `${webUrl}/health`, jsonPath: '{$}' } },
  ...extra,
});

describe('AnalysisRun controller (real API server, real providers)', () => {
  before(async () => {
    await ns.create();
    await installAnalysisCrds(ns.kc);
    webServer = createServer((req, res) => {
      webRequests.push({ path: req.url ?? '', auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(webAnswer));
    });
    await new Promise<void>((resolve) => webServer.listen(0, '127.0.0.1', resolve));
    webUrl = `http://127.0.0.1:${String((webServer.address() as AddressInfo).port)}`;
    exporter.set('checkout_success_ratio', {}, 0.97);
    await prometheus.start([await exporter.start()]);
    manager = new Manager({ kubeConfig: ns.kc, address: false });
    const record = manager.events.event.bind(manager.events);
    manager.events.event = (object, type, reason, message) => {
      events.push({ object: involvedObject(object).name ?? '', reason, message });
      record(object, type, reason, message);
    };
    manager.addController(analysisRunController(manager, { group: aviaryGroup, namespace: ns.name, controllerNamespace: ns.name }));
    await manager.start();
  });

  after(async () => {
    await manager.stop();
    client.close();
    await prometheus.stop();
    await exporter.stop();
    await new Promise((resolve) => webServer.close(resolve));
    await ns.delete();
  });

  it('web: takes `count` measurements at the interval and succeeds, with events and summary', async () => {
    webAnswer = { ok: true, rate: 0.99 };
    const requestsBefore = webRequests.length;
    await createRun('web-ok', { metrics: [webMetric({ count: 3, interval: '1s' })] });
    const run = await finalRun('web-ok');
    assert.equal(webRequests.length - requestsBefore, 3, 'each measurement queried the provider once (none repeated from a stale cache)');
    assert.equal(run.status?.phase, 'Successful');
    const result = run.status.metricResults?.at(0);
    assert.equal(result?.count, 3);
    assert.equal(result.successful, 3);
    assert.equal(result.measurements?.length, 3);
    assert.deepEqual(JSON.parse(result.measurements.at(0)?.value ?? '{}'), { ok: true, rate: 0.99 });
    assert.deepEqual(run.status.runSummary, { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0 });
    assert.ok(run.status.startedAt !== undefined && run.status.completedAt !== undefined);
    await waitFor('the run events', () => Promise.resolve(events.filter((e) => e.object === 'web-ok').map((e) => e.reason).join(',') === 'AnalysisRunRunning,MetricSuccessful,AnalysisRunSuccessful'));
  });

  it('web: a failing condition fails the run at once with failureLimit 0, naming the metric', async () => {
    webAnswer = { ok: true, rate: 0.5 };
    await createRun('web-bad', { metrics: [webMetric({ count: 5, interval: '1s' })] });
    const run = await finalRun('web-bad');
    assert.equal(run.status?.phase, 'Failed');
    assert.match(run.status.message ?? '', /Metric "health" assessed Failed due to failed \(1\) > failureLimit \(0\)/);
    assert.equal(run.status.metricResults?.at(0)?.count, 1, 'no measurement after the verdict');

    // Argo Rollouts' metric names and labels, from the informer cache at scrape time.
    const exported = await waitFor('the run in the exported metrics', async () => {
      const text = await manager.registry.metrics();
      return text.includes(`analysis_run_info{namespace="${ns.name}",name="web-bad",phase="Failed"} 1`) ? text : undefined;
    });
    const metric = `namespace="${ns.name}",name="web-bad",metric="health",type="Web"`;
    assert.ok(exported.includes(`analysis_run_metric_type{${metric}} 1`), exported);
    assert.ok(exported.includes(`analysis_run_metric_phase{${metric},dry_run="false",phase="Failed"} 1`), exported);
    assert.ok(exported.includes(`analysis_run_metric_phase{${metric},dry_run="false",phase="Successful"} 0`), exported);
    assert.ok(exported.includes(`analysis_run_phase{namespace="${ns.name}",name="web-bad",phase="Running"} 0`), exported);
    assert.match(exported, new RegExp(`analysis_run_reconcile_count\\{namespace="${ns.name}",name="web-bad"\\} [1-9]`));
  });

  it('both conditions set and neither true: Inconclusive', async () => {
    webAnswer = { ok: true, rate: 0.9 };
    await createRun('web-unsure', { metrics: [webMetric({ successCondition: 'result.rate >= 0.95', failureCondition: 'result.rate < 0.8' })] });
    const run = await finalRun('web-unsure');
    assert.equal(run.status?.phase, 'Inconclusive');
  });

  it('a condition that does not evaluate is an Error measurement; past consecutiveErrorLimit the run is Error', async () => {
    webAnswer = { ok: true, rate: 0.99 };
    await createRun('web-error', { metrics: [webMetric({ successCondition: 'result.rate >= nope', interval: '1s', consecutiveErrorLimit: 0 })] });
    const run = await finalRun('web-error');
    assert.equal(run.status?.phase, 'Error');
    assert.match(run.status.metricResults?.at(0)?.measurements?.at(0)?.message ?? '', /successCondition: .*nope/);
  });

  it('prometheus: measures the real Prometheus with an argument in the query', async () => {
    await prometheus.waitForValue('checkout_success_ratio', 0.97);
    await createRun('prom', {
      args: [{ name: 'series', value: 'checkout_success_ratio' }],
      metrics: [{ name: 'success-rate', successCondition: 'result[0] >= 0.95', provider: { prometheus: { address: prometheus.url, query: '{{args.series}}' } } }],
    });
    const run = await finalRun('prom');
    assert.equal(run.status?.phase, 'Successful', JSON.stringify(run.status));
    assert.equal(run.status.metricResults?.at(0)?.measurements?.at(0)?.value, '[0.97]');
  });

  it('arguments from a Secret of the run namespace reach the provider and never the status', async () => {
    await client.create(resourcePath('v1', 'secrets', ns.name), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-creds' }, stringData: { token: 'tok-3141' } });
    webAnswer = { ok: true, rate: 0.99, echo: 'tok-3141' };
    await createRun('secret-arg', {
      args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'web-creds', key: 'token' } } }],
      metrics: [{ name: 'auth', successCondition: 'result == true', provider: { web: { url: `${webUrl}/auth`, headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }], jsonPath: '{$.ok}' } } }],
    });
    const run = await finalRun('secret-arg');
    assert.equal(run.status?.phase, 'Successful');
    assert.ok(webRequests.some((r) => r.path === '/auth' && r.auth === 'Bearer tok-3141'));
    assert.ok(!JSON.stringify(run.status).includes('tok-3141'));
  });

  it('a missing required argument or Secret ends the run in Error with a message naming it', async () => {
    await createRun('missing-arg', { args: [{ name: 'svc' }], metrics: [webMetric()] });
    await createRun('missing-secret', { args: [{ name: 'x', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }], metrics: [webMetric()] });
    assert.match((await finalRun('missing-arg')).status?.message ?? '', /args\[svc\]: a value is required/);
    assert.match((await finalRun('missing-secret')).status?.message ?? '', /Secret "absent" not found/);
  });

  it('an unknown provider is an Error naming the field', async () => {
    await client.create(runsPath, { apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'bad-provider' }, spec: { metrics: [{ name: 'm', provider: { plugin: { 'acme/metric': {} } } }] } });
    const run = await finalRun('bad-provider');
    assert.equal(run.status?.phase, 'Error');
    assert.match(run.status.message ?? '', /metrics\[m\]\.provider\.plugin: metric provider "plugin" is not supported/);
  });

  it('spec.terminate stops an endless metric: Successful, "Run Terminated"', async () => {
    webAnswer = { ok: true, rate: 0.99 };
    await createRun('endless', { metrics: [webMetric({ interval: '1s' })] });
    await ns.waitFor('two measurements', async () => ((await getRun('endless')).status?.metricResults?.at(0)?.count ?? 0) >= 2);
    await client.patch(`${runsPath}/endless`, { spec: { terminate: true } }, PatchType.merge);
    const run = await finalRun('endless');
    assert.equal(run.status?.phase, 'Successful');
    assert.equal(run.status.message, 'Run Terminated');
  });

  it('job: a Job per measurement, resumed by its watch event; a failing Job fails the run', async () => {
    const jobSpec = (command: string) => ({ template: { spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'busybox', command: ['sh', '-c', command] }] } }, backoffLimit: 0 });
    await createRun('job-ok', { metrics: [{ name: 'smoke', provider: { job: { spec: jobSpec('exit 0') } } }] });
    const run = await finalRun('job-ok', 120_000);
    assert.equal(run.status?.phase, 'Successful', JSON.stringify(run.status));
    const jobName = run.status.metricResults?.at(0)?.measurements?.at(0)?.metadata?.['job-name'];
    assert.ok(jobName !== undefined && jobName !== '');
    const job = await client.get<{ metadata: { labels: Record<string, string>; ownerReferences: { kind: string; name: string }[] } }>(resourcePath('batch/v1', 'jobs', ns.name, jobName));
    assert.equal(job.metadata.labels['analysisrun.argoproj.io/uid'], run.metadata.uid);
    assert.deepEqual(job.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`), ['AnalysisRun/job-ok']);
  });

  it('ttlStrategy deletes a completed run', async () => {
    webAnswer = { ok: true, rate: 0.99 };
    await createRun('short-lived', { metrics: [webMetric()], ttlStrategy: { secondsAfterCompletion: 1 } });
    await ns.waitFor('the run to be deleted after its ttl', async () => {
      try {
        await getRun('short-lived');
        return false;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    });
  });
});

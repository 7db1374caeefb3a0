/**
 * The job metric provider against the local cluster: real Jobs, the real Job controller, KWOK completing pods.
 * The owner of the Jobs stands in for an AnalysisRun (a ConfigMap, so the garbage collector sees a live owner).
 * getJob reads the Job with the client (a test has no informer), refreshed before every resume.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Job } from '../../src/api/kubernetes.ts';
import type { JobMetric } from '../../src/api/metric-provider.ts';
import { jobNameKey, jobProvider } from '../../src/analysis/providers/job.ts';
import type { MeasurementContext, ProviderOutcome } from '../../src/analysis/providers/provider.ts';
import { isNotFound, KubeClient, PatchType, resourcePath } from '../../src/runtime/rest.ts';
import { TestNamespace } from '../support/namespace.ts';
import { analysisMetricNameAnnotation, analysisRunNameAnnotation, analysisRunUidLabel } from '../../src/api/labels.ts';

const ns = new TestNamespace('ap-job', [['batch/v1', 'Job'], ['v1', 'Pod']]);
const offNodes = { 'aviary.dev/no-such-node': 'true' };

const completes: JobMetric = {
  metadata: { labels: { team: 'checkout' }, annotations: { purpose: 'smoke' } },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'smoke', image: 'busybox:1.36', command: ['sh', '-c', 'exit 0'] }] } } },
};
/** Pods that no node takes: they stay Pending until the test writes their status. */
const pending: JobMetric = {
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', nodeSelector: offNodes, containers: [{ name: 'web', image: 'web:1' }] } } },
};

describe('job metric provider on the local cluster', () => {
  let kube: KubeClient;
  let owner = { name: '', uid: '' };
  const jobs = new Map<string, Job>();

  before(async () => {
    await ns.create();
    kube = new KubeClient(ns.kc);
    const cm = await kube.create<{ metadata: { name: string; uid: string } }>(resourcePath('v1', 'configmaps', ns.name), { metadata: { name: 'run-owner' } });
    owner = { name: cm.metadata.name, uid: cm.metadata.uid };
  });
  after(async () => {
    kube.close();
    await ns.delete();
  });

  const context = (metricName: string, measurementNumber?: number, uid = owner.uid): MeasurementContext => ({
    run: { apiVersion: 'v1', kind: 'ConfigMap', name: owner.name, namespace: ns.name, uid },
    metricName,
    ...(measurementNumber === undefined ? {} : { measurementNumber }),
    signal: new AbortController().signal,
    readSecret: () => Promise.resolve(undefined),
    kube,
    getJob: (namespace, name) => jobs.get(`${namespace}/${name}`),
    now: () => new Date(),
  });

  const getJob = (name: string): Promise<Job> => kube.get<Job>(resourcePath('batch/v1', 'jobs', ns.name, name));

  /** Resumes the measurement whenever the Job changed, until it is no longer running. */
  async function resumeUntilDone(ctx: MeasurementContext, config: JobMetric, name: string): Promise<ProviderOutcome> {
    return ns.waitFor(`the measurement of Job ${name} to finish`, async () => {
      jobs.set(`${ns.name}/${name}`, await getJob(name));
      const outcome = await jobProvider.resume(ctx, config, { metadata: { [jobNameKey]: name } });
      return outcome.kind === 'running' ? undefined : outcome;
    }, { timeoutMs: 120_000, intervalMs: 250 });
  }

  async function onlyPod(jobName: string): Promise<string> {
    return ns.waitFor(`the pod of Job ${jobName}`, async () => {
      const pods = await kube.get<{ items: { metadata: { name: string } }[] }>(resourcePath('v1', 'pods', ns.name), { labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
      return pods.items[0]?.metadata.name;
    }, { timeoutMs: 120_000 });
  }

  async function patchPodStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await kube.patch(resourcePath('v1', 'pods', ns.name, name, 'status'), { status }, PatchType.strategicMerge);
  }

  /** Gone, or on its way out (foreground deletion waits for the pods). */
  async function waitDeleted(name: string): Promise<void> {
    await ns.waitFor(`Job ${name} to be deleted`, async () => {
      try {
        return (await getJob(name)).metadata?.deletionTimestamp !== undefined;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    }, { timeoutMs: 60_000 });
  }

  it('runs a Job owned and labelled by the run, and is Successful when it completes', async () => {
    const ctx = context('smoke', 1);
    jobProvider.validate(completes);
    const started = await jobProvider.measure(ctx, completes);
    const name = `${owner.uid}.smoke.1`;
    assert.deepEqual(started, { kind: 'running', metadata: { [jobNameKey]: name } });
    const meta = (await getJob(name)).metadata ?? {};
    const labels: Record<string, string> = meta.labels ?? {};
    const annotations: Record<string, string> = meta.annotations ?? {};
    assert.equal(labels[analysisRunUidLabel], owner.uid);
    assert.equal(labels.team, 'checkout');
    assert.equal(annotations[analysisRunNameAnnotation], 'run-owner');
    assert.equal(annotations[analysisMetricNameAnnotation], 'smoke');
    assert.equal(annotations.purpose, 'smoke');
    assert.deepEqual((meta.ownerReferences ?? []).map((r) => [r.kind, r.name, r.uid, r.controller]), [['ConfigMap', 'run-owner', owner.uid, true]]);
    assert.deepEqual(await resumeUntilDone(ctx, completes, name), { kind: 'phase', phase: 'Successful', value: 'Complete' });
  });

  it('is Failed when the Job fails', async () => {
    const ctx = context('fails', 1);
    await jobProvider.measure(ctx, pending);
    const name = `${owner.uid}.fails.1`;
    const now = new Date().toISOString();
    await patchPodStatus(await onlyPod(name), {
      phase: 'Failed',
      containerStatuses: [{ name: 'web', image: 'web:1', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 3, reason: 'Error', startedAt: now, finishedAt: now } } }],
    });
    const outcome = await resumeUntilDone(ctx, pending, name);
    assert.ok(outcome.kind === 'phase');
    assert.equal(outcome.phase, 'Failed');
    assert.match(outcome.message ?? '', /^Job failed: BackoffLimitExceeded/);
  });

  it('is Inconclusive when the pod cannot pull its image, and deletes the Job', async () => {
    const ctx = context('pull', 1);
    await jobProvider.measure(ctx, pending);
    const name = `${owner.uid}.pull.1`;
    const pod = await onlyPod(name);
    // The Job controller must have counted the pod as active before the provider looks at pods.
    await ns.waitFor('the Job to count its pod', async () => ((await getJob(name)).status?.active ?? 0) === 1);
    jobs.set(`${ns.name}/${name}`, await getJob(name));
    const before = await jobProvider.resume(ctx, pending, { metadata: { [jobNameKey]: name } });
    assert.ok(before.kind === 'running');
    assert.ok(before.resumeAt !== undefined, 'asks to look at the pods again while they are not ready');
    await patchPodStatus(pod, {
      containerStatuses: [{ name: 'web', image: 'web:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "web:1"' } } }],
    });
    const outcome = await resumeUntilDone(ctx, pending, name);
    assert.deepEqual(outcome, {
      kind: 'phase',
      phase: 'Inconclusive',
      message: `image pull failed: pod ${pod} container web: ImagePullBackOff: Back-off pulling image "web:1"`,
      metadata: { [jobNameKey]: name },
    });
    await waitDeleted(name);
  });

  it('adopts its own Job on a repeated creation and refuses one it does not own', async () => {
    const ctx = context('again', 1);
    const first = await jobProvider.measure(ctx, pending);
    assert.deepEqual(await jobProvider.measure(ctx, pending), first, 'a retried measurement finds the Job it created');
    const foreign = `${owner.uid}.foreign.1`;
    await kube.create(resourcePath('batch/v1', 'jobs', ns.name), { metadata: { name: foreign }, spec: pending.spec });
    await assert.rejects(jobProvider.measure(context('foreign', 1), pending), /job: Job ap-job-\w+\/.*\.foreign\.1 already exists and belongs to another owner/);
  });

  it('terminate deletes the running Job', async () => {
    const ctx = context('stop', 1);
    await jobProvider.measure(ctx, pending);
    const name = `${owner.uid}.stop.1`;
    await jobProvider.terminate(ctx, pending, { metadata: { [jobNameKey]: name } });
    await waitDeleted(name);
    await jobProvider.terminate(ctx, pending, { metadata: { [jobNameKey]: name } }); // already gone: no error
  });

  it('garbage collection keeps the newest Jobs of the metric only', async () => {
    for (const n of [1, 2, 3]) await jobProvider.measure(context('gc', n), pending);
    await jobProvider.measure(context('gc-other', 1), pending);
    await jobProvider.garbageCollect(context('gc'), pending, 1);
    await waitDeleted(`${owner.uid}.gc.1`);
    await waitDeleted(`${owner.uid}.gc.2`);
    assert.equal((await getJob(`${owner.uid}.gc.3`)).metadata?.deletionTimestamp, undefined);
    assert.equal((await getJob(`${owner.uid}.gc-other.1`)).metadata?.deletionTimestamp, undefined);
  });
});

/**
 * The lab's pod runtime against the real cluster: pods are served on their own IPs while they exist and not after,
 * and a pod with bad lab settings is reported once, by name, while it and every other pod keep being served. Pod
 * IPs are dialled only from inside the lab (aviaryInsideLab runs `aviary load` there); the host reads the
 * runtime's metrics and log through loopback and the file system.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { currentLayout } from '../../src/lab/lab.ts';
import { hostAddress } from '../../src/lab/layout.ts';
import type { LoadReport } from '../../src/lab/load.ts';
import { applyYaml } from '../support/kube.ts';
import { aviaryInsideLab, labDeployment, requireLab } from '../support/lab.ts';
import { TestNamespace } from '../support/namespace.ts';

const ns = new TestNamespace('labrt');

async function loadInsideLab(url: string, requests: number): Promise<{ code: number; report?: LoadReport; stderr: string }> {
  const run = await aviaryInsideLab(['load', url, '--rps', '100', '--max-requests', String(requests), '--duration', '30s', '-o', 'json']);
  return { code: run.code, stderr: run.stderr, ...(run.stdout.trim() === '' ? {} : { report: JSON.parse(run.stdout) as LoadReport }) };
}

async function runningPods(selector: string): Promise<V1Pod[]> {
  const pods = await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: selector });
  return pods.items.filter((p) => p.status?.phase === 'Running' && p.status.podIP !== undefined && p.metadata?.deletionTimestamp === undefined);
}

/** The one Running pod of `app`, once the runtime answers all of `requests` on its IP (port 8080). */
async function servedPod(app: string, requests: number): Promise<{ name: string; url: string; report: LoadReport }> {
  const [pod] = await ns.waitFor(`the ${app} pod to be Running with an IP`, async () => {
    const pods = await runningPods(`app=${app}`);
    return pods.length === 1 ? pods : undefined;
  });
  const name = pod?.metadata?.name ?? '';
  const url = `http://${pod?.status?.podIP ?? ''}:8080/`;
  const report = await ns.waitFor(`the runtime to answer on ${url}`, async () => {
    const run = await loadInsideLab(url, requests);
    return run.report?.completed === requests ? run.report : undefined;
  });
  return { name, url, report };
}

async function runtimeMetrics(): Promise<string> {
  const res = await fetch(`http://${hostAddress(await currentLayout(), 'runtimeMetrics')}/metrics`);
  return res.text();
}

describe('lab pod runtime', () => {
  before(async () => {
    await requireLab();
    await ns.create();
  });
  after(async () => {
    await ns.delete();
  });

  it('serves a pod on its IP as that pod while it exists, and stops once it is gone', async () => {
    await applyYaml(ns.kc, labDeployment('echo', { app: 'echo', version: 'v7', replicas: 1 }), ns.name);
    const { name, url, report: served } = await servedPod('echo', 20);
    assert.deepEqual(served.byCode, { 200: 20 });
    assert.deepEqual(served.byPod, { [name]: 20 }, 'every answer names the pod');
    assert.deepEqual(served.byVersion, { v7: 20 }, 'and its version, the image tag');

    await ns.kc.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: 'echo', namespace: ns.name });
    await ns.waitFor(`pod ${name} to be gone`, async () => {
      const pods = await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=echo' });
      return pods.items.length === 0;
    });
    // After its linger the address refuses connections: nothing answers as the deleted pod any more.
    const refused = await ns.waitFor(`the runtime to stop serving ${url}`, async () => {
      const run = await loadInsideLab(url, 5);
      return run.report !== undefined && run.report.completed === 0 ? run : undefined;
    });
    assert.equal(refused.code, 1, 'aviary load exits 1 when nothing answered');
    assert.ok((refused.report?.errors.ECONNREFUSED ?? 0) > 0, JSON.stringify(refused.report?.errors));
    await ns.waitFor(`the runtime's metrics to drop pod ${name}`, async () => !(await runtimeMetrics()).includes(`pod="${name}"`));
  });

  it('logs a bad knob and a UDP port once, with the pod named, and keeps serving it with the defaults', async () => {
    await applyYaml(ns.kc, labDeployment('odd', {
      app: 'odd',
      version: 'v1',
      replicas: 1,
      env: { AVIARY_LAB_ERROR_RATIO: 'abc' },
      ports: '[{ containerPort: 8080 }, { containerPort: 53, protocol: UDP }]',
    }), ns.name);
    const { name, url, report: served } = await servedPod('odd', 20);
    assert.deepEqual(served.byCode, { 200: 20 }, 'an error ratio it cannot read is not applied');

    // An update of the pod makes the runtime plan it again; the problems are still reported only once.
    await ns.core.patchNamespacedPod({ name, namespace: ns.name, body: { metadata: { labels: { touched: 'yes' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await ns.waitFor('the runtime to see the pod\'s new label', async () => {
      await loadInsideLab(url, 1);
      return (await runtimeMetrics()).split('\n').some((line) => line.includes(`pod="${name}"`) && line.includes('touched="yes"'));
    });
    const log = await readFile(join((await currentLayout()).logDir, 'lab-agent.log'), 'utf8');
    const warnings = log.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { pod?: string; problem?: string });
    const about = (text: string): number => warnings.filter((w) => w.pod === `${ns.name}/${name}` && w.problem?.includes(text) === true).length;
    assert.equal(about('AVIARY_LAB_ERROR_RATIO="abc"'), 1, JSON.stringify(warnings.filter((w) => w.pod !== undefined)));
    assert.equal(about('53/UDP'), 1, JSON.stringify(warnings.filter((w) => w.pod !== undefined)));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiException, AppsV1Api, BatchV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { applyYaml } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const ns = new TestNamespace('smoke');

describe('local cluster', () => {
  before(() => ns.create());
  after(() => ns.delete());

  it('runs a 3-replica Deployment to Available with Ready pods, and its Service gets the pod IPs', async () => {
    await applyYaml(ns.kc, `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx:1.27, ports: [{ containerPort: 80 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 80 }]
`, ns.name);
    const apps = ns.kc.makeApiClient(AppsV1Api);
    const deployment = await ns.waitFor('Deployment web to be Available with 3 ready replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns.name });
      const available = d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
      return available && d.status?.readyReplicas === 3 ? d : undefined;
    });
    assert.equal(deployment.status?.availableReplicas, 3);

    const pods = await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.equal(pod.status?.phase, 'Running', `pod ${pod.metadata?.name ?? ''} phase`);
      assert.ok(pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), `pod ${pod.metadata?.name ?? ''} Ready`);
      assert.ok(pod.spec?.nodeName?.startsWith('aviary-node-'), 'scheduled onto a fake node');
    }
    const podIps = pods.items.map((p) => p.status?.podIP ?? '').sort();
    assert.ok(podIps.every((ip) => ip !== ''), 'every pod has an IP');

    const discovery = ns.kc.makeApiClient(DiscoveryV1Api);
    const endpointIps = await ns.waitFor('EndpointSlices of Service web to list the 3 pod IPs', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: ns.name, labelSelector: 'kubernetes.io/service-name=web' });
      const ips = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready === true).flatMap((e) => e.addresses)).sort();
      return ips.length === 3 ? ips : undefined;
    });
    assert.deepEqual(endpointIps, podIps);
  });

  it('completes a Job', async () => {
    await applyYaml(ns.kc, `
apiVersion: batch/v1
kind: Job
metadata: { name: migrate }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: migrate, image: busybox:1.36, command: [sh, -c, "exit 0"] }]
`, ns.name);
    const batch = ns.kc.makeApiClient(BatchV1Api);
    const job = await ns.waitFor('Job migrate to complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'migrate', namespace: ns.name });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') === true ? j : undefined;
    });
    assert.equal(job.status?.succeeded, 1);
  });
});

describe('namespace lifecycle', () => {
  it('finishes deleting a namespace that holds running pods', async () => {
    const doomed = new TestNamespace('doomed');
    await doomed.create();
    await applyYaml(doomed.kc, `
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: api:1 }] }
`, doomed.name);
    await doomed.waitFor('2 running pods', async () => {
      const pods = await doomed.core.listNamespacedPod({ namespace: doomed.name });
      return pods.items.filter((p) => p.status?.phase === 'Running').length === 2;
    });
    await doomed.delete();
    const gone = await waitFor(`namespace ${doomed.name} to be deleted`, async () => {
      try {
        await doomed.core.readNamespace({ name: doomed.name });
        return false;
      } catch (error) {
        return error instanceof ApiException && error.code === 404;
      }
    }, { timeoutMs: 60_000 });
    assert.equal(gone, true);
  });
});

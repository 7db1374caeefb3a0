import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { track, type TrackOptions } from '../../src/track/track.ts';
import type { StatusEvent, TrackEvent, TrackResult } from '../../src/track/events.ts';
import type { TrackTarget } from '../../src/track/targets.ts';
import { applyYaml } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';

const ns = new TestNamespace('track-wl', [
  ['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['batch/v1', 'Job'], ['v1', 'Pod'],
]);

/** Runs the tracker to its end and keeps every event, printing the namespace when the outcome is not the expected one. */
async function run(targets: TrackTarget[], options: TrackOptions = {}): Promise<{ events: TrackEvent[]; result: TrackResult }> {
  // Generous by default: the cluster is shared with other suites and benchmarks, so controllers may be slow to act.
  const tracking = track(targets.map((t) => ({ namespace: ns.name, ...t })), { kubeConfig: ns.kc, timeoutMs: 180_000, ...options });
  const events: TrackEvent[] = [];
  for await (const e of tracking.events) events.push(e);
  return { events, result: await tracking.result };
}

async function expectOutcome(got: { events: TrackEvent[]; result: TrackResult }, outcome: string): Promise<void> {
  if (got.result.outcome !== outcome) {
    assert.fail(`outcome ${got.result.outcome} (${got.result.message}), expected ${outcome}\n${got.events.map((e) => JSON.stringify(e)).join('\n')}\n${await ns.explain()}`);
  }
}

const deployment = (name: string, image: string, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: 3
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      ${extra}
      containers: [{ name: web, image: ${image} }]
`;

describe('aviary track: workloads on the local cluster', () => {
  before(() => ns.create());
  after(() => ns.delete());

  it('follows a new Deployment to ready, with events and pods of its revision', async () => {
    await applyYaml(ns.kc, deployment('api', 'api:1'), ns.name);
    const got = await run([{ kind: 'deploy', name: 'api' }]);
    await expectOutcome(got, 'ready');
    const last = got.events.filter((e): e is StatusEvent => e.type === 'status').at(-1);
    assert.equal(last?.state, 'ready');
    assert.equal(last.pods.filter((p) => p.revision === 'tracked' && p.ready === '1/1').length, 3);
    assert.equal(got.result.resources[0]?.outcome, 'ready');
    assert.ok(got.events.some((e) => e.type === 'resolved' && JSON.stringify(e.fence) === '{"generation":1}'));
  });

  it('REVISION FENCE: never reports the previous revision as ready, right after a new template is applied', async () => {
    await applyYaml(ns.kc, deployment('fenced', 'fenced:1'), ns.name);
    const ready = await run([{ kind: 'deploy', name: 'fenced' }]);
    await expectOutcome(ready, 'ready');
    const oldRevision = ready.result.resources[0]?.revision;

    // Revision 2 can never become available (no node matches), while revision 1 stays fully available (maxUnavailable
    // rounds down to 0 for 3 replicas): a tracker that looks at counts or at the previous ReplicaSet would say ready.
    await applyYaml(ns.kc, deployment('fenced', 'fenced:2', 'nodeSelector: { aviary.dev/no-such-node: "true" }'), ns.name);
    const stuck = await run([{ kind: 'deploy', name: 'fenced' }], { timeoutMs: 6_000, unschedulableGraceMs: 600_000 });
    await expectOutcome(stuck, 'timeout');
    assert.ok(!stuck.events.some((e) => e.type === 'ready'), 'no ready event for the old revision');
    const r = stuck.result.resources[0];
    assert.equal(r?.outcome, 'timeout');
    assert.notEqual(r.revision, oldRevision);
    assert.match(r.waitingFor.join(', '), /up-to-date|available|observe generation 2/);
    const apps = ns.kc.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: 'fenced', namespace: ns.name });
    assert.equal(d.status?.availableReplicas, 3, 'the old revision was fully available all along');

    // Revision 3 can run: ready, and at that moment every pod shown is of revision 3.
    await applyYaml(ns.kc, deployment('fenced', 'fenced:3'), ns.name);
    const fixed = await run([{ kind: 'deploy', name: 'fenced' }]);
    await expectOutcome(fixed, 'ready');
    const rs = await apps.listNamespacedReplicaSet({ namespace: ns.name, labelSelector: 'app=fenced' });
    const v3 = rs.items.find((x) => x.spec?.template?.spec?.containers[0]?.image === 'fenced:3');
    assert.equal(fixed.result.resources[0]?.revision, v3?.metadata?.labels?.['pod-template-hash']);
    const last = fixed.events.filter((e): e is StatusEvent => e.type === 'status').at(-1);
    assert.ok(last !== undefined && last.pods.filter((p) => p.revision === 'tracked').length === 3);
  });

  it('tracks a StatefulSet rolling update with a partition', async () => {
    const sts = (image: string, partition: number) => `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  replicas: 3
  serviceName: db
  podManagementPolicy: Parallel
  updateStrategy: { type: RollingUpdate, rollingUpdate: { partition: ${partition} } }
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: ${image} }] }
`;
    await applyYaml(ns.kc, sts('db:1', 0), ns.name);
    await expectOutcome(await run([{ kind: 'sts', name: 'db' }]), 'ready');
    await applyYaml(ns.kc, sts('db:2', 2), ns.name);
    const got = await run([{ kind: 'sts', name: 'db' }]);
    await expectOutcome(got, 'ready');
    const last = got.events.filter((e): e is StatusEvent => e.type === 'status').at(-1);
    assert.deepEqual(last?.pods.filter((p) => p.revision === 'tracked').map((p) => p.name), ['db-2']);
    assert.match(last.reasons.join(' '), /partition 2/);
  });

  it('tracks a DaemonSet across the fake nodes', async () => {
    await applyYaml(ns.kc, `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec: { containers: [{ name: agent, image: agent:1 }] }
`, ns.name);
    const got = await run([{ kind: 'ds', name: 'agent' }]);
    await expectOutcome(got, 'ready');
    const last = got.events.filter((e): e is StatusEvent => e.type === 'status').at(-1);
    assert.ok((last?.replicas?.desired ?? 0) >= 1);
    assert.ok(last?.revision !== undefined, 'the controller revision is known');
  });

  it('follows a Job to completion, and a Pod to Ready, at once', async () => {
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
---
apiVersion: v1
kind: Pod
metadata: { name: single }
spec: { containers: [{ name: app, image: app:1 }] }
`, ns.name);
    const got = await run([{ kind: 'job', name: 'migrate' }, { kind: 'po', name: 'single' }]);
    await expectOutcome(got, 'ready');
    assert.deepEqual(got.result.resources.map((r) => `${r.resource} ${r.outcome}`).sort(), ['job/migrate ready', 'po/single ready']);
  });

  it('fails a Job that exceeds its deadline (DeadlineExceeded from the Job controller)', async () => {
    await applyYaml(ns.kc, `
apiVersion: batch/v1
kind: Job
metadata: { name: slow }
spec:
  activeDeadlineSeconds: 1
  template:
    spec:
      restartPolicy: Never
      nodeSelector: { aviary.dev/no-such-node: "true" }
      containers: [{ name: slow, image: slow:1 }]
`, ns.name);
    const got = await run([{ kind: 'job', name: 'slow' }], { unschedulableGraceMs: 600_000 });
    await expectOutcome(got, 'failed');
    assert.match(got.result.message, /job\/slow failed: DeadlineExceeded/);
  });

  it('tracks every workload a label selector matches', async () => {
    await applyYaml(ns.kc, `
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop-web, labels: { release: shop } }
spec:
  replicas: 1
  selector: { matchLabels: { app: shop-web } }
  template:
    metadata: { labels: { app: shop-web } }
    spec: { containers: [{ name: web, image: web:1 }] }
---
apiVersion: batch/v1
kind: Job
metadata: { name: shop-migrate, labels: { release: shop } }
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: m, image: m:1 }]
`, ns.name);
    const got = await run([{ kind: '*', selector: 'release=shop' }]);
    await expectOutcome(got, 'ready');
    assert.deepEqual(got.result.resources.map((r) => r.resource).sort(), ['deploy/shop-web', 'job/shop-migrate']);
  });
});

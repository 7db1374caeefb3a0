import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, Pod, ReplicaSet } from '../model.ts';
import { canonical, deploymentFence, deploymentRule, newReplicaSet } from './deployment.ts';
import { observed, pod, t0 } from './fixtures.ts';

const template = (image: string) => ({
  metadata: { labels: { app: 'api' }, creationTimestamp: null as unknown as string },
  spec: { containers: [{ name: 'api', image }] },
});

function deployment(o: { generation?: number; observed?: number; image?: string; replicas?: number; updated?: number; total?: number; available?: number; paused?: boolean; conditions?: Deployment['status'] extends infer S ? S extends { conditions?: infer C } ? C : never : never }): Deployment {
  const replicas = o.replicas ?? 3;
  return {
    metadata: { name: 'api', uid: 'dep-uid', generation: o.generation ?? 2 },
    spec: { replicas, selector: { matchLabels: { app: 'api' } }, template: template(o.image ?? 'api:2'), paused: o.paused },
    status: {
      observedGeneration: o.observed ?? o.generation ?? 2,
      replicas: o.total ?? replicas,
      updatedReplicas: o.updated ?? replicas,
      readyReplicas: o.available ?? replicas,
      availableReplicas: o.available ?? replicas,
      conditions: o.conditions ?? [],
    },
  };
}

function replicaSet(hash: string, image: string, available: number): ReplicaSet {
  const t = template(image);
  return {
    metadata: { name: `api-${hash}`, uid: `rs-${hash}`, labels: { app: 'api', 'pod-template-hash': hash }, ownerReferences: [{ uid: 'dep-uid', controller: true }] },
    spec: { replicas: available, template: { ...t, metadata: { ...t.metadata, labels: { app: 'api', 'pod-template-hash': hash } } } },
    status: { replicas: available, availableReplicas: available, readyReplicas: available },
  };
}

const podsOf = (hash: string, n: number, extra: Partial<Parameters<typeof pod>[0]> = {}): Pod[] =>
  Array.from({ length: n }, (_, i) => pod({ name: `api-${hash}-${i}`, owner: `rs-${hash}`, labels: { app: 'api', 'pod-template-hash': hash }, ...extra }));

describe('newReplicaSet', () => {
  it('finds the ReplicaSet whose template equals the Deployment\'s, ignoring the hash label and key order', () => {
    const d = deployment({ image: 'api:2' });
    const old = replicaSet('aaa', 'api:1', 3);
    const fresh = replicaSet('bbb', 'api:2', 0);
    assert.equal(newReplicaSet(d, [old, fresh])?.metadata?.name, 'api-bbb');
    assert.equal(newReplicaSet(deployment({ image: 'api:3' }), [old, fresh]), undefined);
  });
  it('ignores ReplicaSets owned by someone else', () => {
    const rs = replicaSet('bbb', 'api:2', 3);
    rs.metadata = { ...rs.metadata, ownerReferences: [{ uid: 'other' }] };
    assert.equal(newReplicaSet(deployment({}), [rs]), undefined);
  });
  it('canonical() ignores key order', () => {
    assert.equal(canonical({ b: 1, a: [{ y: 2, x: 1 }] }), canonical({ a: [{ x: 1, y: 2 }], b: 1 }));
  });
});

describe('deploymentRule', () => {
  const oldRs = replicaSet('aaa', 'api:1', 3);
  const cases: { name: string; d: Deployment; rs: ReplicaSet[]; pods?: Pod[]; fence?: number; state: string; waiting?: RegExp; reason?: RegExp }[] = [
    {
      name: 'REVISION FENCE: right after a new template is applied, the old revision still looks fully ready',
      // The controller has not observed generation 2 yet: status still describes revision 1, all available.
      d: deployment({ generation: 2, observed: 1, image: 'api:2' }),
      rs: [oldRs],
      pods: podsOf('aaa', 3),
      state: 'progressing',
      waiting: /observe generation 2 \(observed 1\)/,
    },
    {
      name: 'REVISION FENCE: the tracked generation was recorded before the object was read again',
      d: deployment({ generation: 1, observed: 1, image: 'api:1' }),
      rs: [oldRs],
      fence: 2,
      state: 'progressing',
      waiting: /observe generation 2/,
    },
    {
      name: 'the new ReplicaSet is scaling up while old pods serve',
      d: deployment({ updated: 1, total: 4, available: 3 }),
      rs: [oldRs, replicaSet('bbb', 'api:2', 0)],
      pods: [...podsOf('aaa', 3), ...podsOf('bbb', 1, { ready: false })],
      state: 'progressing',
      waiting: /up-to-date 1\/3.*old replicas to terminate: 3.*available 0\/3/,
    },
    {
      name: 'all new pods available but an old one is still terminating',
      d: deployment({ updated: 3, total: 4, available: 3 }),
      rs: [replicaSet('aaa', 'api:1', 1), replicaSet('bbb', 'api:2', 3)],
      state: 'progressing',
      waiting: /old replicas to terminate: 1/,
    },
    {
      name: 'ready: the new ReplicaSet holds every replica, all available',
      d: deployment({}),
      rs: [replicaSet('aaa', 'api:1', 0), replicaSet('bbb', 'api:2', 3)],
      pods: podsOf('bbb', 3),
      state: 'ready',
    },
    {
      name: 'counts say ready but the pod watch has not caught up: not ready until the pods shown agree',
      d: deployment({}),
      rs: [replicaSet('aaa', 'api:1', 0), replicaSet('bbb', 'api:2', 3)],
      pods: [...podsOf('bbb', 1), ...podsOf('bbb', 2, { ready: false }).map((p, i) => ({ ...p, metadata: { ...p.metadata, name: `api-bbb-late-${String(i)}` } }))],
      state: 'progressing',
      waiting: /pods of the new revision seen ready 1\/3/,
    },
    {
      name: 'counts say ready but the new ReplicaSet does not exist: not ready',
      d: deployment({}),
      rs: [oldRs],
      state: 'progressing',
      waiting: /new ReplicaSet/,
    },
    {
      name: 'ProgressDeadlineExceeded fails',
      d: deployment({ updated: 1, available: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "api-bbb" has timed out progressing.' }] }),
      rs: [oldRs, replicaSet('bbb', 'api:2', 0)],
      state: 'failed',
      reason: /ProgressDeadlineExceeded: ReplicaSet "api-bbb" has timed out/,
    },
    {
      name: 'a stale ProgressDeadlineExceeded of the previous generation does not fail the new one',
      d: deployment({ generation: 3, observed: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
      rs: [oldRs],
      state: 'progressing',
    },
    { name: 'paused', d: deployment({ paused: true, updated: 0 }), rs: [oldRs], state: 'paused', reason: /paused/ },
    { name: 'scaled to zero', d: deployment({ replicas: 0, total: 0, updated: 0, available: 0 }), rs: [replicaSet('bbb', 'api:2', 0)], state: 'ready' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = deploymentRule({ ...observed(c.d, { pods: c.pods ?? [] }), replicaSets: c.rs }, { generation: c.fence ?? deploymentFence(c.d).generation });
      assert.equal(s.state, c.state, JSON.stringify(s));
      if (c.waiting !== undefined) assert.match(s.waitingFor.join('; '), c.waiting);
      if (c.reason !== undefined) assert.match(s.reasons.join('; '), c.reason);
    });
  }

  it('judges only pods of the new ReplicaSet: a crashing old pod is not a failure', () => {
    const crashing = { containers: [{ name: 'web', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }], ready: false };
    const d = deployment({ updated: 1, total: 4, available: 2 });
    const rs = [oldRs, replicaSet('bbb', 'api:2', 1)];
    const oldCrash = deploymentRule({ ...observed(d, { pods: [...podsOf('aaa', 3, crashing), ...podsOf('bbb', 1)] }), replicaSets: rs }, { generation: 2 });
    assert.deepEqual(oldCrash.problems, []);
    assert.deepEqual(oldCrash.pods.map((p) => p.revision), ['old', 'old', 'old', 'tracked']);
    const newCrash = deploymentRule({ ...observed(d, { pods: [...podsOf('aaa', 3), ...podsOf('bbb', 1, crashing)] }), replicaSets: rs }, { generation: 2 });
    assert.deepEqual(newCrash.problems.map((p) => `${p.object} ${p.reason}`), ['po/api-bbb-0 CrashLoopBackOff']);
    assert.equal(newCrash.revision, 'bbb');
  });

  it('reports FailedCreate events of the new ReplicaSet', () => {
    const d = deployment({ updated: 0, total: 3 });
    const events = [{ involvedObject: { uid: 'rs-bbb', kind: 'ReplicaSet' }, type: 'Warning', reason: 'FailedCreate', message: 'exceeded quota', lastTimestamp: new Date(t0).toISOString() }];
    const s = deploymentRule({ ...observed(d, { events }), replicaSets: [oldRs, replicaSet('bbb', 'api:2', 0)] }, { generation: 2 });
    assert.deepEqual(s.problems.map((p) => `${p.object} ${p.reason}: ${p.message}`), ['rs/api-bbb FailedCreate: exceeded quota']);
  });
});

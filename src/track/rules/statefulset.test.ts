import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, StatefulSet } from '../model.ts';
import { observed, pod } from './fixtures.ts';
import { ordinal, statefulSetFence, statefulSetRule } from './statefulset.ts';

interface Sts {
  generation?: number;
  observed?: number;
  replicas?: number;
  partition?: number;
  onDelete?: boolean;
  updated?: number;
  ready?: number;
  current?: string;
  update?: string;
}

function sts(o: Sts): StatefulSet {
  const replicas = o.replicas ?? 3;
  return {
    metadata: { name: 'db', uid: 'sts-uid', generation: o.generation ?? 2 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'db' } },
      updateStrategy: o.onDelete === true ? { type: 'OnDelete' } : { type: 'RollingUpdate', rollingUpdate: { partition: o.partition ?? 0 } },
    },
    status: {
      observedGeneration: o.observed ?? o.generation ?? 2,
      replicas,
      readyReplicas: o.ready ?? replicas,
      availableReplicas: o.ready ?? replicas,
      updatedReplicas: o.updated ?? replicas,
      currentRevision: o.current ?? 'db-new',
      updateRevision: o.update ?? 'db-new',
    },
  };
}

/** Pods db-0..db-(n-1); those with ordinal ≥ `from` run the new revision. */
function pods(n: number, from: number, ready = true): Pod[] {
  return Array.from({ length: n }, (_, i) => pod({ name: `db-${i}`, labels: { app: 'db', 'controller-revision-hash': i >= from ? 'db-new' : 'db-old' }, ready: i >= from ? ready : true }));
}

describe('statefulSetRule', () => {
  const cases: { name: string; s: StatefulSet; pods: Pod[]; state: string; waiting?: RegExp; reasons?: RegExp }[] = [
    { name: 'REVISION FENCE: generation not yet observed', s: sts({ generation: 3, observed: 2, current: 'db-old', update: 'db-old' }), pods: pods(3, 3), state: 'progressing', waiting: /observe generation 3/ },
    { name: 'rolling update half way (highest ordinals first)', s: sts({ updated: 1, ready: 3, current: 'db-old' }), pods: pods(3, 2), state: 'progressing', waiting: /updated 1\/3/ },
    { name: 'all updated but one not ready', s: sts({ updated: 3, ready: 2, current: 'db-old' }), pods: pods(3, 0, false).map((p, i) => (i === 0 ? pod({ name: 'db-0', labels: { 'controller-revision-hash': 'db-new' }, ready: false }) : pod({ name: `db-${i}`, labels: { 'controller-revision-hash': 'db-new' } }))), state: 'progressing', waiting: /ready 2\/3/ },
    { name: 'all updated and ready, controller not finished', s: sts({ current: 'db-old' }), pods: pods(3, 0), state: 'progressing', waiting: /finish the update/ },
    { name: 'ready', s: sts({}), pods: pods(3, 0), state: 'ready' },
    { name: 'partition 2: only db-2 moves; ready once it runs the new revision', s: sts({ partition: 2, updated: 1, current: 'db-old' }), pods: pods(3, 2), state: 'ready', reasons: /partition 2/ },
    { name: 'partition 2: db-2 not updated yet', s: sts({ partition: 2, updated: 0, current: 'db-old' }), pods: pods(3, 3), state: 'progressing', waiting: /updated 0\/1/ },
    { name: 'OnDelete with old pods: explained, not ready', s: sts({ onDelete: true, updated: 1, current: 'db-old' }), pods: pods(3, 2), state: 'progressing', waiting: /OnDelete strategy: 2 pods of the old revision are replaced only when deleted/ },
    { name: 'OnDelete once every pod was replaced', s: sts({ onDelete: true, current: 'db-old' }), pods: pods(3, 0), state: 'ready' },
    { name: 'zero replicas', s: sts({ replicas: 0, updated: 0, ready: 0 }), pods: [], state: 'ready' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = statefulSetRule(observed(c.s, { pods: c.pods }), statefulSetFence(c.s));
      assert.equal(s.state, c.state, JSON.stringify(s.waitingFor));
      if (c.waiting !== undefined) assert.match(s.waitingFor.join('; '), c.waiting);
      if (c.reasons !== undefined) assert.match(s.reasons.join('; '), c.reasons);
    });
  }

  it('judges only pods of the update revision', () => {
    const crash = { ready: false, containers: [{ name: 'web', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } }] };
    const list = [pod({ name: 'db-0', labels: { 'controller-revision-hash': 'db-old' }, ...crash }), pod({ name: 'db-1', labels: { 'controller-revision-hash': 'db-new' }, ...crash })];
    const s = statefulSetRule(observed(sts({ updated: 1, current: 'db-old' }), { pods: list }), { generation: 2 });
    assert.deepEqual(s.problems.map((p) => p.object), ['po/db-1']);
    assert.equal(s.revision, 'db-new');
  });

  it('reads pod ordinals', () => {
    assert.equal(ordinal(pod({ name: 'web-db-12' })), 12);
    assert.equal(ordinal(pod({ name: 'x' })), -1);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision, DaemonSet, Pod } from '../model.ts';
import { currentRevisionHash, daemonSetFence, daemonSetRule } from './daemonset.ts';
import { observed, pod } from './fixtures.ts';

function ds(o: { generation?: number; observed?: number; desired?: number; updated?: number; available?: number; onDelete?: boolean }): DaemonSet {
  const desired = o.desired ?? 3;
  return {
    metadata: { name: 'agent', uid: 'ds-uid', generation: o.generation ?? 2 },
    spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: { type: o.onDelete === true ? 'OnDelete' : 'RollingUpdate' } },
    status: {
      observedGeneration: o.observed ?? o.generation ?? 2,
      desiredNumberScheduled: desired,
      currentNumberScheduled: desired,
      updatedNumberScheduled: o.updated ?? desired,
      numberReady: o.available ?? desired,
      numberAvailable: o.available ?? desired,
    },
  };
}

const revisions: ControllerRevision[] = [
  { metadata: { name: 'agent-old', labels: { 'controller-revision-hash': 'old' }, ownerReferences: [{ uid: 'ds-uid' }] }, revision: 1 },
  { metadata: { name: 'agent-new', labels: { 'controller-revision-hash': 'new' }, ownerReferences: [{ uid: 'ds-uid' }] }, revision: 2 },
  { metadata: { name: 'other-x', labels: { 'controller-revision-hash': 'x' }, ownerReferences: [{ uid: 'other' }] }, revision: 9 },
];

const pods = (hashes: string[]): Pod[] => hashes.map((h, i) => pod({ name: `agent-${i}`, labels: { app: 'agent', 'controller-revision-hash': h } }));

describe('daemonSetRule', () => {
  const cases: { name: string; d: DaemonSet; state: string; waiting?: RegExp; reasons?: RegExp }[] = [
    { name: 'REVISION FENCE: generation not yet observed, old pods all available', d: ds({ generation: 3, observed: 2 }), state: 'progressing', waiting: /observe generation 3/ },
    { name: 'rolling update in progress', d: ds({ updated: 1, available: 2 }), state: 'progressing', waiting: /updated 1\/3; available 2\/3/ },
    { name: 'ready', d: ds({}), state: 'ready' },
    { name: 'OnDelete with old pods', d: ds({ onDelete: true, updated: 0 }), state: 'progressing', waiting: /OnDelete strategy/ },
    { name: 'no node matches', d: ds({ desired: 0 }), state: 'ready', reasons: /desiredNumberScheduled is 0/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = daemonSetRule({ ...observed(c.d, { pods: pods(['new', 'new', 'old']) }), revisions }, daemonSetFence(c.d));
      assert.equal(s.state, c.state);
      if (c.waiting !== undefined) assert.match(s.waitingFor.join('; '), c.waiting);
      if (c.reasons !== undefined) assert.match(s.reasons.join('; '), c.reasons);
    });
  }

  it('tracks pods of the newest owned ControllerRevision', () => {
    assert.equal(currentRevisionHash(ds({}), revisions), 'new');
    const s = daemonSetRule({ ...observed(ds({ updated: 2 }), { pods: pods(['new', 'new', 'old']) }), revisions }, { generation: 2 });
    assert.deepEqual(s.pods.map((p) => p.revision), ['tracked', 'tracked', 'old']);
    assert.equal(s.revision, 'new');
  });

  it('falls back to the pod-template-generation label without ControllerRevisions', () => {
    const list = [pod({ name: 'a', labels: { 'pod-template-generation': '2' } }), pod({ name: 'b', labels: { 'pod-template-generation': '1' } })];
    const s = daemonSetRule({ ...observed(ds({}), { pods: list }), revisions: [] }, { generation: 2 });
    assert.deepEqual(s.pods.map((p) => p.revision), ['tracked', 'old']);
  });
});

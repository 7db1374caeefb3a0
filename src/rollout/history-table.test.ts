import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplicaSet } from '../api/kubernetes.ts';
import { podTemplateHashLabel, revisionAnnotation } from '../api/labels.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// revisionHistoryLimit (default 10; docs/rollouts.md "history"): that many idle ReplicaSets of older revisions are
// kept for undo; older idle ones are deleted, oldest revision first. A ReplicaSet that still has pods — in spec or
// still terminating — is not history yet, and the stable and current ReplicaSets are never pruned.

/** An old revision's ReplicaSet: `spec` pods wanted, `running` pods still there. */
function oldReplicaSet(revision: number, spec = 0, running = spec): ReplicaSet {
  const hash = `old${String(revision)}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`,
      namespace: 'default',
      labels: { app: 'web', [podTemplateHashLabel]: hash },
      annotations: { [revisionAnnotation]: String(revision) },
      creationTimestamp: `2025-12-${String(revision).padStart(2, '0')}T00:00:00Z`,
    },
    spec: { replicas: spec, selector: { matchLabels: { app: 'web', [podTemplateHashLabel]: hash } } },
    status: { replicas: running, readyReplicas: running, availableReplicas: running, observedGeneration: 1 },
  };
}

/**
 * The ReplicaSets a pass deletes, for a Healthy Rollout whose current (stable) ReplicaSet is the newest revision,
 * after `old` ReplicaSets of revisions 1..n.
 */
function pruned(limit: number | undefined, old: ReplicaSet[]): string[] {
  const sim = new Simulation(testRollout(limit === undefined ? {} : { revisionHistoryLimit: limit }));
  sim.settle();
  const current = sim.replicaSets[0];
  assert.ok(current?.metadata !== undefined);
  current.metadata.annotations = { ...current.metadata.annotations, [revisionAnnotation]: String(old.length + 1) };
  const plan = planRollout({ rollout: sim.rollout, replicaSets: [...old, current], services: new Map(), now: sim.now });
  assert.ok(!plan.deleteReplicaSets.includes(current.metadata.name ?? ''), 'the current ReplicaSet is never pruned');
  return plan.deleteReplicaSets;
}

const idle = (count: number): ReplicaSet[] => Array.from({ length: count }, (_, i) => oldReplicaSet(i + 1));

describe('history: revisionHistoryLimit', () => {
  const rows: { name: string; limit?: number; old: ReplicaSet[]; deleted: string[] }[] = [
    { name: 'default 10: ten idle kept', old: idle(10), deleted: [] },
    { name: 'default 10: the two oldest of twelve deleted', old: idle(12), deleted: ['web-old1', 'web-old2'] },
    { name: 'limit 1: all but the newest idle one', limit: 1, old: idle(3), deleted: ['web-old1', 'web-old2'] },
    { name: 'limit 0: every idle one', limit: 0, old: idle(2), deleted: ['web-old1', 'web-old2'] },
    { name: 'limit 3 with fewer: nothing', limit: 3, old: idle(2), deleted: [] },
    {
      name: 'a ReplicaSet still scaled up is not history and does not count',
      limit: 1,
      old: [oldReplicaSet(1), oldReplicaSet(2, 1), oldReplicaSet(3)],
      deleted: ['web-old1'],
    },
    {
      name: 'a ReplicaSet scaled to 0 whose pods are still terminating is kept until they are gone',
      limit: 0,
      old: [oldReplicaSet(1, 0, 2), oldReplicaSet(2)],
      deleted: ['web-old2'],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(pruned(row.limit, row.old).sort(), row.deleted);
    });
  }

  it('orders by revision, not by name or creation time', () => {
    // Revision 2 was created last (an undo brought it back, say) — it is still older history than revision 3.
    const old = [oldReplicaSet(3), oldReplicaSet(1), oldReplicaSet(2)];
    const second = old[2];
    assert.ok(second?.metadata !== undefined);
    second.metadata.creationTimestamp = '2025-12-30T00:00:00Z';
    assert.deepEqual(pruned(1, old).sort(), ['web-old1', 'web-old2']);
  });

  it('never prunes the stable ReplicaSet while a canary is under way, even with no pods and a limit of 0', () => {
    const sim = new Simulation(testRollout({ revisionHistoryLimit: 0, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } }));
    sim.settle();
    const stable = sim.rollout.status?.stableRS;
    sim.update((r) => {
      const spec = r.spec.template?.spec as { containers: { image: string }[] };
      spec.containers.forEach((c) => { c.image = 'web:2'; });
    });
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    // Its pods gone (lost, not scaled away): it is still what an abort goes back to.
    const replicaSets = sim.replicaSets.map((rs) => rs.metadata?.labels?.[podTemplateHashLabel] === stable
      ? { ...rs, spec: { ...rs.spec, replicas: 0, selector: rs.spec?.selector ?? {} }, status: { replicas: 0 } }
      : rs);
    const plan = planRollout({ rollout: sim.rollout, replicaSets, services: new Map(), now: sim.now });
    assert.deepEqual(plan.deleteReplicaSets, []);
  });
});

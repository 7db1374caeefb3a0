import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from '../api/kubernetes.ts';
import { podTemplateHashLabel, templateHashAnnotation } from '../api/labels.ts';
import type { Rollout } from '../api/rollout.ts';
import { podTemplateHash } from './hash.ts';
import type { RolloutPlan } from './observed.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// Adoption of existing ReplicaSets (docs/rollouts.md "Pod template hash", ADR 3): a ReplicaSet whose hash is the
// current template's is reused, never duplicated. One made by another controller (Argo Rollouts, whose hash differs)
// is adopted when the Rollout's status names it in currentPodHash and says the current generation was observed
// (the template has not changed since); Aviary's hash is recorded on it in aviary.dev/template-hash, so it is found
// again after the generation moves on. No pod is replaced either way.

const now = new Date('2026-01-01T00:00:00Z');
const foreignHash = 'argo5f7c9';

/** A Rollout Healthy on one ReplicaSet, as the Simulation leaves it. */
function healthy(): Simulation {
  const sim = new Simulation(testRollout({ replicas: 3 }));
  sim.settle();
  assert.equal(sim.phase(), 'Healthy');
  return sim;
}

/** The same cluster as another controller would have left it: its own hash on the ReplicaSet and in the status. */
function madeByAnother(sim: Simulation, observedGeneration = String(sim.rollout.metadata.generation)): { rollout: Rollout; replicaSets: ReplicaSet[] } {
  const replicaSets = sim.replicaSets.map((rs): ReplicaSet => {
    const copy = structuredClone(rs);
    copy.metadata = { ...copy.metadata, name: `web-${foreignHash}`, labels: { ...copy.metadata?.labels, [podTemplateHashLabel]: foreignHash } };
    if (copy.spec !== undefined) copy.spec.selector = { matchLabels: { app: 'web', [podTemplateHashLabel]: foreignHash } };
    return copy;
  });
  const rollout = structuredClone(sim.rollout);
  rollout.status = { ...rollout.status, currentPodHash: foreignHash, stableRS: foreignHash, observedGeneration };
  return { rollout, replicaSets };
}

function plan(rollout: Rollout, replicaSets: readonly ReplicaSet[], workload?: Deployment): RolloutPlan {
  return planRollout({ rollout, replicaSets, services: new Map(), now, ...(workload === undefined ? {} : { workload }) });
}

function assertNoChurn(p: RolloutPlan): void {
  assert.equal(p.createReplicaSet, undefined, 'no new ReplicaSet');
  assert.deepEqual(p.scale, [], 'nothing scaled');
  assert.deepEqual(p.deleteReplicaSets, [], 'nothing deleted');
  assert.deepEqual(p.evictPods, [], 'no pod replaced');
}

describe('adoption of existing ReplicaSets', () => {
  it('reuses the ReplicaSet that carries the current hash (a Rollout re-created over its ReplicaSets)', () => {
    const sim = healthy();
    const recreated = testRollout({ replicas: 3 });
    const p = plan(recreated, sim.replicaSets);
    assertNoChurn(p);
    assert.equal(p.status.stableRS, sim.rollout.status?.stableRS);
    assert.equal(p.status.phase, 'Healthy');
  });

  it("adopts another controller's ReplicaSet named by currentPodHash at the observed generation, recording Aviary's hash", () => {
    const sim = healthy();
    const { rollout, replicaSets } = madeByAnother(sim);
    const p = plan(rollout, replicaSets);
    assertNoChurn(p);
    const computed = podTemplateHash(rollout.spec.template, 0);
    assert.deepEqual(p.annotate, [{ name: `web-${foreignHash}`, annotations: { [templateHashAnnotation]: computed } }]);
    assert.equal(p.status.currentPodHash, foreignHash, 'the adopted ReplicaSet keeps its name and label');
    assert.equal(p.status.stableRS, foreignHash);
    assert.equal(p.status.phase, 'Healthy');
  });

  it('finds an adopted ReplicaSet by its recorded hash after the generation moved on, without annotating again', () => {
    const sim = healthy();
    const { rollout, replicaSets } = madeByAnother(sim, '0');
    const computed = podTemplateHash(rollout.spec.template, 0);
    for (const rs of replicaSets) rs.metadata = { ...rs.metadata, annotations: { ...rs.metadata?.annotations, [templateHashAnnotation]: computed } };
    const p = plan(rollout, replicaSets);
    assertNoChurn(p);
    assert.deepEqual(p.annotate, []);
    assert.equal(p.status.currentPodHash, foreignHash);
  });

  it('does not adopt when the status has not observed the current generation (the template may have changed)', () => {
    const sim = healthy();
    const { rollout, replicaSets } = madeByAnother(sim, '0');
    const p = plan(rollout, replicaSets);
    assert.notEqual(p.createReplicaSet, undefined, 'a ReplicaSet of its own');
    assert.deepEqual(p.annotate, []);
  });

  it('does not adopt a ReplicaSet other than the one currentPodHash names', () => {
    const sim = healthy();
    const { rollout, replicaSets } = madeByAnother(sim);
    rollout.status = { ...rollout.status, currentPodHash: 'someother' };
    const p = plan(rollout, replicaSets);
    assert.notEqual(p.createReplicaSet, undefined);
    assert.deepEqual(p.annotate, []);
  });

  it('with workloadRef, adopts only when the Deployment generation is the one the status observed', () => {
    const sim = healthy();
    const { rollout, replicaSets } = madeByAnother(sim);
    // The template of testRollout(), now kept in the Deployment.
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } };
    const workload: Deployment = { metadata: { name: 'web', generation: 3 }, spec: { selector: { matchLabels: { app: 'web' } }, template } };
    delete rollout.spec.template;
    rollout.spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

    rollout.status = { ...rollout.status, workloadObservedGeneration: '3' };
    const adopted = plan(rollout, replicaSets, workload);
    assertNoChurn(adopted);
    assert.equal(adopted.annotate.length, 1);

    rollout.status = { ...rollout.status, workloadObservedGeneration: '2' };
    const changed = plan(rollout, replicaSets, workload);
    assert.notEqual(changed.createReplicaSet, undefined, 'the Deployment changed since: not adopted');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../api/kubernetes.ts';
import type { Rollout, RolloutStrategy } from '../api/rollout.ts';
import { getCondition } from './conditions.ts';
import { podTemplateHash } from './hash.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// Progress deadline (docs/rollouts.md, reference §1 and §4): the Progressing condition says where an update stands —
// ReplicaSetUpdated while it moves, NewReplicaSetAvailable once complete, RolloutPaused while paused — and when
// nothing moved for progressDeadlineSeconds (default 600) it turns False with ProgressDeadlineExceeded: phase
// Degraded, one event. Any observed progress restarts the clock; a pause stops it. With progressDeadlineAbort an
// update is aborted (Progressing False, RolloutAborted) and goes back to its stable ReplicaSet.

const steps: RolloutStrategy = { canary: { steps: [{ setWeight: 50 }, { pause: { duration: 3600 } }] } };

function progressing(sim: Simulation): Pick<Condition, 'status' | 'reason' | 'message'> | undefined {
  const c = getCondition(sim.rollout.status?.conditions, 'Progressing');
  return c === undefined ? undefined : { status: c.status, reason: c.reason, message: c.message };
}

function setImage(r: Rollout, image: string): void {
  const spec = r.spec.template?.spec as { containers: { image: string }[] };
  for (const c of spec.containers) c.image = image;
}

/** Healthy on web:1, then updated to web:2 whose pods never become available. */
function stuckUpdate(spec: Partial<Rollout['spec']> = {}): { sim: Simulation; canaryHash: string } {
  const sim = new Simulation(testRollout({ replicas: 4, progressDeadlineSeconds: 10, strategy: steps, ...spec }));
  sim.settle();
  assert.equal(sim.phase(), 'Healthy');
  sim.update((r) => { setImage(r, 'web:2'); });
  const canaryHash = podTemplateHash(sim.rollout.spec.template, 0);
  sim.unavailable.add(canaryHash);
  sim.settle();
  return { sim, canaryHash };
}

const exceeded = (sim: Simulation): number => sim.reasons().filter((r) => r === 'ProgressDeadlineExceeded').length;

describe('progress deadline: the Progressing condition', () => {
  it('ReplicaSetUpdated while an update moves, with a wake-up at the deadline', () => {
    const { sim, canaryHash } = stuckUpdate();
    assert.deepEqual(progressing(sim), { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "web-${canaryHash}" is progressing.` });
    assert.equal(sim.phase(), 'Progressing');
    const wake = sim.lastPlan?.requeueAfterMs;
    assert.ok(wake !== undefined && wake > 0 && wake <= 10_000, `requeue after ${String(wake)}`);
  });

  it('NewReplicaSetAvailable once complete', () => {
    const sim = new Simulation(testRollout({ strategy: { canary: { steps: [{ setWeight: 50 }] } } }));
    sim.settle();
    sim.update((r) => { setImage(r, 'web:2'); });
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');
    const rsName = `web-${sim.rollout.status?.currentPodHash ?? ''}`;
    assert.deepEqual(progressing(sim), { status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` });
  });

  it('RolloutPaused (Unknown) during a pause, and the deadline does not run out while paused', () => {
    const sim = new Simulation(testRollout({ replicas: 4, progressDeadlineSeconds: 10, strategy: steps }));
    sim.settle();
    sim.update((r) => { setImage(r, 'web:2'); });
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    assert.deepEqual(progressing(sim), { status: 'Unknown', reason: 'RolloutPaused', message: 'Rollout is paused' });
    sim.advance(60_000);
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    assert.equal(exceeded(sim), 0);
  });

  it('not exceeded a second before the deadline; exceeded at it, once: Degraded, no abort without progressDeadlineAbort', () => {
    const { sim, canaryHash } = stuckUpdate();
    sim.advance(9_000);
    sim.settle();
    assert.equal(progressing(sim)?.reason, 'ReplicaSetUpdated');
    sim.advance(1_000);
    sim.settle();
    const message = `ReplicaSet "web-${canaryHash}" has timed out progressing.`;
    assert.deepEqual(progressing(sim), { status: 'False', reason: 'ProgressDeadlineExceeded', message });
    assert.equal(sim.phase(), 'Degraded');
    assert.equal(sim.rollout.status?.message, `ProgressDeadlineExceeded: ${message}`);
    assert.notEqual(sim.rollout.status.abort, true);
    sim.advance(60_000);
    sim.settle();
    assert.equal(exceeded(sim), 1, 'one event, and the condition stays');
    assert.equal(progressing(sim)?.reason, 'ProgressDeadlineExceeded');
    assert.ok((sim.replicaCounts()[canaryHash] ?? 0) > 0, 'the canary stays');
  });

  it('uses 600 seconds when progressDeadlineSeconds is not set', () => {
    const { sim } = stuckUpdate({ progressDeadlineSeconds: undefined });
    sim.advance(599_000);
    sim.settle();
    assert.equal(progressing(sim)?.reason, 'ReplicaSetUpdated');
    sim.advance(1_000);
    sim.settle();
    assert.equal(progressing(sim)?.reason, 'ProgressDeadlineExceeded');
  });

  it('restarts the clock on observed progress', () => {
    const { sim, canaryHash } = stuckUpdate();
    sim.advance(6_000);
    // One canary pod becomes available: the counts moved.
    const replicaSets = structuredClone(sim.replicaSets);
    const canaryRS = replicaSets.find((rs) => rs.metadata?.name === `web-${canaryHash}`);
    assert.ok(canaryRS?.status !== undefined);
    canaryRS.status = { ...canaryRS.status, readyReplicas: 1, availableReplicas: 1 };
    const moved = planRollout({ rollout: sim.rollout, replicaSets, services: sim.services, now: sim.now });
    assert.equal(getCondition(moved.status.conditions, 'Progressing')?.reason, 'ReplicaSetUpdated');

    // Six more seconds: twelve since the update, six since the progress — within the deadline.
    const later = new Date(sim.now.getTime() + 6_000);
    const after = planRollout({ rollout: { ...sim.rollout, status: moved.status }, replicaSets, services: sim.services, now: later });
    assert.equal(getCondition(after.status.conditions, 'Progressing')?.reason, 'ReplicaSetUpdated');
    const stuck = planRollout({ rollout: { ...sim.rollout, status: moved.status }, replicaSets, services: sim.services, now: new Date(sim.now.getTime() + 10_000) });
    assert.equal(getCondition(stuck.status.conditions, 'Progressing')?.reason, 'ProgressDeadlineExceeded');
  });

  it('an exceeded update that gets its pods after all completes and is Healthy', () => {
    const { sim, canaryHash } = stuckUpdate({ strategy: { canary: { steps: [{ setWeight: 50 }] } } });
    sim.advance(10_000);
    sim.settle();
    assert.equal(sim.phase(), 'Degraded');
    sim.unavailable.delete(canaryHash);
    sim.reconcile();
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');
    assert.equal(progressing(sim)?.reason, 'NewReplicaSetAvailable');
  });
});

describe('progress deadline: progressDeadlineAbort on an update', () => {
  it('aborts: Progressing False RolloutAborted, Degraded, the canary scaled to 0 and the stable to full size', () => {
    const { sim, canaryHash } = stuckUpdate({ progressDeadlineAbort: true });
    const stableHash = sim.rollout.status?.stableRS ?? '';
    sim.advance(10_000);
    sim.settle();
    assert.equal(sim.rollout.status?.abort, true);
    assert.equal(progressing(sim)?.status, 'False');
    assert.equal(progressing(sim)?.reason, 'RolloutAborted');
    assert.equal(sim.phase(), 'Degraded');
    assert.match(sim.rollout.status.message ?? '', /^RolloutAborted: Rollout aborted update to revision 2/);
    assert.deepEqual(sim.replicaCounts(), { [stableHash]: 4, [canaryHash]: 0 });
    assert.equal(sim.rollout.status.stableRS, stableHash);
    assert.deepEqual(sim.reasons().filter((r) => r === 'ProgressDeadlineExceeded' || r === 'RolloutAborted'), ['ProgressDeadlineExceeded', 'RolloutAborted']);
  });

  it('the status that first carries abort already says RolloutAborted (no Degraded write with a stale reason)', () => {
    const { sim } = stuckUpdate({ progressDeadlineAbort: true });
    sim.advance(10_000);
    const pass = planRollout({ rollout: sim.rollout, replicaSets: sim.replicaSets, services: sim.services, now: sim.now });
    assert.equal(pass.status.abort, true);
    assert.equal(pass.status.phase, 'Degraded');
    assert.match(pass.status.message ?? '', /^RolloutAborted: Rollout aborted update to revision 2/);
  });
});

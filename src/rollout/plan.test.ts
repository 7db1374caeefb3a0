import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canaryRollout, setImage, Simulation } from './simulate.test-support.ts';

describe('planRollout: canary', () => {
  it('produces the reference event sequence for deploy, update, pause, abort, retry, promote', () => {
    const sim = new Simulation(canaryRollout());
    sim.events.push({ type: 'Normal', reason: 'RolloutAddedToInformer', message: '' });
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');

    sim.update((r) => { setImage(r, 'web:2'); });
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    assert.equal(sim.rollout.status?.currentStepIndex, 1);

    sim.rollout.status = { ...sim.rollout.status, abort: true };
    sim.settle();
    assert.equal(sim.phase(), 'Degraded');

    sim.rollout.status = { ...sim.rollout.status, abort: false };
    sim.settle();
    assert.equal(sim.phase(), 'Paused');

    // promote: clear the pause conditions
    sim.rollout.status = { ...sim.rollout.status, pauseConditions: [] };
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');

    assert.deepEqual(sim.reasons(), [
      'RolloutAddedToInformer', 'RolloutUpdated', 'NewReplicaSetCreated', 'RolloutNotCompleted', 'ScalingReplicaSet', 'RolloutCompleted',
      'RolloutUpdated', 'NewReplicaSetCreated', 'RolloutNotCompleted', 'ScalingReplicaSet', 'RolloutStepCompleted', 'RolloutPaused',
      'ScalingReplicaSet', 'RolloutAborted', 'ScalingReplicaSet', 'RolloutStepCompleted', 'RolloutPaused', 'RolloutStepCompleted',
      'RolloutResumed', 'ScalingReplicaSet', 'RolloutCompleted',
    ]);
  });
});

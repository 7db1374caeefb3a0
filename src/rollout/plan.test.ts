import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { Simulation } from './simulate.ts';

function canaryRollout(overrides: Partial<Rollout['spec']> = {}): Rollout {
  return {
    apiVersion: 'aviary.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', generation: 1 },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      ...overrides,
    },
  };
}

function setImage(r: Rollout, image: string): void {
  const spec = r.spec.template?.spec as { containers: { image: string }[] } | undefined;
  const container = spec?.containers[0];
  if (container !== undefined) container.image = image;
}

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

    sim.promote();
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

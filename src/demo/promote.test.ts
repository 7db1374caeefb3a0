import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { indefinitePause } from './promote.ts';

const canary = (currentStepIndex: number, extra: Partial<NonNullable<Rollout['status']>> = {}): Rollout => ({
  metadata: { name: 'web', generation: 2 },
  spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '3s' } }, { pause: {} }] } } },
  status: { observedGeneration: '2', currentPodHash: 'bbb', currentStepIndex, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }], controllerPause: true, ...extra },
});

const blueGreen = (strategy: NonNullable<NonNullable<Rollout['spec']['strategy']>['blueGreen']>): Rollout => ({
  metadata: { name: 'web', generation: 2 },
  spec: { strategy: { blueGreen: strategy } },
  status: { observedGeneration: '2', currentPodHash: 'bbb', pauseConditions: [{ reason: 'BlueGreenPause', startTime: '2026-01-01T00:00:00Z' }], controllerPause: true },
});

describe('pauses the demo promotes', () => {
  it('a canary pause step without a duration, named 1-based', () => {
    const pause = indefinitePause(canary(2));
    assert.equal(pause?.description, 'step 3/3 (pause until promoted)');
    assert.equal(pause.key, 'bbb/step-2/2026-01-01T00:00:00Z');
  });

  it('not a timed pause, nor a pause the controller has not acknowledged for this generation', () => {
    assert.equal(indefinitePause(canary(1)), undefined);
    assert.equal(indefinitePause(canary(2, { observedGeneration: '1' })), undefined);
    assert.equal(indefinitePause(canary(2, { pauseConditions: [] })), undefined);
  });

  it('a blue-green pause unless autoPromotionSeconds ends it', () => {
    assert.equal(indefinitePause(blueGreen({ activeService: 'a', autoPromotionEnabled: false }))?.description, 'blue-green pause before promotion');
    assert.notEqual(indefinitePause(blueGreen({ activeService: 'a', autoPromotionEnabled: false, autoPromotionSeconds: 10 })), undefined);
    assert.equal(indefinitePause(blueGreen({ activeService: 'a', autoPromotionSeconds: 10 })), undefined);
  });
});

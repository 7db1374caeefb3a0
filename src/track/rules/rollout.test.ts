import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../model.ts';
import { observed, pod } from './fixtures.ts';
import { rolloutFence, rolloutRule } from './rollout.ts';

function rollout(generation: number, status: Rollout['status'], paused = false): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', generation },
    spec: { replicas: 4, paused, selector: { matchLabels: { app: 'web' } }, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } },
    status,
  };
}

describe('rolloutRule', () => {
  const cases: { name: string; r: Rollout; fence?: number; state: string; reasons?: RegExp; waiting?: RegExp }[] = [
    { name: 'Healthy at the tracked revision', r: rollout(2, { observedGeneration: '2', phase: 'Healthy', currentPodHash: 'b', stableRS: 'b' }), state: 'ready' },
    {
      name: 'REVISION FENCE: Healthy left over from the previous generation',
      r: rollout(2, { observedGeneration: '1', phase: 'Healthy', currentPodHash: 'a', stableRS: 'a' }),
      state: 'progressing',
      waiting: /observe generation 2 \(observed 1\)/,
    },
    {
      name: 'REVISION FENCE: Healthy but the new pod hash is not stable yet',
      r: rollout(2, { observedGeneration: '2', phase: 'Healthy', currentPodHash: 'b', stableRS: 'a' }),
      state: 'progressing',
      waiting: /new revision b to become stable \(stable is a\)/,
    },
    {
      name: 'REVISION FENCE: the recorded generation is newer than the object read',
      r: rollout(1, { observedGeneration: '1', phase: 'Healthy', currentPodHash: 'a', stableRS: 'a' }),
      fence: 2,
      state: 'progressing',
    },
    { name: 'observedGeneration as a number is accepted', r: rollout(3, { observedGeneration: 3, phase: 'Healthy', currentPodHash: 'c', stableRS: 'c' }), state: 'ready' },
    { name: 'Progressing', r: rollout(2, { observedGeneration: '2', phase: 'Progressing', message: 'more replicas need to be updated', currentPodHash: 'b', stableRS: 'a' }), state: 'progressing', waiting: /Progressing: more replicas need to be updated/ },
    { name: 'Degraded', r: rollout(2, { observedGeneration: '2', phase: 'Degraded', message: 'ProgressDeadlineExceeded: ReplicaSet "web-b" has timed out progressing.' }), state: 'failed', reasons: /Degraded: ProgressDeadlineExceeded/ },
    { name: 'aborted', r: rollout(2, { observedGeneration: '2', phase: 'Degraded', abort: true, message: 'RolloutAborted: metric "errors" assessed Failed' }), state: 'failed', reasons: /aborted: RolloutAborted: metric "errors"/ },
    { name: 'InvalidSpec', r: rollout(2, { observedGeneration: '2', phase: 'Degraded', conditions: [{ type: 'InvalidSpec', status: 'True', message: 'The Rollout "web" is invalid: spec.strategy' }] }), state: 'failed', reasons: /InvalidSpec/ },
    { name: 'paused at a step', r: rollout(2, { observedGeneration: '2', phase: 'Paused', pauseConditions: [{ reason: 'CanaryPauseStep' }], currentPodHash: 'b', stableRS: 'a' }), state: 'paused', reasons: /paused: CanaryPauseStep/ },
    { name: 'paused by hand', r: rollout(2, { observedGeneration: '2', phase: 'Paused', message: 'manually paused' }, true), state: 'paused', reasons: /manually paused/ },
    { name: 'no status: the controller is not running', r: rollout(1, undefined), state: 'progressing', waiting: /report status/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = rolloutRule(observed(c.r), { generation: c.fence ?? rolloutFence(c.r).generation });
      assert.equal(s.state, c.state, JSON.stringify(s));
      if (c.reasons !== undefined) assert.match(s.reasons.join('; '), c.reasons);
      if (c.waiting !== undefined) assert.match(s.waitingFor.join('; '), c.waiting);
    });
  }

  it('judges the pods of the current pod hash only, and shows step and weight', () => {
    const crash = { ready: false, containers: [{ name: 'web', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } }] };
    const pods = [
      pod({ name: 'web-a-1', labels: { 'rollouts-pod-template-hash': 'a' }, ...crash }),
      pod({ name: 'web-b-1', labels: { 'rollouts-pod-template-hash': 'b' }, ...crash }),
    ];
    const r = rollout(2, { observedGeneration: '2', phase: 'Progressing', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 1, canary: { weights: { canary: { weight: 20 } } } });
    const s = rolloutRule(observed(r, { pods }), { generation: 2 });
    assert.deepEqual(s.problems.map((p) => p.object), ['po/web-b-1']);
    assert.deepEqual(s.details, { step: '1/2', weight: 20 });
    assert.equal(s.revision, 'b');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';
import { describeStep, formatView, progressView } from './render.ts';

const steps = [{ setWeight: 20 }, { pause: { duration: '3s' } }, { setWeight: 40 }, { pause: {} }, { setWeight: 80 }, { pause: { duration: 3 } }];

function rollout(status: Rollout['status'], strategy: Rollout['spec']['strategy'] = { canary: { steps } }): Rollout {
  return { apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'web', generation: 2 }, spec: { replicas: 5, strategy }, status };
}

function rs(hash: string, revision: number, desired: number, ready: number, current = desired): ReplicaSet {
  return {
    metadata: { name: `web-${hash}`, labels: { 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(revision) } },
    spec: { replicas: desired, selector: {} },
    status: { replicas: current, readyReplicas: ready },
  };
}

describe('demo progress lines', () => {
  it('shows each ReplicaSet by role and revision, the step being worked on, the weight and the phase', () => {
    const view = progressView(
      rollout({ stableRS: 'aaa', currentPodHash: 'bbb', currentStepIndex: 3, phase: 'Paused', message: 'CanaryPauseStep' }),
      [rs('bbb', 2, 2, 2), rs('aaa', 1, 3, 3), rs('old', 0, 0, 0, 0)],
    );
    assert.equal(formatView(view), 'stable r1 3/3  canary r2 2/2   step 4/6  setWeight 40  pause until promoted   Paused: CanaryPauseStep');
  });

  it('keeps a ReplicaSet that is still being emptied, drops scaled-down history', () => {
    const view = progressView(rollout({ stableRS: 'bbb', currentPodHash: 'bbb', currentStepIndex: 6, phase: 'Progressing', message: 'old replicas are pending termination' }), [
      rs('aaa', 1, 0, 1, 1),
      rs('bbb', 2, 5, 5),
      rs('zzz', 0, 0, 0, 0),
    ]);
    assert.deepEqual(view.replicaSets.map((r) => `${r.role}:${r.revision}`), ['stable:2', 'old:1']);
    assert.match(formatView(view), /steps 6\/6 done {2}setWeight 100/);
  });

  it('before the first status write: no step, the only ReplicaSet is the stable one to be', () => {
    assert.equal(formatView(progressView(rollout(undefined), [rs('aaa', 1, 5, 0, 0)])), 'stable r1 0/5   Pending');
    assert.equal(formatView(progressView(rollout(undefined), [])), 'no ReplicaSets yet   Pending');
  });

  it('names blue-green ReplicaSets active and preview', () => {
    const view = progressView(
      rollout({ stableRS: 'aaa', currentPodHash: 'bbb', blueGreen: { activeSelector: 'aaa', previewSelector: 'bbb' }, phase: 'Paused', message: 'BlueGreenPause' },
        { blueGreen: { activeService: 'web-active', previewService: 'web-preview', autoPromotionEnabled: false } }),
      [rs('aaa', 1, 3, 3), rs('bbb', 2, 3, 1)],
    );
    assert.equal(formatView(view), 'active r1 3/3  preview r2 1/3   Paused: BlueGreenPause');
  });

  it('describes steps as people read them', () => {
    assert.equal(describeStep({ setWeight: 20 }), 'setWeight 20');
    assert.equal(describeStep({ pause: {} }), 'pause until promoted');
    assert.equal(describeStep({ pause: { duration: 90 } }), 'pause 1m30s');
    assert.equal(describeStep({ pause: { duration: '3s' } }), 'pause 3s');
    assert.equal(describeStep(undefined), undefined);
  });
});

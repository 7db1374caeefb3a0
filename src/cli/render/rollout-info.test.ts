import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../../api/rollout.ts';
import type { PodObject, ReplicaSetObject } from './objects.ts';
import { currentSetWeight, podStatus, replicaSetStatus, rolloutInfo, rolloutPhase } from './rollout-info.ts';

const rollout = (status: NonNullable<Rollout['status']>, generation = 1): Rollout => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', generation },
  spec: { replicas: 4, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '1m' } }] } } },
  status: { observedGeneration: '1', ...status },
});

describe('phase, step and weight', () => {
  it('a status written for an older generation is "waiting for rollout spec update to be observed"', () => {
    assert.deepEqual(rolloutPhase(rollout({ phase: 'Healthy' }, 2)), { phase: 'Progressing', message: 'waiting for rollout spec update to be observed' });
    assert.deepEqual(rolloutPhase(rollout({ phase: 'Paused', message: 'CanaryPauseStep' })), { phase: 'Paused', message: 'CanaryPauseStep' });
    assert.deepEqual(rolloutPhase(rollout({ phase: 'Healthy' })), { phase: 'Healthy' });
  });

  it('setWeight: the last setWeight at or before the current step, 100 when done, 0 when aborted', () => {
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 0 })), 20);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 1 })), 20);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 3 })), 60);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 4 })), 100);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 3, abort: true })), 0);
  });

  it('describes the current step, with the time a timed pause has left', () => {
    const now = new Date('2026-01-01T00:00:20Z');
    const info = rolloutInfo({ rollout: rollout({ phase: 'Paused', currentStepIndex: 3, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }] }), now });
    assert.equal(info.step, '3/4');
    assert.equal(info.stepDetail, 'pause: 1m (40s left)');
    assert.equal(rolloutInfo({ rollout: rollout({ currentStepIndex: 1 }), now }).stepDetail, 'pause (until promoted)');
    assert.equal(rolloutInfo({ rollout: rollout({ currentStepIndex: 0, abort: true }), now }).stepDetail, 'aborted');
  });

  it('actual weight: the canary share of available pods, without traffic routing', () => {
    const rs = (name: string, hash: string, available: number): ReplicaSetObject => ({
      metadata: { name, uid: name, labels: { 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': hash === 'new' ? '2' : '1' }, ownerReferences: [{ uid: 'u1' }] },
      spec: { replicas: available, template: { spec: { containers: [{ name: 'app', image: `app:${hash}` }] } } },
      status: { replicas: available, availableReplicas: available, readyReplicas: available },
    });
    const info = rolloutInfo({ rollout: rollout({ stableRS: 'old', currentPodHash: 'new', availableReplicas: 4, currentStepIndex: 1 }), replicaSets: [rs('web-old', 'old', 3), rs('web-new', 'new', 1), { ...rs('other', 'x', 1), metadata: { name: 'other', ownerReferences: [{ uid: 'someone' }] } }], now: new Date() });
    assert.equal(info.actualWeight, 25);
    assert.deepEqual(info.images, [{ image: 'app:new', tags: ['canary'] }, { image: 'app:old', tags: ['stable'] }]);
    assert.deepEqual(info.revisions.map((r) => [r.revision, r.replicaSets.map((x) => x.name)]), [[2, ['web-new']], [1, ['web-old']]], 'ReplicaSets of other owners are left out');
  });
});

describe('ReplicaSet and pod status words', () => {
  it('ReplicaSet: Progressing until observed and available, then Healthy or ScaledDown; ReplicaFailure', () => {
    assert.equal(replicaSetStatus({ metadata: { generation: 2 }, spec: { replicas: 1 }, status: { observedGeneration: 1, availableReplicas: 1 } }), 'Progressing');
    assert.equal(replicaSetStatus({ metadata: { generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, availableReplicas: 1 } }), 'Progressing');
    assert.equal(replicaSetStatus({ metadata: { generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, availableReplicas: 2 } }), 'Healthy');
    assert.equal(replicaSetStatus({ metadata: { generation: 1 }, spec: { replicas: 0 }, status: { observedGeneration: 1 } }), 'ScaledDown');
    assert.equal(replicaSetStatus({ metadata: { generation: 1 }, spec: { replicas: 1 }, status: { observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True' }] } }), 'ReplicaFailure');
  });

  const pod = (status: PodObject['status'], extra: Partial<PodObject> = {}): PodObject => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }], initContainers: [{ name: 'i' }] }, status, ...extra });
  const cases: [string, PodObject, string][] = [
    ['running and ready', pod({ phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }] }), 'Running'],
    ['pending', pod({ phase: 'Pending' }), 'Pending'],
    ['waiting for an image', pod({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] }), 'ImagePullBackOff'],
    ['crash looping', pod({ phase: 'Running', containerStatuses: [{ restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }), 'CrashLoopBackOff'],
    ['exited with a code', pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] }), 'ExitCode:2'],
    ['an init container running', pod({ phase: 'Pending', initContainerStatuses: [{ state: { running: {} } }] }), 'Init:0/1'],
    ['an init container failing', pod({ phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'Error' } } }] }), 'Init:Error'],
    ['being deleted', pod({ phase: 'Running' }, { metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' } }), 'Terminating'],
    ['evicted', pod({ phase: 'Failed', reason: 'Evicted' }), 'Evicted'],
  ];
  for (const [name, p, expected] of cases) it(`pod ${name}: ${expected}`, () => { assert.equal(podStatus(p), expected); });
});

describe('analysis runs in the tree', () => {
  it('appear under their revision with measurement counts, and their Jobs under them', async () => {
    const { renderRollout } = await import('./tree.ts');
    const { plainStyle } = await import('./text.ts');
    const now = new Date('2026-01-01T00:05:00Z');
    const base = rollout({ phase: 'Progressing', stableRS: 'old', currentPodHash: 'new', currentStepIndex: 0 });
    const info = rolloutInfo({
      rollout: { ...base, spec: { ...base.spec, strategy: { canary: { steps: [{ analysis: { templates: [{ templateName: 'rate' }] } }] } } } },
      replicaSets: [{ metadata: { name: 'web-new', uid: 'rs', labels: { 'rollouts-pod-template-hash': 'new' }, annotations: { 'rollout.argoproj.io/revision': '2' }, ownerReferences: [{ uid: 'u1' }] }, spec: { replicas: 1 }, status: { availableReplicas: 1 } }],
      analysisRuns: [{
        metadata: { name: 'web-new-2-0', uid: 'ar', creationTimestamp: '2026-01-01T00:04:00Z', labels: { 'rollouts-pod-template-hash': 'new' }, ownerReferences: [{ uid: 'u1' }] },
        status: { phase: 'Running', metricResults: [{ name: 'success-rate', phase: 'Successful', successful: 3 }, { name: 'latency', phase: 'Running', successful: 0, failed: 1 }] },
      }],
      jobs: [{ metadata: { name: 'web-new-2-0-job', creationTimestamp: '2026-01-01T00:04:30Z', ownerReferences: [{ uid: 'ar' }] }, status: { active: 1 } }],
      now,
    });
    assert.deepEqual(info.revisions.map((r) => [r.revision, r.analysisRuns.map((a) => [a.name, a.status, a.successful, a.failed, a.jobs.map((j) => j.status)])]), [[2, [['web-new-2-0', 'Running', 3, 1, ['Running']]]]]);
    const text = renderRollout(info, { style: plainStyle, now }).join('\n');
    assert.match(text, /\n {3}├──⧉ web-new +ReplicaSet .*\n {3}└──α web-new-2-0 +AnalysisRun +◌ Running +60s +✔ 3,✖ 1\n {6}└──⊞ web-new-2-0-job +Job +◌ Running +30s/);
  });
});

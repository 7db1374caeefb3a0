import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalysisRun } from '../api/analysis.ts';
import type { ContainerStatus, Job, OwnerReference, Pod, ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';
import { jobStatus, podStatus, replicaSetStatus } from './object-status.ts';
import {
  canaryProgress, currentSetWeight, imagesByRole, replicaSetInfos, revisionTree, rolloutInfo, rolloutPhase, statusLine, stepCount, strategyOf, tagsOf,
} from './rollout.ts';
import { rolloutRow } from './rollout-row.ts';

const rollout = (status: NonNullable<Rollout['status']>, generation = 1): Rollout => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', generation },
  spec: { replicas: 4, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '1m' } }] } } },
  status: { observedGeneration: '1', ...status },
});

const owner = (uid: string): OwnerReference => ({ apiVersion: 'v1', kind: 'Owner', name: uid, uid });

const replicaSet = (name: string, hash: string, revision: number, available: number, owners = ['u1']): ReplicaSet => ({
  metadata: { name, uid: name, labels: { 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(revision) }, ownerReferences: owners.map(owner) },
  spec: { replicas: available, selector: {}, template: { spec: { containers: [{ name: 'app', image: `app:${hash}` }] } } },
  status: { replicas: available, availableReplicas: available, readyReplicas: available },
});

const container = (fields: Partial<ContainerStatus>): ContainerStatus => ({ name: 'a', image: 'app', imageID: '', ready: false, restartCount: 0, ...fields });

const pod = (status: Pod['status'], extra: Partial<Pod> = {}): Pod => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }], initContainers: [{ name: 'i' }] }, status, ...extra });

const analysisRun = (name: string, fields: { uid?: string; createdAt?: string; hash?: string; revision?: number; status?: AnalysisRun['status'] }): AnalysisRun => ({
  metadata: {
    name,
    ...(fields.uid === undefined ? {} : { uid: fields.uid }),
    ...(fields.createdAt === undefined ? {} : { creationTimestamp: fields.createdAt }),
    labels: fields.hash === undefined ? {} : { 'rollouts-pod-template-hash': fields.hash },
    ...(fields.revision === undefined ? {} : { annotations: { 'rollout.argoproj.io/revision': String(fields.revision) } }),
    ownerReferences: [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u1' }],
  },
  spec: { metrics: [{ name: 'm', provider: { job: { spec: { template: {} } } } }] },
  ...(fields.status === undefined ? {} : { status: fields.status }),
});

describe('phase, step and weight', () => {
  it('a status written for an older generation is "waiting for rollout spec update to be observed"', () => {
    assert.deepEqual(rolloutPhase(rollout({ phase: 'Healthy' }, 2)), { phase: 'Progressing', message: 'waiting for rollout spec update to be observed' });
    assert.deepEqual(rolloutPhase(rollout({ phase: 'Paused', message: 'CanaryPauseStep' })), { phase: 'Paused', message: 'CanaryPauseStep' });
    assert.deepEqual(rolloutPhase(rollout({ phase: 'Healthy' })), { phase: 'Healthy' });
    assert.deepEqual(rolloutPhase(rollout({})), { phase: 'Progressing', message: 'waiting for the controller' });
  });

  it('status line: the phase, and its message after a dash', () => {
    assert.equal(statusLine(rollout({ phase: 'Paused', message: 'CanaryPauseStep' })), 'Paused - CanaryPauseStep');
    assert.equal(statusLine(rollout({ phase: 'Healthy' })), 'Healthy');
  });

  it('setWeight: the last setWeight at or before the current step, 100 when done, 0 when aborted', () => {
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 0 })), 20);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 1 })), 20);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 3 })), 60);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 4 })), 100);
    assert.equal(currentSetWeight(rollout({ currentStepIndex: 3, abort: true })), 0);
  });

  it('strategy and step count: "done/total", capped, only for a canary with steps', () => {
    assert.equal(strategyOf(rollout({})), 'Canary');
    assert.equal(stepCount(rollout({ currentStepIndex: 2 })), '2/4');
    assert.equal(stepCount(rollout({ currentStepIndex: 9 })), '4/4');
    const blueGreen: Rollout = { metadata: { name: 'bg' }, spec: { strategy: { blueGreen: { activeService: 'a' } } } };
    assert.equal(strategyOf(blueGreen), 'BlueGreen');
    assert.equal(stepCount(blueGreen), undefined);
    assert.equal(strategyOf({ metadata: {}, spec: {} }), 'None');
  });

  it('describes the current step, with the time a timed pause has left', () => {
    const now = new Date('2026-01-01T00:00:20Z');
    const info = rolloutInfo({ rollout: rollout({ phase: 'Paused', currentStepIndex: 3, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }] }), now });
    assert.equal(info.step, '3/4');
    assert.equal(info.stepDetail, 'pause: 1m (40s left)');
    assert.equal(rolloutInfo({ rollout: rollout({ currentStepIndex: 1 }), now }).stepDetail, 'pause (until promoted)');
    assert.equal(rolloutInfo({ rollout: rollout({ currentStepIndex: 0, abort: true }), now }).stepDetail, 'aborted');
    assert.equal(rolloutInfo({ rollout: rollout({ currentStepIndex: 4 }), now }).stepDetail, 'all steps done');
  });

  it('actual weight: the canary share of available pods, without traffic routing', () => {
    const info = rolloutInfo({
      rollout: rollout({ stableRS: 'old', currentPodHash: 'new', availableReplicas: 4, currentStepIndex: 1 }),
      replicaSets: [replicaSet('web-old', 'old', 1, 3), replicaSet('web-new', 'new', 2, 1), replicaSet('other', 'x', 1, 1, ['someone'])],
      now: new Date(),
    });
    assert.equal(info.actualWeight, 25);
    assert.deepEqual(info.images, [{ image: 'app:new', tags: ['canary'] }, { image: 'app:old', tags: ['stable'] }]);
    assert.deepEqual(info.revisions.map((r) => [r.revision, r.replicaSets.map((x) => x.name)]), [[2, ['web-new']], [1, ['web-old']]], 'ReplicaSets of other owners are left out');
  });

  it('canary progress: the weight the traffic router reports wins; a finished canary is at 100', () => {
    const now = new Date();
    const routed = rollout({ stableRS: 'old', currentPodHash: 'new', currentStepIndex: 1, canary: { weights: { canary: { podTemplateHash: 'new', weight: 30 }, stable: { podTemplateHash: 'old', weight: 70 } } } });
    assert.deepEqual(canaryProgress(routed, [], now), { step: '1/4', stepDetail: 'pause (until promoted)', setWeight: 20, actualWeight: 30 });
    assert.equal(canaryProgress(rollout({ stableRS: 'new', currentPodHash: 'new', currentStepIndex: 4 }), [], now).actualWeight, 100);
    assert.equal(canaryProgress(rollout({ stableRS: 'old', currentPodHash: 'new' }), [], now).actualWeight, 0);
  });

  it('only a canary has step and weights in its info, after the rest (where -o json prints them)', () => {
    const info = rolloutInfo({ rollout: rollout({ currentStepIndex: 0 }), now: new Date() });
    assert.deepEqual(Object.keys(info).slice(-5), ['revisions', 'step', 'stepDetail', 'setWeight', 'actualWeight']);
    const blueGreen = rolloutInfo({ rollout: { metadata: { name: 'bg' }, spec: { strategy: { blueGreen: { activeService: 'a' } } } }, now: new Date() });
    assert.equal('setWeight' in blueGreen, false);
  });
});

describe('roles, images and the revision tree', () => {
  it('tags: stable and canary; for blue-green stable with active or preview', () => {
    const canary = rollout({ stableRS: 'old', currentPodHash: 'new' });
    assert.deepEqual([tagsOf(canary, 'old'), tagsOf(canary, 'new'), tagsOf(canary, 'x'), tagsOf(canary, '')], [['stable'], ['canary'], [], []]);
    const blueGreen: Rollout = {
      metadata: { name: 'bg' }, spec: { strategy: { blueGreen: { activeService: 'a' } } },
      status: { stableRS: 'old', currentPodHash: 'new', blueGreen: { activeSelector: 'old', previewSelector: 'new' } },
    };
    assert.deepEqual([tagsOf(blueGreen, 'old'), tagsOf(blueGreen, 'new')], [['stable', 'active'], ['preview']]);
  });

  it('images by role: one entry per image, with every role that runs it; scaled-away and untagged ReplicaSets do not count', () => {
    const base = rollout({ stableRS: 'old', currentPodHash: 'new' });
    const infos = replicaSetInfos(base, [replicaSet('web-old', 'old', 1, 2), replicaSet('web-new', 'new', 2, 0), replicaSet('web-x', 'x', 3, 1)], []);
    assert.deepEqual(imagesByRole(infos), [{ image: 'app:old', tags: ['stable'] }]);
    const same = infos.map((rs) => ({ ...rs, images: ['app:1'], desired: 1 }));
    assert.deepEqual(imagesByRole(same), [{ image: 'app:1', tags: ['canary', 'stable'] }]);
  });

  it('pods hang under the ReplicaSet that owns them, by creation, with ready containers and restarts', () => {
    const mine = (name: string, createdAt: string, statuses: ContainerStatus[]): Pod => ({
      metadata: { name, creationTimestamp: createdAt, ownerReferences: [owner('web-new')] },
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: { phase: 'Running', containerStatuses: statuses },
    });
    const pods = [mine('p2', '2026-01-01T00:00:02Z', [container({ ready: true, state: { running: {} } }), container({ name: 'b', restartCount: 3, state: { running: {} } })]), mine('p1', '2026-01-01T00:00:01Z', [])];
    const [rs] = replicaSetInfos(rollout({ currentPodHash: 'new' }), [replicaSet('web-new', 'new', 2, 1)], pods);
    assert.deepEqual(rs?.pods, [
      { name: 'p1', status: 'Running', ready: '0/2', restarts: 0, createdAt: '2026-01-01T00:00:01Z' },
      { name: 'p2', status: 'Running', ready: '1/2', restarts: 3, createdAt: '2026-01-01T00:00:02Z' },
    ]);
  });

  it('a run belongs to its revision annotation, else to the revision of the ReplicaSet with its hash', () => {
    const base = rollout({});
    const infos = replicaSetInfos(base, [replicaSet('web-a', 'a', 1, 1), replicaSet('web-b', 'b', 2, 1)], []);
    const runs = [analysisRun('by-hash', { hash: 'a', createdAt: '2026-01-01T00:00:02Z' }), analysisRun('by-annotation', { hash: 'a', revision: 2, createdAt: '2026-01-01T00:00:01Z' }), analysisRun('orphan', { createdAt: '2026-01-01T00:00:03Z' })];
    const tree = revisionTree(base, infos, runs, []);
    assert.deepEqual(tree.map((r) => [r.revision, r.replicaSets.map((x) => x.name), r.analysisRuns.map((x) => x.name)]), [
      [2, ['web-b'], ['by-annotation']],
      [1, ['web-a'], ['by-hash']],
      [0, [], ['orphan']],
    ]);
  });

  it('a run counts measurements over its metrics and lists the Jobs it owns', () => {
    const run = analysisRun('r', { uid: 'ar', hash: 'a', status: { phase: 'Running', metricResults: [{ name: 'a', phase: 'Successful', successful: 3, error: 1 }, { name: 'b', phase: 'Running', failed: 1, inconclusive: 2 }] } });
    const job = (name: string, owners: string[], status: Job['status']): Job => ({ metadata: { name, ownerReferences: owners.map(owner) }, ...(status === undefined ? {} : { status }) });
    const [revision] = revisionTree(rollout({}), [], [run], [job('mine', ['ar'], { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }), job('other', ['zz'], {})]);
    const info = revision?.analysisRuns[0];
    assert.deepEqual(info && [info.status, info.successful, info.failed, info.inconclusive, info.error, info.jobs], ['Running', 3, 1, 2, 1, [{ name: 'mine', status: 'Successful' }]]);
  });
});

describe('ReplicaSet, pod and Job status words', () => {
  const rs = (generation: number, replicas: number, status: NonNullable<ReplicaSet['status']>): ReplicaSet => ({ metadata: { generation }, spec: { replicas, selector: {} }, status });
  it('ReplicaSet: Progressing until observed and available, then Healthy or ScaledDown; ReplicaFailure', () => {
    assert.equal(replicaSetStatus(rs(2, 1, { replicas: 1, observedGeneration: 1, availableReplicas: 1 })), 'Progressing');
    assert.equal(replicaSetStatus(rs(1, 2, { replicas: 2, observedGeneration: 1, availableReplicas: 1 })), 'Progressing');
    assert.equal(replicaSetStatus(rs(1, 2, { replicas: 2, observedGeneration: 1, availableReplicas: 2 })), 'Healthy');
    assert.equal(replicaSetStatus(rs(1, 0, { replicas: 0, observedGeneration: 1 })), 'ScaledDown');
    assert.equal(replicaSetStatus(rs(1, 1, { replicas: 0, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True' }] })), 'ReplicaFailure');
  });

  const cases: [string, Pod, string][] = [
    ['running and ready', pod({ phase: 'Running', containerStatuses: [container({ ready: true, state: { running: {} } })] }), 'Running'],
    ['pending', pod({ phase: 'Pending' }), 'Pending'],
    ['waiting for an image', pod({ phase: 'Pending', containerStatuses: [container({ state: { waiting: { reason: 'ImagePullBackOff' } } })] }), 'ImagePullBackOff'],
    ['crash looping', pod({ phase: 'Running', containerStatuses: [container({ restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } })] }), 'CrashLoopBackOff'],
    ['exited with a code', pod({ phase: 'Failed', containerStatuses: [container({ state: { terminated: { exitCode: 2 } } })] }), 'ExitCode:2'],
    ['killed by a signal', pod({ phase: 'Failed', containerStatuses: [container({ state: { terminated: { exitCode: 137, signal: 9 } } })] }), 'Signal:9'],
    ['an init container running', pod({ phase: 'Pending', initContainerStatuses: [container({ state: { running: {} } })] }), 'Init:0/1'],
    ['an init container failing', pod({ phase: 'Pending', initContainerStatuses: [container({ state: { terminated: { exitCode: 1, reason: 'Error' } } })] }), 'Init:Error'],
    ['being deleted', pod({ phase: 'Running' }, { metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' } }), 'Terminating'],
    ['evicted', pod({ phase: 'Failed', reason: 'Evicted' }), 'Evicted'],
  ];
  for (const [name, p, expected] of cases) it(`pod ${name}: ${expected}`, () => { assert.equal(podStatus(p), expected); });

  it('Job: Failed, Successful (Complete or SuccessCriteriaMet), Running while pods are active, else Pending', () => {
    const job = (status: Job['status']): Job => ({ metadata: { name: 'j' }, ...(status === undefined ? {} : { status }) });
    assert.equal(jobStatus(job({ conditions: [{ type: 'Failed', status: 'True' }] })), 'Failed');
    assert.equal(jobStatus(job({ conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] })), 'Successful');
    assert.equal(jobStatus(job({ active: 1 })), 'Running');
    assert.equal(jobStatus(job(undefined)), 'Pending');
  });
});

describe('list rows', () => {
  it('a canary row has its step and set weight; the group comes from the apiVersion', () => {
    const row = rolloutRow({ ...rollout({ phase: 'Paused', message: 'CanaryPauseStep', currentStepIndex: 1, readyReplicas: 4, updatedReplicas: 1, availableReplicas: 4 }), apiVersion: 'argoproj.io/v1alpha1' });
    assert.deepEqual(row, {
      namespace: 'shop', name: 'web', group: 'argoproj.io', strategy: 'Canary', status: 'Paused', message: 'CanaryPauseStep', step: '1/4', setWeight: 20,
      ready: 4, desired: 4, upToDate: 1, available: 4, images: [],
    });
  });

  it('a blue-green row has neither step nor set weight', () => {
    const row = rolloutRow({ apiVersion: 'aviary.dev/v1alpha1', metadata: { name: 'bg', generation: 1 }, spec: { strategy: { blueGreen: { activeService: 'a' } }, template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } }, status: { observedGeneration: '1', phase: 'Healthy' } });
    assert.deepEqual([row.group, row.strategy, row.status, 'step' in row, 'setWeight' in row, row.images], ['aviary.dev', 'BlueGreen', 'Healthy', false, false, ['app:1']]);
  });
});

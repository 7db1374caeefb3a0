import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyYaml } from '../support/kube.ts';
import { canaryManifest } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

describe('canary Rollouts', () => {
  const suite = useRolloutSuite('ro-canary', { dumpKinds: [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet'], ['v1', 'Service']] });
  const { ns, rollouts } = suite;

  it('emits the reference event sequence for deploy, update, pause, abort, retry and promote', async () => {
    await applyYaml(ns.kc, canaryManifest('seq'), ns.name);
    await rollouts.waitForPhase('seq', 'Healthy');
    await rollouts.setImage('seq', 'app:2');
    const paused = await rollouts.waitForPhase('seq', 'Paused');
    assert.equal(paused.status?.message, 'CanaryPauseStep');
    assert.equal(paused.status.currentStepIndex, 1);

    await rollouts.patchStatus('seq', { abort: true });
    const aborted = await rollouts.waitForPhase('seq', 'Degraded');
    assert.match(aborted.status?.message ?? '', /^RolloutAborted: Rollout aborted update to revision 2/);
    await ns.waitFor('the canary to be scaled to 0', async () => {
      const counts = await rollouts.counts('seq');
      return counts[aborted.status?.currentPodHash ?? ''] === 0 && counts[aborted.status?.stableRS ?? ''] === 1;
    });

    await rollouts.patchStatus('seq', { abort: false });
    await rollouts.waitForPhase('seq', 'Paused');
    await rollouts.promote('seq');
    const healthy = await rollouts.waitForPhase('seq', 'Healthy');
    assert.equal(healthy.status?.stableRS, healthy.status?.currentPodHash);
    // The controller records a pass's Events once its status write returns, which may be after the test sees it.
    await ns.waitFor('the second RolloutCompleted', () => Promise.resolve(suite.controller.reasonsFor('seq').filter((r) => r === 'RolloutCompleted').length === 2));

    assert.deepEqual(suite.controller.reasonsFor('seq'), [
      'RolloutAddedToInformer', 'RolloutUpdated', 'NewReplicaSetCreated', 'RolloutNotCompleted', 'ScalingReplicaSet', 'RolloutCompleted',
      'RolloutUpdated', 'NewReplicaSetCreated', 'RolloutNotCompleted', 'ScalingReplicaSet', 'RolloutStepCompleted', 'RolloutPaused',
      'ScalingReplicaSet', 'RolloutAborted', 'ScalingReplicaSet', 'RolloutStepCompleted', 'RolloutPaused', 'RolloutStepCompleted',
      'RolloutResumed', 'ScalingReplicaSet', 'RolloutCompleted',
    ]);
    // The same Events reached the API server (repeats of one message are stored once, with a count).
    await ns.waitFor('the Events of Rollout seq in the API', async () => {
      const list = await ns.core.listNamespacedEvent({ namespace: ns.name, fieldSelector: 'involvedObject.name=seq' });
      const total = list.items.filter((e) => e.source?.component === 'aviary-controller').reduce((n, e) => n + (e.count ?? 1), 0);
      return total === suite.controller.reasonsFor('seq').length;
    });
  });

  it('splits 10 replicas at setWeight 41 into 4 canary and 6 stable pods, and keeps Services on their ReplicaSets', async () => {
    await applyYaml(ns.kc, `
apiVersion: v1
kind: Service
metadata: { name: split-stable }
spec: { selector: { app: split }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: split-canary }
spec: { selector: { app: split }, ports: [{ port: 80 }] }
---
${canaryManifest('split', { replicas: 10, steps: [{ setWeight: 41 }, { pause: {} }], extra: '      canaryService: split-canary\n      stableService: split-stable' })}`, ns.name);
    const first = await rollouts.waitForPhase('split', 'Healthy');
    const stableHash = first.status?.stableRS ?? '';
    await rollouts.setImage('split', 'app:2');
    const paused = await rollouts.waitForPhase('split', 'Paused');
    const canaryHash = paused.status?.currentPodHash ?? '';
    assert.notEqual(canaryHash, stableHash);
    assert.deepEqual(await rollouts.counts('split'), { [stableHash]: 6, [canaryHash]: 4 });
    const selectors = async (): Promise<Record<string, string | undefined>> => ({
      stable: (await ns.core.readNamespacedService({ name: 'split-stable', namespace: ns.name })).spec?.selector?.['rollouts-pod-template-hash'],
      canary: (await ns.core.readNamespacedService({ name: 'split-canary', namespace: ns.name })).spec?.selector?.['rollouts-pod-template-hash'],
    });
    assert.deepEqual(await selectors(), { stable: stableHash, canary: canaryHash });
    assert.equal(paused.status?.replicas, 10);
    assert.equal(paused.status.updatedReplicas, 4);

    await rollouts.patchStatus('split', { promoteFull: true });
    const done = await rollouts.waitForPhase('split', 'Healthy');
    assert.equal(done.status?.stableRS, canaryHash);
    assert.equal(done.status.promoteFull, undefined, 'promoteFull is cleared once done');
    assert.deepEqual(await rollouts.counts('split'), { [stableHash]: 0, [canaryHash]: 10 });
    assert.deepEqual(await selectors(), { stable: canaryHash, canary: canaryHash });
  });

  it('runs timed pauses by itself, and re-applying the stable template skips the steps', async () => {
    await applyYaml(ns.kc, canaryManifest('timed', { replicas: 2, steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }, { setWeight: 100 }, { pause: {} }] }), ns.name);
    const first = await rollouts.waitForPhase('timed', 'Healthy');
    await rollouts.setImage('timed', 'app:2');
    const paused = await rollouts.waitFor('timed', 'paused at the last step', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 3);
    assert.ok(suite.controller.reasonsFor('timed').includes('RolloutStepCompleted'));

    await rollouts.setImage('timed', 'app:1');
    const back = await rollouts.waitForPhase('timed', 'Healthy');
    assert.equal(back.status?.currentPodHash, first.status?.stableRS);
    assert.equal(back.status?.stableRS, first.status?.stableRS);
    assert.equal(back.status?.currentStepIndex, 4);
    assert.ok(suite.controller.reasonsFor('timed').includes('SkipSteps'));
    await ns.waitFor('the abandoned canary to be scaled to 0', async () => (await rollouts.counts('timed'))[paused.status?.currentPodHash ?? ''] === 0);
  });

  it('holds a manually paused rollout and continues when unpaused', async () => {
    await applyYaml(ns.kc, canaryManifest('manual', { replicas: 2, steps: [{ setWeight: 50 }] }), ns.name);
    await rollouts.waitForPhase('manual', 'Healthy');
    await rollouts.patchSpec('manual', { paused: true });
    const held = await rollouts.waitForPhase('manual', 'Paused');
    assert.equal(held.status?.message, 'manually paused');
    await rollouts.setImage('manual', 'app:2');
    await rollouts.waitFor('manual', 'still paused with the new template observed', (r) => r.status?.phase === 'Paused' && r.status.currentPodHash !== held.status?.currentPodHash);
    await rollouts.patchSpec('manual', { paused: false });
    await rollouts.waitForPhase('manual', 'Healthy');
  });

  it('labels canary and stable pods by role, moves the labels on promotion without restarting pods, and keeps the canary off stable nodes', async () => {
    const extra = [
      '      canaryMetadata: { labels: { role: canary } }',
      '      stableMetadata: { labels: { role: stable } }',
      '      antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 } }',
    ].join('\n');
    await applyYaml(ns.kc, canaryManifest('roles', { replicas: 2, extra }), ns.name);
    const first = await rollouts.waitForPhase('roles', 'Healthy');
    const stableHash = first.status?.stableRS ?? '';
    const roles = async (): Promise<Record<string, string>> => {
      const pods = await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=roles' });
      return Object.fromEntries(pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined).map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.role ?? '']));
    };
    await ns.waitFor('stable pods labelled role=stable', async () => Object.values(await roles()).every((r) => r === 'stable'));

    await rollouts.setImage('roles', 'app:2');
    const paused = await rollouts.waitForPhase('roles', 'Paused');
    const canaryHash = paused.status?.currentPodHash ?? '';
    const canaryRS = (await rollouts.replicaSets('roles')).find((rs) => rs.metadata?.labels?.['rollouts-pod-template-hash'] === canaryHash);
    const rule = canaryRS?.spec?.template?.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0];
    assert.equal(rule?.weight, 50);
    assert.deepEqual(rule.podAffinityTerm.labelSelector?.matchExpressions?.[0]?.values, [stableHash]);
    const during = await ns.waitFor('canary pods labelled role=canary', async () => {
      const pods = await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: `rollouts-pod-template-hash=${canaryHash}` });
      return pods.items.length === 1 && pods.items[0]?.metadata?.labels?.role === 'canary' ? pods.items[0].metadata.name : undefined;
    });

    await rollouts.promote('roles');
    await rollouts.waitForPhase('roles', 'Healthy');
    const after = await ns.waitFor('all pods labelled role=stable', async () => {
      const r = await roles();
      return Object.keys(r).length === 2 && Object.values(r).every((v) => v === 'stable') ? r : undefined;
    });
    assert.ok(during in after, 'the canary pod kept running and was relabelled in place');
  });
});

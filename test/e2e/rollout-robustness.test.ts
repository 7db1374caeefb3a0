import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { canaryManifest } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';
import type { Pod } from '../../src/api/kubernetes.ts';
import { Informer } from '../../src/runtime/informer.ts';
import type { DeepReadonly } from '../../src/runtime/objects.ts';
import { isApiError, KubeClient } from '../../src/runtime/rest.ts';
import { applyYaml, kubeConfig } from '../support/kube.ts';

describe('Rollout controller robustness', () => {
  const suite = useRolloutSuite('ro-robust');
  const { ns, rollouts } = suite;
  const client = new KubeClient(kubeConfig(), { userAgent: 'aviary-e2e' });
  after(() => { client.close(); });

  it('marks a Rollout with a missing Service InvalidSpec and Degraded, naming the field, while others proceed', async () => {
    await applyYaml(ns.kc, [canaryManifest('broken', { extra: '      canaryService: does-not-exist' }), canaryManifest('fine')].join('\n---\n'), ns.name);
    const broken = await rollouts.waitForPhase('broken', 'Degraded');
    assert.match(broken.status?.message ?? '', /^InvalidSpec: The Rollout "broken" is invalid: spec\.strategy\.canary\.canaryService: service "does-not-exist" not found/);
    const condition = broken.status?.conditions?.find((c) => c.type === 'InvalidSpec');
    assert.equal(condition?.status, 'True');
    assert.deepEqual(await rollouts.replicaSets('broken'), [], 'nothing is scaled for an invalid spec');
    await rollouts.waitForPhase('fine', 'Healthy');

    // Fixing the spec clears the condition.
    await ns.core.createNamespacedService({ namespace: ns.name, body: { metadata: { name: 'does-not-exist' }, spec: { selector: { app: 'broken' }, ports: [{ port: 80 }] } } });
    const fixed = await rollouts.waitForPhase('broken', 'Healthy');
    assert.equal(fixed.status?.conditions?.some((c) => c.type === 'InvalidSpec'), false);
  });

  it('lets the CRD reject what a schema can: weights out of range, an empty step, both strategies', async () => {
    const cases: [string, string, RegExp][] = [
      ['weight', canaryManifest('bad-weight', { steps: [{ setWeight: 150 }] }), /setWeight/],
      ['an empty step', canaryManifest('bad-step', { steps: [{}] }), /steps\[0\]/],
      ['both strategies', canaryManifest('bad-both').replace('    canary:', '    blueGreen: { activeService: x }\n    canary:'), /strategy/],
    ];
    for (const [what, manifest, field] of cases) {
      await assert.rejects(applyYaml(ns.kc, manifest, ns.name), (error: unknown) => {
        assert.ok(isApiError(error, 422), `${what}: ${String(error)}`);
        assert.match(JSON.stringify(error.body), field, what);
        return true;
      });
    }
  });

  it('resumes after a controller restart exactly where it was, adopting its ReplicaSets without churn', async () => {
    await applyYaml(ns.kc, canaryManifest('resume', { replicas: 4, steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} }] }), ns.name);
    await rollouts.waitForPhase('resume', 'Healthy');
    await rollouts.setImage('resume', 'app:2');
    const before = await rollouts.waitForPhase('resume', 'Paused');
    const namesBefore = (await rollouts.replicaSets('resume')).map((rs) => `${rs.metadata?.name ?? ''}@${rs.metadata?.resourceVersion ?? ''}`);

    await suite.restartController();
    await ns.waitFor('the new controller to reconcile the Rollout', async () => (await suite.controller.reconciles('resume')) > 0);
    const after = await rollouts.get('resume');
    assert.equal(after.status?.currentStepIndex, before.status?.currentStepIndex);
    assert.equal(after.status?.phase, 'Paused');
    assert.deepEqual((await rollouts.replicaSets('resume')).map((rs) => `${rs.metadata?.name ?? ''}@${rs.metadata?.resourceVersion ?? ''}`), namesBefore, 'no ReplicaSet was created or written');
    assert.equal(suite.controller.reasonsFor('resume').filter((r) => r !== 'RolloutAddedToInformer').length, 0, 'no new events');

    await rollouts.promote('resume');
    await rollouts.waitFor('resume', 'paused at step 3', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 3);
    assert.deepEqual(Object.values(await rollouts.counts('resume')).sort(), [1, 3]);
  });

  it('follows the scale subresource (what an HorizontalPodAutoscaler writes)', async () => {
    await applyYaml(ns.kc, canaryManifest('scaled', { replicas: 2 }), ns.name);
    const first = await rollouts.waitForPhase('scaled', 'Healthy');
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    await objects.patchNamespacedCustomObjectScale(
      { group: 'aviary.dev', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'scaled', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const scaled = await rollouts.waitFor('scaled', '5 available replicas', (r) => r.status?.availableReplicas === 5 && r.status.phase === 'Healthy');
    assert.equal(scaled.status?.HPAReplicas, 5);
    assert.deepEqual(await rollouts.counts('scaled'), { [first.status?.stableRS ?? '']: 5 });
    const scale = (await objects.getNamespacedCustomObjectScale({ group: 'aviary.dev', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'scaled' })) as { status: { replicas: number; selector: string } };
    assert.deepEqual(scale.status, { replicas: 5, selector: 'app=scaled' });
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    await applyYaml(ns.kc, canaryManifest('history', { steps: [] }).replace('  replicas: 1', '  replicas: 1\n  revisionHistoryLimit: 1'), ns.name);
    await rollouts.waitForPhase('history', 'Healthy');
    for (const image of ['app:2', 'app:3', 'app:4']) {
      await rollouts.setImage('history', image);
      await rollouts.waitFor('history', `Healthy on ${image}`, (r) => r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash);
    }
    await ns.waitFor('old ReplicaSets to be pruned to 1', async () => (await rollouts.replicaSets('history')).length === 2);
    const revisions = (await rollouts.replicaSets('history')).map((rs) => rs.metadata?.annotations?.['rollout.argoproj.io/revision']);
    assert.deepEqual(revisions, ['3', '4']);
  });

  it('reports ProgressDeadlineExceeded when new pods never become available, and aborts with progressDeadlineAbort', async () => {
    // The first deploy runs with the default deadline, so a slow machine cannot make it miss one; the short deadline
    // comes with the update whose pods can never become available, so missing it is the only possible outcome.
    const manifest = (name: string, abort: boolean): string => canaryManifest(name, { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] })
      .replace('  replicas: 2', `  replicas: 2\n  progressDeadlineAbort: ${String(abort)}`);
    await applyYaml(ns.kc, [manifest('stuck', false), manifest('stuck-abort', true)].join('\n---\n'), ns.name);
    await rollouts.waitForPhase('stuck', 'Healthy');
    await rollouts.waitForPhase('stuck-abort', 'Healthy');
    // Pods that no node can take stay Pending: the canary never becomes available.
    const unschedulable = { nodeSelector: { 'aviary.dev/no-such-node': 'true' }, containers: [{ name: 'app', image: 'app:2' }] };
    for (const name of ['stuck', 'stuck-abort']) {
      const r = await rollouts.get(name);
      await rollouts.patchSpec(name, { progressDeadlineSeconds: 2, template: { ...r.spec.template, spec: unschedulable } });
    }
    const stuck = await rollouts.waitForPhase('stuck', 'Degraded');
    assert.match(stuck.status?.message ?? '', /^ProgressDeadlineExceeded: ReplicaSet "stuck-\w+" has timed out progressing\./);
    assert.equal(stuck.status?.abort, undefined, 'without progressDeadlineAbort the canary stays');
    assert.notEqual(stuck.status?.currentPodHash, stuck.status?.stableRS, 'the deadline was missed by the update, not the first deploy');
    const aborted = await rollouts.waitFor('stuck-abort', 'aborted', (r) => r.status?.abort === true && r.status.phase === 'Degraded');
    assert.match(aborted.status?.message ?? '', /^RolloutAborted: Rollout aborted update to revision 2/);
    await ns.waitFor('the stuck canary to be scaled to 0', async () => (await rollouts.counts('stuck-abort'))[aborted.status?.currentPodHash ?? ''] === 0);
    assert.ok(suite.controller.reasonsFor('stuck').includes('ProgressDeadlineExceeded'));
  });

  it('restarts every pod older than spec.restartAt, at most maxUnavailable (1 of 4) missing at a time, and records restartedAt', async () => {
    await applyYaml(ns.kc, canaryManifest('restart', { replicas: 4, steps: [] }), ns.name);
    await rollouts.waitForPhase('restart', 'Healthy');
    // Every change to the pods, from a watch: the most pods missing at any moment, wanted but not ready or terminating.
    const pods = new Informer<Pod>(client, { resource: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' }, namespace: ns.name, labelSelector: 'app=restart' });
    const serving = (): DeepReadonly<Pod>[] => pods.list().filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
    let mostMissing = 0;
    const record = (): void => { mostMissing = Math.max(mostMissing, 4 - serving().length); };
    pods.addEventHandler({ onAdd: record, onUpdate: record, onDelete: record });
    pods.start();
    try {
      await pods.waitForSync(AbortSignal.timeout(30_000));
      await ns.waitFor('the watch to see 4 ready pods', () => Promise.resolve(serving().length === 4));
      mostMissing = 0;
      const before = serving().map((p) => p.metadata?.name ?? '').sort();
      // Pods are stamped to the second: restartAt a second after the newest, so every one of them is older. The
      // controller waits until that time comes.
      const newest = Math.max(...serving().map((p) => Date.parse(p.metadata?.creationTimestamp ?? '')));
      const restartAt = new Date(newest + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await rollouts.patchSpec('restart', { restartAt });
      const done = await rollouts.waitFor('restart', 'restartedAt recorded', (r) => r.status?.restartedAt === restartAt && r.status.availableReplicas === 4);
      assert.equal(done.status?.phase, 'Healthy');
      await ns.waitFor('the watch to see 4 new ready pods', () => Promise.resolve(serving().length === 4 && serving().every((p) => !before.includes(p.metadata?.name ?? ''))));
      assert.equal(mostMissing, 1, 'one pod at a time: some pod was missing while it was replaced, never two');
      assert.ok(suite.controller.reasonsFor('restart').includes('RolloutRestarted'));
    } finally {
      await pods.stop();
    }
  });

  it('reuses the ReplicaSet of an older revision on undo, as the newest revision, through the steps', async () => {
    await applyYaml(ns.kc, canaryManifest('undo', { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] }), ns.name);
    const v1 = await rollouts.waitForPhase('undo', 'Healthy');
    for (const image of ['app:2', 'app:3']) {
      await rollouts.setImage('undo', image);
      await rollouts.waitForPhase('undo', 'Paused');
      await rollouts.promote('undo');
      await rollouts.waitFor('undo', `Healthy on ${image}`, (r) => r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash);
    }
    await rollouts.setImage('undo', 'app:1');
    const paused = await rollouts.waitForPhase('undo', 'Paused');
    assert.equal(paused.status?.currentPodHash, v1.status?.stableRS, 'the revision 1 ReplicaSet runs the canary again');
    const sets = await rollouts.replicaSets('undo');
    assert.equal(sets.length, 3, 'no new ReplicaSet');
    const reused = sets.find((rs) => rs.metadata?.labels?.['rollouts-pod-template-hash'] === v1.status?.stableRS);
    assert.equal(reused?.metadata?.annotations?.['rollout.argoproj.io/revision'], '4');
    assert.equal(reused.spec?.replicas, 1);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { aviaryGroup, argoprojGroup } from '../../src/api/groups.ts';
import type { Rollout } from '../../src/api/rollout.ts';
import { applyYaml } from '../support/kube.ts';
import { startTestController, type TestController } from '../support/controller.ts';
import { TestNamespace } from '../support/namespace.ts';
import { canaryManifest, Rollouts } from '../support/rollouts.ts';

const ns = new TestNamespace('ro-compat', [['argoproj.io/v1alpha1', 'Rollout'], ['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet']]);
let controller: TestController;

describe('compatibility mode (--compat argo)', () => {
  before(async () => {
    await ns.create();
    controller = await startTestController(ns.kc, ns.name, [aviaryGroup, argoprojGroup]);
  });
  after(async () => {
    await controller.stop();
    await ns.delete();
  });

  it('reconciles an unmodified argoproj.io Rollout manifest, and Argo-style patches steer it', async () => {
    await applyYaml(ns.kc, canaryManifest('argo').replace('aviary.dev/v1alpha1', 'argoproj.io/v1alpha1'), ns.name);
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    const read = async (): Promise<Rollout> =>
      (await objects.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'argo' })) as Rollout;
    const healthy = await ns.waitFor('the argoproj.io Rollout to be Healthy', async () => {
      const r = await read();
      return r.status?.phase === 'Healthy' ? r : undefined;
    });
    const rs = await new Rollouts(ns).apps.listNamespacedReplicaSet({ namespace: ns.name });
    const owner = rs.items[0]?.metadata?.ownerReferences?.[0];
    assert.equal(owner?.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(owner.kind, 'Rollout');
    assert.equal(rs.items[0]?.metadata?.name, `argo-${healthy.status?.stableRS ?? ''}`);

    await objects.patchNamespacedCustomObject(
      { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'argo', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await ns.waitFor('the argoproj.io Rollout to pause at its step', async () => (await read()).status?.phase === 'Paused');
    await objects.patchNamespacedCustomObjectStatus(
      { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'argo', body: { status: { pauseConditions: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const done = await ns.waitFor('the promoted argoproj.io Rollout to be Healthy on the new template', async () => {
      const r = await read();
      return r.status?.phase === 'Healthy' && r.status.stableRS !== healthy.status?.stableRS ? r : undefined;
    });
    assert.equal(done.status?.stableRS, done.status?.currentPodHash);
    assert.ok(controller.reasonsFor('argo').includes('RolloutCompleted'));
  });
});

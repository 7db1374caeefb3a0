import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { applyYaml } from '../support/kube.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

function deploymentAndRollout(name: string, scaleDown: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: 3
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: app, image: "app:1" }] }
---
apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata: { name: ${name} }
spec:
  replicas: 3
  workloadRef: { apiVersion: apps/v1, kind: Deployment, name: ${name}, scaleDown: ${scaleDown} }
  strategy:
    canary:
      steps: [{ setWeight: 34 }, { pause: {} }]
`;
}

describe('Rollouts with workloadRef', () => {
  const suite = useRolloutSuite('ro-workload', { dumpKinds: [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet']] });
  const { ns, rollouts } = suite;

  it('takes the template and selector from a Deployment, scales it down progressively, and releases its template changes', async () => {
    const apps = ns.kc.makeApiClient(AppsV1Api);
    await applyYaml(ns.kc, deploymentAndRollout('legacy', 'progressively'), ns.name);
    const first = await rollouts.waitForPhase('legacy', 'Healthy');
    assert.equal(first.status?.selector, 'app=legacy');
    await ns.waitFor('the Deployment to be scaled to 0', async () => (await apps.readNamespacedDeployment({ name: 'legacy', namespace: ns.name })).spec?.replicas === 0);
    const scaledDown = await apps.readNamespacedDeployment({ name: 'legacy', namespace: ns.name });
    await rollouts.waitFor('legacy', 'the Deployment generation observed', (r) => r.status?.workloadObservedGeneration === String(scaledDown.metadata?.generation));

    const deployment = await apps.readNamespacedDeployment({ name: 'legacy', namespace: ns.name });
    const template = structuredClone(deployment.spec?.template);
    const container = template?.spec?.containers[0];
    if (container !== undefined) container.image = 'app:2';
    await apps.patchNamespacedDeployment({ name: 'legacy', namespace: ns.name, body: [{ op: 'replace', path: '/spec/template', value: template }] });
    const paused = await rollouts.waitFor('legacy', 'paused on the new template', (r) => r.status?.phase === 'Paused' && r.status.currentPodHash !== first.status?.stableRS);
    assert.deepEqual(Object.values(await rollouts.counts('legacy')).sort(), [1, 2]);
    assert.equal(paused.status?.workloadObservedGeneration, String((scaledDown.metadata?.generation ?? 0) + 1));
    await rollouts.promote('legacy');
    await rollouts.waitFor('legacy', 'Healthy on the new template', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === paused.status?.currentPodHash);
  });

  it('scales the Deployment down only once the Rollout is Healthy with onsuccess, and reports a missing Deployment', async () => {
    const apps = ns.kc.makeApiClient(AppsV1Api);
    await applyYaml(ns.kc, deploymentAndRollout('onsuccess', 'onsuccess'), ns.name);
    await rollouts.waitForPhase('onsuccess', 'Healthy');
    await ns.waitFor('the Deployment to be scaled to 0', async () => (await apps.readNamespacedDeployment({ name: 'onsuccess', namespace: ns.name })).spec?.replicas === 0);
    await ns.waitFor('the ScalingDeployment event', () => Promise.resolve(suite.controller.reasonsFor('onsuccess').includes('ScalingDeployment')));

    await applyYaml(ns.kc, deploymentAndRollout('orphan', 'never').split('---')[1] ?? '', ns.name);
    const orphan = await rollouts.waitForPhase('orphan', 'Degraded');
    assert.match(orphan.status?.message ?? '', /spec\.workloadRef\.name: deployment "orphan" not found/);
  });
});

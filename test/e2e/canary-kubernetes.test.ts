/**
 * Flagger-shaped Canaries with the kubernetes provider (blue-green, no traffic shifting) against the local cluster
 * and the real controller: initialisation into `-primary`, a confirm-rollout gate, iterations, promotion, a config
 * change starting a run, a failing rollout hook rolling back, and a Canary held by a missing target.
 */
import assert from 'node:assert/strict';
import { AppsV1Api, PatchStrategy, setHeaderOptions, type V1DaemonSet } from '@kubernetes/client-node';
import { after, before, describe, it } from 'node:test';
import type { LoadTester } from '../../src/canary/loadtester.ts';
import { Canaries, canaryTarget, startTestLoadTester } from '../support/canaries.ts';
import { applyYaml } from '../support/kube.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

const target = (name: string, configMap?: string): string => canaryTarget(name, configMap === undefined ? {} : { configMap });

const canary = (name: string, analysis: string): string => `
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: ${name} }
spec:
  provider: kubernetes
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  progressDeadlineSeconds: 60
  service: { port: 80, targetPort: 8080 }
  analysis:
    interval: 10s
${analysis}
`;

describe('Canaries with the kubernetes provider (blue-green)', () => {
  const suite = useRolloutSuite('canary-k8s', { dumpKinds: [['aviary.dev/v1alpha1', 'Canary'], ['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'ConfigMap']] });
  const { ns } = suite;
  const canaries = new Canaries(ns);
  let tester: LoadTester;
  before(async () => { tester = await startTestLoadTester(); });
  after(async () => { await tester.close(); });
  const messages = (name: string): string[] => suite.controller.events.filter((e) => e.object === name && e.reason === 'Synced').map((e) => e.message);
  const image = async (name: string): Promise<string | undefined> => (await canaries.deployment(name)).spec?.template.spec?.containers[0]?.image;
  const replicas = async (name: string): Promise<number | undefined> => (await canaries.deployment(name)).spec?.replicas;

  it('initialises a primary, waits at a closed confirm-rollout gate, counts iterations, promotes, and runs again on a config change', async () => {
    const id = `web.${ns.name}`;
    await applyYaml(ns.kc, `
apiVersion: v1
kind: ConfigMap
metadata: { name: web-config }
data: { color: blue }
---
${target('web', 'web-config')}
---
${canary('web', `    threshold: 2
    iterations: 2
    webhooks:
      - { name: gate, type: confirm-rollout, url: "${tester.url}/gate/check" }`)}`, ns.name);

    const initialized = await canaries.waitForPhase('web', 'Initialized');
    const primary = await canaries.deployment('web-primary');
    assert.deepEqual(primary.spec?.selector.matchLabels, { app: 'web-primary' });
    assert.equal(primary.spec.template.spec?.containers[0]?.envFrom?.[0]?.configMapRef?.name, 'web-config-primary', 'the primary mounts the primary copy of the config');
    assert.equal(primary.spec.replicas, 2);
    assert.equal(primary.metadata?.ownerReferences?.[0]?.kind, 'Canary');
    assert.equal(await replicas('web'), 0, 'the target is scaled to zero between releases');
    const copy = await ns.core.readNamespacedConfigMap({ name: 'web-config-primary', namespace: ns.name });
    assert.deepEqual(copy.data, { color: 'blue' });
    assert.deepEqual(Object.keys(initialized.status?.trackedConfigs ?? {}), ['configmap/web-config']);
    const selectors = await Promise.all(['web', 'web-primary', 'web-canary'].map(async (name) => (await ns.core.readNamespacedService({ name, namespace: ns.name })).spec?.selector?.app));
    assert.deepEqual(selectors, ['web-primary', 'web-primary', 'web']);
    const promoted = initialized.status?.conditions?.find((c) => c.type === 'Promoted');
    assert.deepEqual([promoted?.status, promoted?.reason], ['True', 'Initialized']);
    await canaries.untilEvent(() => messages('web'), `Initialization done! ${id}`);

    await canaries.setImage('web', 'lab/echo:v2');
    await canaries.waitForPhase('web', 'Waiting');
    await canaries.untilEvent(() => messages('web'), `Halt ${id} advancement waiting for approval confirm-rollout`);
    assert.equal(await image('web-primary'), 'lab/echo:v1', 'the primary keeps serving the old version while the gate is closed');
    assert.equal(await replicas('web'), 0);

    tester.store.set(id, true);
    const seen: string[] = [];
    const succeeded = await canaries.waitForPhase('web', 'Succeeded', seen);
    assert.ok(seen.includes('Progressing'), `phases seen: ${seen.join(' → ')}`);
    assert.equal(await image('web-primary'), 'lab/echo:v2');
    assert.equal(await replicas('web'), 0);
    assert.equal(succeeded.status?.lastPromotedSpec, succeeded.status?.lastAppliedSpec);
    await canaries.untilEvent(() => messages('web'), `Promotion completed! Scaling down ${id}`);
    const run = messages('web').slice(messages('web').indexOf(`New revision detected! Scaling up ${id}`));
    assert.deepEqual(run.filter((m) => !m.startsWith('Halt')), [
      `New revision detected! Scaling up ${id}`,
      `Starting canary analysis for web.${ns.name}`,
      `Advance ${id} canary iteration 1/2`,
      `Advance ${id} canary iteration 2/2`,
      `Copying web.${ns.name} template spec to web-primary.${ns.name}`,
      'Routing all traffic to primary',
      `Promotion completed! Scaling down ${id}`,
    ]);

    // A config change is a release: tracked, promoted, copied to the primary's config.
    const before = succeeded.status?.trackedConfigs?.['configmap/web-config'];
    await ns.core.patchNamespacedConfigMap({ name: 'web-config', namespace: ns.name, body: { data: { color: 'green' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await canaries.waitFor('web', 'a run for the config change', (c) => c.status?.phase === 'Progressing' || c.status?.trackedConfigs?.['configmap/web-config'] !== before);
    const again = await canaries.waitForPhase('web', 'Succeeded');
    assert.notEqual(again.status?.trackedConfigs?.['configmap/web-config'], before);
    const copied = await ns.core.readNamespacedConfigMap({ name: 'web-config-primary', namespace: ns.name });
    assert.deepEqual(copied.data, { color: 'green' });
  });

  it('rolls back when a rollout webhook fails its checks up to the threshold', async () => {
    const id = `bad.${ns.name}`;
    await applyYaml(ns.kc, `${target('bad')}\n---\n${canary('bad', `    threshold: 1
    iterations: 3
    webhooks:
      - { name: acceptance, type: rollout, url: "${tester.url}/gate/halt" }`)}`, ns.name);
    await canaries.waitForPhase('bad', 'Initialized');
    await canaries.setImage('bad', 'lab/echo:v2');
    const failed = await canaries.waitForPhase('bad', 'Failed');
    assert.equal(failed.status?.failedChecks, 1);
    assert.equal(await image('bad-primary'), 'lab/echo:v1', 'the primary never ran the failed release');
    await ns.waitFor('the target to be scaled back to zero', async () => (await replicas('bad')) === 0);
    await canaries.untilEvent(() => messages('bad'), `Rolling back ${id} failed checks threshold reached 1`);
    await canaries.untilEvent(() => messages('bad'), `Canary failed! Scaling down ${id}`);
    const promoted = failed.status.conditions?.find((c) => c.type === 'Promoted');
    assert.deepEqual([promoted?.status, promoted?.reason], ['False', 'Failed']);
  });

  it('holds a Canary whose target does not exist with a condition naming spec.targetRef, and starts once it appears', async () => {
    await applyYaml(ns.kc, canary('late', '    iterations: 1'), ns.name);
    const held = await canaries.waitFor('late', 'the Invalid condition', (c) => c.status?.conditions?.some((x) => x.type === 'Invalid') === true);
    const invalid = held.status?.conditions?.find((c) => c.type === 'Invalid');
    assert.match(invalid?.message ?? '', /^spec\.targetRef: Deployment .*\/late not found/);
    assert.equal(held.status?.phase, undefined, 'the Canary stays where it is');
    assert.ok(suite.controller.events.some((e) => e.object === 'late' && e.type === 'Warning' && e.message.includes('spec.targetRef')));
    await applyYaml(ns.kc, target('late'), ns.name);
    const started = await canaries.waitForPhase('late', 'Initialized');
    assert.ok(!(started.status?.conditions ?? []).some((c) => c.type === 'Invalid'), 'the condition is gone once the target exists');
  });

  it('revertOnDeletion: deleting the Canary scales the target back up and hands the apex Service back to it before the Canary goes', async () => {
    const id = `rev.${ns.name}`;
    await applyYaml(ns.kc, `${target('rev')}\n---\n${canary('rev', '    iterations: 1')}`.replace('  provider: kubernetes', '  provider: kubernetes\n  revertOnDeletion: true'), ns.name);
    const initialized = await canaries.waitFor('rev', 'Initialized with the finalizer', (c) => c.status?.phase === 'Initialized' && (c.metadata.finalizers ?? []).includes('finalizer.flagger.app'));
    assert.equal(initialized.spec.revertOnDeletion, true);
    assert.equal(await replicas('rev'), 0);
    await canaries.objects.deleteNamespacedCustomObject({ group: 'aviary.dev', version: 'v1alpha1', plural: 'canaries', namespace: ns.name, name: 'rev' });
    await canaries.untilGone('the Canary to be gone', () => canaries.get('rev'));
    const reverted = await canaries.deployment('rev');
    assert.equal(reverted.spec?.replicas, 2, 'the target runs the primary\'s replicas again');
    assert.equal(reverted.status?.readyReplicas, 2, 'and was ready before the Canary went');
    const apex = await ns.core.readNamespacedService({ name: 'rev', namespace: ns.name });
    assert.deepEqual(apex.spec?.selector, { app: 'rev' }, 'the apex Service selects the target');
    assert.deepEqual(apex.metadata?.ownerReferences ?? [], [], 'and outlives the Canary');
    await canaries.untilGone('the primary to be garbage-collected', () => canaries.deployment('rev-primary'));
    await canaries.untilEvent(() => messages('rev'), `Terminating canary ${id}`);
    await canaries.untilEvent(() => messages('rev'), `Terminated canary ${id}`);
  });

  it('a DaemonSet target: its primary runs on every node, the target is kept off them (Flagger\'s nodeSelector) between releases', async () => {
    const id = `agent.${ns.name}`;
    const daemonSets = ns.kc.makeApiClient(AppsV1Api);
    const read = (name: string): Promise<V1DaemonSet> => daemonSets.readNamespacedDaemonSet({ name, namespace: ns.name });
    const nodes = (await ns.core.listNode()).items.length;
    await applyYaml(ns.kc, `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{ name: agent, image: "lab/echo:v1" }]
---
${canary('agent', '    iterations: 1').replace('kind: Deployment, name: agent', 'kind: DaemonSet, name: agent')}`, ns.name);
    await canaries.waitForPhase('agent', 'Initialized');
    await ns.waitFor('the primary on every node', async () => {
      const primary = await read('agent-primary');
      return primary.status?.numberReady === nodes ? primary : undefined;
    });
    const zeroed = await read('agent');
    assert.equal(zeroed.spec?.template.spec?.nodeSelector?.['flagger.app/scale-to-zero'], 'true');
    await ns.waitFor('the target off every node', async () => ((await read('agent')).status?.currentNumberScheduled === 0 ? true : undefined));

    await daemonSets.patchNamespacedDaemonSet({ name: 'agent', namespace: ns.name, body: { spec: { template: { spec: { containers: [{ name: 'agent', image: 'lab/echo:v2' }] } } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    await canaries.waitForPhase('agent', 'Succeeded');
    const primary = await read('agent-primary');
    assert.equal(primary.spec?.template.spec?.containers[0]?.image, 'lab/echo:v2');
    assert.equal(primary.spec.template.spec.nodeSelector?.['flagger.app/scale-to-zero'], undefined, 'the primary never carries the scale-to-zero selector');
    assert.equal((await read('agent')).spec?.template.spec?.nodeSelector?.['flagger.app/scale-to-zero'], 'true', 'the target is kept off the nodes again');
    await canaries.untilEvent(() => messages('agent'), `Promotion completed! Scaling down ${id}`);
  });
});

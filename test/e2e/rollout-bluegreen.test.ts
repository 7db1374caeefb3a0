import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyYaml } from '../support/kube.ts';
import { blueGreenManifest } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

const blueGreen = (name: string, strategy: string): string => blueGreenManifest(name, strategy);

describe('blue-green Rollouts', () => {
  const suite = useRolloutSuite('ro-bg');
  const { ns, rollouts } = suite;
  const selector = async (service: string): Promise<string | undefined> =>
    (await ns.core.readNamespacedService({ name: service, namespace: ns.name })).spec?.selector?.['rollouts-pod-template-hash'];

  it('previews the new version, waits for promotion, switches the active Service, then scales the old one down', async () => {
    await applyYaml(ns.kc, blueGreen('bg', '      autoPromotionEnabled: false\n      previewReplicaCount: 1\n      scaleDownDelaySeconds: 2'), ns.name);
    const first = await rollouts.waitForPhase('bg', 'Healthy');
    const blue = first.status?.stableRS ?? '';
    assert.equal(await selector('bg-active'), blue);
    assert.equal(first.status?.selector, `app=bg,rollouts-pod-template-hash=${blue}`);

    await rollouts.setImage('bg', 'app:2');
    const paused = await rollouts.waitForPhase('bg', 'Paused');
    const green = paused.status?.currentPodHash ?? '';
    assert.equal(paused.status?.message, 'BlueGreenPause');
    assert.deepEqual(await rollouts.counts('bg'), { [blue]: 3, [green]: 1 }, 'preview runs previewReplicaCount pods');
    assert.equal(await selector('bg-active'), blue, 'active Service stays on the old version until promotion');
    assert.equal(await selector('bg-preview'), green);

    await rollouts.promote('bg');
    const promoted = await rollouts.waitForPhase('bg', 'Healthy');
    assert.equal(promoted.status?.stableRS, green);
    assert.equal(promoted.status.blueGreen?.activeSelector, green);
    assert.equal(await selector('bg-active'), green);
    await ns.waitFor('the SwitchService event', () => Promise.resolve(suite.controller.reasonsFor('bg').includes('SwitchService')));
    const oldRS = (await rollouts.replicaSets('bg')).find((rs) => rs.metadata?.labels?.['rollouts-pod-template-hash'] === blue);
    assert.ok(oldRS?.metadata?.annotations?.['scale-down-deadline'] !== undefined, 'the old ReplicaSet carries its scale-down deadline');
    await ns.waitFor('the old ReplicaSet to be scaled down after the delay', async () => (await rollouts.counts('bg'))[blue] === 0, { timeoutMs: 15_000 });
    assert.equal((await rollouts.counts('bg'))[green], 3);
  });

  it('promotes automatically after autoPromotionSeconds', async () => {
    await applyYaml(ns.kc, blueGreen('timed', '      autoPromotionSeconds: 1'), ns.name);
    const first = await rollouts.waitForPhase('timed', 'Healthy');
    await rollouts.setImage('timed', 'app:2');
    const done = await rollouts.waitFor('timed', 'Healthy on the new version', (r) =>
      r.status?.phase === 'Healthy' && r.status.stableRS !== first.status?.stableRS && r.status.stableRS === r.status.currentPodHash);
    assert.equal(await selector('timed-active'), done.status?.currentPodHash);
    // The one-second pause can come and go between two observations of the Rollout, so the controller's own
    // record proves it paused before it promoted.
    const timed = suite.controller.events.filter((e) => e.object === 'timed');
    const paused = timed.findIndex((e) => e.reason === 'RolloutPaused' && e.message.includes('BlueGreenPause'));
    assert.ok(paused >= 0, `the Rollout paused for auto-promotion; events: ${timed.map((e) => e.reason).join(', ')}`);
    await ns.waitFor('the active Service to switch after the pause', () =>
      Promise.resolve(suite.controller.events.filter((e) => e.object === 'timed').slice(paused).some((e) => e.reason === 'SwitchService')));
  });

  it('aborts back to the active version and scales the preview down after abortScaleDownDelaySeconds', async () => {
    await applyYaml(ns.kc, blueGreen('abort', '      autoPromotionEnabled: false\n      abortScaleDownDelaySeconds: 1'), ns.name);
    const first = await rollouts.waitForPhase('abort', 'Healthy');
    await rollouts.setImage('abort', 'app:2');
    const paused = await rollouts.waitForPhase('abort', 'Paused');
    await rollouts.patchStatus('abort', { abort: true });
    const degraded = await rollouts.waitForPhase('abort', 'Degraded');
    assert.match(degraded.status?.message ?? '', /^RolloutAborted/);
    assert.equal(await selector('abort-active'), first.status?.stableRS);
    await ns.waitFor('the aborted preview to be scaled to 0', async () => (await rollouts.counts('abort'))[paused.status?.currentPodHash ?? ''] === 0, { timeoutMs: 15_000 });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { track } from '../../src/track/index.ts';
import { applyYaml } from '../support/kube.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';
import { canaryManifest } from '../support/rollouts.ts';

describe('tracking Aviary Rollouts driven by the real controller', () => {
  const suite = useRolloutSuite('track-ro');
  const { ns, rollouts } = suite;
  const follow = (name: string, failOnPause: boolean) =>
    track([{ kind: 'rollout', name }], { kubeConfig: ns.kc, namespace: ns.name, timeoutMs: 90_000, failOnPause, logs: false }).result;

  it('never reports the previous revision as done: paused, then ready only once the new revision is stable', async () => {
    await applyYaml(ns.kc, canaryManifest('tracked', { replicas: 2 }), ns.name);
    await rollouts.waitForPhase('tracked', 'Healthy');
    // Track right after the update, while the previous revision is still Healthy.
    await rollouts.setImage('tracked', 'app:2');
    const paused = await follow('tracked', true);
    assert.equal(paused.outcome, 'paused', paused.message);

    const ready = follow('tracked', false);
    await rollouts.promote('tracked');
    const result = await ready;
    assert.equal(result.outcome, 'ready', result.message);
    const rollout = await rollouts.get('tracked');
    assert.equal(rollout.status?.stableRS, rollout.status?.currentPodHash);
  });

  it('fails with the controller\'s message when the Rollout is aborted', async () => {
    await applyYaml(ns.kc, canaryManifest('aborted', { replicas: 2 }), ns.name);
    await rollouts.waitForPhase('aborted', 'Healthy');
    await rollouts.setImage('aborted', 'app:2');
    await rollouts.waitForPhase('aborted', 'Paused');
    const failing = follow('aborted', false);
    await rollouts.patchStatus('aborted', { abort: true });
    const result = await failing;
    assert.equal(result.outcome, 'failed');
    assert.match(result.message + JSON.stringify(result.resources), /aborted/i);
  });
});

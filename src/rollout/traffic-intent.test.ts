import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout, RolloutStrategy } from '../api/rollout.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import { Simulation } from './simulate.ts';
import type { TrafficIntent } from '../traffic/router.ts';
import { testRollout } from './testing.ts';

// The traffic intent each pass plans (desired weight, routes, which Service selects which version), and the
// writes the routers make of it: the canary and blue-green planners decide, the routers only translate.

function rollout(strategy: RolloutStrategy, replicas = 4): Rollout {
  return testRollout({ replicas, strategy }, 'shop');
}

function update(sim: Simulation): void {
  sim.update((r) => {
    const spec = r.spec.template?.spec as { containers: { image: string }[] };
    spec.containers[0] = { ...spec.containers[0], image: 'web:2' };
  });
}

/** The traffic intent of the last pass. */
function traffic(sim: Simulation): TrafficIntent {
  const intent = sim.lastPlan?.traffic;
  assert.ok(intent !== undefined, 'the last pass planned traffic');
  return intent;
}

function selectors(sim: Simulation): Record<string, string | undefined> {
  return Object.fromEntries([...sim.services].map(([name, svc]) => [name, svc.spec?.selector?.[podTemplateHashLabel]]));
}

describe('traffic intent: canary', () => {
  const canary: RolloutStrategy = { canary: { canaryService: 'web-canary', stableService: 'web-stable', steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} }] } };

  it('carries the weight each step wants, and the Services follow the versions', () => {
    const sim = new Simulation(rollout(canary), ['web-canary', 'web-stable']);
    sim.settle();
    const stable = sim.rollout.status?.stableRS ?? '';
    assert.deepEqual(traffic(sim), {
      stableHash: stable, canaryHash: stable, weight: 0, maxWeight: 100, headerRoutes: [], mirrorRoutes: [],
      services: [{ service: 'web-stable', hash: stable }, { service: 'web-canary', hash: stable }],
    });
    assert.deepEqual(selectors(sim), { 'web-canary': stable, 'web-stable': stable });
    assert.deepEqual(sim.lastPlan?.writes, [], 'a steady state writes nothing');

    update(sim);
    sim.settle();
    const next = sim.rollout.status?.currentPodHash ?? '';
    assert.notEqual(next, stable);
    assert.equal(traffic(sim).weight, 25);
    assert.equal(traffic(sim).canaryHash, next);
    assert.deepEqual(selectors(sim), { 'web-canary': next, 'web-stable': stable });

    sim.promote();
    sim.settle();
    assert.equal(traffic(sim).weight, 75);

    sim.rollout.status = { ...sim.rollout.status, abort: true };
    sim.settle();
    assert.deepEqual(
      { weight: traffic(sim).weight, canary: traffic(sim).canaryHash },
      { weight: 0, canary: stable },
      'aborted: the canary Service goes back to the stable version',
    );
    assert.deepEqual(selectors(sim), { 'web-canary': stable, 'web-stable': stable });
  });
});

describe('traffic intent: blue-green', () => {
  it('sends nothing to the new version until the active Service moves onto it, then everything', () => {
    const sim = new Simulation(rollout({ blueGreen: { activeService: 'web-active', previewService: 'web-preview', autoPromotionEnabled: false } }, 2), ['web-active', 'web-preview']);
    sim.settle();
    const first = sim.rollout.status?.stableRS ?? '';
    assert.equal(traffic(sim).weight, 0);

    update(sim);
    sim.settle();
    const next = sim.rollout.status?.currentPodHash ?? '';
    assert.deepEqual(
      { stable: traffic(sim).stableHash, canary: traffic(sim).canaryHash, weight: traffic(sim).weight },
      { stable: first, canary: next, weight: 0 },
    );
    assert.deepEqual(selectors(sim), { 'web-active': first, 'web-preview': next });

    sim.promote();
    sim.settle();
    assert.deepEqual(selectors(sim), { 'web-active': next, 'web-preview': next });
    assert.equal(sim.rollout.status?.stableRS, next);
    assert.equal(traffic(sim).weight, 0, 'promoted: one version, nothing to split');
  });

  it('gives the new version all the weight while post-promotion analysis judges it', () => {
    const strategy: RolloutStrategy = { blueGreen: { activeService: 'web-active', postPromotionAnalysis: { templates: [{ templateName: 'smoke' }] } } };
    const sim = new Simulation(rollout(strategy, 2), ['web-active']);
    sim.settle();
    const first = sim.rollout.status?.stableRS ?? '';
    sim.runPhase = () => 'Running';
    update(sim);
    sim.settle();
    const next = sim.rollout.status?.currentPodHash ?? '';
    assert.equal(sim.rollout.status?.stableRS, first, 'not stable before the analysis passed');
    assert.deepEqual(selectors(sim), { 'web-active': next });
    assert.equal(traffic(sim).weight, 100);
  });
});

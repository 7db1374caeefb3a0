import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryStep, CanaryStrategy, Rollout, RolloutTrafficRouting } from '../api/rollout.ts';
import { scaleDownDeadlineAnnotation } from '../api/labels.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { routedObjectKey } from '../traffic/router.ts';
import { podTemplateHash } from './hash.ts';
import { canaryScaleAt, managedRoutesAt } from './canary-traffic.ts';
import { Simulation } from './simulate.ts';
import { planTimeline } from './timeline.ts';
import { testRollout } from './testing.ts';

// A traffic-routed canary, planned pass by pass against a simulated HTTPRoute: the pods follow
// ceil(weight × replicas / maxWeight), the weight moves only onto available pods, abort takes it back at once.

interface Backend { name: string; port: number; weight?: number }
interface Route extends KubeObject { spec: { rules: { name?: string; matches?: unknown[]; backendRefs: Backend[] }[] } }

const gateway: RolloutTrafficRouting = { gatewayAPI: { httpRoute: 'web' } };

function rollout(steps: CanaryStep[], extra: Partial<CanaryStrategy> = {}, replicas = 10): Rollout {
  return testRollout({ replicas, strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: gateway, steps, ...extra } } }, 'shop');
}

function simulation(r: Rollout): Simulation {
  const sim = new Simulation(r, ['web-canary', 'web-stable']);
  const route: Route = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'shop', generation: 1 },
    spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web-stable', port: 80, weight: 100 }, { name: 'web-canary', port: 80, weight: 0 }] }] },
  };
  sim.addObject(route);
  sim.settle();
  return sim;
}

/** Releases web:2; returns its pod template hash (before any pass has run, so a test can hold its pods back). */
function update(sim: Simulation): string {
  sim.update((r) => {
    const spec = r.spec.template?.spec as { containers: { image: string }[] };
    spec.containers[0] = { ...spec.containers[0], image: 'web:2' };
  });
  return podTemplateHash(sim.rollout.spec.template ?? {}, 0);
}

function route(sim: Simulation): Route {
  const object = sim.objects.get(routedObjectKey('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'web'));
  assert.ok(object !== undefined);
  return object as Route;
}

/** The weights the HTTPRoute's first rule gives, by Service. */
function weights(sim: Simulation): Record<string, number | undefined> {
  return Object.fromEntries((route(sim).spec.rules[0]?.backendRefs ?? []).map((b) => [b.name, b.weight]));
}

describe('traffic-routed canary', () => {
  it('sizes the canary after the weight, keeps the stable full, and moves the route step by step', () => {
    const sim = simulation(rollout([{ setWeight: 10 }, { pause: {} }, { setWeight: 45 }, { pause: {} }]));
    const stable = sim.rollout.status?.stableRS ?? '';
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 });
    const next = update(sim);
    sim.settle();
    assert.deepEqual(sim.replicaCounts(), { [stable]: 10, [next]: 1 }, 'canary ceil(10% × 10), stable full');
    assert.deepEqual(weights(sim), { 'web-stable': 90, 'web-canary': 10 });
    assert.equal(sim.phase(), 'Paused');
    assert.deepEqual(sim.rollout.status?.canary?.weights, {
      canary: { weight: 10, podTemplateHash: next, serviceName: 'web-canary' },
      stable: { weight: 90, podTemplateHash: stable, serviceName: 'web-stable' },
      verified: true,
    });
    assert.ok(sim.events.some((e) => e.reason === 'TrafficWeightUpdated' && e.message === 'Traffic weight updated from 0 to 10'));

    sim.promote();
    sim.settle();
    assert.deepEqual(sim.replicaCounts(), { [stable]: 10, [next]: 5 }, 'ceil(45% × 10) = 5');
    assert.deepEqual(weights(sim), { 'web-stable': 55, 'web-canary': 45 });

    sim.promote();
    sim.settle();
    assert.equal(sim.rollout.status.stableRS, next, 'promoted once all traffic went to the full canary');
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 }, 'the stable Service selects the new pods and carries it all');
    assert.equal(sim.services.get('web-stable')?.spec?.selector?.['rollouts-pod-template-hash'], next);
    const old = sim.replicaSets.find((rs) => rs.metadata?.labels?.['rollouts-pod-template-hash'] === stable);
    assert.equal(old?.spec?.replicas, 10, 'the old stable keeps its pods for scaleDownDelaySeconds');
    assert.ok(old.metadata?.annotations?.[scaleDownDeadlineAnnotation] !== undefined);
    sim.advance(30_000);
    sim.settle();
    assert.deepEqual(sim.replicaCounts(), { [stable]: 0, [next]: 10 });
    assert.equal(sim.phase(), 'Healthy');
    const order = sim.events.filter((e) => e.reason === 'TrafficWeightUpdated').map((e) => e.message);
    assert.deepEqual(order, ['Traffic weight updated from 0 to 10', 'Traffic weight updated from 10 to 45', 'Traffic weight updated from 45 to 100', 'Traffic weight updated from 100 to 0']);
  });

  it('never sends traffic to pods that are not available: the weight waits, and the step with it', () => {
    const sim = simulation(rollout([{ setWeight: 30 }, { pause: {} }]));
    const next = update(sim);
    sim.unavailable.add(next);
    sim.settle();
    assert.equal(sim.replicaCounts()[next], 3, 'the canary is scaled for the weight');
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 }, 'but gets no traffic while its pods are not available');
    assert.equal(sim.rollout.status?.currentStepIndex, 0);
    sim.unavailable.delete(next);
    sim.settle();
    assert.deepEqual(weights(sim), { 'web-stable': 70, 'web-canary': 30 });
    assert.equal(sim.rollout.status.currentStepIndex, 1);
  });

  it('abort takes the weight back to 0 at once and scales the canary down after abortScaleDownDelaySeconds', () => {
    const sim = simulation(rollout([{ setWeight: 50 }, { pause: {} }], { abortScaleDownDelaySeconds: 10 }));
    const stable = sim.rollout.status?.stableRS ?? '';
    const next = update(sim);
    sim.settle();
    assert.deepEqual(weights(sim), { 'web-stable': 50, 'web-canary': 50 });
    sim.rollout.status = { ...sim.rollout.status, abort: true };
    sim.reconcile();
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 }, 'in the first pass after the abort');
    assert.equal(sim.services.get('web-canary')?.spec?.selector?.['rollouts-pod-template-hash'], stable);
    sim.settle();
    assert.equal(sim.replicaCounts()[next], 5, 'the aborted canary keeps its pods for the delay');
    sim.advance(10_000);
    sim.settle();
    assert.deepEqual(sim.replicaCounts(), { [stable]: 10, [next]: 0 });
    assert.equal(sim.phase(), 'Degraded');
  });

  it('maxTrafficWeight: weights and pods in its units', () => {
    const sim = simulation(rollout([{ setWeight: 250 }, { pause: {} }], {}, 10));
    sim.update((r) => {
      const canary = r.spec.strategy?.canary;
      if (canary !== undefined) canary.trafficRouting = { ...gateway, maxTrafficWeight: 1000 };
    });
    sim.settle();
    const next = update(sim);
    sim.settle();
    assert.equal(sim.replicaCounts()[next], 3, 'ceil(250 × 10 / 1000)');
    assert.deepEqual(weights(sim), { 'web-stable': 750, 'web-canary': 250 });
  });

  it('dynamicStableScale: the stable shrinks as traffic leaves it, and grows back before an abort moves traffic', () => {
    const sim = simulation(rollout([{ setWeight: 60 }, { pause: {} }], { dynamicStableScale: true }));
    const stable = sim.rollout.status?.stableRS ?? '';
    const next = update(sim);
    sim.settle();
    assert.deepEqual(sim.replicaCounts(), { [stable]: 4, [next]: 6 });
    sim.rollout.status = { ...sim.rollout.status, abort: true };
    sim.unavailable.add(stable);
    sim.settle();
    assert.equal(sim.replicaCounts()[stable], 10, 'the stable scales back up');
    assert.deepEqual(weights(sim), { 'web-stable': 40, 'web-canary': 60 }, 'traffic waits for the stable to be available');
    sim.unavailable.delete(stable);
    sim.settle();
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 });
  });

  it('setCanaryScale sizes the canary apart from its weight until matchTrafficWeight', () => {
    const sim = simulation(rollout([{ setCanaryScale: { replicas: 2 } }, { setWeight: 10 }, { pause: {} }, { setCanaryScale: { matchTrafficWeight: true } }, { setWeight: 50 }, { pause: {} }]));
    const next = update(sim);
    sim.settle();
    assert.equal(sim.replicaCounts()[next], 2);
    assert.deepEqual(weights(sim), { 'web-stable': 90, 'web-canary': 10 });
    sim.promote();
    sim.settle();
    assert.equal(sim.replicaCounts()[next], 5);
    assert.deepEqual(weights(sim), { 'web-stable': 50, 'web-canary': 50 });
  });

  it('header routes become named HTTPRoute rules to the canary, removed at the end', () => {
    const sim = simulation(rollout(
      [{ setWeight: 10 }, { setHeaderRoute: { name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: 'yes' } }] } }, { pause: {} }],
      { trafficRouting: { ...gateway, managedRoutes: [{ name: 'beta' }] } },
    ));
    update(sim);
    sim.settle();
    assert.deepEqual(route(sim).spec.rules[1], {
      name: 'beta',
      matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-beta', type: 'Exact', value: 'yes' }] }],
      backendRefs: [{ name: 'web-canary', port: 80 }],
    });
    sim.promote();
    sim.settle();
    assert.equal(route(sim).spec.rules.length, 1, 'the managed rule is gone once the canary is stable');
  });

  it('a missing HTTPRoute: a condition and an Event name it, nothing is written and the steps wait', () => {
    const sim = simulation(rollout([{ setWeight: 20 }, { pause: {} }]));
    sim.objects.clear();
    update(sim);
    sim.settle();
    const condition = sim.rollout.status?.conditions?.find((c) => c.type === 'TrafficRouting');
    assert.deepEqual({ status: condition?.status, reason: condition?.reason, message: condition?.message }, { status: 'False', reason: 'HTTPRouteNotFound', message: 'HTTPRoute shop/web not found' });
    assert.equal(sim.rollout.status?.currentStepIndex, 0);
    assert.equal(sim.rollout.status.message, 'HTTPRouteNotFound: HTTPRoute shop/web not found');
    assert.equal(sim.events.filter((e) => e.reason === 'HTTPRouteNotFound').length, 1, 'one Event, not one per pass');
    assert.deepEqual(sim.lastPlan?.writes, []);
  });
});

describe('traffic-routed canary, a new revision mid-release', () => {
  it('keeps the earlier canary\'s Service until its weight is back to 0, then moves it to the new pods', () => {
    const sim = simulation(rollout([{ setWeight: 40 }, { pause: {} }]));
    const second = update(sim);
    sim.settle();
    assert.deepEqual(weights(sim), { 'web-stable': 60, 'web-canary': 40 });
    sim.update((r) => {
      const spec = r.spec.template?.spec as { containers: { image: string }[] };
      spec.containers[0] = { ...spec.containers[0], image: 'web:3' };
    });
    sim.reconcile();
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 }, 'first the weight leaves the abandoned canary');
    assert.equal(sim.services.get('web-canary')?.spec?.selector?.['rollouts-pod-template-hash'], second, 'while its Service still selects it');
    sim.settle();
    const third = sim.rollout.status?.currentPodHash ?? '';
    assert.notEqual(third, second);
    assert.equal(sim.services.get('web-canary')?.spec?.selector?.['rollouts-pod-template-hash'], third);
    assert.deepEqual(weights(sim), { 'web-stable': 60, 'web-canary': 40 });
  });
});

describe('traffic-routed canary, scaleDownDelayRevisionLimit', () => {
  it('keeps only the newest old versions running through the delay; the others go at once', () => {
    const sim = simulation(rollout([], { scaleDownDelaySeconds: 60, scaleDownDelayRevisionLimit: 1 }));
    const release = (image: string): void => {
      sim.update((r) => {
        const spec = r.spec.template?.spec as { containers: { image: string }[] };
        spec.containers[0] = { ...spec.containers[0], image };
      });
      sim.settle();
    };
    const v1 = sim.rollout.status?.stableRS ?? '';
    release('web:2');
    const v2 = sim.rollout.status?.stableRS ?? '';
    assert.deepEqual(sim.replicaCounts(), { [v1]: 10, [v2]: 10 }, 'v1 waits out its delay');
    release('web:3');
    const v3 = sim.rollout.status?.stableRS ?? '';
    assert.deepEqual(sim.replicaCounts(), { [v1]: 0, [v2]: 10, [v3]: 10 }, 'only the newest old version (v2) may wait');
  });
});

describe('traffic-routed canary, endpoints', () => {
  it('moves weight onto the canary Service only once its EndpointSlices list the canary\'s pods, ready', () => {
    const sim = simulation(rollout([{ setWeight: 10 }, { pause: {} }]));
    sim.endpoints = new Map([['web-canary', []], ['web-stable', []]]);
    const next = update(sim);
    sim.settle();
    assert.equal(sim.replicaCounts()[next], 1, 'the canary pod is there and available');
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 }, 'but its Service has no endpoint yet');
    sim.endpoints.set('web-canary', [{ pod: `web-${next}-x7k2p`, ready: false }]);
    sim.reconcile();
    assert.deepEqual(weights(sim), { 'web-stable': 100, 'web-canary': 0 }, 'not while the endpoint is not ready');
    sim.endpoints.set('web-canary', [{ pod: `web-${next}-x7k2p`, ready: true }]);
    sim.settle();
    assert.deepEqual(weights(sim), { 'web-stable': 90, 'web-canary': 10 });
  });
});

describe('minPodsPerReplicaSet above spec.replicas', () => {
  it('is capped at spec.replicas, as in Argo Rollouts, so the canary can be promoted at full weight', () => {
    const rollout = testRollout({
      replicas: 1,
      strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', minPodsPerReplicaSet: 2, trafficRouting: { gatewayAPI: { httpRoute: 'web' } }, steps: [{ setWeight: 40 }, { pause: { duration: '10s' } }] } },
    });
    const rows = planTimeline(rollout).rows.map((r) => `${r.action}: ${String(r.replicas.stable)}/${String(r.replicas.canary)} at ${String(r.weight)}`);
    assert.deepEqual(rows.slice(1), ['setWeight: 40: 1/1 at 40', 'pause: 10s: 1/1 at 40', 'complete: 0/1 at 100']);
  });
});

describe('a step that sets several fields', () => {
  it('holds its header route and canary scale while it pauses, as Argo Rollouts does', () => {
    const steps: CanaryStep[] = [{ setCanaryScale: { replicas: 1 }, setHeaderRoute: { name: 'beta', match: [{ headerName: 'x', headerValue: { exact: '1' } }] }, pause: {} }, { setWeight: 50 }];
    assert.deepEqual(managedRoutesAt(steps, 0).headerRoutes.map((r) => r.name), ['beta']);
    assert.deepEqual(canaryScaleAt(steps, 0), { replicas: 1 });
    assert.deepEqual(managedRoutesAt([{ setWeight: 10 }, ...steps], 0).headerRoutes, [], 'not before the step');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { gatewayApi, gatewayApiRouter, gatewayRoutes } from './gateway-api.ts';
import { routeTraffic } from './router.ts';
import type { ObjectWrite } from './writes.ts';
import { observedObjects, weightIntent } from './testing.ts';

// The Gateway API router's writes on HTTPRoute objects: only the weights of the canary's and stable's
// backendRefs and the managed rules change; every other rule, field and annotation survives.

const httpRoute = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web', namespace: 'shop', generation: 3, annotations: { team: 'payments' } },
  spec: {
    parentRefs: [{ name: 'lab-gateway', namespace: 'aviary-lab' }],
    hostnames: ['web.local'],
    rules: [
      { name: 'static', matches: [{ path: { type: 'PathPrefix', value: '/static' } }], backendRefs: [{ name: 'cdn', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web-stable', port: 80, weight: 100 }, { name: 'web-canary', port: 80, weight: 0 }] },
    ],
  },
  status: { parents: [{ conditions: [{ type: 'Accepted', status: 'True', observedGeneration: 3 }] }] },
};

function rollout(gatewayAPI: Record<string, unknown>, managedRoutes: string[] = []): Rollout {
  return {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { gatewayAPI, managedRoutes: managedRoutes.map((name) => ({ name })) } } } },
  };
}



function applied(object: KubeObject, writes: readonly ObjectWrite[]): KubeObject {
  return writes.reduce((o, w) => (w.type === 'json' ? applyJsonPatch(o, w.patch) : o), object);
}

const router = gatewayApiRouter(gatewayRoutes(rollout({ httpRoute: 'web' })), ['beta', 'copy']);

describe('gateway API router', () => {
  it('weights the backendRefs of the rule that splits, with a patch that tests what it replaces', () => {
    const writes = router.setWeight(weightIntent(30), observedObjects([httpRoute]));
    assert.deepEqual(writes, [{
      type: 'json',
      target: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', plural: 'httproutes', namespace: 'shop', name: 'web' },
      patch: [
        { op: 'test', path: '/spec/rules/1/backendRefs/0/name', value: 'web-stable' },
        { op: 'add', path: '/spec/rules/1/backendRefs/0/weight', value: 70 },
        { op: 'test', path: '/spec/rules/1/backendRefs/1/name', value: 'web-canary' },
        { op: 'add', path: '/spec/rules/1/backendRefs/1/weight', value: 30 },
      ],
    }]);
    const after = applied(httpRoute, writes);
    const expected = structuredClone(httpRoute);
    expected.spec.rules[1] = { ...expected.spec.rules[1], backendRefs: [{ name: 'web-stable', port: 80, weight: 70 }, { name: 'web-canary', port: 80, weight: 30 }] } as (typeof expected.spec.rules)[1];
    assert.deepEqual(after, expected, 'nothing but the two weights changed');
    assert.deepEqual(router.setWeight(weightIntent(30), observedObjects([after])), [], 'a steady state writes nothing');
  });

  it('verifies the weights, and that every Gateway accepted the latest generation', () => {
    const after = applied(httpRoute, router.setWeight(weightIntent(30), observedObjects([httpRoute])));
    assert.equal(router.verify(weightIntent(30), observedObjects([after])), true);
    assert.equal(router.verify(weightIntent(40), observedObjects([after])), false);
    const stale = { ...after, metadata: { ...after.metadata, generation: 4 } };
    assert.equal(router.verify(weightIntent(30), observedObjects([stale])), false, 'the gateway has not seen generation 4 yet');
  });

  it('weights every route named, HTTPRoute, GRPCRoute and TCPRoute alike', () => {
    const grpc = { ...structuredClone(httpRoute), apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'rpc', namespace: 'shop' } };
    const tcp = { ...structuredClone(httpRoute), apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: { name: 'raw', namespace: 'shop' } };
    const many = gatewayApiRouter(gatewayRoutes(rollout({ httpRoutes: [{ name: 'web' }], grpcRoute: 'rpc', tcpRoutes: [{ name: 'raw' }] })), []);
    const writes = many.setWeight(weightIntent(10), observedObjects([httpRoute, grpc, tcp]));
    assert.deepEqual(writes.map((w) => `${w.target.apiVersion} ${w.target.plural}/${w.target.name}`), [
      'gateway.networking.k8s.io/v1 httproutes/web', 'gateway.networking.k8s.io/v1 grpcroutes/rpc', 'gateway.networking.k8s.io/v1alpha2 tcproutes/raw',
    ]);
  });

  it('reports a missing route, a kind not served and a route without both Services as problems', () => {
    assert.deepEqual(router.problems(weightIntent(10), observedObjects()), [{ reason: 'HTTPRouteNotFound', message: 'HTTPRoute shop/web not found' }]);
    assert.deepEqual(router.problems(weightIntent(10), { ...observedObjects(), absentKinds: new Set(['HTTPRoute.gateway.networking.k8s.io/v1']) }), [{
      reason: 'TrafficRoutingError',
      message: 'HTTPRoute (gateway.networking.k8s.io/v1) cannot be listed: install its CRD (or grant the controller get, list, watch and patch on it) to route HTTPRoute shop/web',
    }]);
    const lonely = structuredClone(httpRoute);
    lonely.spec.rules[1] = { ...lonely.spec.rules[1], backendRefs: [{ name: 'web-stable', port: 80, weight: 100 }] } as (typeof lonely.spec.rules)[1];
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([lonely])).map((p) => p.message), ['HTTPRoute shop/web has no rule with backendRefs to both Service web-canary and Service web-stable']);
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([httpRoute])), []);
  });

  it('adds header and mirror rules named after their managed routes, within the weighted rule\'s paths, and removes them', () => {
    const wanted = weightIntent(10, {
      headerRoutes: [{ name: 'beta', match: [{ headerName: 'x-beta', headerValue: { prefix: 'on.x' } }] }],
      mirrorRoutes: [{ name: 'copy', match: [{ method: { exact: 'GET' }, path: { prefix: '/api' } }], percentage: 25 }],
    });
    const writes = routeTraffic(router, wanted, observedObjects([httpRoute]));
    const after = applied(httpRoute, writes) as typeof httpRoute;
    assert.deepEqual(after.spec.rules.slice(2), [
      { name: 'beta', matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-beta', type: 'RegularExpression', value: '^on\\.x.*' }] }], backendRefs: [{ name: 'web-canary', port: 80 }] },
      {
        name: 'copy',
        matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }],
        filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'web-canary', port: 80 }, percent: 25 } }],
        backendRefs: [{ name: 'web-stable', port: 80 }],
      },
    ]);
    assert.deepEqual(routeTraffic(router, wanted, observedObjects([after])).filter((w) => w.type === 'json' && w.patch.some((op) => op.path.startsWith('/spec/rules/2') || op.path === '/spec/rules/-')), [], 'written once');
    const defaulted = structuredClone(after);
    (defaulted.spec.rules[2]?.backendRefs[0] as { weight?: number; kind?: string }).weight = 1;
    (defaulted.spec.rules[2]?.backendRefs[0] as { weight?: number; kind?: string }).kind = 'Service';
    assert.deepEqual(router.setHeaderRoute(wanted, observedObjects([defaulted])), [], 'the API server\'s defaults are no difference');
    const removed = applied(after, router.removeManagedRoutes(observedObjects([after]))) as typeof httpRoute;
    assert.deepEqual(removed.spec.rules.map((r) => r.name), ['static', undefined], 'the managed rules go, the user\'s stay');
  });

  it('reads the Argo Gateway API plugin\'s configuration as the native field', () => {
    const plugin: Rollout = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { strategy: { canary: { trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web', namespace: 'edge' } } } } } },
    };
    assert.equal(gatewayApi.appliesTo(plugin), true);
    assert.deepEqual(gatewayRoutes(plugin).map((r) => `${r.resource.kind} ${r.namespace}/${r.name}`), ['HTTPRoute edge/web']);
    const bad: Rollout = { ...plugin, spec: { strategy: { canary: { trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 7 } } } } } } };
    assert.match(gatewayApi.specIssues?.(bad).map((i) => `${i.field}: ${i.message}`).join('\n') ?? '', /plugins\["argoproj-labs\/gatewayAPI"\]\.httpRoute: /);
  });
});

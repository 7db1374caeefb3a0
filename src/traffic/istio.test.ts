import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { istio, istioVirtualServices } from './istio.ts';
import { routeTraffic } from './router.ts';
import type { ObjectWrite } from './writes.ts';
import { observedObjects, weightIntent } from './testing.ts';

const vs = {
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'VirtualService',
  metadata: { name: 'web', namespace: 'shop', labels: { team: 'shop' } },
  spec: {
    hosts: ['web.example.com'],
    gateways: ['edge'],
    http: [
      { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin' } }] },
      { name: 'primary', route: [{ destination: { host: 'web-stable.shop.svc.cluster.local', port: { number: 80 } }, weight: 100 }, { destination: { host: 'web-canary', port: { number: 80 } }, weight: 0 }], retries: { attempts: 3 } },
    ],
  },
};

function rollout(virtualService: Record<string, unknown>, managedRoutes: string[] = []): Rollout {
  return {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { istio: { virtualService: virtualService as { name: string } }, managedRoutes: managedRoutes.map((name) => ({ name })) } } } },
  };
}



function applied(object: KubeObject, writes: readonly ObjectWrite[]): typeof vs {
  return writes.reduce((o, w) => (w.type === 'json' ? applyJsonPatch(o, w.patch) : o), object) as typeof vs;
}

describe('istio router (host-level)', () => {
  const router = istio.routerFor(rollout({ name: 'web', routes: ['primary'] }, ['beta']));

  it('weights the canary and stable destinations of the named HTTP route, FQDN hosts included', () => {
    const writes = router.setWeight(weightIntent(40), observedObjects([vs]));
    assert.deepEqual(writes[0]?.type === 'json' ? writes[0].patch : undefined, [
      { op: 'test', path: '/spec/http/1/route/0/destination/host', value: 'web-stable.shop.svc.cluster.local' },
      { op: 'add', path: '/spec/http/1/route/0/weight', value: 60 },
      { op: 'test', path: '/spec/http/1/route/1/destination/host', value: 'web-canary' },
      { op: 'add', path: '/spec/http/1/route/1/weight', value: 40 },
    ]);
    const after = applied(vs, writes);
    assert.deepEqual(after.spec.http[0], vs.spec.http[0], 'the other route is untouched');
    assert.deepEqual(after.spec.http[1]?.retries, { attempts: 3 });
    assert.deepEqual(router.setWeight(weightIntent(40), observedObjects([after])), []);
  });

  it('names the VirtualService in another namespace with name.namespace, and a missing one as VirtualServiceNotFound', () => {
    assert.deepEqual(istioVirtualServices(rollout({ name: 'web.mesh' })).map((r) => `${r.namespace}/${r.name}`), ['mesh/web']);
    assert.deepEqual(router.problems(weightIntent(10), observedObjects()), [{ reason: 'VirtualServiceNotFound', message: 'VirtualService shop/web not found' }]);
  });

  it('a named route that is not there, or several routes and none named, are problems', () => {
    const wrong = istio.routerFor(rollout({ name: 'web', routes: ['nope'] }));
    assert.deepEqual(wrong.problems(weightIntent(10), observedObjects([vs])).map((p) => p.message), ['VirtualService shop/web has no HTTP route named nope']);
    const unnamed = istio.routerFor(rollout({ name: 'web' }));
    assert.deepEqual(unnamed.problems(weightIntent(10), observedObjects([vs])).map((p) => p.message), ['VirtualService shop/web has 2 HTTP routes: name the ones to weight in virtualService.routes']);
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([vs])), []);
  });

  it('puts managed header and mirror routes first, and removes them at the end', () => {
    const wanted = weightIntent(10, {
      headerRoutes: [{ name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: 'yes' } }] }],
    });
    const after = applied(vs, routeTraffic(router, wanted, observedObjects([vs])));
    assert.deepEqual(after.spec.http.map((r) => r.name), ['beta', 'admin', 'primary']);
    assert.deepEqual(after.spec.http[0], { name: 'beta', match: [{ headers: { 'x-beta': { exact: 'yes' } } }], route: [{ destination: { host: 'web-canary', port: { number: 80 } }, weight: 100 }] });
    assert.deepEqual(after.spec.http[2]?.route.map((r) => ('weight' in r ? r.weight : undefined)), [90, 10]);
    assert.deepEqual(router.setHeaderRoute(wanted, observedObjects([after])), [], 'written once');
    const removed = applied(after, router.removeManagedRoutes(observedObjects([after])));
    assert.deepEqual(removed.spec.http.map((r) => r.name), ['admin', 'primary']);
  });
});

describe('istio router (subset-level, TLS and TCP routes)', () => {
  const subsetVs = {
    apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'web', namespace: 'shop' },
    spec: { http: [{ name: 'primary', route: [{ destination: { host: 'web', subset: 'stable' }, weight: 100 }, { destination: { host: 'web', subset: 'canary' }, weight: 0 }] }] },
  };
  const rule = {
    apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', metadata: { name: 'web-rule', namespace: 'shop' },
    spec: { host: 'web', subsets: [{ name: 'stable', labels: { app: 'web' } }, { name: 'legacy', labels: { version: 'v0' } }, { name: 'canary' }], trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
  };
  const subsetRollout: Rollout = {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { strategy: { canary: { trafficRouting: { istio: { virtualService: { name: 'web', routes: ['primary'] }, destinationRule: { name: 'web-rule', canarySubsetName: 'canary', stableSubsetName: 'stable' } }, managedRoutes: [{ name: 'beta' }] } } } },
  };
  const router = istio.routerFor(subsetRollout);
  const noServices = { canaryService: undefined, stableService: undefined };

  it('labels the subsets with the versions\' hashes (first), weights the destinations by subset, and is steady', () => {
    const writes = router.setWeight(weightIntent(25, noServices), observedObjects([subsetVs, rule]));
    assert.deepEqual(writes.map((w) => w.target.kind), ['DestinationRule', 'VirtualService']);
    assert.deepEqual(writes[0]?.event, { reason: 'UpdatedDestinationRule', message: 'DestinationRule web-rule subset updated (canary: bbb, stable: aaa)' });
    const ruleAfter = applied(rule, writes.slice(0, 1)) as unknown as typeof rule & { metadata: { annotations: Record<string, string> } };
    assert.deepEqual(ruleAfter.spec.subsets, [{ name: 'stable', labels: { app: 'web', 'rollouts-pod-template-hash': 'aaa' } }, { name: 'legacy', labels: { version: 'v0' } }, { name: 'canary', labels: { 'rollouts-pod-template-hash': 'bbb' } }]);
    assert.deepEqual(ruleAfter.spec.trafficPolicy, rule.spec.trafficPolicy, 'other fields and subsets stay');
    assert.deepEqual(ruleAfter.metadata.annotations, { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web' });
    const vsAfter = applied(subsetVs, writes.slice(1));
    assert.deepEqual(vsAfter.spec.http[0]?.route.map((r): unknown[] => [(r.destination as { subset?: string }).subset, 'weight' in r ? r.weight : undefined]), [['stable', 75], ['canary', 25]]);
    assert.deepEqual(router.setWeight(weightIntent(25, noServices), observedObjects([vsAfter, ruleAfter as unknown as KubeObject])), [], 'steady');
  });

  it('a header route goes to the canary subset; problems name a missing subset destination or DestinationRule', () => {
    const intent = weightIntent(10, { ...noServices, headerRoutes: [{ name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: 'yes' } }] }] });
    const after = applied(subsetVs, router.setHeaderRoute(intent, observedObjects([subsetVs, rule])));
    assert.deepEqual(after.spec.http[0], { name: 'beta', match: [{ headers: { 'x-beta': { exact: 'yes' } } }], route: [{ destination: { host: 'web', subset: 'canary' }, weight: 100 }] });
    assert.deepEqual(router.problems(intent, observedObjects([subsetVs])).map((p) => `${p.reason}: ${p.message}`), ['DestinationRuleNotFound: DestinationRule `web-rule` not found']);
    const oneSubset = { ...subsetVs, spec: { http: [{ name: 'primary', route: [{ destination: { host: 'web', subset: 'stable' }, weight: 100 }] }] } };
    assert.match(router.problems(intent, observedObjects([oneSubset, rule]))[0]?.message ?? '', /lacks a DestinationRule subset canary or stable/);
  });

  const l4Vs = {
    apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'db', namespace: 'shop' },
    spec: {
      tls: [
        { match: [{ port: 443, sniHosts: ['a.example.com'] }], route: [{ destination: { host: 'web-stable' }, weight: 100 }, { destination: { host: 'web-canary' }, weight: 0 }] },
        { match: [{ port: 443, sniHosts: ['b.example.com'] }], route: [{ destination: { host: 'other' } }] },
      ],
      tcp: [{ match: [{ port: 5432 }], route: [{ destination: { host: 'web-stable' }, weight: 100 }, { destination: { host: 'web-canary' }, weight: 0 }] }],
    },
  };
  const l4Rollout = (vsConfig: Record<string, unknown>): Rollout => ({
    metadata: { name: 'web', namespace: 'shop' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { istio: { virtualService: { name: 'db', ...vsConfig } } } } } },
  });

  it('weights the TLS route matching port and SNI hosts, and the TCP route matching the port', () => {
    const l4 = istio.routerFor(l4Rollout({ tlsRoutes: [{ port: 443, sniHosts: ['a.example.com'] }], tcpRoutes: [{ port: 5432 }] }));
    assert.deepEqual(l4.problems(weightIntent(30), observedObjects([l4Vs])), []);
    const write = l4.setWeight(weightIntent(30), observedObjects([l4Vs]))[0];
    assert.ok(write?.type === 'json');
    assert.deepEqual(write.patch.filter((op) => op.op === 'add').map((op) => `${op.path}=${String(op.value)}`), [
      '/spec/tls/0/route/0/weight=70', '/spec/tls/0/route/1/weight=30', '/spec/tcp/0/route/0/weight=70', '/spec/tcp/0/route/1/weight=30',
    ]);
  });

  it('problems: no TLS route matching, and several TLS routes with none selected', () => {
    const wrongHost = istio.routerFor(l4Rollout({ tlsRoutes: [{ port: 443, sniHosts: ['c.example.com'] }] }));
    assert.deepEqual(wrongHost.problems(weightIntent(0), observedObjects([l4Vs])).map((p) => p.message), ['VirtualService shop/db has no TLS route matching tlsRoutes (port and sniHosts)']);
    const unselected = istio.routerFor(l4Rollout({ tcpRoutes: [{ port: 5432 }] }));
    assert.deepEqual(unselected.problems(weightIntent(0), observedObjects([l4Vs])).map((p) => p.message), ['VirtualService shop/db has 2 TLS routes: name the ones to weight in virtualService.tlsRoutes']);
  });
});

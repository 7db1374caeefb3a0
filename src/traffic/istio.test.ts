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

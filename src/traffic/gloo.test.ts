import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { gloo } from './gloo.ts';
import { observedObjects, weightIntent } from './testing.ts';

const rollout = (routing: Record<string, unknown>): Rollout => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: routing } } },
});

const table = {
  apiVersion: 'gateway.solo.io/v1', kind: 'RouteTable', metadata: { name: 'web', namespace: 'shop' },
  spec: {
    routes: [
      { name: 'admin', matchers: [{ prefix: '/admin' }], routeAction: { single: { upstream: { name: 'admin', namespace: 'shop' } } } },
      {
        name: 'main', matchers: [{ prefix: '/' }], options: { timeout: '5s' },
        routeAction: { multi: { destinations: [{ destination: { upstream: { name: 'shop-web-stable-80', namespace: 'shop' } }, weight: 100 }, { destination: { kube: { ref: { name: 'web-canary', namespace: 'shop' }, port: 80 } }, weight: 0 }] } },
      },
    ],
  },
};

describe('gloo router', () => {
  it('weights a discovered Upstream and a kube destination of the route sending to both; other routes and options stay', () => {
    const router = gloo.routerFor(rollout({ gloo: { routeTable: { name: 'web' } } }));
    const write = router.setWeight(weightIntent(20), observedObjects([table]))[0];
    assert.ok(write?.type === 'json');
    assert.deepEqual(write.patch.filter((op) => op.op === 'test').map((op) => op.value), ['shop-web-stable-80', 'web-canary']);
    const after = applyJsonPatch(table, write.patch);
    assert.deepEqual(after.spec.routes[1]?.routeAction.multi?.destinations.map((d) => d.weight), [80, 20]);
    assert.deepEqual(after.spec.routes[1].options, { timeout: '5s' });
    assert.deepEqual(after.spec.routes[0], table.spec.routes[0]);
    assert.equal(router.verify(weightIntent(20), observedObjects([after])), true);
    assert.deepEqual(router.setWeight(weightIntent(20), observedObjects([after])), []);
  });

  it('the solo-io/glooedge plugin\'s configuration, a VirtualService\'s virtual host, named routes', () => {
    const vs = { apiVersion: 'gateway.solo.io/v1', kind: 'VirtualService', metadata: { name: 'edge', namespace: 'shop' }, spec: { virtualHost: { domains: ['*'], routes: table.spec.routes } } };
    const router = gloo.routerFor(rollout({ plugins: { 'solo-io/glooedge': { virtualService: { name: 'edge' }, routes: ['main'] } } }));
    const write = router.setWeight(weightIntent(50), observedObjects([vs]))[0];
    assert.ok(write?.type === 'json');
    assert.ok(write.patch.every((op) => op.path.startsWith('/spec/virtualHost/routes/1/routeAction/multi/destinations/')), JSON.stringify(write.patch));
    const other = gloo.routerFor(rollout({ gloo: { routeTable: { name: 'web' }, routes: ['admin'] } }));
    assert.deepEqual(other.problems(weightIntent(0), observedObjects([table])).map((p) => p.message), ['RouteTable shop/web has no route named admin sending to both web-canary and web-stable']);
  });

  it('needs exactly one of routeTable or virtualService', () => {
    assert.deepEqual(gloo.specIssues?.(rollout({ gloo: { routeTable: { name: 'a' }, virtualService: { name: 'b' } } })).map((i) => i.field), ['spec.strategy.canary.trafficRouting.gloo.routeTable']);
  });
});

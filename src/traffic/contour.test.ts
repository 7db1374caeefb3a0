import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { contour } from './contour.ts';
import { observedObjects, weightIntent } from './testing.ts';

const rollout = (routing: Record<string, unknown>): Rollout => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: routing } } },
});

const proxy = {
  apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', metadata: { name: 'web', namespace: 'shop', generation: 2 },
  spec: {
    virtualhost: { fqdn: 'web.example.com' },
    routes: [
      { conditions: [{ prefix: '/static' }], services: [{ name: 'cdn', port: 80 }] },
      { conditions: [{ prefix: '/' }], services: [{ name: 'web-stable', port: 80, weight: 90 }, { name: 'web-canary', port: 80, weight: 0 }, { name: 'legacy', port: 80, weight: 10 }, { name: 'web-canary', port: 80, mirror: true }] },
    ],
  },
};
type Proxy = typeof proxy & { status?: unknown };
const weights = (p: Proxy): unknown[] => p.spec.routes[1]?.services.map((s) => ('weight' in s ? s.weight : undefined)) ?? [];

describe('contour router', () => {
  for (const [name, routing] of [['native', { contour: { httpProxies: ['web'] } }], ['the argoproj-labs/contour plugin\'s configuration', { plugins: { 'argoproj-labs/contour': { httpProxies: ['web'] } } }]] as const) {
    it(`weights the canary and stable services of the routes sending to both (${name}); others and the mirror stay`, () => {
      const router = contour.routerFor(rollout(routing));
      const write = router.setWeight(weightIntent(30), observedObjects([proxy]))[0];
      assert.ok(write?.type === 'json');
      const after = applyJsonPatch(proxy, write.patch) as Proxy;
      assert.deepEqual(weights(after), [70, 30, 10, undefined]);
      assert.deepEqual(after.spec.routes[0], proxy.spec.routes[0]);
      assert.deepEqual(router.setWeight(weightIntent(30), observedObjects([after as KubeObject])), []);
      assert.equal(router.verify(weightIntent(30), observedObjects([after as KubeObject])), true, 'Contour has not reported: the object decides');
      const stale = { ...after, status: { conditions: [{ type: 'Valid', status: 'True', observedGeneration: 1 }] } };
      assert.equal(router.verify(weightIntent(30), observedObjects([stale as KubeObject])), false, 'Contour has not seen this generation yet');
      const valid = { ...after, status: { conditions: [{ type: 'Valid', status: 'True', observedGeneration: 2 }] } };
      assert.equal(router.verify(weightIntent(30), observedObjects([valid as KubeObject])), true);
    });
  }

  it('problems: a missing HTTPProxy, or one without a route to both Services; a malformed plugin configuration names its field', () => {
    const router = contour.routerFor(rollout({ contour: { httpProxies: ['web'] } }));
    assert.deepEqual(router.problems(weightIntent(0), observedObjects()).map((p) => p.reason), ['HTTPProxyNotFound']);
    const single = { ...proxy, spec: { routes: [proxy.spec.routes[0]] } };
    assert.deepEqual(router.problems(weightIntent(0), observedObjects([single])).map((p) => p.message), ['HTTPProxy shop/web has no route sending to both web-canary and web-stable']);
    assert.deepEqual(contour.specIssues?.(rollout({ plugins: { 'argoproj-labs/contour': { httpProxies: 'web' } } })).map((i) => i.field), ['spec.strategy.canary.trafficRouting.plugins["argoproj-labs/contour"].httpProxies']);
  });
});

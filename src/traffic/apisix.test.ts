import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { apisix } from './apisix.ts';
import { observedObjects, weightIntent } from './testing.ts';

const route = {
  apiVersion: 'apisix.apache.org/v2',
  kind: 'ApisixRoute',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    http: [
      { name: 'static', backends: [{ serviceName: 'cdn', servicePort: 80 }] },
      { name: 'main', match: { paths: ['/*'] }, plugins: [{ name: 'cors', enable: true }], backends: [{ serviceName: 'web-stable', servicePort: 80, weight: 100 }, { serviceName: 'web-canary', servicePort: 80, weight: 0 }] },
    ],
  },
};

function rollout(rules?: string[]): Rollout {
  return {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { apisix: { route: { name: 'web', ...(rules === undefined ? {} : { rules }) } } } } } },
  };
}



describe('apisix router', () => {
  it('weights the backends of the named http rule, and nothing else', () => {
    const router = apisix.routerFor(rollout(['main']));
    const write = router.setWeight(weightIntent(35), observedObjects([route]))[0];
    assert.ok(write?.type === 'json');
    const after = applyJsonPatch(route, write.patch);
    assert.deepEqual(after.spec.http[1]?.backends.map((b) => [b.serviceName, 'weight' in b ? b.weight : undefined]), [['web-stable', 65], ['web-canary', 35]]);
    assert.deepEqual({ ...after.spec.http[1], backends: [] }, { ...route.spec.http[1], backends: [] }, 'match and plugins untouched');
    assert.deepEqual(after.spec.http[0], route.spec.http[0]);
    assert.equal(router.verify(weightIntent(35), observedObjects([after])), true);
    assert.deepEqual(router.setWeight(weightIntent(35), observedObjects([after])), []);
  });

  it('without rules named, every rule that splits between the two Services', () => {
    assert.equal(apisix.routerFor(rollout()).setWeight(weightIntent(5), observedObjects([route])).length, 1);
  });

  it('names a missing ApisixRoute, a missing rule, and a rule without both Services', () => {
    assert.deepEqual(apisix.routerFor(rollout(['main'])).problems(weightIntent(5), observedObjects()), [{ reason: 'ApisixRouteNotFound', message: 'ApisixRoute shop/web not found' }]);
    assert.deepEqual(apisix.routerFor(rollout(['nope'])).problems(weightIntent(5), observedObjects([route])).map((p) => p.message), ['ApisixRoute shop/web has no http rule named nope']);
    assert.deepEqual(apisix.routerFor(rollout(['static'])).problems(weightIntent(5), observedObjects([route])).map((p) => p.message), ['ApisixRoute shop/web has no http rule with backends web-canary and web-stable']);
  });
});

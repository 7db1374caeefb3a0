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

  describe('header routes', () => {
    const withManaged: Rollout = {
      metadata: { name: 'web', namespace: 'shop', uid: 'uid-3' },
      spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { apisix: { route: { name: 'web', rules: ['main'] } }, managedRoutes: [{ name: 'beta' }] } } } },
    };
    const router = apisix.routerFor(withManaged);
    const intent = weightIntent(10, { headerRoutes: [{ name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: 'yes' } }, { headerName: 'x-tier', headerValue: { prefix: 'gold.' } }] }] });

    it('is an ApisixRoute of its own: the weighted rule sent only to the canary when the headers match, one priority higher', () => {
      const write = router.setHeaderRoute(intent, observedObjects([route]))[0];
      assert.ok(write?.type === 'apply');
      assert.equal(write.fieldManager, 'aviary-apisix');
      const object = write.object as unknown as { metadata: { name: string; ownerReferences: { uid: string }[] }; spec: { http: unknown[] } };
      assert.equal(object.metadata.name, 'beta');
      assert.deepEqual(object.metadata.ownerReferences.map((o) => o.uid), ['uid-3']);
      assert.deepEqual(object.spec.http[0], route.spec.http[0], 'rules not weighted are copied as they are');
      assert.deepEqual(object.spec.http[1], {
        name: 'main', priority: 1, plugins: [{ name: 'cors', enable: true }],
        match: { paths: ['/*'], exprs: [{ subject: { scope: 'Header', name: 'x-beta' }, op: 'Equal', value: 'yes' }, { subject: { scope: 'Header', name: 'x-tier' }, op: 'RegexMatch', value: '^gold\\..*' }] },
        backends: [{ serviceName: 'web-canary', servicePort: 80, weight: 100 }],
      });
      assert.deepEqual(router.setHeaderRoute(intent, observedObjects([route, write.object])), [], 'steady');
    });

    it('is deleted when lifted and at the end, only when it is the Rollout\'s; another owner\'s is a problem', () => {
      const ours = { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', metadata: { name: 'beta', namespace: 'shop', uid: 'r-1', ownerReferences: [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'uid-3', controller: true }] }, spec: {} };
      assert.deepEqual(router.removeManagedRoutes(observedObjects([route, ours])).map((w) => [w.type, w.target.name, w.type === 'delete' ? w.uid : undefined]), [['delete', 'beta', 'r-1']]);
      assert.deepEqual(router.setHeaderRoute(weightIntent(10), observedObjects([route, ours])).map((w) => w.type), ['delete']);
      const theirs = { ...ours, metadata: { name: 'beta', namespace: 'shop', uid: 'r-2' } };
      assert.deepEqual(router.removeManagedRoutes(observedObjects([route, theirs])), []);
      assert.match(router.problems(intent, observedObjects([route, theirs]))[0]?.message ?? '', /duplicate ApisixRoute \[beta\] already exists/);
    });
  });
});

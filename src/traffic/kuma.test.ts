import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { kuma } from './kuma.ts';
import { observedObjects, weightIntent } from './testing.ts';

const rollout: Rollout = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { kuma: { meshHTTPRoute: 'web' } } } } },
};

const route = {
  apiVersion: 'kuma.io/v1alpha1', kind: 'MeshHTTPRoute', metadata: { name: 'web', namespace: 'shop', labels: { 'kuma.io/mesh': 'default' } },
  spec: {
    targetRef: { kind: 'Mesh' },
    to: [{
      targetRef: { kind: 'MeshService', name: 'web-stable' },
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'web-stable', port: 80 }, { kind: 'MeshServiceSubset', name: 'web-canary_shop_svc_80', weight: 0 }] } },
        { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'admin' }] } },
      ],
    }],
  },
};

describe('kuma router', () => {
  it('weights MeshService and service-tag backendRefs of the rules sending to both; the other rule stays', () => {
    const router = kuma.routerFor(rollout);
    const write = router.setWeight(weightIntent(15), observedObjects([route]))[0];
    assert.ok(write?.type === 'json');
    const after = applyJsonPatch(route, write.patch);
    assert.deepEqual(after.spec.to[0]?.rules[0]?.default.backendRefs.map((b) => ('weight' in b ? b.weight : undefined)), [85, 15]);
    assert.deepEqual(after.spec.to[0].rules[1], route.spec.to[0]?.rules[1]);
    assert.equal(router.verify(weightIntent(15), observedObjects([after])), true);
    assert.deepEqual(router.setWeight(weightIntent(15), observedObjects([after])), []);
  });

  it('a service tag of another namespace is another Service: no route to both is a problem', () => {
    const elsewhere = structuredClone(route);
    const refs = elsewhere.spec.to[0]?.rules[0]?.default.backendRefs;
    if (refs?.[1] !== undefined) refs[1].name = 'web-canary_other_svc_80';
    assert.deepEqual(kuma.routerFor(rollout).problems(weightIntent(0), observedObjects([elsewhere])).map((p) => p.message), ['MeshHTTPRoute shop/web has no rule sending to both web-canary and web-stable']);
    assert.deepEqual(kuma.routerFor(rollout).problems(weightIntent(0), observedObjects()).map((p) => p.reason), ['MeshHTTPRouteNotFound']);
  });
});

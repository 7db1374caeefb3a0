import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { traefik } from './traefik.ts';
import { observedObjects, weightIntent } from './testing.ts';

const rollout: Rollout = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { traefik: { weightedTraefikServiceName: 'web-split' } } } } },
};

const split = {
  apiVersion: 'traefik.io/v1alpha1',
  kind: 'TraefikService',
  metadata: { name: 'web-split', namespace: 'shop', labels: { owner: 'me' } },
  spec: { weighted: { services: [{ name: 'web-stable', port: 80, weight: 100 }, { name: 'web-canary', port: 80, weight: 0 }, { name: 'legacy', port: 80, weight: 5 }], sticky: { cookie: {} } } },
};



describe('traefik router', () => {
  const router = traefik.routerFor(rollout);

  it('sets only the canary\'s and the stable\'s weights in spec.weighted.services', () => {
    const writes = router.setWeight(weightIntent(25), observedObjects([split]));
    assert.equal(writes.length, 1);
    const write = writes[0];
    assert.ok(write?.type === 'json');
    assert.deepEqual(write.target, { apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', plural: 'traefikservices', namespace: 'shop', name: 'web-split' });
    const after = applyJsonPatch(split, write.patch);
    assert.deepEqual(after.spec.weighted.services.map((s) => [s.name, s.weight]), [['web-stable', 75], ['web-canary', 25], ['legacy', 5]]);
    assert.deepEqual({ ...after, spec: { weighted: { ...after.spec.weighted, services: [] } } }, { ...split, spec: { weighted: { ...split.spec.weighted, services: [] } } }, 'labels and sticky untouched');
    assert.equal(router.verify(weightIntent(25), observedObjects([after])), true);
    assert.equal(router.verify(weightIntent(25), observedObjects([split])), false);
    assert.deepEqual(router.setWeight(weightIntent(25), observedObjects([after])), []);
  });

  it('names a missing TraefikService or one without both Services', () => {
    assert.deepEqual(router.problems(weightIntent(10), observedObjects()), [{ reason: 'TraefikServiceNotFound', message: 'TraefikService shop/web-split not found' }]);
    const one = { ...split, spec: { weighted: { services: [{ name: 'web-stable', port: 80 }] } } };
    assert.match(router.problems(weightIntent(10), observedObjects([one]))[0]?.message ?? '', /^TraefikService shop\/web-split has no spec.weighted.services sending to both web-canary and web-stable$/);
  });

  it('has no header or mirror routes', () => {
    assert.deepEqual(traefik.supports(rollout), { headerRoutes: false, mirrorRoutes: false });
  });
});

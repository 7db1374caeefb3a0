import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { ambassador, canaryMappingName } from './ambassador.ts';
import { observedObjects, weightIntent } from './testing.ts';

function rollout(mappings: string[]): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-7' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { ambassador: { mappings } } } } },
  };
}

const baseSpec = { prefix: '/web/', rewrite: '/', service: 'web-stable.shop:8080', timeout_ms: 3000 };
const base: KubeObject = {
  apiVersion: 'getambassador.io/v2', kind: 'Mapping',
  metadata: { name: 'web', namespace: 'shop', labels: { team: 'shop' } },
  spec: baseSpec,
} as KubeObject;

describe('ambassador router', () => {
  const router = ambassador.routerFor(rollout(['web']));

  it('creates the canary clone only once the weight is above 0, with the canary Service and the weight', () => {
    assert.deepEqual(router.setWeight(weightIntent(0), observedObjects([base])), [], 'nothing at weight 0');
    const write = router.setWeight(weightIntent(20), observedObjects([base]))[0];
    assert.ok(write?.type === 'apply');
    assert.equal(write.fieldManager, 'aviary-ambassador');
    assert.deepEqual(write.event, { reason: 'CanaryMappingWeightUpdate', message: 'Set canary mapping weight to 20' });
    assert.deepEqual(write.object, {
      apiVersion: 'getambassador.io/v2', kind: 'Mapping',
      metadata: { name: 'web-canary', namespace: 'shop', ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'uid-7', controller: true, blockOwnerDeletion: true }] },
      spec: { prefix: '/web/', rewrite: '/', service: 'web-canary.shop:8080', timeout_ms: 3000, weight: 20 },
    });
    assert.deepEqual(router.setWeight(weightIntent(20), observedObjects([base, write.object])), [], 'steady');
  });

  it('at weight 0 the clone is set to 0 first, then deleted (guarded by its uid)', () => {
    const clone = { ...structuredClone(base), metadata: { name: 'web-canary', namespace: 'shop', uid: 'c-1' }, spec: { ...baseSpec, service: 'web-canary.shop:8080', weight: 40 } } as KubeObject;
    const first = router.setWeight(weightIntent(0), observedObjects([base, clone]));
    assert.deepEqual(first.map((w) => [w.type, w.type === 'merge' ? w.patch : undefined]), [['merge', { spec: { weight: 0 } }]]);
    const zero = { ...clone, spec: { ...baseSpec, service: 'web-canary.shop:8080', weight: 0 } } as KubeObject;
    const second = router.setWeight(weightIntent(0), observedObjects([base, zero]));
    assert.deepEqual(second.map((w) => [w.type, w.target.name, w.type === 'delete' ? w.uid : undefined]), [['delete', 'web-canary', 'c-1']]);
  });

  it('problems: a missing base Mapping, a base that sets weight, a base not sending to the stable Service', () => {
    assert.deepEqual(router.problems(weightIntent(10), observedObjects()), [{ reason: 'AmbassadorMappingNotFound', message: 'Ambassador mapping "web" not found' }]);
    const weighted = { ...base, spec: { ...baseSpec, weight: 10 } } as KubeObject;
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([weighted])).map((p) => p.reason), ['AmbassadorMappingConfigError']);
    const elsewhere = { ...base, spec: { ...baseSpec, service: 'other:80' } } as KubeObject;
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([elsewhere])).map((p) => p.reason), ['TrafficRoutingError']);
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([], ['Mapping.getambassador.io/v2'])).map((p) => p.reason), ['TrafficRoutingError']);
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([base])), []);
  });

  it('names the clone <mapping>-canary within 253 characters, and needs a mapping', () => {
    assert.equal(canaryMappingName('a'.repeat(300)).length, 253);
    assert.deepEqual(ambassador.specIssues?.(rollout([])), [{ field: 'spec.strategy.canary.trafficRouting.ambassador.mappings', message: 'must provide at least one mapping' }]);
  });
});

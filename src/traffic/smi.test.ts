import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { smi } from './smi.ts';
import { observedObjects, weightIntent } from './testing.ts';

function rollout(config: Record<string, unknown>): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-9' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { smi: config } } } },
  };
}



describe('smi router', () => {
  it('creates the TrafficSplit named after the Rollout, rooted at the stable Service by default', () => {
    const writes = smi.routerFor(rollout({})).setWeight(weightIntent(15), observedObjects());
    const write = writes[0];
    assert.ok(write?.type === 'apply');
    assert.deepEqual(write.event, { reason: 'TrafficSplitCreated', message: 'TrafficSplit `web` created' });
    assert.deepEqual(write.object, {
      apiVersion: 'split.smi-spec.io/v1alpha1',
      kind: 'TrafficSplit',
      metadata: { name: 'web', namespace: 'shop', ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'uid-9', controller: true, blockOwnerDeletion: true }] },
      spec: { service: 'web-stable', backends: [{ service: 'web-canary', weight: '15' }, { service: 'web-stable', weight: '85' }] },
    });
    assert.deepEqual(smi.routerFor(rollout({})).setWeight(weightIntent(15), observedObjects([write.object])), [], 'steady');
  });

  it('trafficSplitName and rootService as given', () => {
    const write = smi.routerFor(rollout({ trafficSplitName: 'split', rootService: 'web' })).setWeight(weightIntent(0), observedObjects())[0];
    assert.ok(write?.type === 'apply');
    assert.equal(write.target.name, 'split');
    assert.equal((write.object as { spec: { service: string } }).spec.service, 'web');
  });

  it('a TrafficSplit kind that cannot be listed is TrafficSplitNotCreated; a missing TrafficSplit is not a problem', () => {
    const router = smi.routerFor(rollout({}));
    assert.deepEqual(router.problems(weightIntent(10), observedObjects()), []);
    const none = ['v1alpha1', 'v1alpha2', 'v1alpha3'].map((v) => `TrafficSplit.split.smi-spec.io/${v}`);
    assert.deepEqual(router.problems(weightIntent(10), observedObjects([], none)).map((p) => p.reason), ['TrafficSplitNotCreated']);
    assert.deepEqual(router.setWeight(weightIntent(10), observedObjects([], none)), [], 'nothing written where no version is served');
  });

  it('writes the first version the API server serves: v1alpha2 (integer weights) where v1alpha1 is not served', () => {
    const router = smi.routerFor(rollout({}));
    const observed = observedObjects([], ['TrafficSplit.split.smi-spec.io/v1alpha1']);
    assert.deepEqual(router.problems(weightIntent(10), observed), []);
    const write = router.setWeight(weightIntent(10), observed)[0];
    assert.ok(write?.type === 'apply');
    assert.equal(write.target.apiVersion, 'split.smi-spec.io/v1alpha2');
    assert.deepEqual((write.object as { spec: { backends: unknown[] } }).spec.backends, [{ service: 'web-canary', weight: 10 }, { service: 'web-stable', weight: 90 }]);
    // Read back in v1alpha1's shape (quantities) by another version's informer, it is the same split: steady.
    const asRead = { ...write.object, apiVersion: 'split.smi-spec.io/v1alpha2', spec: { service: 'web-stable', backends: [{ service: 'web-canary', weight: '10' }, { service: 'web-stable', weight: '90' }] } };
    assert.deepEqual(router.setWeight(weightIntent(10), observedObjects([asRead], ['TrafficSplit.split.smi-spec.io/v1alpha1'])), []);
  });
});

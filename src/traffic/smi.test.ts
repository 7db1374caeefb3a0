import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { routedObjectKey, type ObservedTraffic, type TrafficIntent } from './router.ts';
import { smi } from './smi.ts';

function rollout(config: Record<string, unknown>): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-9' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { smi: config } } } },
  };
}

function observed(objects: KubeObject[] = [], absentKinds: string[] = []): ObservedTraffic {
  return {
    namespace: 'shop', owner: 'web', services: new Map(), absentKinds: new Set(absentKinds),
    objects: new Map(objects.map((o) => [routedObjectKey(o.kind ?? '', o.metadata?.namespace ?? '', o.metadata?.name ?? ''), o])),
  };
}

const intent = (weight: number): TrafficIntent => ({
  stableHash: 'aaa', canaryHash: 'bbb', weight, maxWeight: 100, canaryService: 'web-canary', stableService: 'web-stable', headerRoutes: [], mirrorRoutes: [], services: [],
});

describe('smi router', () => {
  it('creates the TrafficSplit named after the Rollout, rooted at the stable Service by default', () => {
    const writes = smi.routerFor(rollout({})).setWeight(intent(15), observed());
    const write = writes[0];
    assert.ok(write?.type === 'apply');
    assert.deepEqual(write.event, { reason: 'TrafficSplitCreated', message: 'TrafficSplit `web` created' });
    assert.deepEqual(write.object, {
      apiVersion: 'split.smi-spec.io/v1alpha1',
      kind: 'TrafficSplit',
      metadata: { name: 'web', namespace: 'shop', ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'uid-9', controller: true, blockOwnerDeletion: true }] },
      spec: { service: 'web-stable', backends: [{ service: 'web-canary', weight: '15' }, { service: 'web-stable', weight: '85' }] },
    });
    assert.deepEqual(smi.routerFor(rollout({})).setWeight(intent(15), observed([write.object])), [], 'steady');
  });

  it('trafficSplitName and rootService as given', () => {
    const write = smi.routerFor(rollout({ trafficSplitName: 'split', rootService: 'web' })).setWeight(intent(0), observed())[0];
    assert.ok(write?.type === 'apply');
    assert.equal(write.target.name, 'split');
    assert.equal((write.object as { spec: { service: string } }).spec.service, 'web');
  });

  it('a TrafficSplit kind that cannot be listed is TrafficSplitNotCreated; a missing TrafficSplit is not a problem', () => {
    const router = smi.routerFor(rollout({}));
    assert.deepEqual(router.problems(intent(10), observed()), []);
    assert.deepEqual(router.problems(intent(10), observed([], ['TrafficSplit.split.smi-spec.io'])).map((p) => p.reason), ['TrafficSplitNotCreated']);
  });
});

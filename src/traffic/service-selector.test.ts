import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../api/kubernetes.ts';
import { managedByAnnotation, podTemplateHashLabel } from '../api/labels.ts';
import type { Rollout } from '../api/rollout.ts';
import { routersFor } from './registry.ts';
import { routeTraffic, type ObservedTraffic, type TrafficIntent } from './router.ts';
import { referencedServices, serviceSelectorRouter } from './service-selector.ts';
import { applyMergePatch } from '../util/merge-patch.ts';

function service(name: string, hash?: string): Service {
  return { metadata: { name }, spec: { selector: { app: 'web', ...(hash === undefined ? {} : { [podTemplateHashLabel]: hash }) } } };
}

function observed(...services: Service[]): ObservedTraffic {
  return { namespace: 'shop', owner: 'web', services: new Map(services.map((s) => [s.metadata?.name ?? '', s])), objects: new Map(), absentKinds: new Set() };
}

function intent(overrides: Partial<TrafficIntent> = {}): TrafficIntent {
  return {
    stableHash: 'aaa',
    canaryHash: 'bbb',
    weight: 20,
    maxWeight: 100,
    headerRoutes: [],
    mirrorRoutes: [],
    services: [{ service: 'web-stable', hash: 'aaa' }, { service: 'web-canary', hash: 'bbb' }],
    ...overrides,
  };
}

describe('service-selector router', () => {
  const rows: { name: string; services: Service[]; writes: string[]; verified: boolean }[] = [
    { name: 'both Services already select their version: no writes', services: [service('web-stable', 'aaa'), service('web-canary', 'bbb')], writes: [], verified: true },
    { name: 'the canary Service still on the stable version: one write', services: [service('web-stable', 'aaa'), service('web-canary', 'aaa')], writes: ['web-canary=bbb'], verified: false },
    { name: 'Services without a hash yet (first deploy): both written', services: [service('web-stable'), service('web-canary')], writes: ['web-stable=aaa', 'web-canary=bbb'], verified: false },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const seen = observed(...row.services);
      const writes = routeTraffic(serviceSelectorRouter, intent(), seen);
      assert.deepEqual(writes.map((w) => {
        assert.equal(w.type, 'merge');
        const { patch } = w;
        const selector = (patch.spec as { selector: Record<string, string> }).selector;
        return `${w.target.name}=${selector[podTemplateHashLabel] ?? ''}`;
      }), row.writes);
      assert.equal(serviceSelectorRouter.verify(intent(), seen), row.verified);
    });
  }

  it('writes a precise merge patch: the hash label and the managed-by annotation, nothing else', () => {
    const [write] = serviceSelectorRouter.setWeight(intent({ services: [{ service: 'web-canary', hash: 'bbb' }] }), observed(service('web-canary', 'aaa')));
    assert.deepEqual(write, {
      type: 'merge',
      target: { apiVersion: 'v1', kind: 'Service', plural: 'services', namespace: 'shop', name: 'web-canary' },
      patch: { metadata: { annotations: { [managedByAnnotation]: 'web' } }, spec: { selector: { [podTemplateHashLabel]: 'bbb' } } },
    });
    // Applied as the API server would, the other selector labels stay.
    const after = applyMergePatch(service('web-canary', 'aaa'), write.patch) as Service;
    assert.deepEqual(after.spec?.selector, { app: 'web', [podTemplateHashLabel]: 'bbb' });
    assert.equal(serviceSelectorRouter.verify(intent({ services: [{ service: 'web-canary', hash: 'bbb' }] }), observed(after)), true);
  });

  it('adds no routes, so header and mirror routes, their removal and finalize write nothing', () => {
    const withRoutes = intent({
      headerRoutes: [{ name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: 'yes' } }] }],
      mirrorRoutes: [{ name: 'copy', match: [], percentage: 10 }],
    });
    const seen = observed(service('web-stable', 'aaa'), service('web-canary', 'bbb'));
    assert.deepEqual(serviceSelectorRouter.setHeaderRoute(withRoutes, seen), []);
    assert.deepEqual(serviceSelectorRouter.setMirrorRoute(withRoutes, seen), []);
    assert.deepEqual(serviceSelectorRouter.removeManagedRoutes(seen), []);
    assert.deepEqual(serviceSelectorRouter.finalize(intent({ canaryHash: 'aaa' }), seen), []);
  });

  it('is the router of every Rollout, and reads the Services the strategy names', () => {
    const rollout: Rollout = {
      metadata: { name: 'web' },
      spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable' } } },
    };
    assert.deepEqual(routersFor(rollout).map((d) => d.routerFor(rollout).name), ['service-selector']);
    assert.deepEqual(referencedServices(rollout), ['web-canary', 'web-stable']);
    assert.deepEqual(referencedServices({ metadata: {}, spec: { strategy: { blueGreen: { activeService: 'a', previewService: '' } } } }), ['a']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { applyMergePatch } from '../util/merge-patch.ts';
import { backendWeightsAnnotation, skipper } from './skipper.ts';
import { observedObjects, weightIntent } from './testing.ts';

const rollout: Rollout = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { skipper: { ingress: 'web' } } } } },
};

const path = (name: string): unknown => ({ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } });
const ingress = (annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop', annotations },
  spec: { rules: [{ http: { paths: [path('web-stable'), path('web-canary'), path('legacy')] } }] },
} as KubeObject);

describe('skipper router', () => {
  it('owns the canary\'s and the stable\'s entries of the backend-weights annotation; other entries and annotations stay', () => {
    const router = skipper.routerFor(rollout);
    const before = ingress({ [backendWeightsAnnotation]: '{"legacy": 5}', 'zalando.org/skipper-filter': 'compress()' });
    const write = router.setWeight(weightIntent(25), observedObjects([before]))[0];
    assert.ok(write?.type === 'merge');
    const after = applyMergePatch(before, write.patch) as KubeObject;
    assert.deepEqual(JSON.parse(after.metadata?.annotations?.[backendWeightsAnnotation] ?? ''), { legacy: 5, 'web-stable': 75, 'web-canary': 25 });
    assert.equal(after.metadata?.annotations?.['zalando.org/skipper-filter'], 'compress()');
    assert.equal(router.verify(weightIntent(25), observedObjects([after])), true);
    assert.deepEqual(router.setWeight(weightIntent(25), observedObjects([after])), []);
  });

  it('problems: a malformed annotation, an Ingress without a path to both Services', () => {
    const router = skipper.routerFor(rollout);
    assert.match(router.problems(weightIntent(0), observedObjects([ingress({ [backendWeightsAnnotation]: '[1]' })]))[0]?.message ?? '', /is not a JSON object of Service weights/);
    const one = { ...ingress({}), spec: { rules: [{ http: { paths: [path('web-stable')] } }] } } as KubeObject;
    assert.deepEqual(router.problems(weightIntent(0), observedObjects([one])).map((p) => p.message), ['Ingress shop/web has no path served by both web-canary and web-stable']);
    assert.deepEqual(router.problems(weightIntent(0), observedObjects([ingress({})])), []);
  });
});

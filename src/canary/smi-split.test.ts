import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary } from '../api/canary.ts';
import { canaryTrafficSplit } from './smi-split.ts';

const canary = (hosts?: string[]): Canary => ({
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', uid: 'u1' },
  spec: { provider: 'linkerd', targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898, ...(hosts === undefined ? {} : { hosts }) }, analysis: { interval: '10s', stepWeight: 10 } },
});

describe('the SMI providers\' TrafficSplit', () => {
  it('splits the apex (or the first host) between the canary and the primary, weights as quantities', () => {
    const split = canaryTrafficSplit(canary(), 'linkerd', { primaryWeight: 70, canaryWeight: 30, mirrored: false }) as { apiVersion: string; metadata: { name: string; ownerReferences?: { kind: string }[] }; spec: unknown };
    assert.deepEqual([split.apiVersion, split.metadata.name, split.metadata.ownerReferences?.[0]?.kind], ['split.smi-spec.io/v1alpha1', 'podinfo', 'Canary']);
    assert.deepEqual(split.spec, { service: 'podinfo', backends: [{ service: 'podinfo-canary', weight: '30' }, { service: 'podinfo-primary', weight: '70' }] });
    assert.equal((canaryTrafficSplit(canary(['podinfo.test.svc.cluster.local']), 'smi:v1alpha1', { primaryWeight: 100, canaryWeight: 0, mirrored: false }) as { spec: { service: string } }).spec.service, 'podinfo.test.svc.cluster.local');
  });

  it('osm and smi:v1alpha2 write v1alpha2, smi:v1alpha3 v1alpha3, with integer weights', () => {
    for (const [provider, version] of [['osm', 'v1alpha2'], ['smi:v1alpha2', 'v1alpha2'], ['smi:v1alpha3', 'v1alpha3']] as const) {
      const split = canaryTrafficSplit(canary(), provider, { primaryWeight: 60, canaryWeight: 40, mirrored: false }) as { apiVersion: string; spec: { backends: unknown[] } };
      assert.equal(split.apiVersion, `split.smi-spec.io/${version}`);
      assert.deepEqual(split.spec.backends, [{ service: 'podinfo-canary', weight: 40 }, { service: 'podinfo-primary', weight: 60 }]);
    }
  });
});

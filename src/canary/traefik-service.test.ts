import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary } from '../api/canary.ts';
import { canaryTraefikService } from './traefik-service.ts';

const canary: Canary = {
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', uid: 'u1' },
  spec: { provider: 'traefik', targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 80, apex: { labels: { team: 'a' } } }, analysis: { interval: '10s', stepWeight: 10 } },
};

describe('the traefik provider\'s TraefikService', () => {
  it('weights the primary and, while it has a weight, the canary; named after the apex with its metadata, owned by the Canary', () => {
    const at0 = canaryTraefikService(canary, { primaryWeight: 100, canaryWeight: 0, mirrored: false }) as { metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string }[] }; spec: unknown };
    assert.deepEqual(at0.spec, { weighted: { services: [{ name: 'podinfo-primary', namespace: 'test', port: 80, weight: 100 }] } }, 'no canary entry at weight 0, as Flagger');
    assert.deepEqual([at0.metadata.name, at0.metadata.labels, at0.metadata.ownerReferences?.[0]?.kind], ['podinfo', { team: 'a' }, 'Canary']);
    const at30 = canaryTraefikService(canary, { primaryWeight: 70, canaryWeight: 30, mirrored: false }) as { spec: unknown };
    assert.deepEqual(at30.spec, { weighted: { services: [{ name: 'podinfo-primary', namespace: 'test', port: 80, weight: 70 }, { name: 'podinfo-canary', namespace: 'test', port: 80, weight: 30 }] } });
  });
});

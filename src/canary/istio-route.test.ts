import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryAnalysis } from '../api/canary.ts';
import { canaryIstioObjects } from './istio-route.ts';

const canary = (service: Partial<Canary['spec']['service']> = {}, analysis: Partial<CanaryAnalysis> = {}): Canary => ({
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', uid: 'u1' },
  spec: { provider: 'istio', targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898, ...service }, analysis: { interval: '10s', stepWeight: 10, ...analysis } },
});
type Obj = { kind: string; metadata: { name: string }; spec: Record<string, unknown> };
const objects = (c: Canary, canaryWeight = 0, mirrored = false): Obj[] => canaryIstioObjects(c, { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored }) as unknown as Obj[];

describe("the istio provider's VirtualService and DestinationRules", () => {
  it('DestinationRules for primary and canary with the trafficPolicy; a VirtualService on the mesh for the apex', () => {
    const [primary, canaryRule, vs] = objects(canary({ trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }), 30);
    assert.deepEqual([primary?.kind, primary?.metadata.name, primary?.spec], ['DestinationRule', 'podinfo-primary', { host: 'podinfo-primary', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }]);
    assert.deepEqual(canaryRule?.spec, { host: 'podinfo-canary', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    assert.deepEqual(vs?.spec, {
      hosts: ['podinfo'], gateways: ['mesh'],
      http: [{ route: [{ destination: { host: 'podinfo-primary' }, weight: 70 }, { destination: { host: 'podinfo-canary' }, weight: 30 }] }],
    });
  });

  it('hosts, gateways (with portDiscovery: the port), the service match, timeout and retries, a mirror', () => {
    const [, , vs] = objects(canary({ hosts: ['app.example.com'], gateways: ['public/gw'], portDiscovery: true, match: [{ uri: { prefix: '/api' } }], timeout: '5s', retries: { attempts: 3 } }), 0, true);
    assert.deepEqual(vs?.spec, {
      hosts: ['app.example.com', 'podinfo'], gateways: ['public/gw'],
      http: [{
        match: [{ uri: { prefix: '/api' } }], timeout: '5s', retries: { attempts: 3 },
        route: [{ destination: { host: 'podinfo-primary', port: { number: 9898 } }, weight: 100 }, { destination: { host: 'podinfo-canary', port: { number: 9898 } }, weight: 0 }],
        mirror: { host: 'podinfo-canary' },
      }],
    });
  });

  it('A/B: the matched requests by the weights, everyone else on the primary', () => {
    const [, , vs] = objects(canary({}, { iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] }), 100);
    assert.deepEqual(vs?.spec.http, [
      { match: [{ headers: { 'x-canary': { exact: 'insider' } } }], route: [{ destination: { host: 'podinfo-primary' }, weight: 0 }, { destination: { host: 'podinfo-canary' }, weight: 100 }] },
      { route: [{ destination: { host: 'podinfo-primary' }, weight: 100 }] },
    ]);
  });
});

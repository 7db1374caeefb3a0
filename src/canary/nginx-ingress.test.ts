import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryAnalysis } from '../api/canary.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { canaryIngress } from './nginx-ingress.ts';

const canary = (analysis: Partial<CanaryAnalysis> = {}): Canary => ({
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', uid: 'u1' },
  spec: { provider: 'nginx', targetRef: { kind: 'Deployment', name: 'podinfo' }, ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' }, service: { port: 80 }, analysis: { interval: '10s', stepWeight: 10, ...analysis } },
});
const users = (backend = 'podinfo'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
  metadata: { name: 'web', namespace: 'test', labels: { app: 'web' }, annotations: { 'kubernetes.io/ingress.class': 'nginx', 'nginx.ingress.kubernetes.io/canary-weight': '99', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
  spec: { rules: [{ host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } }] } }] },
} as KubeObject);
type Ing = { metadata: { name: string; annotations: Record<string, string>; labels?: Record<string, string> }; spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] } };

describe("the nginx provider's canary Ingress", () => {
  it('a copy of the users\' Ingress on the canary Service, with the weight as NGINX canary annotations and none of theirs', () => {
    const ing = canaryIngress(canary(), users(), { primaryWeight: 70, canaryWeight: 30, mirrored: false }) as unknown as Ing;
    assert.equal(ing.metadata.name, 'web-canary');
    assert.equal(ing.spec.rules[0]?.http.paths[0]?.backend.service.name, 'podinfo-canary');
    assert.deepEqual(ing.metadata.annotations, { 'kubernetes.io/ingress.class': 'nginx', 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '30' });
    assert.deepEqual(ing.metadata.labels, { app: 'web' });
  });

  it('A/B: the header, its value or pattern, and the cookie of analysis.match instead of a weight', () => {
    const ing = canaryIngress(canary({ iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }, { headers: { cookie: { exact: 'canary' } } }] }), users(), { primaryWeight: 0, canaryWeight: 100, mirrored: false }) as unknown as Ing;
    assert.deepEqual(ing.metadata.annotations, {
      'kubernetes.io/ingress.class': 'nginx', 'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary', 'nginx.ingress.kubernetes.io/canary-by-header-value': 'insider',
      'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
    });
  });

  it('an Ingress without a backend on the apex is a problem naming spec.ingressRef', () => {
    assert.deepEqual(canaryIngress(canary(), users('other'), { primaryWeight: 100, canaryWeight: 0, mirrored: false }), { problem: 'spec.ingressRef: Ingress web has no backend on the apex Service podinfo' });
  });
});

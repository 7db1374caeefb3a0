import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary } from '../api/canary.ts';
import { canaryHttpRoute, gatewayMatches, RouteMatchError } from './gateway-route.ts';

const canary: Canary = {
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', uid: 'c-1' },
  spec: {
    provider: 'gatewayapi:v1', targetRef: { kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898, hosts: ['podinfo.example.com'], gatewayRefs: [{ name: 'gateway', namespace: 'infra' }], apex: { labels: { team: 'web' } } },
    analysis: { stepWeight: 10 },
  },
};
type Route = { metadata: { name: string; labels?: Record<string, string> }; spec: { parentRefs: unknown[]; hostnames?: string[]; rules: { matches: unknown[]; backendRefs: { name: string; weight: number }[]; filters?: unknown[] }[] } };

describe('the Canary\'s HTTPRoute (Gateway API provider)', () => {
  it('named after the apex, on the gatewayRefs and hosts, every path weighted between primary and canary', () => {
    const route = canaryHttpRoute(canary, { primaryWeight: 90, canaryWeight: 10, mirrored: false }) as unknown as Route;
    assert.equal(route.metadata.name, 'podinfo');
    assert.deepEqual(route.metadata.labels, { team: 'web' });
    assert.deepEqual(route.spec.parentRefs, [{ name: 'gateway', namespace: 'infra' }]);
    assert.deepEqual(route.spec.hostnames, ['podinfo.example.com']);
    assert.deepEqual(route.spec.rules, [{
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [{ group: '', kind: 'Service', name: 'podinfo-primary', port: 9898, weight: 90 }, { group: '', kind: 'Service', name: 'podinfo-canary', port: 9898, weight: 10 }],
    }]);
  });

  it('A/B: the conditions combined with the service matches go to the canary; everyone else stays on the primary', () => {
    const ab: Canary = { ...canary, spec: { ...canary.spec, service: { ...canary.spec.service, match: [{ uri: { prefix: '/api' } }] }, analysis: { iterations: 5, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] } } };
    const route = canaryHttpRoute(ab, { primaryWeight: 0, canaryWeight: 100, mirrored: false }) as unknown as Route;
    assert.deepEqual(route.spec.rules.map((r) => r.matches), [
      [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-canary', type: 'Exact', value: 'insider' }] }],
      [{ path: { type: 'PathPrefix', value: '/api' } }],
    ]);
    assert.deepEqual(route.spec.rules.map((r) => r.backendRefs.map((b) => `${b.name}=${String(b.weight)}`)), [['podinfo-primary=0', 'podinfo-canary=100'], ['podinfo-primary=100']]);
  });

  it('mirroring (blue-green with mirror) adds a RequestMirror to the canary', () => {
    const bg: Canary = { ...canary, spec: { ...canary.spec, analysis: { iterations: 3, mirror: true } } };
    const route = canaryHttpRoute(bg, { primaryWeight: 100, canaryWeight: 0, mirrored: true }) as unknown as Route;
    assert.deepEqual(route.spec.rules[0]?.filters, [{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'podinfo-canary', port: 9898 } } }]);
  });

  it('what Gateway API cannot express, and missing gatewayRefs, name the field', () => {
    assert.deepEqual(gatewayMatches([{ uri: { regex: '^/v[12]/' }, method: { exact: 'GET' }, queryParams: { debug: { exact: '1' } } }], 'f'), [
      { path: { type: 'RegularExpression', value: '^/v[12]/' }, method: 'GET', queryParams: [{ name: 'debug', type: 'Exact', value: '1' }] },
    ]);
    assert.throws(() => gatewayMatches([{ headers: { 'x-user': { prefix: 'a' } } }], 'spec.analysis.match'), (e: unknown) => e instanceof RouteMatchError && e.message === 'spec.analysis.match[0].headers.x-user: Gateway API matches a header by exact or regex');
    const noRefs: Canary = { ...canary, spec: { ...canary.spec, service: { port: 9898 } } };
    assert.throws(() => canaryHttpRoute(noRefs, { primaryWeight: 100, canaryWeight: 0, mirrored: false }), /^RouteMatchError: spec\.service\.gatewayRefs: required/);
  });
});

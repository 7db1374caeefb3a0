import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { WindowShares } from '../lab/load.ts';
import { holdOf, trafficLine, withNamespacedHosts } from './traffic.ts';

function shares(byVersion: Record<string, number>, byCode: Record<string, number>, failed = 0): WindowShares {
  const total = Object.values(byCode).reduce((a, b) => a + b, 0) + failed;
  const versionShare = Object.fromEntries(Object.entries(byVersion).map(([v, n]) => [v, n / total]));
  return { total, failed, byVersion, byCode, versionShare };
}

const canary = (currentStepIndex: number): Rollout => ({
  apiVersion: 'aviary.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web' },
  spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '3s' } }, { setWeight: 40 }, { pause: {} }, { analysis: { templates: [{ templateName: 't' }] } }] } } },
  status: { currentStepIndex },
});

describe('demo traffic', () => {
  const lines: [string, WindowShares, string][] = [
    [
      'setWeight 20: 1.28-alpine answered 20% of 300 responses, errors 0%',
      shares({ '1.28-alpine': 60, '1.27-alpine': 240 }, { 200: 300 }),
      'setWeight 20',
    ],
    [
      'setWeight 25: 1.28-alpine answered 25% of 400 responses, errors 7.5%',
      shares({ '1.28-alpine': 100, '1.27-alpine': 300 }, { 200: 370, 500: 30 }),
      'setWeight 25',
    ],
    ['after: 1.28-alpine answered 0% of 10 responses, errors 20%', shares({ '1.27-alpine': 8 }, { 200: 8 }, 2), 'after'],
    ['idle: no responses measured', shares({}, {}), 'idle'],
  ];
  for (const [expected, measured, label] of lines) {
    it(expected, () => {
      assert.equal(trafficLine(label, measured, '1.28-alpine'), expected);
    });
  }

  it('holds are the pause and analysis steps, labelled with the weight in effect', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => holdOf(canary(i))), [
      undefined,
      { key: 'step 1', label: 'at setWeight 20' },
      undefined,
      { key: 'step 3', label: 'at setWeight 40' },
      { key: 'step 4', label: 'at setWeight 40' },
      undefined,
    ]);
    const blueGreen: Rollout = { apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'web' }, spec: { strategy: { blueGreen: { activeService: 'a' } } }, status: {} };
    assert.equal(holdOf(blueGreen), undefined);
    blueGreen.status = { pauseConditions: [{ reason: 'BlueGreenPause', startTime: '2026-12-03T00:00:00Z' }] };
    assert.deepEqual(holdOf(blueGreen), { key: 'pause', label: 'before promotion' });
  });

  it('prefixes every Ingress host with the namespace and leaves other objects alone', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } };
    const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: { rules: [{ host: 'web.local' }, {}] } };
    const { objects, hosts } = withNamespacedHosts([service, ingress], 'demo-1');
    assert.deepEqual(hosts, ['demo-1.web.local']);
    assert.equal(objects[0], service);
    assert.deepEqual(objects[1], { ...ingress, spec: { rules: [{ host: 'demo-1.web.local' }, {}] } });
    assert.equal(ingress.spec.rules[0]?.host, 'web.local', 'the example itself is not changed');
  });

  it('prefixes an HTTPRoute\'s hostnames with the namespace too', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web' }, spec: { hostnames: ['web.local'], rules: [] } };
    const { objects, hosts } = withNamespacedHosts([route], 'demo-2');
    assert.deepEqual(hosts, ['demo-2.web.local']);
    assert.deepEqual(objects[0], { ...route, spec: { hostnames: ['demo-2.web.local'], rules: [] } });
    assert.deepEqual(route.spec.hostnames, ['web.local']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanarySpec } from '../api/canary.ts';
import { canaryIssues } from './validate.ts';

function canary(spec: Partial<CanarySpec>): Canary {
  return {
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'gatewayapi:v1', targetRef: { kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898, gatewayRefs: [{ name: 'gw' }] }, analysis: { interval: '30s', stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] },
      ...spec,
    },
  };
}

describe('Canary validation', () => {
  const cases: [string, Partial<CanarySpec>, string[]][] = [
    ['a valid Gateway API canary', {}, []],
    ['an unknown provider and target kind', { provider: 'envoy' as never, targetRef: { kind: 'StatefulSet' as never, name: 'db' } }, [
      'spec.provider: unknown provider "envoy": one of apisix, appmesh, appmesh:v1beta2, contour, gatewayapi:v1, gatewayapi:v1beta1, gloo, istio, knative, kubernetes, kuma, linkerd, nginx, osm, skipper, smi:v1alpha1, smi:v1alpha2, smi:v1alpha3, traefik',
      'spec.targetRef.kind: must be Deployment or DaemonSet, got "StatefulSet"',
    ]],
    ['Gateway API without gatewayRefs', { service: { port: 9898 } }, ['spec.service.gatewayRefs: required with the Gateway API provider: the Gateways the HTTPRoute attaches to']],
    ['nginx without an ingressRef', { provider: 'nginx' }, ['spec.ingressRef: required with the nginx provider: the Ingress it routes through']],
    ['no way to advance', { analysis: { interval: '30s' } }, ['spec.analysis.stepWeight: set stepWeight or stepWeights (or iterations for blue-green): with none the canary would never advance']],
    ['stepWeights not increasing, a bad interval', { analysis: { interval: 'often', stepWeights: [10, 50, 40] } }, [
      'spec.analysis.interval: is not a duration: "often"',
      'spec.analysis.stepWeights[2]: must be larger than the step before (50), got 40',
    ]],
    ['kubernetes provider with weights', { provider: 'kubernetes' }, ['spec.analysis.iterations: the kubernetes provider shifts no traffic: it runs blue-green only (set iterations)']],
    ['kubernetes provider blue-green', { provider: 'kubernetes', analysis: { iterations: 5 } }, []],
    ['metrics and webhooks', { analysis: { stepWeight: 10, metrics: [{ name: 'error-budget' }, { name: 'latency', templateRef: { name: 't' }, interval: 'soon', thresholdRange: { min: 5, max: 1 } }], webhooks: [{ name: 'gate', url: 'gate', type: 'confirm-rollout' }] } }, [
      'spec.analysis.metrics[0].name: "error-budget" is not a built-in metric (request-success-rate, request-duration): set templateRef',
      'spec.analysis.metrics[1].interval: is not a duration: "soon"',
      'spec.analysis.metrics[1].thresholdRange: min 5 is above max 1',
      'spec.analysis.webhooks[0].url: is not a URL: "gate"',
    ]],
    ['a built-in metric the provider does not have', { provider: 'knative', analysis: { stepWeight: 10, metrics: [{ name: 'request-duration' }] } }, ['spec.analysis.metrics[0].name: the knative provider has no built-in request-duration: set templateRef']],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => {
      assert.deepEqual(canaryIssues(canary(spec)).map((i) => `${i.field}: ${i.message}`), want);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinQuery, hasBuiltinMetrics, type MetricScope } from './builtin-metrics.ts';

const scope: MetricScope = { namespace: 'test', target: 'podinfo', service: 'podinfo', ingress: 'podinfo', route: 'web', interval: '1m' };

describe('built-in metrics', () => {
  const cases: { provider: string; success: string; duration: string; durationUnit: 'ms' | 's' }[] = [
    {
      provider: 'istio',
      success: 'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload=~"podinfo",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload=~"podinfo"}[1m])) * 100',
      duration: 'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="test",destination_workload=~"podinfo"}[1m])) by (le))',
      durationUnit: 'ms',
    },
    {
      provider: 'gatewayapi:v1',
      success: 'sum(rate(http_request_duration_seconds_count{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!~"5.*"}[1m])) / sum(rate(http_request_duration_seconds_count{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) * 100',
      duration: 'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) by (le))',
      durationUnit: 's',
    },
    {
      provider: 'traefik',
      success: 'sum(rate(traefik_service_request_duration_seconds_bucket{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",le="+Inf",code!~"5.."}[1m])) / sum(rate(traefik_service_request_duration_seconds_bucket{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",le="+Inf"}[1m])) * 100',
      duration: 'histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd"}[1m])) by (le))',
      durationUnit: 's',
    },
    {
      provider: 'nginx',
      success: 'sum(rate(nginx_ingress_controller_requests{namespace="test",ingress="podinfo",canary!="",status!~"5.*"}[1m])) / sum(rate(nginx_ingress_controller_requests{namespace="test",ingress="podinfo",canary!=""}[1m])) * 100',
      duration: 'sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="test",ingress="podinfo",canary!=""}[1m])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace="test",ingress="podinfo",canary!=""}[1m]))',
      durationUnit: 's',
    },
    {
      provider: 'contour',
      success: 'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+",envoy_response_code!~"5.*"}[1m])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+"}[1m])) * 100',
      duration: 'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+"}[1m])) by (le))',
      durationUnit: 'ms',
    },
    {
      provider: 'linkerd',
      success: 'sum(rate(response_total{namespace="test",deployment=~"podinfo",direction="inbound",classification!="failure"}[1m])) / sum(rate(response_total{namespace="test",deployment=~"podinfo",direction="inbound"}[1m])) * 100',
      duration: 'histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="test",deployment=~"podinfo",direction="inbound"}[1m])) by (le))',
      durationUnit: 'ms',
    },
  ];
  for (const c of cases) {
    it(`${c.provider}: the series and labels Flagger queries`, () => {
      assert.equal(builtinQuery(c.provider, 'request-success-rate', scope)?.query, c.success);
      const duration = builtinQuery(c.provider, 'request-duration', scope);
      assert.equal(duration?.query, c.duration);
      assert.equal(duration.toUnit(0.25), c.durationUnit === 's' ? 250 : 0.25, 'durations are reported in milliseconds');
    });
  }

  it('a target name is a literal in the regular expressions, and providers without built-ins say so', () => {
    assert.match(builtinQuery('istio', 'request-success-rate', { ...scope, target: 'web.v2' })?.query ?? '', /destination_workload=~"web\\\\.v2"/);
    assert.equal(hasBuiltinMetrics('knative'), false);
    assert.equal(builtinQuery('knative', 'request-duration', scope), undefined);
    assert.equal(hasBuiltinMetrics('smi:v1alpha3'), true);
  });
});

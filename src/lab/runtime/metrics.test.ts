import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodIdentity } from './desired.ts';
import { LabMetrics, podLabelPairs, sanitiseLabelName } from './metrics.ts';

function identity(pod: string, labels: Record<string, string>): PodIdentity {
  return { pod, namespace: 'shop', node: 'kwok-1', image: 'lab/echo:v1', version: 'v1', podTemplateHash: '', labels };
}

describe('sanitiseLabelName: as kubernetes_sd + labelmap name pod labels', () => {
  const cases: [string, string][] = [
    ['app', 'app'],
    ['rollouts-pod-template-hash', 'rollouts_pod_template_hash'],
    ['app.kubernetes.io/name', 'app_kubernetes_io_name'],
    ['Tier_2', 'Tier_2'],
    ['1st', '_1st'],
  ];
  for (const [name, sanitised] of cases) it(`${name} → ${sanitised}`, () => {
    assert.equal(sanitiseLabelName(name), sanitised);
  });
});

describe('podLabelPairs', () => {
  it('puts namespace and pod first, then the labels by name; the runtime\'s own label names win', () => {
    const pairs = podLabelPairs(identity('web-1', { version: 'v1', app: 'web', pod: 'spoof', code: '200', 'a.b': 'dotted', a_b: 'underscored' }));
    assert.equal(pairs, 'namespace="shop",pod="web-1",a_b="dotted",app="web",version="v1"');
  });

  it('escapes values', () => {
    assert.equal(podLabelPairs(identity('p', { note: 'say "hi"\\\n' })), 'namespace="shop",pod="p",note="say \\"hi\\"\\\\\\n"');
  });
});

describe('LabMetrics.render', () => {
  it('counts requests per pod and code, with a duration histogram, and drops a removed pod', () => {
    const metrics = new LabMetrics();
    const web = metrics.add(identity('web-1', { app: 'web', 'rollouts-pod-template-hash': 'abc' }));
    const api = metrics.add(identity('api-1', { app: 'api' }));
    web.record(200, 0.002);
    web.record(200, 0.02);
    web.record(500, 20);
    api.record(503, 0.0005);

    const text = metrics.render({ podsServed: 2, listeners: 3 });
    const lines = text.split('\n');
    const webLabels = 'namespace="shop",pod="web-1",app="web",rollouts_pod_template_hash="abc"';
    for (const line of [
      '# TYPE http_requests_total counter',
      `http_requests_total{${webLabels},code="200"} 2`,
      `http_requests_total{${webLabels},code="500"} 1`,
      'http_requests_total{namespace="shop",pod="api-1",app="api",code="503"} 1',
      '# TYPE http_request_duration_seconds histogram',
      `http_request_duration_seconds_bucket{${webLabels},code="200",le="0.001"} 0`,
      `http_request_duration_seconds_bucket{${webLabels},code="200",le="0.0025"} 1`,
      `http_request_duration_seconds_bucket{${webLabels},code="200",le="0.025"} 2`,
      `http_request_duration_seconds_bucket{${webLabels},code="200",le="10"} 2`,
      `http_request_duration_seconds_bucket{${webLabels},code="200",le="+Inf"} 2`,
      `http_request_duration_seconds_count{${webLabels},code="200"} 2`,
      `http_request_duration_seconds_sum{${webLabels},code="200"} 0.022`,
      `http_request_duration_seconds_bucket{${webLabels},code="500",le="10"} 0`,
      `http_request_duration_seconds_bucket{${webLabels},code="500",le="+Inf"} 1`,
      'http_request_duration_seconds_bucket{namespace="shop",pod="api-1",app="api",code="503",le="0.001"} 1',
      '# TYPE aviary_lab_pods_served gauge',
      'aviary_lab_pods_served 2',
      '# TYPE aviary_lab_listeners gauge',
      'aviary_lab_listeners 3',
    ]) assert.ok(lines.includes(line), `missing: ${line}\n${text}`);
    assert.ok(text.endsWith('\n'));
    // Every sample line is `name{labels} value` or `name value`; every family is declared once.
    for (const line of lines.filter((l) => l !== '' && !l.startsWith('#'))) assert.match(line, /^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/);
    assert.equal(lines.filter((l) => l.startsWith('# TYPE')).length, 4);

    metrics.remove(web);
    const after = metrics.render({ podsServed: 1, listeners: 1 });
    assert.doesNotMatch(after, /web-1/);
    assert.match(after, /http_requests_total\{namespace="shop",pod="api-1",app="api",code="503"\} 1/);
  });

  it('carries counts over to new labels', () => {
    const metrics = new LabMetrics();
    const series = metrics.add(identity('web-1', { app: 'web' }));
    series.record(200, 0.01);
    series.relabel(identity('web-1', { app: 'web', tier: 'front' }));
    series.record(200, 0.01);
    assert.match(metrics.render({ podsServed: 1, listeners: 1 }), /^http_requests_total\{namespace="shop",pod="web-1",app="web",tier="front",code="200"\} 2$/m);
  });
});

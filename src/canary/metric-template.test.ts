import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricTemplateError, renderMetricQuery, type MetricTemplateModel } from './metric-template.ts';

const model: MetricTemplateModel = { name: 'podinfo', namespace: 'test', target: 'podinfo', service: 'podinfo', ingress: '', route: '', interval: '1m', variables: { code: '5..' } };

describe('MetricTemplate queries', () => {
  it('fills in the Canary\'s variables and templateVariables, however spaced', () => {
    assert.equal(
      renderMetricQuery('sum(rate(http_requests_total{namespace="{{ namespace }}",pod=~"{{target}}-.*",code=~"{{ variables.code }}"}[{{ interval }}]))', model),
      'sum(rate(http_requests_total{namespace="test",pod=~"podinfo-.*",code=~"5.."}[1m]))',
    );
  });

  it('a placeholder without a value, or an unknown one, is an error naming it', () => {
    assert.throws(() => renderMetricQuery('{{ variables.region }}', model), (e: unknown) => e instanceof MetricTemplateError && /no templateVariables entry "region"/.test(e.message));
    assert.throws(() => renderMetricQuery('x{ingress="{{ ingress }}"}', model), /the Canary has no ingress \(set spec\.ingressRef\)/);
    assert.throws(() => renderMetricQuery('{{ if .target }}x{{ end }}', model), /not a template variable/);
  });
});

/**
 * The prometheus metric provider against a real Prometheus (the test bed's), scraping a test exporter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prometheusProvider } from '../../src/analysis/providers/prometheus.ts';
import { ProviderError, type MeasurementContext } from '../../src/analysis/providers/provider.ts';
import { TestExporter, TestPrometheus } from '../support/prometheus.ts';

const context = (): MeasurementContext => ({
  run: { apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun', name: 'run', namespace: 'default', uid: 'u' },
  metricName: 'm',
  signal: new AbortController().signal,
  readSecret: () => Promise.resolve(undefined),
  kube: undefined as never, // prometheus never touches the cluster
  getJob: () => undefined,
  now: () => new Date(),
});

describe('prometheus metric provider against a real Prometheus', () => {
  const exporter = new TestExporter();
  const prometheus = new TestPrometheus();
  before(async () => {
    await prometheus.start([await exporter.start()]);
    exporter.set('checkout_requests_total', { code: '200' }, 97);
    exporter.set('checkout_requests_total', { code: '500' }, 3);
    await prometheus.waitForValue('sum(checkout_requests_total)', 100);
  });
  after(async () => {
    await prometheus.stop();
    await exporter.stop();
  });

  it('turns a vector into a list of numbers', async () => {
    const config = { address: prometheus.url, query: 'sum(checkout_requests_total{code="200"}) / sum(checkout_requests_total)' };
    prometheusProvider.validate(config);
    assert.deepEqual(await prometheusProvider.measure(context(), config), { kind: 'value', result: [0.97], value: '[0.97]' });
  });

  it('gives one number per series', async () => {
    const outcome = await prometheusProvider.measure(context(), { address: prometheus.url, query: 'sort(checkout_requests_total)' });
    assert.deepEqual(outcome, { kind: 'value', result: [3, 97], value: '[3,97]' });
  });

  it('turns a scalar into a number, NaN included', async () => {
    assert.deepEqual(await prometheusProvider.measure(context(), { address: prometheus.url, query: 'scalar(sum(checkout_requests_total))' }), { kind: 'value', result: 100, value: '100' });
    const nan = await prometheusProvider.measure(context(), { address: prometheus.url, query: 'scalar(checkout_requests_total)' });
    assert.ok(nan.kind === 'value');
    assert.ok(Number.isNaN(nan.result), 'scalar() of several series is NaN');
    assert.equal(nan.value, 'NaN');
  });

  it('gives an empty list when nothing matches', async () => {
    assert.deepEqual(await prometheusProvider.measure(context(), { address: prometheus.url, query: 'checkout_requests_total{code="404"}' }), { kind: 'value', result: [], value: '[]' });
  });

  it('runs a range query and lists every sample', async () => {
    const outcome = await prometheusProvider.measure(context(), {
      address: prometheus.url,
      query: 'checkout_requests_total{code="500"}',
      rangeQuery: { start: 'now() - duration("30s")', end: 'now()', step: '1s' },
    });
    assert.ok(outcome.kind === 'value');
    assert.ok(Array.isArray(outcome.result) && outcome.result.length >= 1, outcome.value);
    assert.ok(outcome.result.every((v) => v === 3), outcome.value);
  });

  it('reports the error of a bad query', async () => {
    await assert.rejects(
      prometheusProvider.measure(context(), { address: prometheus.url, query: 'sum(checkout_requests_total' }),
      (error: unknown) => error instanceof ProviderError && error.status === 400 && /HTTP 400: bad_data: .*parse error/.test(error.message),
    );
  });
});

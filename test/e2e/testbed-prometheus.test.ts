import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestExporter, TestPrometheus } from '../support/prometheus.ts';

describe('test bed Prometheus', () => {
  const exporter = new TestExporter();
  const prometheus = new TestPrometheus();
  before(async () => {
    await prometheus.start([await exporter.start()]);
  });
  after(async () => {
    await prometheus.stop();
    await exporter.stop();
  });

  it('ingests the series the test sets, and their changes', async () => {
    exporter.set('demo_requests_total', { code: '500' }, 7);
    await prometheus.waitForValue('demo_requests_total{code="500"}', 7);
    exporter.set('demo_requests_total', { code: '500' }, 42);
    await prometheus.waitForValue('demo_requests_total{code="500"}', 42);
    const data = await prometheus.query('sum(demo_requests_total)');
    assert.equal(data.resultType, 'vector');
    assert.equal(Number(data.result[0]?.value[1]), 42);
  });
});

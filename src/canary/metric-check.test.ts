import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryMetric } from '../api/canary.ts';
import { checkMetric } from './metric-check.ts';

describe('a Canary metric check', () => {
  const success: CanaryMetric = { name: 'request-success-rate', thresholdRange: { min: 99 } };
  const duration: CanaryMetric = { name: 'request-duration', thresholdRange: { max: 500 } };
  const cases: [string, CanaryMetric, number | undefined, string][] = [
    ['success rate above the floor', success, 99.5, 'passed'],
    ['success rate at the floor', success, 99, 'passed'],
    ['success rate below', success, 98.69, 'failed: Halt podinfo.test advancement request-success-rate 98.69% < 99%'],
    ['duration below the ceiling', duration, 120, 'passed'],
    ['duration above', duration, 612.5, 'failed: Halt podinfo.test advancement request-duration 612.50ms > 500ms'],
    ['a range', { name: 'errors', thresholdRange: { min: 1, max: 5 } }, 6, 'failed: Halt podinfo.test advancement errors 6 > 5'],
    ['deprecated threshold on success rate is a floor', { name: 'request-success-rate', threshold: 95 }, 90, 'failed: Halt podinfo.test advancement request-success-rate 90% < 95%'],
    ['deprecated threshold elsewhere is a ceiling', { name: 'request-duration', threshold: 100 }, 90, 'passed'],
    ['no range: any value', { name: 'custom' }, -3, 'passed'],
    ['no values', success, undefined, 'failed: Halt advancement no values found for metric request-success-rate probably podinfo.test is not receiving traffic'],
    ['NaN', success, Number.NaN, 'failed: Halt advancement no values found for metric request-success-rate probably podinfo.test is not receiving traffic'],
  ];
  for (const [name, metric, value, want] of cases) {
    it(name, () => {
      const verdict = checkMetric(metric, value, 'podinfo.test');
      assert.equal(verdict.outcome === 'passed' ? 'passed' : `${verdict.outcome}: ${verdict.message}`, want);
    });
  }

  it('no values can wait for traffic instead of failing', () => {
    assert.equal(checkMetric(success, undefined, 'podinfo.test', { noDataWaits: true }).outcome, 'waiting');
  });
});

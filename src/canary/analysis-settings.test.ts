import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryAnalysis } from '../api/canary.ts';
import { advance, analysisIntervalMs, analysisThreshold, canaryStrategy, maxWeight, promotionPrimaryWeights, routesOfRelease } from './analysis-settings.ts';

function canary(analysis: CanaryAnalysis): Canary {
  return { metadata: { name: 'podinfo', namespace: 'test' }, spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 80 }, analysis } };
}

describe('Canary analysis settings, as Flagger reads them', () => {
  const intervals: [string | undefined, number][] = [[undefined, 60_000], ['30s', 30_000], ['5s', 10_000], ['2m', 120_000], ['soon', 60_000]];
  for (const [interval, want] of intervals) {
    it(`interval ${String(interval)} → ${String(want)} ms`, () => {
      assert.equal(analysisIntervalMs(canary(interval === undefined ? {} : { interval })), want);
    });
  }

  it('threshold: 1 unless positive', () => {
    assert.deepEqual([undefined, 0, -3, 5].map((threshold) => analysisThreshold(canary(threshold === undefined ? {} : { threshold }))), [1, 1, 1, 5]);
  });

  it('strategy: A/B with match and iterations, blue-green with iterations, else canary', () => {
    assert.deepEqual([
      canaryStrategy(canary({ iterations: 10, match: [{ headers: { x: { exact: '1' } } }] })),
      canaryStrategy(canary({ iterations: 10 })),
      canaryStrategy(canary({ match: [{ headers: { x: { exact: '1' } } }] })),
      canaryStrategy(canary({ stepWeight: 10 })),
    ], ['abTesting', 'blueGreen', 'canary', 'canary']);
  });
});

describe('weights of a release that keeps passing', () => {
  const cases: { name: string; analysis: CanaryAnalysis; weights: string; max: number }[] = [
    { name: 'stepWeight 10 to maxWeight 50', analysis: { stepWeight: 10, maxWeight: 50 }, weights: '10 20 30 40 50', max: 50 },
    { name: 'stepWeight 20 overshoots maxWeight 50', analysis: { stepWeight: 20, maxWeight: 50 }, weights: '20 40 60', max: 50 },
    { name: 'stepWeight 30, no maxWeight: to 100', analysis: { stepWeight: 30 }, weights: '30 60 90 100', max: 100 },
    { name: 'stepWeights', analysis: { stepWeights: [1, 5, 25, 60] }, weights: '1 5 25 60', max: 60 },
    { name: 'stepWeights with maxWeight ignored', analysis: { stepWeights: [10, 40], maxWeight: 20 }, weights: '10 40', max: 40 },
    { name: 'mirror first', analysis: { stepWeight: 25, maxWeight: 50, mirror: true }, weights: 'mirror 25 50', max: 50 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const routes = routesOfRelease(canary(c.analysis));
      assert.equal(routes.map((r) => (r.mirrored ? 'mirror' : String(r.canaryWeight))).join(' '), c.weights);
      assert.ok(routes.every((r) => r.mirrored ? r.primaryWeight === 100 : r.primaryWeight === Math.max(0, 100 - r.canaryWeight)));
      assert.equal(maxWeight(canary(c.analysis)), c.max);
    });
  }

  it('promotes once the weight reached maxWeight; a step of 0 never advances', () => {
    assert.equal(advance(canary({ stepWeight: 10, maxWeight: 30 }), { primaryWeight: 70, canaryWeight: 30, mirrored: false }), 'promote');
    assert.deepEqual(routesOfRelease(canary({ maxWeight: 50 })), []);
  });

  it('promotion gives the primary its traffic back in stepWeightPromotion steps, else at once', () => {
    assert.deepEqual(promotionPrimaryWeights(canary({ stepWeightPromotion: 20 }), 50), [70, 90, 100]);
    assert.deepEqual(promotionPrimaryWeights(canary({}), 50), [100]);
  });
});

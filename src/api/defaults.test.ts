import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Metric } from './analysis.ts';
import { analysisDefaults, applyRolloutDefaults, effectiveMetricLimits, type MetricLimits } from './defaults.ts';
import type { Rollout, RolloutSpec } from './rollout.ts';

const selector = { matchLabels: { app: 'web' } };

function rollout(spec: Partial<RolloutSpec>): Rollout {
  return { metadata: { name: 'web' }, spec: { selector, ...spec } };
}

const historyDefaults = { successfulRunHistoryLimit: 5, unsuccessfulRunHistoryLimit: 5 };
const specDefaults = { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, analysis: historyDefaults };

describe('applyRolloutDefaults', () => {
  // [name, spec in, spec out]
  const rows: [string, Partial<RolloutSpec>, RolloutSpec][] = [
    ['no strategy', {}, { selector, ...specDefaults }],
    [
      'basic canary',
      { strategy: { canary: { steps: [{ setWeight: 50 }] } } },
      {
        selector,
        ...specDefaults,
        strategy: { canary: { steps: [{ setWeight: 50 }], maxSurge: '25%', maxUnavailable: '25%' } },
      },
    ],
    [
      'canary with traffic routing',
      { strategy: { canary: { trafficRouting: { nginx: { stableIngress: 'web' } } } } },
      {
        selector,
        ...specDefaults,
        strategy: {
          canary: {
            trafficRouting: { nginx: { stableIngress: 'web' }, maxTrafficWeight: 100 },
            maxSurge: '25%',
            maxUnavailable: '25%',
            scaleDownDelaySeconds: 30,
            abortScaleDownDelaySeconds: 30,
          },
        },
      },
    ],
    [
      'blue-green',
      { strategy: { blueGreen: { activeService: 'web' } } },
      {
        selector,
        ...specDefaults,
        strategy: {
          blueGreen: {
            activeService: 'web',
            autoPromotionEnabled: true,
            maxUnavailable: '25%',
            scaleDownDelaySeconds: 30,
            abortScaleDownDelaySeconds: 30,
          },
        },
      },
    ],
    [
      'explicit values, zeros and false included, are kept',
      {
        replicas: 0,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 30,
        analysis: { successfulRunHistoryLimit: 0 },
        strategy: {
          blueGreen: { activeService: 'web', autoPromotionEnabled: false, scaleDownDelaySeconds: 0, abortScaleDownDelaySeconds: 0, maxUnavailable: 1 },
        },
      },
      {
        selector,
        replicas: 0,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 30,
        analysis: { successfulRunHistoryLimit: 0, unsuccessfulRunHistoryLimit: 5 },
        strategy: {
          blueGreen: { activeService: 'web', autoPromotionEnabled: false, scaleDownDelaySeconds: 0, abortScaleDownDelaySeconds: 0, maxUnavailable: 1 },
        },
      },
    ],
    [
      'explicit canary values are kept',
      {
        strategy: {
          canary: {
            maxSurge: 0,
            maxUnavailable: 1,
            scaleDownDelaySeconds: 5,
            trafficRouting: { maxTrafficWeight: 1000, plugins: { x: {} } },
          },
        },
      },
      {
        selector,
        ...specDefaults,
        strategy: {
          canary: {
            maxSurge: 0,
            maxUnavailable: 1,
            scaleDownDelaySeconds: 5,
            abortScaleDownDelaySeconds: 30,
            trafficRouting: { maxTrafficWeight: 1000, plugins: { x: {} } },
          },
        },
      },
    ],
  ];

  for (const [name, input, expected] of rows) {
    it(name, () => {
      assert.deepEqual(applyRolloutDefaults(rollout(input)).spec, expected);
    });
  }

  it('is pure: the input is untouched and nothing is shared', () => {
    const input = rollout({ strategy: { canary: { steps: [{ setWeight: 5 }], trafficRouting: { smi: {} } } } });
    const snapshot = structuredClone(input);
    const output = applyRolloutDefaults(input);
    assert.deepEqual(input, snapshot);
    assert.notEqual(output.spec.strategy?.canary?.steps, input.spec.strategy?.canary?.steps);
    assert.notEqual(output.spec.selector, input.spec.selector);
    assert.notEqual(output.spec.strategy?.canary?.trafficRouting?.smi, input.spec.strategy?.canary?.trafficRouting?.smi);
  });

  it('is idempotent', () => {
    const once = applyRolloutDefaults(rollout({ strategy: { canary: { trafficRouting: { smi: {} } } } }));
    assert.deepEqual(applyRolloutDefaults(once), once);
  });

  it('leaves metadata and status alone', () => {
    const input: Rollout = { ...rollout({}), status: { phase: 'Healthy', observedGeneration: '2' } };
    const output = applyRolloutDefaults(input);
    assert.deepEqual(output.metadata, input.metadata);
    assert.deepEqual(output.status, input.status);
  });
});

describe('effectiveMetricLimits', () => {
  const metric = (extra: Partial<Metric>): Metric => ({ name: 'm', provider: { web: { url: 'http://x' } }, ...extra });
  const defaults = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0 };

  // [name, metric fields, limits]
  const rows: [string, Partial<Metric>, MetricLimits][] = [
    ['nothing set: one measurement', {}, { count: 1, ...defaults }],
    ['interval only: unbounded', { interval: '1m' }, { count: undefined, ...defaults }],
    ['count 0 counts as absent', { count: 0 }, { count: 1, ...defaults }],
    ['count 0 with interval: unbounded', { count: '0', interval: '30s' }, { count: undefined, ...defaults }],
    ['count and interval', { count: 5, interval: '1m' }, { count: 5, ...defaults }],
    [
      'every limit, some as resolved strings',
      { count: '3', interval: '10s', failureLimit: '-1', inconclusiveLimit: 2, consecutiveErrorLimit: ' 0 ', consecutiveSuccessLimit: '2' },
      { count: 3, failureLimit: -1, inconclusiveLimit: 2, consecutiveErrorLimit: 0, consecutiveSuccessLimit: 2 },
    ],
  ];
  for (const [name, fields, limits] of rows) {
    it(name, () => {
      assert.deepEqual(effectiveMetricLimits(metric(fields)), limits);
    });
  }

  it('agrees with analysisDefaults', () => {
    const { count: _count, ...limits } = effectiveMetricLimits(metric({}));
    assert.deepEqual(limits, {
      failureLimit: analysisDefaults.failureLimit,
      inconclusiveLimit: analysisDefaults.inconclusiveLimit,
      consecutiveErrorLimit: analysisDefaults.consecutiveErrorLimit,
      consecutiveSuccessLimit: analysisDefaults.consecutiveSuccessLimit,
    });
  });

  it('refuses an unresolved placeholder or a value out of range, naming metric and field', () => {
    assert.throws(() => effectiveMetricLimits(metric({ count: '{{args.n}}' })), {
      message: 'metrics[m].count: "{{args.n}}" is not an integer (an unresolved argument?)',
    });
    assert.throws(() => effectiveMetricLimits(metric({ failureLimit: -2 })), { message: 'metrics[m].failureLimit: -2 is below -1' });
    assert.throws(() => effectiveMetricLimits(metric({ consecutiveErrorLimit: '-1' })), /^Error: metrics\[m\]\.consecutiveErrorLimit: -1 is below 0$/);
    assert.throws(() => effectiveMetricLimits(metric({ inconclusiveLimit: '1e3' })), /inconclusiveLimit: "1e3" is not an integer/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyRolloutDefaults } from './defaults.ts';
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

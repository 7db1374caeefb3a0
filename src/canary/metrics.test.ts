import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryAnalysis } from '../api/canary.ts';
import { deploymentStrategy, statusValue } from './metrics.ts';

const canary = (analysis: CanaryAnalysis): Canary => ({
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'c', namespace: 'n' },
  spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 80 }, analysis },
});

describe("Flagger's metric labels and values", () => {
  it('deployment_strategy as Flagger derives it from the analysis', () => {
    assert.equal(deploymentStrategy(canary({ stepWeight: 10 })), 'canary');
    assert.equal(deploymentStrategy(canary({ iterations: 5 })), 'blue-green');
    assert.equal(deploymentStrategy(canary({ iterations: 5, match: [{ headers: { x: { exact: 'y' } } }] })), 'ab-testing');
  });

  it('flagger_canary_status: 0 Progressing, 2 Failed, 1 any other phase', () => {
    assert.deepEqual(['Progressing', 'Failed', 'Succeeded', 'Waiting', undefined].map(statusValue), [0, 2, 1, 1, 1]);
  });
});

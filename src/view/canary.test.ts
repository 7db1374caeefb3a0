import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryStatus } from '../api/canary.ts';
import { canaryOutcome, canaryRow, canaryStatusLine } from './canary.ts';

const ours = '0123456789abcdef';
const next = 'fedcba9876543210';

function canary(status: CanaryStatus | undefined, options: { annotations?: Record<string, string>; iterations?: number } = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', annotations: options.annotations ?? {} },
    spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { interval: '10s', threshold: 3, ...(options.iterations === undefined ? { stepWeight: 10 } : { iterations: options.iterations }) } },
    ...(status === undefined ? {} : { status }),
  };
}

const promoted = (message: string): CanaryStatus['conditions'] => [{ type: 'Promoted', status: 'True', reason: 'x', message }];

describe('a Canary as people read it', () => {
  const cases: { name: string; c: Canary; release?: string; outcome: ReturnType<typeof canaryOutcome>; line: string }[] = [
    { name: 'never reconciled', c: canary(undefined), outcome: undefined, line: 'Initializing' },
    { name: 'succeeded for the current release', c: canary({ phase: 'Succeeded', lastAppliedSpec: ours, conditions: promoted('done.') }), release: ours, outcome: 'succeeded', line: 'Succeeded - done.' },
    { name: "the previous release's Succeeded", c: canary({ phase: 'Succeeded', lastAppliedSpec: ours }), release: next, outcome: undefined, line: "Succeeded - the controller has not noticed the target's new release yet" },
    { name: 'Flagger\'s fingerprint cannot be compared: the phase decides', c: canary({ phase: 'Succeeded', lastAppliedSpec: '5d8f9c7b6' }), release: next, outcome: 'succeeded', line: 'Succeeded' },
    { name: 'failed for the current release', c: canary({ phase: 'Failed', lastAppliedSpec: ours }), release: ours, outcome: 'failed', line: 'Failed' },
    { name: 'progressing with weights', c: canary({ phase: 'Progressing', lastAppliedSpec: ours, canaryWeight: 20, failedChecks: 1 }), release: ours, outcome: undefined, line: 'Progressing - weight 20, failed checks 1/3' },
    { name: 'progressing with iterations', c: canary({ phase: 'Progressing', lastAppliedSpec: ours, iterations: 2 }, { iterations: 5 }), outcome: undefined, line: 'Progressing - iteration 2/5, failed checks 0/3' },
    { name: 'at a gate', c: canary({ phase: 'WaitingPromotion', lastAppliedSpec: ours, canaryWeight: 50 }), outcome: 'waiting', line: 'WaitingPromotion - weight 50, failed checks 0/3' },
    { name: 'paused by a person', c: canary({ phase: 'Progressing', lastAppliedSpec: ours }, { annotations: { 'aviary.dev/paused': 'true' } }), outcome: 'paused', line: 'Progressing (paused) - weight 0, failed checks 0/3' },
    { name: 'invalid', c: canary({ phase: 'Initialized', conditions: [{ type: 'Invalid', status: 'True', reason: 'InvalidSpec', message: 'spec.targetRef: Deployment test/podinfo not found' }] }), outcome: 'failed', line: 'Invalid - spec.targetRef: Deployment test/podinfo not found' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(canaryOutcome(c.c, c.release), c.outcome);
      assert.equal(canaryStatusLine(c.c, c.release), c.line);
    });
  }

  it('a row: group, target, strategy and the counts', () => {
    const row = canaryRow(canary({ phase: 'Progressing', canaryWeight: 30, failedChecks: 2, lastTransitionTime: '2026-12-04T10:00:00Z' }));
    assert.deepEqual([row.group, row.target, row.strategy, row.weight, row.failedChecks, row.threshold, row.paused], ['flagger.app', 'Deployment/podinfo', 'canary', 30, 2, 3, false]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryStatus } from '../api/canary.ts';
import { requeueOf } from './controller.ts';
import { severityOf } from './executor.ts';
import { finishStatus, invalidStatus } from './status.ts';

const canary = (status: CanaryStatus | undefined): Canary => ({
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test' },
  spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { interval: '10s', stepWeight: 10 } },
  ...(status === undefined ? {} : { status }),
});
const t0 = '2026-12-04T10:00:00.000Z';
const t1 = '2026-12-04T10:00:10.000Z';

describe('Canary status', () => {
  const promoted = (s: CanaryStatus): [string | undefined, string | undefined, string | undefined] => {
    const c = s.conditions?.find((x) => x.type === 'Promoted');
    return [c?.status, c?.reason, c?.message];
  };

  it("the Promoted condition of each phase, with Flagger's status, reason and message", () => {
    const cases: [string, [string, string, string]][] = [
      ['Initialized', ['True', 'Initialized', 'Deployment initialization completed.']],
      ['Progressing', ['Unknown', 'Progressing', 'New revision detected, progressing canary analysis.']],
      ['WaitingPromotion', ['Unknown', 'WaitingPromotion', 'Waiting for approval.']],
      ['Promoting', ['Unknown', 'Promoting', 'Canary analysis completed, starting primary rolling update.']],
      ['Finalising', ['Unknown', 'Finalising', 'Canary analysis completed, routing all traffic to primary.']],
      ['Succeeded', ['True', 'Succeeded', 'Canary analysis completed successfully, promotion finished.']],
      ['Failed', ['False', 'Failed', 'Canary analysis failed, Deployment scaled to zero.']],
    ];
    for (const [phase, expected] of cases) assert.deepEqual(promoted(finishStatus(canary(undefined), { phase: phase as NonNullable<CanaryStatus['phase']> }, t0)), expected, phase);
  });

  it('lastTransitionTime moves with the phase, weight, iterations or failed checks, and not otherwise', () => {
    const before: CanaryStatus = { phase: 'Progressing', canaryWeight: 10, iterations: 0, failedChecks: 0, lastTransitionTime: t0 };
    for (const change of [{ canaryWeight: 20 }, { iterations: 1 }, { failedChecks: 1 }, { phase: 'Promoting' as const }]) {
      assert.equal(finishStatus(canary(before), { ...before, ...change }, t1).lastTransitionTime, t1, JSON.stringify(change));
    }
    assert.equal(finishStatus(canary(before), { ...before, trackedConfigs: { 'configmap/x': 'abc' } }, t1).lastTransitionTime, t0);
  });

  it('the condition keeps its transition time while its status holds; Invalid comes and goes', () => {
    const first = finishStatus(canary(undefined), { phase: 'Progressing', canaryWeight: 10 }, t0);
    const second = finishStatus(canary(first), { ...first, phase: 'WaitingPromotion' }, t1);
    const condition = second.conditions?.find((c) => c.type === 'Promoted');
    assert.deepEqual([condition?.reason, condition?.lastTransitionTime], ['WaitingPromotion', t0], 'still Unknown: the transition is the first');
    const held = invalidStatus(canary(second), 'spec.provider: unknown', t1);
    assert.equal(held.phase, 'WaitingPromotion', 'held where it is');
    assert.deepEqual(held.conditions?.find((c) => c.type === 'Invalid')?.message, 'spec.provider: unknown');
    assert.equal(finishStatus(canary(held), { ...held }, t1).conditions?.some((c) => c.type === 'Invalid'), false, 'a pass that runs clears it');
  });

  it('requeueOf: at rest nothing; while an analysis is wanted, at the next one; else every interval', () => {
    const now = Date.parse(t0) + 4000;
    const needs = (analysis: boolean) => ({ confirmRollout: false, confirmTrafficIncrease: false, confirmPromotion: false, rollback: false, analysis });
    assert.deepEqual(requeueOf({ status: { phase: 'Succeeded', lastTransitionTime: t0 }, needs: needs(false) }, 10_000, now), {});
    assert.deepEqual(requeueOf({ status: { phase: 'Progressing', lastTransitionTime: t0 }, needs: needs(true) }, 10_000, now), { requeueAfter: 6000 });
    assert.deepEqual(requeueOf({ status: { phase: 'Waiting', lastTransitionTime: t0 }, needs: needs(false) }, 10_000, now), { requeueAfter: 10_000 });
    assert.deepEqual(requeueOf({ status: { phase: 'Progressing', lastTransitionTime: t0 }, needs: needs(true) }, 10_000, now + 20_000), { requeueAfter: 10_000 }, 'overdue: the next interval');
  });

  it("alert severity as Flagger's: rollbacks are errors, other warnings warn, the rest is info", () => {
    assert.equal(severityOf({ type: 'Warning', message: 'Rolling back podinfo.test failed checks threshold reached 2' }), 'error');
    assert.equal(severityOf({ type: 'Warning', message: 'Canary failed! Scaling down podinfo.test' }), 'error');
    assert.equal(severityOf({ type: 'Warning', message: 'Halt podinfo.test advancement waiting for promotion approval' }), 'warn');
    assert.equal(severityOf({ type: 'Normal', message: 'Advance podinfo.test canary weight 20' }), 'info');
  });
});

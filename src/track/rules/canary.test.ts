import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary } from '../model.ts';
import { canaryFence, canaryRule, detectionWindowMs, type CanaryFence } from './canary.ts';
import { observed, t0 } from './fixtures.ts';

function canary(status: Canary['status'], extra: { generation?: number; suspend?: boolean; interval?: string } = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', generation: extra.generation ?? 1 },
    spec: { suspend: extra.suspend, targetRef: { kind: 'Deployment', name: 'podinfo' }, analysis: { interval: extra.interval ?? '10s' } },
    status,
  };
}

const succeededOld = { phase: 'Succeeded', lastAppliedSpec: 'h1', lastPromotedSpec: 'h1' };
const fenceAt = (status: Canary['status'], generation = 1): CanaryFence => canaryFence(canary(status, { generation }), t0);

describe('canaryRule', () => {
  const cases: {
    name: string;
    c: Canary;
    fence: CanaryFence;
    seen?: boolean;
    now?: number;
    state: string;
    reasons?: RegExp;
    waiting?: RegExp;
  }[] = [
    {
      name: 'REVISION FENCE: Succeeded from before tracking began is not success for the new revision',
      c: canary(succeededOld),
      fence: fenceAt(succeededOld),
      now: t0 + 5_000,
      state: 'progressing',
      waiting: /detect the new revision/,
    },
    {
      name: 'the controller noticed the new revision (lastAppliedSpec changed) and it succeeded',
      c: canary({ phase: 'Succeeded', lastAppliedSpec: 'h2', lastPromotedSpec: 'h2' }),
      fence: fenceAt(succeededOld),
      state: 'ready',
    },
    {
      name: 'an active phase was seen since tracking began, then Succeeded',
      c: canary(succeededOld),
      fence: fenceAt(succeededOld),
      seen: true,
      state: 'ready',
    },
    {
      name: 'progressing analysis',
      c: canary({ phase: 'Progressing', canaryWeight: 20, failedChecks: 1, lastAppliedSpec: 'h2' }),
      fence: fenceAt(succeededOld),
      state: 'progressing',
      waiting: /Progressing: weight 20, failed checks 1/,
    },
    {
      name: 'Failed for the tracked revision',
      c: canary({ phase: 'Failed', lastAppliedSpec: 'h2', lastPromotedSpec: 'h1', conditions: [{ type: 'Promoted', status: 'False', message: 'Canary analysis failed, Deployment scaled to zero.' }] }),
      fence: fenceAt(succeededOld),
      state: 'failed',
      reasons: /Failed: Canary analysis failed/,
    },
    {
      name: 'Failed from before tracking began, within the detection window: wait',
      c: canary({ phase: 'Failed', lastAppliedSpec: 'h1' }),
      fence: fenceAt({ phase: 'Failed', lastAppliedSpec: 'h1' }),
      now: t0 + 1_000,
      state: 'progressing',
    },
    {
      name: 'nothing new within the detection window: the current revision is the tracked one',
      c: canary(succeededOld),
      fence: fenceAt(succeededOld),
      now: t0 + 31_000,
      state: 'ready',
      reasons: /no new revision was detected/,
    },
    {
      name: 'first revision: Initialized',
      c: canary({ phase: 'Initialized', lastAppliedSpec: 'h1', lastPromotedSpec: 'h1' }),
      fence: fenceAt({ phase: 'Initializing' }),
      state: 'ready',
    },
    {
      name: 'tracking began before the controller saw the Canary',
      c: canary({ phase: 'Initialized', lastAppliedSpec: 'h1' }),
      fence: fenceAt(undefined),
      state: 'ready',
    },
    {
      name: 'waiting for promotion approval is a pause',
      c: canary({ phase: 'WaitingPromotion', lastAppliedSpec: 'h2' }),
      fence: fenceAt(succeededOld),
      state: 'paused',
      reasons: /confirm-promotion/,
    },
    { name: 'suspended', c: canary(succeededOld, { suspend: true }), fence: fenceAt(succeededOld), state: 'paused' },
    {
      name: 'Aviary shape: observedGeneration behind the tracked generation',
      c: canary({ phase: 'Succeeded', observedGeneration: 1, lastAppliedSpec: 'h2' }, { generation: 2 }),
      fence: fenceAt(succeededOld, 2),
      state: 'progressing',
      waiting: /observe generation 2/,
    },
    { name: 'no status yet', c: canary(undefined), fence: fenceAt(undefined), state: 'progressing', waiting: /report status/ },
    { name: 'being deleted', c: canary({ phase: 'Terminating' }), fence: fenceAt(succeededOld), state: 'failed' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = canaryRule(observed(c.c, { now: c.now ?? t0 }), c.fence, { sawActivePhase: c.seen === true });
      assert.equal(s.state, c.state, JSON.stringify(s));
      if (c.reasons !== undefined) assert.match(s.reasons.join('; '), c.reasons);
      if (c.waiting !== undefined) assert.match(s.waitingFor.join('; '), c.waiting);
    });
  }

  it('asks to be looked at again when the detection window ends', () => {
    const s = canaryRule(observed(canary(succeededOld, { interval: '1m' }), { now: t0 }), fenceAt(succeededOld), { sawActivePhase: false });
    assert.equal(s.recheckAt, t0 + 120_000);
  });

  it('derives the detection window from the analysis interval', () => {
    assert.equal(detectionWindowMs(canary(undefined, { interval: '1m' })), 120_000);
    assert.equal(detectionWindowMs(canary(undefined, { interval: '5s' })), 30_000);
  });
});

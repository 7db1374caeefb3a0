import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryAnalysis } from '../api/canary.ts';
import { canaryAbortAnnotation, canaryPauseAnnotation, canaryPromoteAnnotation, canaryRetryAnnotation } from '../api/labels.ts';
import { manualRequests } from './manual.ts';
import { planCanaryPass, releaseFingerprint, type CanaryPassInput, type CanaryPassPlan } from './plan.ts';

function canary(analysis: CanaryAnalysis, extra: Partial<Canary['spec']> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test' },
    spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { interval: '10s', threshold: 2, ...analysis }, ...extra },
  };
}

/** Runs passes as the controller would, applying each plan's status; each pass may override what it observed. */
class Run {
  canary: Canary;
  fingerprint: string;
  plans: CanaryPassPlan[] = [];
  constructor(c: Canary, fingerprint = 'v1') {
    this.canary = c;
    this.fingerprint = fingerprint;
  }
  pass(overrides: Partial<CanaryPassInput> = {}): CanaryPassPlan {
    const plan = planCanaryPass({
      canary: this.canary, fingerprint: this.fingerprint, primary: { state: 'ready' }, target: { state: 'ready' },
      analysisDue: true, gates: {}, analysis: {}, manual: manualRequests(this.canary), now: `2026-12-03T12:00:${String(this.plans.length).padStart(2, '0')}Z`, ...overrides,
    });
    // As the executor: the status written, the requests acted on removed.
    const annotations = Object.fromEntries(Object.entries(this.canary.metadata.annotations ?? {}).filter(([k]) => !plan.consumed.includes(k)));
    this.canary = { ...this.canary, metadata: { ...this.canary.metadata, annotations }, status: plan.status };
    this.plans.push(plan);
    return plan;
  }
  /** Passes until the phase is `phase` (at most `limit`), returning the weights the canary went through. */
  until(phase: string, overrides: Partial<CanaryPassInput> = {}, limit = 30): number[] {
    const weights: number[] = [];
    for (let i = 0; i < limit && this.canary.status?.phase !== phase; i++) {
      const plan = this.pass(overrides);
      if (plan.routes !== undefined) weights.push(plan.routes.canaryWeight);
    }
    assert.equal(this.canary.status?.phase, phase, `reached ${phase}: ${JSON.stringify(this.plans.at(-1)?.events)}`);
    return weights;
  }
  /** A person's request, as `aviary promote|abort|retry|pause` writes it. */
  request(annotations: Record<string, string>): void {
    this.canary = { ...this.canary, metadata: { ...this.canary.metadata, annotations: { ...this.canary.metadata.annotations, ...annotations } } };
  }
  get annotations(): Record<string, string> { return this.canary.metadata.annotations ?? {}; }
  get phase(): string | undefined { return this.canary.status?.phase; }
  get messages(): string[] { return this.plans.flatMap((p) => p.events.map((e) => e.message)); }
}

function initialized(c: Canary): Run {
  const run = new Run(c);
  assert.equal(run.pass({ primary: undefined }).status.phase, 'Initializing', 'waits for the primary');
  run.until('Initialized');
  return run;
}

describe('the Canary pass planner', () => {
  it('initialises: primary synced, all traffic on it, the target at zero, both specs recorded', () => {
    const run = new Run(canary({ stepWeight: 20, maxWeight: 60 }));
    const first = run.pass({ primary: { state: 'waiting', message: 'rolling' } });
    assert.deepEqual([first.status.phase, first.actions, first.routes], ['Initializing', [{ type: 'syncPrimary' }], { primaryWeight: 100, canaryWeight: 0, mirrored: false }]);
    const done = run.pass();
    assert.equal(done.status.phase, 'Initialized');
    assert.deepEqual(done.actions, [{ type: 'syncPrimary' }, { type: 'scaleTarget', to: 'zero' }]);
    assert.deepEqual([done.status.lastAppliedSpec, done.status.lastPromotedSpec], ['v1', 'v1']);
    assert.deepEqual(done.events.map((e) => e.message), ['Initialization done! podinfo.test']);
    assert.deepEqual(run.pass().events, [], 'nothing to do without a new release');
  });

  it('a good release: scaled up, weights 20/40/60, promoted, finalised, post-rollout hooks', () => {
    const run = initialized(canary({ stepWeight: 20, maxWeight: 60 }));
    run.fingerprint = 'v2';
    const detected = run.pass();
    assert.deepEqual([detected.status.phase, detected.actions], ['Progressing', [{ type: 'scaleTarget', to: 'up' }]]);
    const weights = run.until('Promoting');
    assert.deepEqual(weights, [20, 40, 60]);
    assert.deepEqual(run.plans.at(-1)?.actions, [{ type: 'syncPrimary' }], 'the release is copied to the primary as promotion begins');
    const rolling = run.pass({ primary: { state: 'waiting', message: 'rolling' } });
    assert.deepEqual([rolling.routes, rolling.status.phase], [undefined, 'Promoting'], 'traffic stays on the canary while the primary rolls out the release');
    const promoting = run.pass();
    assert.deepEqual([promoting.actions, promoting.routes?.primaryWeight, promoting.status.phase], [[{ type: 'syncPrimary' }], 100, 'Finalising']);
    const finished = run.pass();
    assert.deepEqual([finished.status.phase, finished.actions, finished.hooks, finished.status.lastPromotedSpec], ['Succeeded', [{ type: 'syncPrimary' }, { type: 'scaleTarget', to: 'zero' }], ['post-rollout'], 'v2']);
    assert.ok(run.messages.includes('Advance podinfo.test canary weight 40'));
    assert.ok(run.messages.includes('Promotion completed! Scaling down podinfo.test'));
  });

  it('a bad release is rolled back once failed checks reach the threshold; the same spec is not retried', () => {
    const run = initialized(canary({ stepWeight: 10 }));
    run.fingerprint = 'v2';
    run.pass();
    run.pass();
    assert.equal(run.canary.status?.canaryWeight, 10);
    const halt = run.pass({ analysis: { failure: 'Halt podinfo.test advancement request-success-rate 80% < 99%' } });
    assert.deepEqual([halt.status.phase, halt.status.failedChecks, halt.routes], ['Progressing', 1, undefined], 'one failure holds the weight');
    const failed = run.pass({ analysis: { failure: 'Halt podinfo.test advancement request-success-rate 75% < 99%' } });
    assert.deepEqual([failed.status.phase, failed.routes?.canaryWeight, failed.actions, failed.hooks], ['Failed', 0, [{ type: 'scaleTarget', to: 'zero' }], ['post-rollout']]);
    assert.ok(failed.events.some((e) => e.message === 'Canary failed! Scaling down podinfo.test'));
    assert.equal(run.pass().status.phase, 'Failed', 'stays failed until a new release');
  });

  it('a newer release while one runs restarts the analysis from weight 0', () => {
    const run = initialized(canary({ stepWeight: 25 }));
    run.fingerprint = 'v2';
    run.until('Progressing');
    run.pass();
    run.fingerprint = 'v3';
    const restarted = run.pass();
    assert.deepEqual([restarted.status.phase, restarted.status.canaryWeight, restarted.routes?.canaryWeight, restarted.status.lastAppliedSpec], ['Progressing', 0, 0, 'v3']);
    assert.ok(restarted.events[0]?.message.startsWith('New revision detected! Restarting analysis'));
  });

  it('gates: confirm-rollout holds in Waiting, confirm-traffic-increase holds the weight, confirm-promotion waits in WaitingPromotion, a rollback hook rolls back', () => {
    const run = initialized(canary({ stepWeight: 50 }));
    run.fingerprint = 'v2';
    assert.equal(run.pass({ gates: { confirmRollout: false } }).status.phase, 'Waiting');
    assert.equal(run.pass({ gates: { confirmRollout: true } }).status.phase, 'Progressing');
    assert.equal(run.pass({ gates: { confirmTrafficIncrease: false } }).routes, undefined);
    run.pass();
    run.pass();
    assert.equal(run.canary.status?.canaryWeight, 100);
    assert.equal(run.pass({ gates: { confirmPromotion: false } }).status.phase, 'WaitingPromotion');
    assert.equal(run.pass({ gates: { rollback: true } }).status.phase, 'Failed');
  });

  it('blue-green counts iterations, then sends all traffic to the canary and promotes; skipAnalysis promotes at once; a stuck canary rolls back', () => {
    const bg = initialized(canary({ iterations: 3 }));
    bg.fingerprint = 'v2';
    bg.until('Progressing');
    bg.until('Promoting');
    assert.equal(bg.canary.status?.iterations, 3);
    assert.equal(bg.plans.at(-1)?.routes?.canaryWeight, 100);

    const ab = initialized(canary({ iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] }));
    ab.fingerprint = 'v2';
    ab.until('Progressing');
    const abWeights = ab.until('Promoting');
    assert.deepEqual(abWeights.slice(0, 2), [100, 100], 'A/B: the matched requests all go to the canary while it iterates');
    assert.equal(ab.canary.status?.canaryWeight ?? 0, 0, 'the status weight stays 0 (as Flagger)');
    const abDone = ab.until('Finalising');
    assert.deepEqual(abDone.at(-1), 0, 'promotion sends the matched requests back to the primary');

    const skip = initialized(canary({ stepWeight: 10 }, { skipAnalysis: true }));
    skip.fingerprint = 'v2';
    skip.pass();
    assert.equal(skip.pass().status.phase, 'Promoting');

    const stuck = initialized(canary({ stepWeight: 10 }));
    stuck.fingerprint = 'v2';
    stuck.pass();
    assert.equal(stuck.pass({ target: { state: 'stuck', message: 'deployment "podinfo" exceeded its progress deadline' } }).status.phase, 'Failed');
  });

  it('no analysis is run before the interval, nor while the canary is rolling out; suspend does nothing', () => {
    const run = initialized(canary({ stepWeight: 10 }));
    run.fingerprint = 'v2';
    run.pass();
    assert.deepEqual([run.pass({ analysisDue: false }).routes, run.pass({ target: { state: 'waiting', message: 'rolling' } }).routes], [undefined, undefined]);
    const suspended = new Run(canary({ stepWeight: 10 }, { suspend: true }));
    assert.deepEqual(suspended.pass(), { status: {}, actions: [], hooks: [], events: [], consumed: [], needs: { confirmRollout: false, confirmTrafficIncrease: false, confirmPromotion: false, rollback: false, analysis: false } });
  });

  it('the fingerprint follows the template and the tracked configs, not key order', () => {
    const a = releaseFingerprint({ metadata: { labels: { app: 'a', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } }, { 'configmap/c': '1' });
    const b = releaseFingerprint({ spec: { containers: [{ image: 'i:1', name: 'c' }] }, metadata: { labels: { tier: 'x', app: 'a' } } }, { 'configmap/c': '1' });
    assert.equal(a, b);
    assert.notEqual(a, releaseFingerprint({ metadata: { labels: { app: 'a', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } }, { 'configmap/c': '2' }));
  });

  describe('manual requests', () => {
    const failures = { analysis: { failure: 'Halt podinfo.test advancement request-success-rate 80% < 99%' } };

    it('promote (step) passes the analysis and the gates once, then is removed', () => {
      const run = initialized(canary({ stepWeight: 20, maxWeight: 60 }));
      run.fingerprint = 'v2';
      run.pass();
      run.pass({ analysisDue: true });
      assert.equal(run.canary.status?.canaryWeight, 20);
      run.request({ [canaryPromoteAnnotation]: 'step' });
      const stepped = run.pass({ analysisDue: false, gates: { confirmTrafficIncrease: false }, analysis: undefined });
      assert.deepEqual([stepped.status.canaryWeight, stepped.consumed, stepped.needs.analysis], [40, [canaryPromoteAnnotation], false]);
      assert.equal(run.annotations[canaryPromoteAnnotation], undefined);
      assert.equal(run.pass({ analysisDue: false, analysis: undefined }).status.canaryWeight, 40, 'the next step waits for the interval again');
    });

    it('promote (step) opens a closed confirm-rollout and confirm-promotion gate', () => {
      const run = initialized(canary({ stepWeight: 50 }));
      run.fingerprint = 'v2';
      assert.equal(run.pass({ gates: { confirmRollout: false } }).status.phase, 'Waiting');
      run.request({ [canaryPromoteAnnotation]: 'step' });
      assert.equal(run.pass({ gates: { confirmRollout: false } }).status.phase, 'Progressing');
      run.until('WaitingPromotion', { gates: { confirmPromotion: false } });
      run.request({ [canaryPromoteAnnotation]: 'step' });
      assert.equal(run.pass({ gates: { confirmPromotion: false } }).status.phase, 'Promoting');
    });

    it('promote full goes to Promoting from any step, even before the canary is ready', () => {
      const run = initialized(canary({ stepWeight: 10 }));
      run.fingerprint = 'v2';
      run.pass();
      run.request({ [canaryPromoteAnnotation]: 'full' });
      const full = run.pass({ target: { state: 'waiting', message: 'rolling' } });
      assert.deepEqual([full.status.phase, full.actions, full.consumed], ['Promoting', [{ type: 'syncPrimary' }], [canaryPromoteAnnotation]]);
      assert.ok(full.events.some((e) => e.message === 'Advance podinfo.test promotion requested'));
    });

    it('abort rolls a running release back; aborting a waiting release marks it failed without starting it', () => {
      const running = initialized(canary({ stepWeight: 10 }));
      running.fingerprint = 'v2';
      running.pass();
      running.pass();
      running.request({ [canaryAbortAnnotation]: 'true' });
      const aborted = running.pass();
      assert.deepEqual([aborted.status.phase, aborted.routes?.canaryWeight, aborted.actions, aborted.hooks, aborted.consumed], ['Failed', 0, [{ type: 'scaleTarget', to: 'zero' }], ['post-rollout'], [canaryAbortAnnotation]]);
      assert.equal(aborted.events[0]?.message, 'Rolling back podinfo.test abort requested');

      const waiting = initialized(canary({ stepWeight: 10 }));
      waiting.fingerprint = 'v2';
      waiting.pass({ gates: { confirmRollout: false } });
      waiting.request({ [canaryAbortAnnotation]: 'true' });
      const failed = waiting.pass({ gates: { confirmRollout: false } });
      assert.deepEqual([failed.status.phase, failed.status.lastAppliedSpec], ['Failed', 'v2']);
      assert.equal(waiting.pass().status.phase, 'Failed', 'the aborted release does not start by itself');
    });

    it('retry runs a failed release again with the same template', () => {
      const run = initialized(canary({ stepWeight: 10, threshold: 1 }));
      run.fingerprint = 'v2';
      run.until('Failed', failures);
      assert.equal(run.pass().status.phase, 'Failed');
      run.request({ [canaryRetryAnnotation]: 'true' });
      const retried = run.pass();
      assert.deepEqual([retried.status.phase, retried.actions, retried.status.failedChecks, retried.consumed], ['Progressing', [{ type: 'scaleTarget', to: 'up' }], 0, [canaryRetryAnnotation]]);
      assert.equal(retried.events[0]?.message, 'Retry requested! Scaling up podinfo.test');
      assert.deepEqual(run.until('Succeeded').slice(0, 3), [10, 20, 30], 'the retried release runs its steps again and is promoted when its checks pass');
    });

    it('pause holds every step until lifted; abort still works while paused', () => {
      const run = initialized(canary({ stepWeight: 10 }));
      run.fingerprint = 'v2';
      run.pass();
      run.pass();
      run.request({ [canaryPauseAnnotation]: 'true' });
      const held = run.pass();
      assert.deepEqual([held.status.canaryWeight, held.routes, held.events], [10, undefined, []]);
      run.request({ [canaryAbortAnnotation]: 'true' });
      assert.equal(run.pass().status.phase, 'Failed');
      assert.equal(run.annotations[canaryPauseAnnotation], 'true', 'a pause stays until promote lifts it');
    });

    it('requests the phase gives nothing to do are removed with a warning', () => {
      const run = initialized(canary({ stepWeight: 10 }));
      run.request({ [canaryAbortAnnotation]: 'true', [canaryPromoteAnnotation]: 'step', [canaryRetryAnnotation]: 'true' });
      const ignored = run.pass();
      assert.deepEqual([...ignored.consumed].sort(), [canaryAbortAnnotation, canaryPromoteAnnotation, canaryRetryAnnotation].sort());
      assert.deepEqual(ignored.events.map((e) => e.message), ['Ignored abort request for podinfo.test: it is Initialized', 'Ignored promote request for podinfo.test: it is Initialized', 'Ignored retry request for podinfo.test: it is Initialized']);
      assert.equal(ignored.status.phase, 'Initialized');
    });
  });
});

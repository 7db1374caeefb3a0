import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary } from '../api/canary.ts';
import { canaryAbortAnnotation, canaryPauseAnnotation, canaryPromoteAnnotation, canaryRetryAnnotation } from '../api/labels.ts';
import { abortCanaryAction, manualRequests, pauseCanaryAction, promoteCanaryAction, retryCanaryAction, type CanaryActionPlan } from './manual.ts';

function canary(phase: string | undefined, annotations: Record<string, string> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', annotations },
    spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { interval: '10s', stepWeight: 10 } },
    ...(phase === undefined ? {} : { status: { phase: phase as NonNullable<Canary['status']>['phase'] } }),
  };
}

const outcome = (decide: () => CanaryActionPlan): Record<string, string | null> | string => {
  try {
    return decide().annotations;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('manual requests on a Canary', () => {
  it('reads the annotations (unset or "false" is no request; any promote value but full is a step)', () => {
    assert.deepEqual(manualRequests(canary('Progressing')), { paused: false, abort: false, retry: false });
    assert.deepEqual(manualRequests(canary('Progressing', { [canaryPauseAnnotation]: 'true', [canaryPromoteAnnotation]: 'yes', [canaryAbortAnnotation]: 'false', [canaryRetryAnnotation]: '' })),
      { paused: true, promote: 'step', abort: false, retry: true });
    assert.equal(manualRequests(canary('Progressing', { [canaryPromoteAnnotation]: 'full' })).promote, 'full');
  });

  const cases: { name: string; decide: () => CanaryActionPlan; expected: Record<string, string | null> | RegExp }[] = [
    { name: 'promote a progressing release', decide: () => promoteCanaryAction(canary('Progressing')), expected: { [canaryPauseAnnotation]: null, [canaryPromoteAnnotation]: 'step' } },
    { name: 'promote --full a release waiting for promotion', decide: () => promoteCanaryAction(canary('WaitingPromotion'), { full: true }), expected: { [canaryPauseAnnotation]: null, [canaryPromoteAnnotation]: 'full' } },
    { name: 'promote a paused Succeeded canary only unpauses it', decide: () => promoteCanaryAction(canary('Succeeded', { [canaryPauseAnnotation]: 'true' })), expected: { [canaryPauseAnnotation]: null } },
    { name: 'promote a Succeeded canary', decide: () => promoteCanaryAction(canary('Succeeded')), expected: /canary 'podinfo' is Succeeded with no release waiting: there is nothing to promote/ },
    { name: 'promote a canary never reconciled', decide: () => promoteCanaryAction(canary(undefined)), expected: /is Initializing/ },
    { name: 'abort a waiting release', decide: () => abortCanaryAction(canary('Waiting')), expected: { [canaryAbortAnnotation]: 'true' } },
    { name: 'abort while promoting', decide: () => abortCanaryAction(canary('Promoting')), expected: /is Promoting: .* \(the primary already runs the new release\)/ },
    { name: 'abort a failed canary', decide: () => abortCanaryAction(canary('Failed')), expected: /is Failed: only a release/ },
    { name: 'retry a failed canary', decide: () => retryCanaryAction(canary('Failed')), expected: { [canaryRetryAnnotation]: 'true' } },
    { name: 'retry a progressing canary', decide: () => retryCanaryAction(canary('Progressing')), expected: /is Progressing, not Failed: there is nothing to retry/ },
    { name: 'pause', decide: () => pauseCanaryAction(canary('Progressing')), expected: { [canaryPauseAnnotation]: 'true' } },
    { name: 'pause a paused canary', decide: () => pauseCanaryAction(canary('Progressing', { [canaryPauseAnnotation]: 'true' })), expected: /already paused .*promote canary\/podinfo/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = outcome(c.decide);
      if (c.expected instanceof RegExp) assert.match(typeof got === 'string' ? got : JSON.stringify(got), c.expected);
      else assert.deepEqual(got, c.expected);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, Job, Pod } from '../model.ts';
import { observed, pod } from './fixtures.ts';
import { jobFence, jobRule } from './job.ts';

function job(conditions: Condition[] = [], extra: Partial<NonNullable<Job['status']>> = {}, suspend = false): Job {
  return {
    metadata: { name: 'migrate', uid: 'job-uid' },
    spec: { completions: 1, backoffLimit: 2, suspend },
    status: { active: 1, ...extra, conditions },
  };
}

describe('jobRule', () => {
  const cases: { name: string; job: Job; pods?: Pod[]; state: string; reasons?: RegExp; waiting?: RegExp; problems?: string[] }[] = [
    { name: 'running', job: job(), state: 'progressing', waiting: /completions 0\/1 \(active 1, failed 0 of backoffLimit 2\)/ },
    { name: 'Complete', job: job([{ type: 'Complete', status: 'True' }], { succeeded: 1, active: 0 }), state: 'ready', reasons: /completed \(1 succeeded\)/ },
    { name: 'SuccessCriteriaMet alone is not Complete yet', job: job([{ type: 'SuccessCriteriaMet', status: 'True' }]), state: 'progressing' },
    { name: 'BackoffLimitExceeded', job: job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]), state: 'failed', reasons: /BackoffLimitExceeded: Job has reached/ },
    { name: 'DeadlineExceeded', job: job([{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }]), state: 'failed', reasons: /DeadlineExceeded/ },
    { name: 'FailureTarget (about to fail)', job: job([{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'limit' }]), state: 'failed' },
    { name: 'suspended', job: job([], {}, true), state: 'paused' },
    {
      name: 'a crashing pod is retried by the Job, an image error is not',
      job: job(),
      pods: [
        pod({ name: 'a', ready: false, containers: [{ name: 'm', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
        pod({ name: 'b', ready: false, containers: [{ name: 'm', state: { waiting: { reason: 'ErrImagePull' } } }] }),
        { ...pod({ name: 'c', ready: false }), status: { phase: 'Failed', containerStatuses: [{ name: 'm', state: { terminated: { exitCode: 1 } } }] } },
      ],
      state: 'progressing',
      problems: ['po/b ErrImagePull'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = jobRule(observed(c.job, { pods: c.pods ?? [] }), jobFence(c.job));
      assert.equal(s.state, c.state);
      if (c.reasons !== undefined) assert.match(s.reasons.join('; '), c.reasons);
      if (c.waiting !== undefined) assert.match(s.waitingFor.join('; '), c.waiting);
      if (c.problems !== undefined) assert.deepEqual(s.problems.map((p) => `${p.object} ${p.reason}`), c.problems);
    });
  }
  it('fails when the Job was replaced by another of the same name', () => {
    assert.equal(jobRule(observed(job()), { uid: 'older' }).state, 'failed');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imagePullProblem, jobName, jobOutcome, validateJob } from './job.ts';
import { configCases } from './testing.ts';

const uid = '4f9c2a1e-6b7d-4c3a-9e8f-0a1b2c3d4e5f';

describe('jobName', () => {
  it('is <uid>.<metric>.<n> when that is a valid name', () => {
    assert.equal(jobName(uid, 'smoke', '3'), `${uid}.smoke.3`);
  });

  it('cleans and shortens other metric names, keeping them apart with a hash', () => {
    const long = jobName(uid, 'integration-tests-against-the-canary-service', '12');
    assert.ok(long.length <= 63, long);
    assert.match(long, new RegExp(`^${uid}\\.integ[a-z-]*-[0-9a-f]{6}\\.12$`));
    const odd = jobName(uid, 'Error_Rate', '1');
    assert.match(odd, new RegExp(`^${uid}\\.error-rate-[0-9a-f]{6}\\.1$`));
    assert.notEqual(jobName(uid, 'Error_Rate', '1'), jobName(uid, 'error-rate', '1'));
    for (const name of [long, odd]) assert.match(name, /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/);
  });
});

describe('jobOutcome', () => {
  const table: { name: string; conditions: { type: string; status: string; reason?: string; message?: string }[]; expected: unknown }[] = [
    { name: 'running', conditions: [], expected: undefined },
    { name: 'complete', conditions: [{ type: 'Complete', status: 'True' }], expected: { kind: 'phase', phase: 'Successful', value: 'Complete' } },
    {
      name: 'failed',
      conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
      expected: { kind: 'phase', phase: 'Failed', value: 'Failed', message: 'Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit' },
    },
    { name: 'condition not true yet', conditions: [{ type: 'Complete', status: 'False' }], expected: undefined },
  ];
  for (const row of table) {
    it(row.name, () => {
      assert.deepEqual(jobOutcome({ status: { conditions: row.conditions } }), row.expected);
    });
  }
});

describe('imagePullProblem', () => {
  it('names the pod and container that cannot pull', () => {
    const pods = [
      { metadata: { name: 'p1' }, status: { containerStatuses: [{ name: 'main', state: { waiting: { reason: 'ContainerCreating' } } }] } },
      { metadata: { name: 'p2' }, status: { initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' } } }] } },
    ];
    assert.equal(imagePullProblem(pods), 'pod p2 container init: ImagePullBackOff: Back-off pulling image "nope:1"');
  });

  it('waits on a first ErrImagePull (it may be transient) and on healthy pods', () => {
    assert.equal(imagePullProblem([{ status: { containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ErrImagePull' } } }] } }]), undefined);
    assert.equal(imagePullProblem([{ status: {} }]), undefined);
  });
});

describe('job configuration', () => {
  const template = { spec: { restartPolicy: 'Never', containers: [{ name: 'test', image: 'busybox' }] } };
  configCases(validateJob, [
    { name: 'valid', config: { spec: { backoffLimit: 1, template } } },
    { name: 'with metadata', config: { metadata: { labels: { team: 'a' } }, spec: { template } } },
    { name: 'no spec', config: {}, field: 'provider.job.spec' },
    { name: 'no template', config: { spec: {} }, field: 'provider.job.spec.template' },
    { name: 'no containers', config: { spec: { template: { spec: { restartPolicy: 'Never', containers: [] } } } }, field: 'provider.job.spec.template.spec.containers' },
    { name: 'restartPolicy Always', config: { spec: { template: { spec: { ...template.spec, restartPolicy: 'Always' } } } }, field: 'provider.job.spec.template.spec.restartPolicy' },
    { name: 'labels not strings', config: { metadata: { labels: { a: 1 } }, spec: { template } }, field: 'provider.job.metadata.labels.a' },
  ]);
});

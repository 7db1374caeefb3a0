import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Measurement, Metric } from '../../api/analysis.ts';
import { ProviderError, type ProviderOutcome } from '../providers/provider.ts';
import { measurementOf, measurementState, resumedMeasurement, settle, terminatedMeasurement, type ProviderResult } from './measurement.ts';

const times = { startedAt: '2026-11-23T10:00:00Z', finishedAt: '2026-11-23T10:00:02Z' };
const noSecrets: ReadonlySet<string> = new Set();
const secrets: ReadonlySet<string> = new Set(['hunter2']);
const conditions = { successCondition: 'result >= 0.9', failureCondition: 'result < 0.5' } satisfies Partial<Metric>;
const value = (result: unknown, text: string, metadata?: Record<string, string>): ProviderResult => ({
  outcome: { kind: 'value', result, value: text, ...(metadata === undefined ? {} : { metadata }) },
});

describe('measurementOf', () => {
  const cases: { name: string; metric?: Partial<Metric>; result: ProviderResult; secrets?: ReadonlySet<string>; expected: Measurement }[] = [
    { name: 'a value the success condition accepts is Successful', metric: conditions, result: value(0.95, '0.95'), expected: { phase: 'Successful', value: '0.95', ...times } },
    { name: 'a value the failure condition accepts is Failed', metric: conditions, result: value(0.2, '0.2'), expected: { phase: 'Failed', value: '0.2', ...times } },
    { name: 'a value neither condition accepts is Inconclusive', metric: conditions, result: value(0.7, '0.7'), expected: { phase: 'Inconclusive', value: '0.7', ...times } },
    { name: 'a value without conditions is Successful', result: value(0, '0'), expected: { phase: 'Successful', value: '0', ...times } },
    {
      name: 'a value whose condition cannot be evaluated is an Error naming the condition, value kept',
      metric: { successCondition: 'result > threshold' },
      result: value(1, '1'),
      expected: { phase: 'Error', value: '1', message: 'successCondition: unknown name "threshold"', ...times },
    },
    {
      name: 'a condition that is not a bool is an Error saying so',
      metric: { failureCondition: 'result' },
      result: value(1, '1'),
      expected: { phase: 'Error', value: '1', message: 'failureCondition: condition must return a bool, got float', ...times },
    },
    {
      name: 'the provider\'s metadata is kept with a value',
      metric: conditions,
      result: value(1, '1', { warnings: '"partial data"' }),
      expected: { phase: 'Successful', value: '1', metadata: { warnings: '"partial data"' }, ...times },
    },
    {
      name: 'empty metadata is left out',
      result: value(1, '1', {}),
      expected: { phase: 'Successful', value: '1', ...times },
    },
    {
      name: 'a phase the provider decided is kept with its value and message',
      metric: conditions,
      result: { outcome: { kind: 'phase', phase: 'Failed', value: 'Failed', message: 'Job failed: BackoffLimitExceeded', metadata: { 'job-name': 'j.1' } } },
      expected: { phase: 'Failed', value: 'Failed', message: 'Job failed: BackoffLimitExceeded', metadata: { 'job-name': 'j.1' }, ...times },
    },
    {
      name: 'a Successful phase ignores the conditions',
      metric: { successCondition: 'false' },
      result: { outcome: { kind: 'phase', phase: 'Successful', value: 'Complete' } },
      expected: { phase: 'Successful', value: 'Complete', ...times },
    },
    {
      name: 'an Inconclusive phase keeps its message',
      result: { outcome: { kind: 'phase', phase: 'Inconclusive', message: 'image pull failed' } },
      expected: { phase: 'Inconclusive', message: 'image pull failed', ...times },
    },
    {
      name: 'running is not finished and keeps what the provider noted',
      result: { outcome: { kind: 'running', metadata: { 'job-name': 'j.1' } } },
      expected: { phase: 'Running', startedAt: times.startedAt, metadata: { 'job-name': 'j.1' } },
    },
    {
      name: 'running with a resume time stores it as a status time',
      result: { outcome: { kind: 'running', resumeAt: new Date('2026-11-23T10:00:17.250Z') } },
      expected: { phase: 'Running', startedAt: times.startedAt, resumeAt: '2026-11-23T10:00:17Z' },
    },
    {
      name: 'a thrown error is an Error with its message',
      result: { error: new ProviderError('prometheus', 'POST http://p/api/v1/query: HTTP 502: Bad Gateway', { status: 502 }) },
      expected: { phase: 'Error', message: 'prometheus: POST http://p/api/v1/query: HTTP 502: Bad Gateway', ...times },
    },
    { name: 'a thrown non-Error is an Error with its text', result: { error: 'socket hang up' }, expected: { phase: 'Error', message: 'socket hang up', ...times } },
    {
      name: 'secrets are redacted from error messages',
      result: { error: new Error('401 for token hunter2') },
      secrets,
      expected: { phase: 'Error', message: '401 for token *****', ...times },
    },
    {
      name: 'secrets are redacted from a provider\'s message',
      result: { outcome: { kind: 'phase', phase: 'Failed', message: 'bad key hunter2' } },
      secrets,
      expected: { phase: 'Failed', message: 'bad key *****', ...times },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(measurementOf(c.metric ?? {}, c.result, times, c.secrets ?? noSecrets), c.expected);
    });
  }
});

describe('resumedMeasurement', () => {
  const last: Measurement = { phase: 'Running', startedAt: times.startedAt, metadata: { 'job-name': 'j.1' } };
  const cases: { name: string; last: Measurement; resumed: Measurement; expected: Measurement | undefined }[] = [
    { name: 'still running with nothing new is no write', last, resumed: { phase: 'Running', startedAt: times.startedAt }, expected: undefined },
    {
      name: 'still running with a new resume time is recorded, its metadata kept',
      last,
      resumed: { phase: 'Running', startedAt: times.startedAt, resumeAt: '2026-11-23T10:00:15Z' },
      expected: { phase: 'Running', startedAt: times.startedAt, resumeAt: '2026-11-23T10:00:15Z', metadata: { 'job-name': 'j.1' } },
    },
    {
      name: 'finished keeps the metadata noted at start and adds the new',
      last,
      resumed: { phase: 'Successful', value: 'Complete', metadata: { pods: '1' }, ...times },
      expected: { phase: 'Successful', value: 'Complete', metadata: { 'job-name': 'j.1', pods: '1' }, ...times },
    },
    {
      name: 'an error while resuming is recorded with its message',
      last,
      resumed: { phase: 'Error', message: 'job: Job ns/j.1 no longer exists', ...times },
      expected: { phase: 'Error', message: 'job: Job ns/j.1 no longer exists', metadata: { 'job-name': 'j.1' }, ...times },
    },
    {
      name: 'no metadata on either side adds none',
      last: { phase: 'Running', startedAt: times.startedAt },
      resumed: { phase: 'Failed', ...times },
      expected: { phase: 'Failed', ...times },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(resumedMeasurement(c.last, c.resumed), c.expected);
    });
  }
});

describe('terminatedMeasurement', () => {
  const running: Measurement = { phase: 'Running', startedAt: times.startedAt, resumeAt: '2026-11-23T10:00:15Z', metadata: { 'job-name': 'j.1' } };
  it('is Successful, "Metric Terminated", finished, without a resume time, keeping what was noted', () => {
    assert.deepEqual(terminatedMeasurement(running, { outcome: undefined }, times.finishedAt, noSecrets), {
      phase: 'Successful',
      message: 'Metric Terminated',
      startedAt: times.startedAt,
      finishedAt: times.finishedAt,
      metadata: { 'job-name': 'j.1' },
    });
  });

  it('says when stopping the measurement failed, without secrets', () => {
    const measurement = terminatedMeasurement(running, { error: new Error('delete Job j.1 with hunter2: forbidden') }, times.finishedAt, secrets);
    assert.equal(measurement.phase, 'Successful');
    assert.equal(measurement.message, 'Metric Terminated; stopping its measurement failed: delete Job j.1 with *****: forbidden');
  });

  it('does not change the measurement it was given', () => {
    terminatedMeasurement(running, { outcome: undefined }, times.finishedAt, noSecrets);
    assert.equal(running.resumeAt, '2026-11-23T10:00:15Z');
    assert.equal(running.phase, 'Running');
  });
});

describe('measurementState', () => {
  it('hands a provider the metadata and start of a measurement, and only what is set', () => {
    assert.deepEqual(measurementState({ phase: 'Running', startedAt: times.startedAt, metadata: { 'job-name': 'j.1' }, resumeAt: times.finishedAt }), {
      startedAt: times.startedAt,
      metadata: { 'job-name': 'j.1' },
    });
    assert.deepEqual(measurementState({ phase: 'Running' }), {});
  });
});

describe('settle', () => {
  it('keeps an outcome, and what a call threw or rejected with', async () => {
    const outcome: ProviderOutcome = { kind: 'value', result: 1, value: '1' };
    assert.deepEqual(await settle(() => Promise.resolve(outcome)), { outcome });
    const error = new Error('boom');
    assert.deepEqual(await settle(() => Promise.reject(error)), { error });
    assert.deepEqual(
      await settle(() => {
        throw error;
      }),
      { error },
    );
  });
});

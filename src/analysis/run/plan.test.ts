import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalysisPhase, AnalysisRunStatus, Measurement, Metric, MetricResult } from '../../api/analysis.ts';
import { effectiveMetricLimits } from '../../api/defaults.ts';
import { assessMetric } from './assess.ts';
import { deletionDueAt, nextMeasurementAt, planRun, recordMeasurement, retentionLimit, runEvents, type RunPlanInput } from './plan.ts';

const t0 = Date.parse('2026-11-23T10:00:00Z');
const at = (seconds: number): string => new Date(t0 + seconds * 1000).toISOString().replace('.000Z', 'Z');
const web = { web: { url: 'http://example' } };
const metric = (extra: Partial<Metric> = {}): Metric => ({ name: 'm', provider: web, ...extra });
const measured = (phase: AnalysisPhase, finished: number, extra: Partial<Measurement> = {}): Measurement => ({ phase, startedAt: at(finished), finishedAt: at(finished), ...extra });

function resultOf(phases: AnalysisPhase[], extra: Partial<MetricResult> = {}): MetricResult {
  let result: MetricResult = { name: 'm', phase: 'Running' };
  phases.forEach((phase, i) => {
    result = recordMeasurement(result, phase === 'Running' ? { phase, startedAt: at(i) } : measured(phase, i), 10);
  });
  return { ...result, ...extra };
}

describe('recordMeasurement', () => {
  const cases: { name: string; phases: AnalysisPhase[]; expect: Partial<MetricResult> }[] = [
    { name: 'successes count and build a streak', phases: ['Successful', 'Successful'], expect: { count: 2, successful: 2, consecutiveSuccess: 2, consecutiveError: 0 } },
    { name: 'a failure counts and breaks the streak', phases: ['Successful', 'Failed'], expect: { count: 2, successful: 1, failed: 1, consecutiveSuccess: 0 } },
    { name: 'errors are not counted, only consecutive', phases: ['Error', 'Error'], expect: { count: undefined, error: 2, consecutiveError: 2 } },
    { name: 'a success after errors resets consecutiveError', phases: ['Error', 'Successful'], expect: { count: 1, error: 1, consecutiveError: 0, consecutiveSuccess: 1 } },
    { name: 'inconclusive counts', phases: ['Inconclusive'], expect: { count: 1, inconclusive: 1 } },
    { name: 'a running measurement is recorded but not counted', phases: ['Running'], expect: { count: undefined } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = resultOf(c.phases);
      for (const [field, value] of Object.entries(c.expect)) assert.equal(result[field as keyof MetricResult], value, field);
    });
  }

  it('replaces a running measurement when it finishes, and keeps only the retention limit', () => {
    let result = resultOf(['Running']);
    result = recordMeasurement(result, measured('Successful', 5), 10);
    assert.equal(result.measurements?.length, 1);
    const [first] = result.measurements ?? [];
    assert.equal(first?.phase, 'Successful');
    for (let i = 0; i < 5; i++) result = recordMeasurement(result, measured('Successful', 10 + i), 3);
    assert.deepEqual(result.measurements?.map((m) => m.finishedAt), [at(12), at(13), at(14)]);
    assert.equal(result.count, 6);
  });
});

describe('assessMetric (the reference limits)', () => {
  const cases: { name: string; metric: Partial<Metric>; phases: AnalysisPhase[]; terminating?: boolean; phase: string; message?: RegExp }[] = [
    { name: 'no measurement yet', metric: {}, phases: [], phase: 'Pending' },
    { name: 'no measurement, terminating', metric: {}, phases: [], terminating: true, phase: 'Successful' },
    { name: 'a single measurement (no interval, no count) that succeeded', metric: {}, phases: ['Successful'], phase: 'Successful' },
    { name: 'failureLimit 0: the first failure fails', metric: { interval: '10s' }, phases: ['Failed'], phase: 'Failed', message: /failed \(1\) > failureLimit \(0\)/ },
    { name: 'failureLimit 2: two failures are tolerated', metric: { interval: '10s', count: 5, failureLimit: 2 }, phases: ['Failed', 'Failed'], phase: 'Running' },
    { name: 'failureLimit 2: the third failure fails', metric: { interval: '10s', count: 5, failureLimit: 2 }, phases: ['Failed', 'Failed', 'Failed'], phase: 'Failed' },
    { name: 'failureLimit -1: never fails on failures', metric: { interval: '10s', count: 3, failureLimit: -1 }, phases: ['Failed', 'Failed', 'Failed'], phase: 'Successful' },
    { name: 'inconclusiveLimit 0: the first inconclusive', metric: { interval: '10s' }, phases: ['Inconclusive'], phase: 'Inconclusive' },
    { name: 'consecutiveErrorLimit 4: four errors in a row are tolerated', metric: { interval: '10s' }, phases: ['Error', 'Error', 'Error', 'Error'], phase: 'Running' },
    { name: 'consecutiveErrorLimit 4: the fifth error in a row', metric: { interval: '10s' }, phases: ['Error', 'Error', 'Error', 'Error', 'Error'], phase: 'Error', message: /consecutiveErrors \(5\) > consecutiveErrorLimit \(4\)/ },
    { name: 'errors that are not consecutive', metric: { interval: '10s', count: 10 }, phases: ['Error', 'Error', 'Successful', 'Error', 'Error'], phase: 'Running' },
    { name: 'count reached', metric: { interval: '10s', count: 3 }, phases: ['Successful', 'Successful', 'Successful'], phase: 'Successful' },
    { name: 'interval without count runs on', metric: { interval: '10s' }, phases: ['Successful', 'Successful'], phase: 'Running' },
    { name: 'interval without count, terminating', metric: { interval: '10s' }, phases: ['Successful'], terminating: true, phase: 'Successful' },
    { name: 'a running measurement keeps the metric running', metric: { interval: '10s', count: 1 }, phases: ['Running'], phase: 'Running' },
    { name: 'consecutiveSuccessLimit reached', metric: { interval: '10s', count: 10, consecutiveSuccessLimit: 2 }, phases: ['Failed', 'Successful', 'Successful'], phase: 'Failed' },
    { name: 'consecutiveSuccessLimit reached with failures tolerated', metric: { interval: '10s', count: 10, failureLimit: 3, consecutiveSuccessLimit: 2 }, phases: ['Failed', 'Successful', 'Successful'], phase: 'Successful' },
    { name: 'count reached before consecutiveSuccessLimit', metric: { interval: '10s', count: 2, failureLimit: -1, consecutiveSuccessLimit: 3 }, phases: ['Successful', 'Successful'], phase: 'Failed', message: /count \(2\) reached before consecutiveSuccessLimit \(3\)/ },
    { name: 'count reached before either limit', metric: { interval: '10s', count: 2, failureLimit: 3, consecutiveSuccessLimit: 3 }, phases: ['Failed', 'Successful'], phase: 'Inconclusive' },
    { name: 'limits given as strings (resolved arguments)', metric: { interval: '10s', count: '2', failureLimit: '1' }, phases: ['Failed', 'Successful'], phase: 'Successful' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = metric(c.metric);
      const verdict = assessMetric(m, effectiveMetricLimits(m), c.phases.length === 0 ? undefined : resultOf(c.phases), c.terminating ?? false);
      assert.equal(verdict.phase, c.phase);
      if (c.message !== undefined) assert.match(verdict.message ?? '', c.message);
    });
  }
});

describe('nextMeasurementAt', () => {
  const cases: { name: string; metric: Partial<Metric>; last?: Measurement; preciseMs?: number; due: number | undefined }[] = [
    { name: 'first measurement at once', metric: {}, due: 0 },
    { name: 'next after the interval from the exact finish time, when it is the recorded measurement\'s', metric: { interval: '1m' }, last: measured('Successful', 5), preciseMs: 5_730, due: 65.73 },
    { name: 'an exact time of another measurement (another second) is ignored', metric: { interval: '1m' }, last: measured('Successful', 5), preciseMs: 4_730, due: 65 },
    { name: 'first measurement after initialDelay', metric: { initialDelay: '30s' }, due: 30 },
    { name: 'next after the interval', metric: { interval: '1m' }, last: measured('Successful', 5), due: 65 },
    { name: 'after an error: 10 s', metric: { interval: '5m' }, last: measured('Error', 5), due: 15 },
    { name: 'after an error with a shorter interval: the interval', metric: { interval: '3s' }, last: measured('Error', 5), due: 8 },
    { name: 'no interval: no further measurement', metric: {}, last: measured('Successful', 5), due: undefined },
    { name: 'a running measurement is resumed, not repeated', metric: { interval: '1m' }, last: { phase: 'Running', startedAt: at(5) }, due: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result: MetricResult | undefined = c.last === undefined ? undefined : { name: 'm', phase: 'Running', measurements: [c.last] };
      const due = nextMeasurementAt(metric(c.metric), result, t0, c.preciseMs === undefined ? undefined : t0 + c.preciseMs);
      assert.equal(due === undefined ? undefined : (due - t0) / 1000, c.due);
    });
  }
});

function input(extra: Partial<RunPlanInput>): RunPlanInput {
  return { metrics: [metric()], status: undefined, terminate: false, dryRun: [], measurementRetention: [], now: new Date(t0), busy: new Set(), finished: [], ...extra };
}

describe('planRun', () => {
  it('starts a new run: Running, startedAt, first measurement now, AnalysisRunRunning', () => {
    const plan = planRun(input({}));
    assert.equal(plan.status.phase, 'Running');
    assert.equal(plan.status.startedAt, at(0));
    assert.deepEqual(plan.measure, ['m']);
    assert.deepEqual(plan.events.map((e) => e.reason), ['AnalysisRunRunning']);
  });

  it('waits for the initial delay with a requeue, never a sleep', () => {
    const plan = planRun(input({ metrics: [metric({ initialDelay: '20s' })], now: new Date(t0 + 5000), status: { phase: 'Running', startedAt: at(0) } }));
    assert.deepEqual(plan.measure, []);
    assert.equal(plan.requeueAfterMs, 15_000);
  });

  it('records a finished measurement and completes a single-measurement run', () => {
    const plan = planRun(input({ status: { phase: 'Running', startedAt: at(0) }, finished: [{ metric: 'm', measurement: measured('Successful', 1, { value: '0.99' }) }], now: new Date(t0 + 1000) }));
    assert.equal(plan.status.phase, 'Successful');
    assert.equal(plan.status.completedAt, at(1));
    assert.deepEqual(plan.status.runSummary, { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0 });
    assert.deepEqual(plan.events.map((e) => e.reason), ['MetricSuccessful', 'AnalysisRunSuccessful']);
    assert.equal(plan.status.metricResults?.[0]?.measurements?.[0]?.value, '0.99');
  });

  it('does not start a metric that is busy', () => {
    const plan = planRun(input({ busy: new Set(['m']) }));
    assert.deepEqual(plan.measure, []);
  });

  it('fails the run when one metric fails, terminating the others (running ones through their provider)', () => {
    const status: AnalysisRunStatus = {
      phase: 'Running', startedAt: at(0),
      metricResults: [
        { name: 'job', phase: 'Running', measurements: [{ phase: 'Running', startedAt: at(0) }] },
        { name: 'poll', phase: 'Running', measurements: [measured('Successful', 0)], count: 1, successful: 1, consecutiveSuccess: 1 },
      ],
    };
    const plan = planRun(input({
      metrics: [metric({ name: 'job', provider: { job: { spec: { template: {} } } } }), metric({ name: 'poll', interval: '10s' }), metric({ name: 'rate', interval: '10s' })],
      status,
      finished: [{ metric: 'rate', measurement: measured('Failed', 3, { value: '0.5' }) }],
      now: new Date(t0 + 3000),
    }));
    assert.deepEqual(plan.terminate, ['job']);
    assert.deepEqual(plan.measure, []);
    assert.equal(plan.status.phase, 'Running', 'the job measurement must be terminated before the run completes');
    const phases = Object.fromEntries((plan.status.metricResults ?? []).map((r) => [r.name, r.phase]));
    assert.deepEqual(phases, { job: 'Running', poll: 'Successful', rate: 'Failed' });

    const after = planRun(input({
      metrics: [metric({ name: 'job', provider: { job: { spec: { template: {} } } } }), metric({ name: 'poll', interval: '10s' }), metric({ name: 'rate', interval: '10s' })],
      status: plan.status,
      finished: [{ metric: 'job', measurement: measured('Successful', 4, { message: 'Metric Terminated' }) }],
      now: new Date(t0 + 4000),
    }));
    assert.equal(after.status.phase, 'Failed');
    assert.match(after.status.message ?? '', /Metric "rate" assessed Failed due to failed \(1\) > failureLimit \(0\)/);
    assert.deepEqual(after.events.map((e) => e.reason), ['MetricSuccessful', 'AnalysisRunFailed']);
  });

  it('ignores dry-run metrics for the verdict and summarises them apart', () => {
    const plan = planRun(input({
      metrics: [metric({ name: 'real' }), metric({ name: 'trial' })],
      dryRun: [{ metricName: 'trial' }],
      status: { phase: 'Running', startedAt: at(0) },
      finished: [{ metric: 'real', measurement: measured('Successful', 1) }, { metric: 'trial', measurement: measured('Failed', 1) }],
    }));
    assert.equal(plan.status.phase, 'Successful');
    assert.deepEqual(plan.status.dryRunSummary, { count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 });
    assert.equal(plan.status.metricResults?.find((r) => r.name === 'trial')?.dryRun, true);
  });

  it('"*" in dryRun makes every metric dry-run: the run succeeds whatever they measure', () => {
    const plan = planRun(input({ dryRun: [{ metricName: '*' }], status: { phase: 'Running', startedAt: at(0) }, finished: [{ metric: 'm', measurement: measured('Failed', 1) }] }));
    assert.equal(plan.status.phase, 'Successful');
  });

  it('spec.terminate ends an endless metric as Successful with "Run Terminated"', () => {
    const plan = planRun(input({ metrics: [metric({ interval: '10s' })], terminate: true, status: { phase: 'Running', startedAt: at(0), metricResults: [resultOf(['Successful'])] } }));
    assert.equal(plan.status.phase, 'Successful');
    assert.equal(plan.status.message, 'Run Terminated');
    assert.deepEqual(plan.measure, []);
  });

  it('resumes a running measurement without resumeAt on every reconcile, and one with resumeAt when due', () => {
    const running = (resumeAt?: string): AnalysisRunStatus => ({ phase: 'Running', startedAt: at(0), metricResults: [{ name: 'm', phase: 'Running', measurements: [{ phase: 'Running', startedAt: at(0), ...(resumeAt === undefined ? {} : { resumeAt }) }] }] });
    assert.deepEqual(planRun(input({ status: running() })).resume, ['m']);
    const later = planRun(input({ status: running(at(15)), now: new Date(t0 + 5000) }));
    assert.deepEqual(later.resume, []);
    assert.equal(later.requeueAfterMs, 10_000);
    assert.deepEqual(planRun(input({ status: running(at(15)), now: new Date(t0 + 15_000) })).resume, ['m']);
  });

  it('the worst phase wins: Failed over Error over Inconclusive', () => {
    const plan = planRun(input({
      metrics: [metric({ name: 'a' }), metric({ name: 'b' }), metric({ name: 'c' })],
      status: { phase: 'Running', startedAt: at(0) },
      finished: [
        { metric: 'a', measurement: measured('Inconclusive', 1) },
        { metric: 'b', measurement: measured('Failed', 1) },
        { metric: 'c', measurement: measured('Successful', 1) },
      ],
    }));
    assert.equal(plan.status.phase, 'Failed');
  });
});

describe('retention, events and ttl', () => {
  it('retentionLimit: exact name, then "*", else 10', () => {
    assert.equal(retentionLimit([{ metricName: 'm', limit: 3 }, { metricName: '*', limit: 5 }], 'm'), 3);
    assert.equal(retentionLimit([{ metricName: '*', limit: 5 }], 'x'), 5);
    assert.equal(retentionLimit([], 'x'), 10);
  });

  it('runEvents says nothing when nothing changed', () => {
    const status: AnalysisRunStatus = { phase: 'Running', metricResults: [{ name: 'm', phase: 'Running' }] };
    assert.deepEqual(runEvents(status, status), []);
  });

  const ttl: { name: string; phase: AnalysisPhase; strategy: { secondsAfterCompletion?: number; secondsAfterFailure?: number; secondsAfterSuccess?: number }; due: number | undefined }[] = [
    { name: 'completion applies to every phase', phase: 'Error', strategy: { secondsAfterCompletion: 60 }, due: 60 },
    { name: 'success overrides completion', phase: 'Successful', strategy: { secondsAfterCompletion: 60, secondsAfterSuccess: 5 }, due: 5 },
    { name: 'failure overrides completion', phase: 'Failed', strategy: { secondsAfterCompletion: 60, secondsAfterFailure: 0 }, due: 0 },
    { name: 'success-only strategy keeps failed runs', phase: 'Failed', strategy: { secondsAfterSuccess: 5 }, due: undefined },
  ];
  for (const c of ttl) {
    it(`ttlStrategy: ${c.name}`, () => {
      const due = deletionDueAt(c.strategy, { phase: c.phase, completedAt: at(0) });
      assert.equal(due === undefined ? undefined : (due - t0) / 1000, c.due);
    });
  }
  it('ttlStrategy never deletes a running run', () => {
    assert.equal(deletionDueAt({ secondsAfterCompletion: 0 }, { phase: 'Running' }), undefined);
  });
});

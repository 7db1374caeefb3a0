/**
 * The AnalysisRun planner: a pure function from a run (metrics with arguments resolved), its status, the
 * measurements that finished since, and the clock to the next status, the measurements to start, resume or
 * terminate, and when to look again. The reconciler (controller.ts) applies it; every timer is a requeue.
 */
import type { AnalysisPhase, AnalysisRunStatus, Measurement, Metric, MetricResult, RunSummary } from '../../api/analysis.ts';
import { analysisDefaults, effectiveMetricLimits, type MetricLimits } from '../../api/defaults.ts';
import type { DryRun, MeasurementRetention } from '../../api/rollout.ts';
import { parseDuration } from '../../util/duration.ts';
import { assessMetric, isBadPhase, isCompleted, isRunningMeasurement, lastMeasurement, worse, type MetricVerdict } from './assess.ts';
import { formatTime } from '../../runtime/time.ts';

/** A measurement that finished (or started running) since the status was written. */
export interface FinishedMeasurement {
  metric: string;
  measurement: Measurement;
}

export interface RunPlanInput {
  /** The run's metrics with `{{args.x}}` resolved. */
  metrics: readonly Metric[];
  status: AnalysisRunStatus | undefined;
  terminate: boolean;
  dryRun: readonly DryRun[];
  measurementRetention: readonly MeasurementRetention[];
  now: Date;
  /** Metrics with a measurement task in flight: nothing new is started for them. */
  busy: ReadonlySet<string>;
  finished: readonly FinishedMeasurement[];
  /** When each metric's last measurement finished, to the millisecond, where this process knows it. */
  finishedAtMs?: ReadonlyMap<string, number>;
}

export interface RunEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface RunPlan {
  status: AnalysisRunStatus;
  /** Metrics to measure now. */
  measure: string[];
  /** Metrics whose running measurement should be looked at again now. */
  resume: string[];
  /** Metrics whose running measurement must be stopped (the run is terminating). */
  terminate: string[];
  requeueAfterMs?: number;
  events: RunEvent[];
}

/** Whether a metric name is listed (or "*" is). */
export function matchesMetric(list: readonly { metricName: string }[], name: string): boolean {
  return list.some((entry) => entry.metricName === name || entry.metricName === '*');
}

/** Measurements kept in status for a metric: its measurementRetention entry (exact name first, then "*"), else 10. */
export function retentionLimit(retention: readonly MeasurementRetention[], name: string): number {
  const entry = retention.find((r) => r.metricName === name) ?? retention.find((r) => r.metricName === '*');
  return entry?.limit ?? analysisDefaults.measurementRetention;
}

/** A metric result with one more measurement recorded (or its running measurement replaced by the finished one). */
export function recordMeasurement(result: MetricResult, measurement: Measurement, keep: number): MetricResult {
  const measurements = [...(result.measurements ?? [])];
  const previous = measurements[measurements.length - 1];
  if (isRunningMeasurement(previous)) measurements.pop();
  measurements.push(measurement);
  const next: MetricResult = { ...result, measurements: keep > 0 ? measurements.slice(-keep) : [] };
  const bump = (field: 'successful' | 'failed' | 'inconclusive' | 'error'): void => {
    next[field] = (next[field] ?? 0) + 1;
  };
  switch (measurement.phase) {
    case 'Successful':
      bump('successful');
      next.count = (next.count ?? 0) + 1;
      next.consecutiveSuccess = (next.consecutiveSuccess ?? 0) + 1;
      next.consecutiveError = 0;
      break;
    case 'Failed':
    case 'Inconclusive':
      bump(measurement.phase === 'Failed' ? 'failed' : 'inconclusive');
      next.count = (next.count ?? 0) + 1;
      next.consecutiveSuccess = 0;
      next.consecutiveError = 0;
      break;
    case 'Error':
      bump('error');
      next.consecutiveError = (next.consecutiveError ?? 0) + 1;
      // An error breaks a streak: consecutive successes must be consecutive measurements.
      next.consecutiveSuccess = 0;
      break;
    default:
      // Running: recorded so a restarted controller resumes it; counted when it finishes.
      break;
  }
  return next;
}

function durationMs(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return parseDuration(value);
}

function timeMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * When the metric's next measurement is due (epoch ms), or undefined when it takes no more. Errors are retried
 * after 10 s (sooner if the interval is shorter), as in Argo.
 */
export function nextMeasurementAt(metric: Metric, result: MetricResult | undefined, startedAtMs: number, preciseFinishMs?: number): number | undefined {
  const last = lastMeasurement(result);
  if (last === undefined) return startedAtMs + (durationMs(metric.initialDelay) ?? 0);
  if (isRunningMeasurement(last)) return undefined;
  const recorded = timeMs(last.finishedAt) ?? timeMs(last.startedAt) ?? startedAtMs;
  // Status times are whole seconds: scheduling from them would pull every next measurement up to 1 s early and onto
  // the start of a second. The exact time is used when it is known to be the recorded measurement's.
  const finished = preciseFinishMs !== undefined && Math.floor(preciseFinishMs / 1000) * 1000 === recorded ? preciseFinishMs : recorded;
  const interval = durationMs(metric.interval);
  if (last.phase === 'Error') return finished + Math.min(analysisDefaults.errorRetrySeconds * 1000, interval ?? Infinity);
  return interval === undefined ? undefined : finished + interval;
}

function summary(results: readonly MetricResult[]): RunSummary {
  const out: Required<RunSummary> = { count: results.length, successful: 0, failed: 0, inconclusive: 0, error: 0 };
  for (const result of results) {
    if (result.phase === 'Successful') out.successful++;
    else if (result.phase === 'Failed') out.failed++;
    else if (result.phase === 'Inconclusive') out.inconclusive++;
    else if (result.phase === 'Error') out.error++;
  }
  return out;
}

/** The next status and the work to do for one AnalysisRun. */
export function planRun(input: RunPlanInput): RunPlan {
  const now = input.now.getTime();
  const previous = input.status;
  const startedAt = previous?.startedAt ?? formatTime(now);
  const startedAtMs = timeMs(startedAt) ?? now;
  const byName = new Map<string, MetricResult>((previous?.metricResults ?? []).map((r) => [r.name, r]));
  for (const { metric, measurement } of input.finished) {
    const result = byName.get(metric) ?? { name: metric, phase: 'Pending' };
    byName.set(metric, recordMeasurement(result, measurement, retentionLimit(input.measurementRetention, metric)));
  }

  const limits = new Map<string, MetricLimits>(input.metrics.map((m) => [m.name, effectiveMetricLimits(m)]));
  const limitsOf = (metric: Metric): MetricLimits => limits.get(metric.name) ?? effectiveMetricLimits(metric);
  const dryRun = (name: string): boolean => matchesMetric(input.dryRun, name);
  const assess = (terminating: boolean): Map<string, MetricVerdict> =>
    new Map(input.metrics.map((metric) => {
      const result = byName.get(metric.name);
      // A completed metric keeps its verdict: later measurements (there are none) cannot change it.
      const verdict = isCompleted(result?.phase) ? { phase: result?.phase as AnalysisPhase, ...(result?.message === undefined ? {} : { message: result.message }) } : assessMetric(metric, limitsOf(metric), result, terminating);
      return [metric.name, verdict];
    }));

  let verdicts = assess(false);
  const failing = input.metrics.some((m) => !dryRun(m.name) && isBadPhase(verdicts.get(m.name)?.phase));
  const terminating = input.terminate || failing;
  if (terminating) verdicts = assess(true);

  const plan: RunPlan = { status: { phase: 'Running' }, measure: [], resume: [], terminate: [], events: [] };
  let wakeAt: number | undefined;
  const wake = (at: number): void => {
    wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at);
  };
  const results: MetricResult[] = [];
  for (const metric of input.metrics) {
    const verdict = verdicts.get(metric.name) ?? { phase: 'Pending' };
    const result: MetricResult = { ...(byName.get(metric.name) ?? { name: metric.name }), name: metric.name, phase: verdict.phase };
    if (verdict.message !== undefined) result.message = verdict.message;
    if (dryRun(metric.name)) result.dryRun = true;
    results.push(result);
    if (isCompleted(verdict.phase) || input.busy.has(metric.name)) continue;
    const last = lastMeasurement(result);
    if (isRunningMeasurement(last)) {
      if (terminating) {
        plan.terminate.push(metric.name);
        continue;
      }
      const resumeAt = timeMs(last?.resumeAt);
      // Without resumeAt the measurement waits for its watched object (a Job): every reconcile looks, cheaply.
      if (resumeAt === undefined || resumeAt <= now) plan.resume.push(metric.name);
      else wake(resumeAt);
      continue;
    }
    if (terminating) continue;
    const due = nextMeasurementAt(metric, result, startedAtMs, input.finishedAtMs?.get(metric.name));
    if (due === undefined) continue;
    if (due <= now) plan.measure.push(metric.name);
    else wake(due);
  }

  const decisive = results.filter((r) => r.dryRun !== true);
  const dry = results.filter((r) => r.dryRun === true);
  const allDone = results.every((r) => isCompleted(r.phase));
  let phase: AnalysisPhase = 'Running';
  let message: string | undefined;
  if (allDone) {
    phase = decisive.reduce<AnalysisPhase>((acc, r) => worse(acc, r.phase), 'Successful');
    const culprit = decisive.find((r) => r.phase === phase && phase !== 'Successful');
    if (culprit !== undefined) message = `Metric "${culprit.name}" assessed ${phase} due to ${culprit.message ?? phase.toLowerCase()}`;
    else if (input.terminate) message = 'Run Terminated';
  }
  const status: AnalysisRunStatus = { phase, startedAt, metricResults: results, runSummary: summary(decisive) };
  if (dry.length > 0) status.dryRunSummary = summary(dry);
  if (message !== undefined) status.message = message;
  if (allDone) status.completedAt = previous?.completedAt ?? formatTime(now);
  plan.status = status;
  if (wakeAt !== undefined && !allDone) plan.requeueAfterMs = Math.max(0, wakeAt - now);
  plan.events = runEvents(previous, status);
  return plan;
}

/** AnalysisRun<Phase> when the run's phase changes, Metric<Phase> when a metric completes (Argo's reasons). */
export function runEvents(previous: AnalysisRunStatus | undefined, next: AnalysisRunStatus): RunEvent[] {
  const events: RunEvent[] = [];
  const before = new Map((previous?.metricResults ?? []).map((r) => [r.name, r.phase]));
  for (const result of next.metricResults ?? []) {
    if (isCompleted(result.phase) && before.get(result.name) !== result.phase) {
      events.push({
        type: isBadPhase(result.phase) ? 'Warning' : 'Normal',
        reason: `Metric${result.phase}`,
        message: `Metric '${result.name}' Completed. Result: ${result.phase}${result.message === undefined ? '' : ` (${result.message})`}`,
      });
    }
  }
  if (previous?.phase !== next.phase) {
    events.push({
      type: isBadPhase(next.phase) ? 'Warning' : 'Normal',
      reason: `AnalysisRun${next.phase}`,
      message: isCompleted(next.phase) ? `Analysis Completed. Result: ${next.phase}${next.message === undefined ? '' : ` (${next.message})`}` : `Analysis Run ${next.phase}`,
    });
  }
  return events;
}

/** The status of a run that cannot be measured at all (an argument or a provider configuration is wrong). */
export function erroredStatus(previous: AnalysisRunStatus | undefined, message: string, now: Date): AnalysisRunStatus {
  return {
    ...previous,
    phase: 'Error',
    message,
    startedAt: previous?.startedAt ?? formatTime(now.getTime()),
    completedAt: previous?.completedAt ?? formatTime(now.getTime()),
  };
}

/** When a completed run is due for deletion under its ttlStrategy, or undefined to keep it. */
export function deletionDueAt(ttl: { secondsAfterCompletion?: number; secondsAfterFailure?: number; secondsAfterSuccess?: number } | undefined, status: AnalysisRunStatus | undefined): number | undefined {
  if (ttl === undefined || status === undefined || !isCompleted(status.phase)) return undefined;
  const completedAt = timeMs(status.completedAt);
  if (completedAt === undefined) return undefined;
  const seconds =
    status.phase === 'Successful' ? (ttl.secondsAfterSuccess ?? ttl.secondsAfterCompletion)
      : status.phase === 'Failed' ? (ttl.secondsAfterFailure ?? ttl.secondsAfterCompletion)
        : ttl.secondsAfterCompletion;
  return seconds === undefined ? undefined : completedAt + seconds * 1000;
}

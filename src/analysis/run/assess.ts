/**
 * Judging metrics and runs from their recorded measurements, with Argo Rollouts' rules:
 * - a metric fails once `failed > failureLimit` (failureLimit -1: never), is Inconclusive once
 *   `inconclusive > inconclusiveLimit`, is Error once `consecutiveError > consecutiveErrorLimit`, succeeds once
 *   `consecutiveSuccess >= consecutiveSuccessLimit` (when set) or once `count` measurements were taken;
 * - a run is Running while any metric is, else the worst phase of its metrics that are not dry-run
 *   (Successful < Inconclusive < Error < Failed); one metric reaching a bad phase terminates the others.
 * Where Argo is silent: a metric whose `count` is reached before its consecutiveSuccessLimit is Failed, or
 * Inconclusive when a failureLimit was set and not exceeded either (neither verdict was reached).
 */
import type { AnalysisPhase, Measurement, Metric, MetricResult } from '../../api/analysis.ts';
import type { MetricLimits } from '../../api/defaults.ts';

export interface MetricVerdict {
  phase: AnalysisPhase;
  message?: string;
}

const completed: ReadonlySet<string> = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

export function isCompleted(phase: string | undefined): boolean {
  return phase !== undefined && completed.has(phase);
}

export function lastMeasurement(result: MetricResult | undefined): Measurement | undefined {
  const measurements = result?.measurements ?? [];
  return measurements[measurements.length - 1];
}

/** A measurement still being taken (an asynchronous provider such as job). */
export function isRunningMeasurement(measurement: Measurement | undefined): boolean {
  return measurement !== undefined && measurement.finishedAt === undefined && measurement.phase === 'Running';
}

/**
 * The phase of one metric. `terminating`: the run is being stopped, so a metric that would go on measuring is
 * Successful with what it has (unless a measurement is still running: it must be terminated first).
 */
export function assessMetric(metric: Metric, limits: MetricLimits, result: MetricResult | undefined, terminating: boolean): MetricVerdict {
  const last = lastMeasurement(result);
  if (last === undefined) return terminating ? { phase: 'Successful', message: 'terminated before its first measurement' } : { phase: 'Pending' };
  if (isRunningMeasurement(last)) return { phase: 'Running' };
  const failed = result?.failed ?? 0;
  const inconclusive = result?.inconclusive ?? 0;
  const consecutiveError = result?.consecutiveError ?? 0;
  const consecutiveSuccess = result?.consecutiveSuccess ?? 0;
  const count = result?.count ?? 0;
  if (limits.failureLimit >= 0 && failed > limits.failureLimit) {
    return { phase: 'Failed', message: `failed (${String(failed)}) > failureLimit (${String(limits.failureLimit)})` };
  }
  if (inconclusive > limits.inconclusiveLimit) {
    return { phase: 'Inconclusive', message: `inconclusive (${String(inconclusive)}) > inconclusiveLimit (${String(limits.inconclusiveLimit)})` };
  }
  if (consecutiveError > limits.consecutiveErrorLimit) {
    const cause = last.message === undefined ? '' : `: ${last.message}`;
    return { phase: 'Error', message: `consecutiveErrors (${String(consecutiveError)}) > consecutiveErrorLimit (${String(limits.consecutiveErrorLimit)})${cause}` };
  }
  if (limits.consecutiveSuccessLimit > 0 && consecutiveSuccess >= limits.consecutiveSuccessLimit) {
    return { phase: 'Successful', message: `consecutiveSuccess (${String(consecutiveSuccess)}) reached consecutiveSuccessLimit (${String(limits.consecutiveSuccessLimit)})` };
  }
  if (limits.count !== undefined && count >= limits.count) {
    if (limits.consecutiveSuccessLimit > 0) {
      const explicitFailureLimit = metric.failureLimit !== undefined && limits.failureLimit >= 0;
      return {
        phase: explicitFailureLimit ? 'Inconclusive' : 'Failed',
        message: `count (${String(limits.count)}) reached before consecutiveSuccessLimit (${String(limits.consecutiveSuccessLimit)})`,
      };
    }
    return { phase: 'Successful' };
  }
  if (terminating) return { phase: 'Successful', message: 'terminated' };
  return { phase: 'Running' };
}

const severity: Readonly<Record<string, number>> = { Successful: 0, Inconclusive: 1, Error: 2, Failed: 3 };

/** The worse of two completed phases. */
export function worse(a: AnalysisPhase, b: AnalysisPhase): AnalysisPhase {
  return (severity[b] ?? 0) > (severity[a] ?? 0) ? b : a;
}

/** Whether a completed phase stops the run (every phase but Successful). */
export function isBadPhase(phase: string | undefined): boolean {
  return phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive';
}

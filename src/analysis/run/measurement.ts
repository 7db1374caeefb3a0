/**
 * Measurements from what providers did: pure functions, so the reconciler (controller.ts) only calls providers
 * and writes status. Times are RFC 3339 strings the caller reads from its clock; messages are redacted of the
 * run's secrets before they can reach status.
 *
 * | provider call                 | measurement                                                              |
 * |-------------------------------|--------------------------------------------------------------------------|
 * | value                         | the metric's conditions decide: Successful, Failed or Inconclusive       |
 * | value, a condition fails      | Error with the condition's message, value kept                          |
 * | phase                         | that phase, with the provider's value and message                        |
 * | running                       | Running without finishedAt, resumeAt when the provider asked for one     |
 * | threw                         | Error with the error's message                                           |
 * | terminated                    | the running measurement Successful, "Metric Terminated" (as Argo does)   |
 */
import type { Measurement, Metric } from '../../api/analysis.ts';
import { formatTime } from '../../runtime/time.ts';
import { assessMeasurement } from '../expr/index.ts';
import type { MeasurementState, ProviderOutcome } from '../providers/provider.ts';
import { redact } from './args.ts';

/** What one call gave: its outcome, or what it threw (kept apart, since anything can be thrown). */
export type Settled<T> = { outcome: T } | { error: unknown };

/** What one call of a provider's measure or resume gave. */
export type ProviderResult = Settled<ProviderOutcome>;

/** When the measurement started and when the provider call returned. */
export interface MeasurementTimes {
  startedAt: string;
  finishedAt: string;
}

/** Calls a provider and keeps what it threw as a value, for measurementOf and terminatedMeasurement. */
export async function settle<T>(call: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { outcome: await call() };
  } catch (error) {
    return { error };
  }
}

/** The measurement of one provider call (measure or resume). */
export function measurementOf(
  metric: Pick<Metric, 'successCondition' | 'failureCondition'>,
  result: ProviderResult,
  times: MeasurementTimes,
  secrets: ReadonlySet<string>,
): Measurement {
  const { startedAt, finishedAt } = times;
  if ('error' in result) return { phase: 'Error', message: redact(errorText(result.error), secrets), startedAt, finishedAt };
  const { outcome } = result;
  const metadata = outcome.metadata === undefined || Object.keys(outcome.metadata).length === 0 ? {} : { metadata: outcome.metadata };
  switch (outcome.kind) {
    case 'running':
      return { phase: 'Running', startedAt, ...metadata, ...(outcome.resumeAt === undefined ? {} : { resumeAt: formatTime(outcome.resumeAt.getTime()) }) };
    case 'phase':
      return {
        phase: outcome.phase,
        startedAt,
        finishedAt,
        ...metadata,
        ...(outcome.value === undefined ? {} : { value: outcome.value }),
        ...(outcome.message === undefined ? {} : { message: redact(outcome.message, secrets) }),
      };
    case 'value':
      try {
        return { phase: assessMeasurement(metric, outcome.result), value: outcome.value, startedAt, finishedAt, ...metadata };
      } catch (error) {
        return { phase: 'Error', value: outcome.value, message: redact(errorText(error), secrets), startedAt, finishedAt, ...metadata };
      }
  }
}

/**
 * A resumed measurement as it is recorded: what the provider noted when it started (e.g. the job name) stays on it.
 * Undefined when it is still running with nothing new to say: no write, and no reconcile until the watched object
 * changes.
 */
export function resumedMeasurement(last: Measurement, resumed: Measurement): Measurement | undefined {
  const metadata = { ...last.metadata, ...resumed.metadata };
  const measurement: Measurement = Object.keys(metadata).length === 0 ? resumed : { ...resumed, metadata };
  return measurement.phase === 'Running' && sameMeasurement(measurement, last) ? undefined : measurement;
}

/**
 * The running measurement of a metric whose run was terminated: Successful, as Argo Rollouts records it. When
 * stopping it failed (`stopped` holds the error), the message says so, since what it started may still run.
 */
export function terminatedMeasurement(last: Measurement, stopped: Settled<unknown>, finishedAt: string, secrets: ReadonlySet<string>): Measurement {
  const message = 'error' in stopped ? `Metric Terminated; stopping its measurement failed: ${redact(errorText(stopped.error), secrets)}` : 'Metric Terminated';
  const measurement: Measurement = { ...last, phase: 'Successful', message, finishedAt };
  delete measurement.resumeAt;
  return measurement;
}

/** What a provider is given of a stored measurement to resume or terminate it. */
export function measurementState(measurement: Measurement): MeasurementState {
  return {
    ...(measurement.metadata === undefined ? {} : { metadata: measurement.metadata }),
    ...(measurement.startedAt === undefined ? {} : { startedAt: measurement.startedAt }),
  };
}

function sameMeasurement(a: Measurement, b: Measurement): boolean {
  return a.phase === b.phase && a.resumeAt === b.resumeAt && JSON.stringify(a.metadata ?? {}) === JSON.stringify(b.metadata ?? {});
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One metric check of a Canary's analysis, decided purely from the value a provider returned: Flagger's rules, with
 * its "no values found" case told apart so a release without traffic can be held instead of failed.
 */
import type { CanaryMetric } from '../api/canary.ts';
import type { DeepReadonly } from '../runtime/objects.ts';

export type MetricVerdict =
  | { outcome: 'passed'; value: number }
  /** Counts as one failed check; the message is the Event Flagger writes ("Halt ... advancement ..."). */
  | { outcome: 'failed'; value?: number; message: string }
  /** No data and the Canary asks to wait for traffic instead of failing (an Aviary option). */
  | { outcome: 'waiting'; message: string };

/** The range a value must be in: thresholdRange, else the deprecated threshold (a floor for success rate, a ceiling otherwise). */
export function thresholdRangeOf(metric: DeepReadonly<CanaryMetric>): { min?: number; max?: number } {
  if (metric.thresholdRange !== undefined) {
    return { ...(metric.thresholdRange.min === undefined ? {} : { min: metric.thresholdRange.min }), ...(metric.thresholdRange.max === undefined ? {} : { max: metric.thresholdRange.max }) };
  }
  if (metric.threshold === undefined) return {};
  return metric.name === 'request-success-rate' ? { min: metric.threshold } : { max: metric.threshold };
}

/**
 * The verdict on a value (undefined or NaN: the query found nothing). In range means min unset or value ≥ min, and
 * max unset or value ≤ max. `canary` names the Canary as Flagger's Events do (`podinfo.test`).
 */
export function checkMetric(metric: DeepReadonly<CanaryMetric>, value: number | undefined, canary: string, options: { noDataWaits?: boolean } = {}): MetricVerdict {
  if (value === undefined || Number.isNaN(value)) {
    const message = `Halt advancement no values found for metric ${metric.name} probably ${canary} is not receiving traffic`;
    return options.noDataWaits === true ? { outcome: 'waiting', message } : { outcome: 'failed', message };
  }
  const { min, max } = thresholdRangeOf(metric);
  const unit = metric.name === 'request-duration' ? 'ms' : metric.name === 'request-success-rate' ? '%' : '';
  const shown = (n: number): string => `${Number.isInteger(n) ? String(n) : n.toFixed(2)}${unit}`;
  if (min !== undefined && value < min) return { outcome: 'failed', value, message: `Halt ${canary} advancement ${metric.name} ${shown(value)} < ${shown(min)}` };
  if (max !== undefined && value > max) return { outcome: 'failed', value, message: `Halt ${canary} advancement ${metric.name} ${shown(value)} > ${shown(max)}` };
  return { outcome: 'passed', value };
}

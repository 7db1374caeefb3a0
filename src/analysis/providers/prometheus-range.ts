/**
 * Prometheus range queries: `rangeQuery.start` and `.end` are expressions of the condition language returning a
 * time (`now() - duration("1h")`), evaluated at the measurement's time; `step` is a duration ("1m") or seconds,
 * handed to Prometheus as it is.
 */
import type { PrometheusRangeQuery } from '../../api/metric-provider.ts';
import { compile, evaluateTime, ExprError } from '../expr/index.ts';
import { requireString } from './common.ts';
import { ProviderConfigError } from './provider.ts';

const stepPattern = /^(\d+(\.\d+)?|(\d+(\.\d+)?(ms|s|m|h|d|w|y))+)$/;

export function validateRange(range: PrometheusRangeQuery, base: string): void {
  for (const key of ['start', 'end'] as const) {
    const source = requireString(range[key], `${base}.${key}`);
    try {
      compile(source);
    } catch (error) {
      throw new ProviderConfigError(`${base}.${key}`, error instanceof Error ? error.message : String(error));
    }
  }
  const step = requireString(range.step, `${base}.step`);
  if (!stepPattern.test(step.trim())) throw new ProviderConfigError(`${base}.step`, `must be a duration such as "1m" or seconds, got "${step}"`);
}

/** The range at `now`; an expression that fails or gives no time is a configuration error naming the field. */
export function resolveRange(range: PrometheusRangeQuery, now: Date, base: string): { start: Date; end: Date; step: string } {
  const time = (key: 'start' | 'end'): Date => {
    try {
      return evaluateTime(range[key] ?? '', now);
    } catch (error) {
      if (error instanceof ExprError) throw new ProviderConfigError(`${base}.${key}`, error.message);
      throw error;
    }
  };
  const start = time('start');
  const end = time('end');
  if (start.getTime() > end.getTime()) throw new ProviderConfigError(`${base}.start`, `is after end (${start.toISOString()} > ${end.toISOString()})`);
  return { start, end, step: (range.step ?? '').trim() };
}

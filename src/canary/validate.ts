/**
 * What is wrong with a Canary before anything runs, each problem naming its field: what Flagger reports only as a
 * failed pass (or not at all), so the controller can hold the Canary with a condition and `aviary lint` can say it
 * before the manifest is applied.
 */
import { canaryProviders, type Canary } from '../api/canary.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { tryParseDuration } from '../util/duration.ts';
import { isBuiltinMetric, hasBuiltinMetrics } from './builtin-metrics.ts';
import { canaryStrategy } from './analysis-settings.ts';
import { webhookIssues } from './webhooks.ts';

export interface CanaryIssue { field: string; message: string }

/** Problems of a Canary; `defaultProvider` is the controller's mesh provider for Canaries without spec.provider. */
export function canaryIssues(canary: DeepReadonly<Canary>, defaultProvider = 'kubernetes'): CanaryIssue[] {
  const issues: CanaryIssue[] = [];
  const add = (field: string, message: string): void => { issues.push({ field, message }); };
  const { spec } = canary;
  const provider: string = spec.provider ?? defaultProvider;
  const knownProvider = (canaryProviders as readonly string[]).includes(provider);
  if (!knownProvider) add('spec.provider', `unknown provider "${provider}": one of ${canaryProviders.join(', ')}`);
  const kind: string = spec.targetRef.kind;
  if (kind !== 'Deployment' && kind !== 'DaemonSet') add('spec.targetRef.kind', `must be Deployment or DaemonSet, got "${kind}"`);
  if (provider.startsWith('gatewayapi') && (spec.service.gatewayRefs ?? []).length === 0) add('spec.service.gatewayRefs', 'required with the Gateway API provider: the Gateways the HTTPRoute attaches to');
  if ((provider === 'nginx' || provider === 'skipper') && spec.ingressRef === undefined) add('spec.ingressRef', `required with the ${provider} provider: the Ingress it routes through`);
  if (provider === 'apisix' && spec.routeRef === undefined) add('spec.routeRef', 'required with the apisix provider: the ApisixRoute it routes through');

  const { analysis } = spec;
  const interval = analysis.interval;
  if (interval !== undefined && interval !== '' && tryParseDuration(interval) === undefined) add('spec.analysis.interval', `is not a duration: "${interval}"`);
  const strategy = canaryStrategy(canary);
  if (strategy === 'canary' && (analysis.stepWeight ?? 0) <= 0 && (analysis.stepWeights ?? []).length === 0 && spec.skipAnalysis !== true) {
    add('spec.analysis.stepWeight', 'set stepWeight or stepWeights (or iterations for blue-green): with none the canary would never advance');
  }
  const steps = analysis.stepWeights ?? [];
  steps.forEach((w, i) => {
    const before = steps[i - 1];
    if (before !== undefined && w <= before) add(`spec.analysis.stepWeights[${String(i)}]`, `must be larger than the step before (${String(before)}), got ${String(w)}`);
  });
  if (provider === 'kubernetes' && strategy === 'canary' && spec.skipAnalysis !== true) {
    add('spec.analysis.iterations', 'the kubernetes provider shifts no traffic: it runs blue-green only (set iterations)');
  }
  (analysis.metrics ?? []).forEach((metric, i) => {
    const field = `spec.analysis.metrics[${String(i)}]`;
    if (metric.templateRef === undefined && metric.query === undefined) {
      if (!isBuiltinMetric(metric.name)) add(`${field}.name`, `"${metric.name}" is not a built-in metric (request-success-rate, request-duration): set templateRef`);
      else if (knownProvider && !hasBuiltinMetrics(provider)) add(`${field}.name`, `the ${provider} provider has no built-in ${metric.name}: set templateRef`);
    }
    if (metric.interval !== undefined && tryParseDuration(metric.interval) === undefined) add(`${field}.interval`, `is not a duration: "${metric.interval}"`);
    const range = metric.thresholdRange;
    if (range?.min !== undefined && range.max !== undefined && range.min > range.max) add(`${field}.thresholdRange`, `min ${String(range.min)} is above max ${String(range.max)}`);
  });
  (analysis.webhooks ?? []).forEach((hook, i) => { issues.push(...webhookIssues(hook, `spec.analysis.webhooks[${String(i)}]`)); });
  return issues;
}

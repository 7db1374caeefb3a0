/**
 * The I/O half of a Canary's gates and analysis: calling its webhooks and querying its metrics, so the pure pass
 * (plan.ts) gets their results as plain values. Which hooks run, their payloads and what counts as accepted are
 * decided in webhooks.ts; the verdict on a metric's value in metric-check.ts.
 */
import type { Canary, CanaryMetric, CanaryWebhook, MetricTemplate } from '../api/canary.ts';
import { prometheusProvider } from '../analysis/providers/prometheus.ts';
import { tryParseDuration } from '../util/duration.ts';
import { templateProvider, templateProviders } from './templates/index.ts';
import type { MeasurementContext } from '../analysis/providers/provider.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import type { KubeClient } from '../runtime/rest.ts';
import { isBuiltinMetric, builtinQuery } from './builtin-metrics.ts';
import { checkMetric } from './metric-check.ts';
import { renderMetricQuery } from './metric-template.ts';
import { webhookAccepted, webhookPayload, webhookRetried, webhookTimeoutMs, webhooksOf, type WebhookPayload, type WebhookType } from './webhooks.ts';

/** How one hook answered: accepted (≤ 202), refused, or no answer at all; `message` says which and why. */
export interface HookAnswer { accepted: boolean; message: string }

/** POSTs the payload to the hook, retrying connection errors and 5xx `retries` times, each attempt within its timeout. */
export async function callWebhook(hook: DeepReadonly<CanaryWebhook>, payload: WebhookPayload, signal: AbortSignal): Promise<HookAnswer> {
  const attempts = 1 + Math.max(0, hook.retries ?? 0);
  let last: HookAnswer = { accepted: false, message: `webhook ${hook.name} was not called` };
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    let status: number | undefined;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.any([signal, AbortSignal.timeout(webhookTimeoutMs(hook))]),
      });
      status = res.status;
      const body = (await res.text()).slice(0, 200);
      last = webhookAccepted(status)
        ? { accepted: true, message: `webhook ${hook.name} answered ${String(status)}` }
        : { accepted: false, message: `webhook ${hook.name} answered ${String(status)}${body === '' ? '' : `: ${body}`}` };
    } catch (error) {
      if (signal.aborted) throw error;
      last = { accepted: false, message: `webhook ${hook.name} (${hook.url}) did not answer: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (!webhookRetried(status)) break;
  }
  return last;
}

/** Calls every hook of a type in order; the first refusal is the result (undefined: there are no such hooks). */
export async function callHooks(canary: DeepReadonly<Canary>, type: WebhookType, signal: AbortSignal): Promise<HookAnswer | undefined> {
  const hooks = webhooksOf(canary, type);
  if (hooks.length === 0) return undefined;
  let answer: HookAnswer = { accepted: true, message: '' };
  for (const hook of hooks) {
    answer = await callWebhook(hook, webhookPayload(canary, canary.status?.phase ?? '', hook), signal);
    if (!answer.accepted) return answer;
  }
  return answer;
}

/** Rollback hooks ask for a rollback by accepting: any one that does is enough. */
export async function rollbackRequested(canary: DeepReadonly<Canary>, signal: AbortSignal): Promise<boolean> {
  for (const hook of webhooksOf(canary, 'rollback')) {
    const answer = await callWebhook(hook, webhookPayload(canary, canary.status?.phase ?? '', hook), signal);
    if (answer.accepted) return true;
  }
  return false;
}

export interface AnalysisContext {
  /** spec.provider or the controller's default. */
  provider: string;
  /** spec.metricsServer or the controller's default Prometheus. */
  metricsServer: string;
  template(namespace: string, name: string): DeepReadonly<MetricTemplate> | undefined;
  /** A Secret's keys, decoded (a MetricTemplate's secretRef, in the template's namespace); undefined when absent. */
  secret(namespace: string, name: string): Readonly<Record<string, string>> | undefined;
  kube: KubeClient;
  /** Whether a query without data holds the release (aviary.dev/no-data: wait) rather than counting as a failed check. */
  noDataWaits: boolean;
  signal: AbortSignal;
}

/** An analysis's result: its first failure (one failed check), or a reason to wait, or neither (it passed). */
export interface AnalysisOutcome {
  failure?: string;
  waiting?: string;
  /** The value each metric measured (by metric name), up to the first failure: flagger_canary_metric_analysis. */
  values?: Record<string, number>;
}

/**
 * One analysis as Flagger runs it: at the start of a release (weight 0, no iteration yet) the pre-rollout hooks only;
 * afterwards the rollout hooks, the built-in metrics and the template metrics. The first failure stops it.
 */
export async function runAnalysis(canary: DeepReadonly<Canary>, ctx: AnalysisContext): Promise<AnalysisOutcome> {
  const name = `${canary.metadata.name ?? ''}.${canary.metadata.namespace ?? ''}`;
  const atStart = (canary.status?.canaryWeight ?? 0) === 0 && (canary.status?.iterations ?? 0) === 0;
  if (atStart) {
    // Nothing reaches the canary yet: only the pre-rollout hooks can judge it (metrics would find no values).
    const pre = await callHooks(canary, 'pre-rollout', ctx.signal);
    return pre !== undefined && !pre.accepted ? { failure: `Halt ${name} advancement pre-rollout check failed: ${pre.message}` } : {};
  }
  const rollout = await callHooks(canary, 'rollout', ctx.signal);
  if (rollout !== undefined && !rollout.accepted) return { failure: `Halt ${name} advancement external check failed: ${rollout.message}` };
  const values: Record<string, number> = {};
  for (const metric of canary.spec.analysis.metrics ?? []) {
    let value: number | undefined;
    try {
      value = await metricValue(canary, metric, ctx);
    } catch (error) {
      return { failure: `Metric query failed for ${metric.name}: ${error instanceof Error ? error.message : String(error)}`, values };
    }
    if (value !== undefined) values[metric.name] = value;
    const verdict = checkMetric(metric, value, name, { noDataWaits: ctx.noDataWaits });
    if (verdict.outcome === 'failed') return { failure: verdict.message, values };
    if (verdict.outcome === 'waiting') return { waiting: verdict.message, values };
  }
  return { values };
}

/** The metric's value: a built-in query for the provider, or the referenced template's (undefined: no data). */
async function metricValue(canary: DeepReadonly<Canary>, metric: DeepReadonly<CanaryMetric>, ctx: AnalysisContext): Promise<number | undefined> {
  const namespace = canary.metadata.namespace ?? 'default';
  const interval = metric.interval ?? '1m';
  const scope = {
    namespace,
    target: canary.spec.targetRef.name,
    service: canary.spec.service.name ?? canary.spec.targetRef.name,
    ingress: canary.spec.ingressRef?.name,
    route: canary.spec.routeRef?.name,
    interval,
  };
  if (metric.templateRef === undefined) {
    if (!isBuiltinMetric(metric.name)) throw new Error(`"${metric.name}" is neither a built-in metric nor a templateRef`);
    const builtin = builtinQuery(ctx.provider, metric.name, scope);
    if (builtin === undefined) throw new Error(`the ${ctx.provider} provider has no built-in ${metric.name}`);
    const value = await prometheusValue(ctx, ctx.metricsServer, builtin.query, canary);
    return value === undefined ? undefined : builtin.toUnit(value);
  }
  const ref = metric.templateRef;
  const template = ctx.template(ref.namespace ?? namespace, ref.name);
  if (template === undefined) throw new Error(`MetricTemplate ${ref.namespace ?? namespace}/${ref.name} not found (spec.analysis.metrics templateRef)`);
  const query = renderMetricQuery(template.spec.query, {
    name: canary.metadata.name ?? '', namespace, target: scope.target, service: scope.service,
    ingress: scope.ingress ?? '', route: scope.route ?? '', interval, variables: { ...metric.templateVariables },
  });
  const type: string = template.spec.provider.type;
  if (type === 'prometheus') return prometheusValue(ctx, template.spec.provider.address ?? ctx.metricsServer, query, canary);
  const provider = templateProvider(type);
  if (provider === undefined) throw new Error(`MetricTemplate ${ref.name}: provider type "${type}" is not queried by Aviary yet (prometheus, ${templateProviders.map((p) => p.type).join(', ')} are)`);
  const secretName = template.spec.provider.secretRef?.name;
  const templateNamespace = template.metadata.namespace ?? namespace;
  const credentials = secretName === undefined ? {} : ctx.secret(templateNamespace, secretName);
  if (credentials === undefined) throw new Error(`MetricTemplate ${ref.name}: Secret ${templateNamespace}/${secretName ?? ''} (spec.provider.secretRef) not found`);
  return provider.value({ address: template.spec.provider.address, query, credentials, intervalMs: tryParseDuration(interval) ?? 60_000, signal: ctx.signal, now: () => new Date() });
}

/** A PromQL instant query's single value: the first sample of a vector, or a scalar; undefined when empty or NaN. */
async function prometheusValue(ctx: AnalysisContext, address: string, query: string, canary: DeepReadonly<Canary>): Promise<number | undefined> {
  const measurement: MeasurementContext = {
    run: { apiVersion: canary.apiVersion ?? '', kind: 'Canary', name: canary.metadata.name ?? '', namespace: canary.metadata.namespace ?? '', uid: canary.metadata.uid ?? '' },
    metricName: query,
    signal: ctx.signal,
    readSecret: () => Promise.resolve(undefined),
    kube: ctx.kube,
    getJob: () => undefined,
    now: () => new Date(),
  };
  const config = { address, query };
  prometheusProvider.validate(config);
  const outcome = await prometheusProvider.measure(measurement, config);
  if (outcome.kind !== 'value') return undefined;
  const first = Array.isArray(outcome.result) ? (outcome.result as unknown[])[0] : outcome.result;
  return typeof first === 'number' && !Number.isNaN(first) ? first : undefined;
}

/**
 * skywalking: a GraphQL query against the SkyWalking OAP (POST <address>/graphql) with a `duration` variable
 * covering the last `interval` at minute steps (`{start: "2024-05-01 1155", end: "2024-05-01 1200", step:
 * "MINUTE"}`, UTC). The result is the response's `data`, as it is (`result.service_sla.values[0].value`);
 * GraphQL errors and a null `data` are measurement errors.
 */
import { SkyWalkingMetric } from '../../api/metric-provider.ts';
import { checkSchema, durationMs, formatJson, requireHttpUrl, requireString } from './common.ts';
import { apiUrl, parseHttpUrl, sendJson } from './http.ts';
import { ProviderConfigError, ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';

const type = 'skywalking';
const timeoutMs = 30_000;
const defaultIntervalMs = 5 * 60_000;

export function validateSkyWalking(config: unknown): void {
  checkSchema(SkyWalkingMetric, config, type);
  const c = config as SkyWalkingMetric;
  requireHttpUrl(c.address, `provider.${type}.address`);
  requireString(c.query, `provider.${type}.query`);
  durationMs(c.interval, `provider.${type}.interval`, defaultIntervalMs);
}

/** SkyWalking's minute-step time: `2024-05-01 1200` (UTC). */
export function minuteStep(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

async function measure(ctx: MeasurementContext, config: SkyWalkingMetric): Promise<ProviderOutcome> {
  const base = parseHttpUrl(config.address ?? '');
  if (base === undefined) throw new ProviderConfigError(`provider.${type}.address`, 'is not an http(s) URL');
  const now = ctx.now();
  const start = new Date(now.getTime() - durationMs(config.interval, `provider.${type}.interval`, defaultIntervalMs));
  const body = JSON.stringify({ query: config.query, variables: { duration: { start: minuteStep(start), end: minuteStep(now), step: 'MINUTE' } } });
  const res = (await sendJson({
    provider: type,
    method: 'POST',
    url: apiUrl(base, '/graphql'),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
    timeoutMs,
    signal: ctx.signal,
  })) as { data?: unknown; errors?: { message?: string }[] };
  const messages = (res.errors ?? []).map((e) => e.message ?? '').filter((m) => m !== '');
  if (messages.length > 0) throw new ProviderError(type, `graphql: ${messages.join('; ')}`);
  if (res.data === undefined || res.data === null) throw new ProviderError(type, 'no results returned from SkyWalking query');
  return { kind: 'value', result: res.data, value: formatJson(res.data) };
}

export const skyWalkingProvider: MetricProvider<SkyWalkingMetric> = { type, validate: validateSkyWalking, measure };

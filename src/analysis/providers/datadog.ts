/**
 * datadog: a metrics query over the last `interval` (default 5m).
 *
 * - apiVersion v1 (default): GET /api/v1/query?from&to&query (seconds). The result is the last point of the first
 *   series; no series (or no points) gives `null`, which `default(result, 0)` handles.
 * - apiVersion v2: POST /api/v2/query/scalar with the queries (`query`, or named `queries` combined by `formula`)
 *   reduced by `aggregator` (default last). The result is the first value of the first column; none gives null.
 *
 * Credentials: Secret `datadog` (or `secretRef.name`) with keys api-key, app-key and optionally address (default
 * https://api.datadoghq.com), read from the controller's namespace like Argo Rollouts, or from the run's namespace
 * with `secretRef.namespaced: true`. Sent as DD-API-KEY and DD-APPLICATION-KEY headers.
 */
import { DatadogMetric } from '../../api/metric-provider.ts';
import { checkSchema, durationMs, formatJson, requireSecret, toFloat } from './common.ts';
import { apiUrl, parseHttpUrl, sendJson } from './http.ts';
import { ProviderConfigError, ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';

const type = 'datadog';
const defaultIntervalMs = 5 * 60_000;
const defaultAddress = 'https://api.datadoghq.com';
const timeoutMs = 30_000;

export function validateDatadog(config: unknown): void {
  checkSchema(DatadogMetric, config, type);
  const c = config as DatadogMetric;
  const base = `provider.${type}`;
  durationMs(c.interval, `${base}.interval`, defaultIntervalMs);
  const hasQuery = (c.query ?? '') !== '';
  const queries = Object.keys(c.queries ?? {});
  if (hasQuery && queries.length > 0) throw new ProviderConfigError(`${base}.queries`, 'cannot be set together with query');
  if (!hasQuery && queries.length === 0) throw new ProviderConfigError(`${base}.query`, 'is required (or queries with apiVersion v2)');
  const v2 = c.apiVersion === 'v2';
  if (!v2 && queries.length > 0) throw new ProviderConfigError(`${base}.queries`, 'needs apiVersion v2');
  if (!v2 && (c.formula ?? '') !== '') throw new ProviderConfigError(`${base}.formula`, 'needs apiVersion v2');
  if (queries.length > 1 && (c.formula ?? '') === '') throw new ProviderConfigError(`${base}.formula`, 'is required with several queries');
}

interface V1Response {
  status?: unknown;
  error?: unknown;
  series?: { pointlist?: unknown[] }[];
}

interface V2Response {
  errors?: unknown;
  data?: { attributes?: { columns?: { name?: string; values?: unknown[] }[] } };
}

/** The last non-null point of the first series, or null when there is none. */
export function v1Result(body: V1Response): number | null {
  if (typeof body.error === 'string' && body.error !== '') throw new ProviderError(type, `query failed: ${body.error}`);
  if (body.status !== undefined && body.status !== 'ok') throw new ProviderError(type, `query status ${JSON.stringify(body.status)}`);
  const points = body.series?.[0]?.pointlist ?? [];
  for (let i = points.length - 1; i >= 0; i--) {
    const point: unknown = points[i];
    const value: unknown = Array.isArray(point) ? (point as unknown[])[1] : undefined;
    if (value === null || value === undefined) continue;
    const number = toFloat(value);
    if (number === undefined) throw new ProviderError(type, `malformed point ${JSON.stringify(point)}`);
    return number;
  }
  return null;
}

/** The first value of the first column, or null when there is none. */
export function v2Result(body: V2Response): number | null {
  if (typeof body.errors === 'string' && body.errors !== '') throw new ProviderError(type, `query failed: ${body.errors}`);
  const value = body.data?.attributes?.columns?.[0]?.values?.[0];
  if (value === undefined || value === null) return null;
  const number = toFloat(value);
  if (number === undefined) throw new ProviderError(type, `malformed value ${JSON.stringify(value)}`);
  return number;
}

async function measure(ctx: MeasurementContext, config: DatadogMetric): Promise<ProviderOutcome> {
  const secretName = (config.secretRef?.name ?? '') === '' ? 'datadog' : (config.secretRef?.name ?? 'datadog');
  const scope = config.secretRef?.namespaced === true ? 'run' : 'controller';
  const apiKey = await requireSecret(ctx, type, secretName, 'api-key', scope);
  const appKey = await requireSecret(ctx, type, secretName, 'app-key', scope);
  const address = (await ctx.readSecret(secretName, 'address', scope)) ?? defaultAddress;
  const base = parseHttpUrl(address === '' ? defaultAddress : address);
  if (base === undefined) throw new ProviderError(type, `Secret ${secretName} key address is not an http(s) URL`);
  const to = ctx.now().getTime();
  const from = to - durationMs(config.interval, `provider.${type}.interval`, defaultIntervalMs);
  const headers = { 'DD-API-KEY': apiKey, 'DD-APPLICATION-KEY': appKey, accept: 'application/json' };
  let result: number | null;
  if (config.apiVersion === 'v2') {
    const queries = (config.query ?? '') !== '' ? { query: config.query ?? '' } : (config.queries ?? {});
    const formula = (config.formula ?? '') !== '' ? (config.formula ?? '') : (Object.keys(queries)[0] ?? '');
    const body = {
      data: {
        type: 'scalar_request',
        attributes: {
          from,
          to,
          formulas: [{ formula }],
          queries: Object.entries(queries).map(([name, query]) => ({ data_source: 'metrics', name, query, aggregator: config.aggregator ?? 'last' })),
        },
      },
    };
    const url = apiUrl(base, '/api/v2/query/scalar');
    const res = await sendJson({ provider: type, method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs, signal: ctx.signal });
    result = v2Result(res as V2Response);
  } else {
    const url = apiUrl(base, '/api/v1/query', { from: String(Math.floor(from / 1000)), to: String(Math.floor(to / 1000)), query: config.query });
    result = v1Result((await sendJson({ provider: type, url, headers, timeoutMs, signal: ctx.signal })) as V1Response);
  }
  return { kind: 'value', result, value: formatJson(result) };
}

export const datadogProvider: MetricProvider<DatadogMetric> = { type, validate: validateDatadog, measure };

/**
 * wavefront: a WQL query through the chart API (GET /api/v2/chart/api, `q` the query, `s` the start in ms, one
 * point per series at second granularity), with the API token of the address as a bearer token.
 *
 * Result: one series gives its first value (a number); several give the list of their first values. A NaN makes
 * the measurement Inconclusive, as in Argo Rollouts; no series is an error. Values render with two decimals.
 *
 * Token: Secret `wavefront-api-tokens` in the controller's namespace, the key being the address.
 */
import { WavefrontMetric } from '../../api/metric-provider.ts';
import { checkSchema, requireSecret, requireString, toFloat } from './common.ts';
import { apiUrl, parseHttpUrl, sendJson } from './http.ts';
import { ProviderConfigError, ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';

const type = 'wavefront';
export const wavefrontTokensSecret = 'wavefront-api-tokens';
const timeoutMs = 30_000;

/** The API base of an address: as given when it has a scheme, else https. */
function baseUrl(address: string): URL | undefined {
  return parseHttpUrl(/^[a-z]+:\/\//i.test(address) ? address : `https://${address}`);
}

export function validateWavefront(config: unknown): void {
  checkSchema(WavefrontMetric, config, type);
  const c = config as WavefrontMetric;
  const address = requireString(c.address, `provider.${type}.address`);
  if (baseUrl(address) === undefined) throw new ProviderConfigError(`provider.${type}.address`, `is not a host or URL: "${address}"`);
  requireString(c.query, `provider.${type}.query`);
}

interface ChartResponse {
  timeseries?: { data?: unknown[] }[];
}

function firstValue(series: { data?: unknown[] }): number {
  const point = series.data?.[0];
  const value = Array.isArray(point) ? toFloat(point[1]) : undefined;
  if (value === undefined) throw new ProviderError(type, `series without a data point: ${JSON.stringify(series).slice(0, 120)}`);
  return value;
}

export function wavefrontOutcome(body: ChartResponse): ProviderOutcome {
  const series = body.timeseries ?? [];
  if (series.length === 0) throw new ProviderError(type, 'no time series found in the response');
  const values = series.map(firstValue);
  const value = values.length === 1 ? (values[0] ?? NaN).toFixed(2) : `[${values.map((v) => v.toFixed(2)).join(',')}]`;
  if (values.some((v) => Number.isNaN(v))) return { kind: 'phase', phase: 'Inconclusive', value, message: 'the query returned NaN' };
  return { kind: 'value', result: values.length === 1 ? values[0] : values, value };
}

async function measure(ctx: MeasurementContext, config: WavefrontMetric): Promise<ProviderOutcome> {
  const address = config.address ?? '';
  const base = baseUrl(address);
  if (base === undefined) throw new ProviderConfigError(`provider.${type}.address`, 'is not a host or URL');
  const token = await requireSecret(ctx, type, wavefrontTokensSecret, address, 'controller');
  const url = apiUrl(base, '/api/v2/chart/api', { q: config.query, s: String(ctx.now().getTime()), g: 's', p: '1', sorted: 'false' });
  const body = await sendJson({ provider: type, url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeoutMs, signal: ctx.signal });
  return wavefrontOutcome(body as ChartResponse);
}

export const wavefrontProvider: MetricProvider<WavefrontMetric> = { type, validate: validateWavefront, measure };

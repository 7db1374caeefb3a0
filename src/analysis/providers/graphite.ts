/**
 * graphite: the render API (GET /render?<query>&format=json). `query` is the render parameters as written after
 * `?` (usually `target=...`); whitespace runs in it are folded, so multi-line templates work.
 *
 * Result: the non-null values of the first target's datapoints, a list of numbers (`result[0] >= 90`); no value
 * is an error. Values render with six decimals, as in Argo Rollouts.
 */
import { GraphiteMetric } from '../../api/metric-provider.ts';
import { checkSchema, requireHttpUrl, requireString, toFloat } from './common.ts';
import { sendJson } from './http.ts';
import { ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';

const type = 'graphite';
const timeoutMs = 30_000;

export function validateGraphite(config: unknown): void {
  checkSchema(GraphiteMetric, config, type);
  const c = config as GraphiteMetric;
  requireHttpUrl(c.address, `provider.${type}.address`);
  requireString(c.query, `provider.${type}.query`);
}

/** The render URL: the address's path + /render, the query's own parameters, format=json. */
export function renderUrl(address: string, query: string): URL {
  const url = new URL(address);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/render`;
  const params = new URLSearchParams(query.replace(/\s+/g, ' ').trim().replace(/^\?/, ''));
  params.set('format', 'json');
  url.search = params.toString();
  return url;
}

export function graphiteValues(body: unknown): number[] {
  if (!Array.isArray(body)) throw new ProviderError(type, 'response is not a list of targets');
  const first = body[0] as { datapoints?: unknown } | undefined;
  const points = first?.datapoints;
  if (first !== undefined && !Array.isArray(points)) throw new ProviderError(type, 'target has no datapoints');
  const values: number[] = [];
  for (const point of Array.isArray(points) ? points : []) {
    if (!Array.isArray(point) || point.length !== 2) throw new ProviderError(type, `malformed datapoint ${JSON.stringify(point)}`);
    if (point[0] === null) continue;
    const value = toFloat(point[0]);
    if (value === undefined) throw new ProviderError(type, `malformed datapoint ${JSON.stringify(point)}`);
    values.push(value);
  }
  if (values.length === 0) throw new ProviderError(type, 'no values found');
  return values;
}

async function measure(ctx: MeasurementContext, config: GraphiteMetric): Promise<ProviderOutcome> {
  const url = renderUrl(config.address ?? '', config.query ?? '');
  const values = graphiteValues(await sendJson({ provider: type, url, headers: { accept: 'application/json' }, timeoutMs, signal: ctx.signal }));
  return { kind: 'value', result: values, value: `[${values.map((v) => v.toFixed(6)).join(',')}]` };
}

export const graphiteProvider: MetricProvider<GraphiteMetric> = { type, validate: validateGraphite, measure };

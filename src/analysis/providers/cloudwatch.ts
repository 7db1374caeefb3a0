/**
 * cloudWatch: GetMetricData over the last `interval` (default 5m), through CloudWatch's AWS JSON 1.0 protocol
 * (POST / with `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`), signed with SigV4 (service
 * monitoring).
 *
 * Result: the MetricDataResults as Argo Rollouts hands them to conditions, field names included:
 * `[{Id, Label, StatusCode, Timestamps, Values}]`, so `all(result[0].Values, {# <= 0.01})` works. Timestamps are
 * RFC 3339 texts. Pages (NextToken) are merged.
 *
 * Credentials and region: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or
 * AWS_DEFAULT_REGION). The endpoint is https://monitoring.<region>.amazonaws.com unless AWS_ENDPOINT_URL_CLOUDWATCH
 * or AWS_ENDPOINT_URL says otherwise. Profiles, web identity and instance roles (the rest of the AWS default chain)
 * are not implemented.
 */
import { CloudWatchMetric, type CloudWatchMetricDataQuery } from '../../api/metric-provider.ts';
import { checkSchema, durationMs, formatJson } from './common.ts';
import { parseHttpUrl, sendJson } from './http.ts';
import { ProviderConfigError, ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';
import { credentialsFromEnv, regionFromEnv, signV4 } from './sigv4.ts';

const type = 'cloudWatch';
const defaultIntervalMs = 5 * 60_000;
const timeoutMs = 30_000;
const maxPages = 10;
const target = 'GraniteServiceVersion20100801.GetMetricData';

function period(value: number | string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ProviderConfigError(field, `must be a positive number of seconds, got ${JSON.stringify(value)}`);
  return n;
}

export function validateCloudWatch(config: unknown): void {
  checkSchema(CloudWatchMetric, config, type);
  const c = config as CloudWatchMetric;
  const base = `provider.${type}`;
  durationMs(c.interval, `${base}.interval`, defaultIntervalMs);
  if (c.metricDataQueries.length === 0) throw new ProviderConfigError(`${base}.metricDataQueries`, 'must list at least one query');
  c.metricDataQueries.forEach((q, i) => {
    const at = `${base}.metricDataQueries[${i}]`;
    if ((q.id ?? '') === '') throw new ProviderConfigError(`${at}.id`, 'is required');
    const hasExpression = (q.expression ?? '') !== '';
    if (hasExpression === (q.metricStat !== undefined)) throw new ProviderConfigError(at, 'must set exactly one of expression, metricStat');
    period(q.period, `${at}.period`);
    if (q.metricStat !== undefined) {
      if ((q.metricStat.metric?.metricName ?? '') === '') throw new ProviderConfigError(`${at}.metricStat.metric.metricName`, 'is required');
      if ((q.metricStat.metric?.namespace ?? '') === '') throw new ProviderConfigError(`${at}.metricStat.metric.namespace`, 'is required');
      if ((q.metricStat.stat ?? '') === '') throw new ProviderConfigError(`${at}.metricStat.stat`, 'is required');
      if (period(q.metricStat.period, `${at}.metricStat.period`) === undefined) throw new ProviderConfigError(`${at}.metricStat.period`, 'is required');
    }
  });
}

/** One query in the API's shape (capitalised field names). */
export function apiQuery(q: CloudWatchMetricDataQuery): Record<string, unknown> {
  const out: Record<string, unknown> = { Id: q.id };
  if ((q.expression ?? '') !== '') out.Expression = q.expression;
  if ((q.label ?? '') !== '') out.Label = q.label;
  const p = period(q.period, 'period');
  if (p !== undefined) out.Period = p;
  if (q.returnData !== undefined) out.ReturnData = q.returnData;
  const stat = q.metricStat;
  if (stat !== undefined) {
    const metric = stat.metric;
    out.MetricStat = {
      Metric: {
        Namespace: metric?.namespace,
        MetricName: metric?.metricName,
        ...((metric?.dimensions ?? []).length > 0 ? { Dimensions: (metric?.dimensions ?? []).map((d) => ({ Name: d.name, Value: d.value })) } : {}),
      },
      Period: period(stat.period, 'metricStat.period'),
      Stat: stat.stat,
      ...((stat.unit ?? '') !== '' ? { Unit: stat.unit } : {}),
    };
  }
  return out;
}

interface ApiResult {
  Id?: string;
  Label?: string;
  StatusCode?: string;
  Timestamps?: number[];
  Values?: number[];
}

function endpoint(region: string, env: NodeJS.ProcessEnv): URL {
  const override = env.AWS_ENDPOINT_URL_CLOUDWATCH ?? env.AWS_ENDPOINT_URL ?? '';
  const url = parseHttpUrl(override !== '' ? override : `https://monitoring.${region}.amazonaws.com/`);
  if (url === undefined) throw new ProviderError(type, `endpoint override is not an http(s) URL: "${override}"`);
  return url;
}

async function measure(ctx: MeasurementContext, config: CloudWatchMetric, env: NodeJS.ProcessEnv = process.env): Promise<ProviderOutcome> {
  const credentials = credentialsFromEnv(env);
  if (credentials === undefined) throw new ProviderError(type, 'AWS credentials are not set (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
  const region = regionFromEnv(env);
  if (region === undefined) throw new ProviderError(type, 'AWS region is not set (AWS_REGION)');
  const url = endpoint(region, env);
  const now = ctx.now();
  const end = Math.floor(now.getTime() / 1000);
  const start = end - Math.floor(durationMs(config.interval, `provider.${type}.interval`, defaultIntervalMs) / 1000);
  const results = new Map<string, Required<ApiResult>>();
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const body = JSON.stringify({
      StartTime: start,
      EndTime: end,
      MetricDataQueries: config.metricDataQueries.map(apiQuery),
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    });
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target };
    const signed = signV4({ method: 'POST', url, headers, body }, credentials, region, 'monitoring', now);
    const res = (await sendJson({ provider: type, method: 'POST', url, headers: { ...headers, ...signed }, body, timeoutMs, signal: ctx.signal })) as {
      MetricDataResults?: ApiResult[];
      NextToken?: string;
    };
    for (const r of res.MetricDataResults ?? []) {
      const id = r.Id ?? '';
      const seen = results.get(id) ?? { Id: id, Label: r.Label ?? '', StatusCode: r.StatusCode ?? '', Timestamps: [], Values: [] };
      seen.Timestamps.push(...(r.Timestamps ?? []));
      seen.Values.push(...(r.Values ?? []));
      seen.StatusCode = r.StatusCode ?? seen.StatusCode;
      results.set(id, seen);
    }
    nextToken = (res.NextToken ?? '') === '' ? undefined : res.NextToken;
    if (nextToken === undefined) break;
  }
  const result = [...results.values()].map((r) => ({ ...r, Timestamps: r.Timestamps.map((t) => new Date(t * 1000).toISOString()) }));
  return { kind: 'value', result, value: formatJson(result) };
}

export const cloudWatchProvider: MetricProvider<CloudWatchMetric> & {
  /** measure() with an explicit environment (tests). */
  measureWith(ctx: MeasurementContext, config: CloudWatchMetric, env: NodeJS.ProcessEnv): Promise<ProviderOutcome>;
} = {
  type,
  validate: validateCloudWatch,
  measure: (ctx, config) => measure(ctx, config),
  measureWith: measure,
};

/**
 * prometheus: a PromQL instant query (or a range query with `rangeQuery`) against the HTTP API
 * (`/api/v1/query`, `/api/v1/query_range`).
 *
 * Results, as Argo Rollouts hands them to conditions: a scalar becomes a number; a vector becomes a list of
 * numbers (one per series, `[]` when empty); a matrix (range query) becomes the list of every sample of every
 * series, in order. NaN stays NaN (`isNaN(result)` tests it). The measurement value is the Go rendering: `0.95`,
 * `[0.95,1]`, `NaN`.
 */
import { PrometheusMetric } from '../../api/metric-provider.ts';
import { oauth2Token, usesOAuth2, validateAuthentication, basicAuthorization } from './auth.ts';
import { checkSchema, formatFloat, formatFloatList, requireString, toFloat } from './common.ts';
import { apiUrl, describeRequest, excerpt, headerRecord, parseHttpUrl, parseJson, send } from './http.ts';
import { ProviderConfigError, ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';
import { credentialsFromEnv, regionFromEnv, signV4 } from './sigv4.ts';
import { resolveRange, validateRange } from './prometheus-range.ts';

const type = 'prometheus';
export const prometheusAddressEnv = 'ARGO_ROLLOUTS_PROMETHEUS_ADDRESS';
const defaultTimeoutSeconds = 30;

function address(config: PrometheusMetric, env: NodeJS.ProcessEnv = process.env): string {
  const fromConfig = config.address ?? '';
  return fromConfig !== '' ? fromConfig : (env[prometheusAddressEnv] ?? '');
}

/** Amazon Managed Prometheus needs SigV4; Argo signs when the address is an aps-workspaces endpoint. */
function usesSigv4(config: PrometheusMetric, url: URL): boolean {
  const sigv4 = config.authentication?.sigv4;
  return url.hostname.includes('aps-workspaces') || (sigv4?.region ?? '') !== '';
}

export function validatePrometheus(config: unknown, env: NodeJS.ProcessEnv = process.env): void {
  checkSchema(PrometheusMetric, config, type);
  const c = config as PrometheusMetric;
  const base = `provider.${type}`;
  const addr = address(c, env);
  if (addr === '') throw new ProviderConfigError(`${base}.address`, `is required (or set ${prometheusAddressEnv})`);
  const url = parseHttpUrl(addr);
  if (url === undefined) throw new ProviderConfigError(`${base}.address`, `is not an http(s) URL: "${addr}"`);
  requireString(c.query, `${base}.query`);
  const auth = c.authentication;
  validateAuthentication(auth, `${base}.authentication`);
  if ((auth?.sigv4?.profile ?? '') !== '') {
    throw new ProviderConfigError(`${base}.authentication.sigv4.profile`, 'is not supported: credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
  }
  if ((auth?.sigv4?.roleArn ?? '') !== '') {
    throw new ProviderConfigError(`${base}.authentication.sigv4.roleArn`, 'is not supported: assuming a role is not implemented');
  }
  if (c.rangeQuery !== undefined) validateRange(c.rangeQuery, `${base}.rangeQuery`);
}

interface PrometheusBody {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function sample(provider: string, pair: unknown): number {
  const value = Array.isArray(pair) ? toFloat(pair[1]) : undefined;
  if (value === undefined) throw new ProviderError(provider, `malformed sample ${excerpt(JSON.stringify(pair), 80)}`);
  return value;
}

/** Turns the `data` of a query response into the condition's `result` and the measurement value. */
export function processPrometheusData(data: PrometheusBody['data']): { result: number | number[]; value: string } {
  const resultType = data?.resultType;
  const result = data?.result;
  switch (resultType) {
    case 'scalar': {
      const value = sample(type, result);
      return { result: value, value: formatFloat(value) };
    }
    case 'vector': {
      if (!Array.isArray(result)) throw new ProviderError(type, 'vector result is not a list');
      const values = result.map((series: { value?: unknown } | null) => sample(type, series?.value));
      return { result: values, value: formatFloatList(values) };
    }
    case 'matrix': {
      if (!Array.isArray(result)) throw new ProviderError(type, 'matrix result is not a list');
      const values = result.flatMap((series: { values?: unknown } | null) => {
        const samples = series?.values;
        if (!Array.isArray(samples)) throw new ProviderError(type, 'matrix series has no values');
        return samples.map((pair) => sample(type, pair));
      });
      return { result: values, value: formatFloatList(values) };
    }
    default:
      throw new ProviderError(type, `result type ${typeof resultType === 'string' ? `"${resultType}"` : String(resultType)} is not supported (scalar, vector and matrix are)`);
  }
}

async function authHeaders(ctx: MeasurementContext, config: PrometheusMetric, timeoutMs: number): Promise<Record<string, string>> {
  const auth = config.authentication;
  const headers: Record<string, string> = {};
  const basic = auth?.basicAuth;
  if (basic !== undefined && ((basic.username ?? '') !== '' || (basic.password ?? '') !== '')) {
    headers.authorization = basicAuthorization(basic.username ?? '', basic.password ?? '');
  }
  if (usesOAuth2(auth?.oauth2)) {
    headers.authorization = `Bearer ${await oauth2Token(type, auth.oauth2, ctx.signal, ctx.now().getTime(), timeoutMs)}`;
  }
  return headers;
}

async function measure(ctx: MeasurementContext, config: PrometheusMetric): Promise<ProviderOutcome> {
  const timeoutSeconds = config.timeout ?? defaultTimeoutSeconds;
  const timeoutMs = (timeoutSeconds > 0 ? timeoutSeconds : defaultTimeoutSeconds) * 1000;
  const base = parseHttpUrl(address(config));
  if (base === undefined) throw new ProviderConfigError(`provider.${type}.address`, 'is not an http(s) URL');
  const now = ctx.now();
  const form = new URLSearchParams({ query: config.query ?? '' });
  let path = '/api/v1/query';
  if (config.rangeQuery === undefined) {
    form.set('time', String(now.getTime() / 1000));
  } else {
    const range = resolveRange(config.rangeQuery, now, `provider.${type}.rangeQuery`);
    path = '/api/v1/query_range';
    form.set('start', String(range.start.getTime() / 1000));
    form.set('end', String(range.end.getTime() / 1000));
    form.set('step', range.step);
  }
  form.set('timeout', `${timeoutMs / 1000}s`);
  const url = apiUrl(base, path);
  const body = form.toString();
  let headers = headerRecord(
    { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    config.headers,
    await authHeaders(ctx, config, timeoutMs),
  );
  if (usesSigv4(config, url)) {
    const credentials = credentialsFromEnv();
    if (credentials === undefined) throw new ProviderError(type, 'SigV4 signing needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    const region = (config.authentication?.sigv4?.region ?? '') || regionFromEnv();
    if (region === undefined || region === '') throw new ProviderError(type, 'SigV4 signing needs authentication.sigv4.region or AWS_REGION');
    headers = { ...headers, ...signV4({ method: 'POST', url, headers, body }, credentials, region, 'aps', now) };
  }
  const res = await send({ provider: type, method: 'POST', url, headers, body, timeoutMs, insecure: config.insecure === true, signal: ctx.signal });
  const what = describeRequest('POST', url);
  const isJson = (res.headers['content-type'] ?? '').includes('json');
  if (!isJson && (res.status < 200 || res.status >= 300)) {
    throw new ProviderError(type, `${what}: HTTP ${res.status}: ${excerpt(res.text)}`, { status: res.status });
  }
  const parsed = parseJson(type, what, res.text) as PrometheusBody;
  if (parsed.status !== 'success') {
    const kind = typeof parsed.errorType === 'string' ? `${parsed.errorType}: ` : '';
    const message = typeof parsed.error === 'string' ? parsed.error : excerpt(res.text);
    throw new ProviderError(type, `${what}: HTTP ${res.status}: ${kind}${message}`, { status: res.status });
  }
  const { result, value } = processPrometheusData(parsed.data);
  const warnings = Array.isArray(parsed.warnings) ? parsed.warnings.filter((w): w is string => typeof w === 'string') : [];
  return {
    kind: 'value',
    result,
    value,
    ...(warnings.length > 0 ? { metadata: { warnings: warnings.map((w) => `"${w}"`).join(', ') } } : {}),
  };
}

export const prometheusProvider: MetricProvider<PrometheusMetric> = {
  type,
  validate: (config) => {
    validatePrometheus(config);
  },
  measure,
};

/**
 * web: an HTTP request whose JSON response (or the part `jsonPath` selects, Kubernetes JSONPath such as
 * `{$.data.ok}`) is the result. One match is the result itself; several matches are a list. A non-2xx status or
 * a body that is not JSON is a measurement error.
 */
import { WebMetric } from '../../api/metric-provider.ts';
import { evaluateJsonPath, JsonPathError, parseJsonPath } from '../../track/jsonpath.ts';
import { basicAuthorization, oauth2Token, usesOAuth2, validateAuthentication } from './auth.ts';
import { checkSchema, formatJson, requireHttpUrl } from './common.ts';
import { describeRequest, excerpt, headerRecord, parseHttpUrl, parseJson, send } from './http.ts';
import { ProviderConfigError, ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';

const type = 'web';
const defaultTimeoutSeconds = 10;
const defaultJsonPath = '{$}';

export function validateWeb(config: unknown): void {
  checkSchema(WebMetric, config, type);
  const c = config as WebMetric;
  const base = `provider.${type}`;
  requireHttpUrl(c.url, `${base}.url`);
  const method = c.method ?? 'GET';
  const hasBody = (c.body ?? '') !== '';
  const hasJsonBody = c.jsonBody !== undefined && c.jsonBody !== null;
  if (hasBody && hasJsonBody) throw new ProviderConfigError(`${base}.jsonBody`, 'cannot be set together with body');
  if ((hasBody || hasJsonBody) && method === 'GET') {
    throw new ProviderConfigError(`${base}.${hasBody ? 'body' : 'jsonBody'}`, 'needs method POST or PUT');
  }
  try {
    parseJsonPath(c.jsonPath ?? defaultJsonPath);
  } catch (error) {
    throw new ProviderConfigError(`${base}.jsonPath`, error instanceof JsonPathError ? error.message : String(error));
  }
  validateAuthentication(c.authentication, `${base}.authentication`);
  if (c.authentication?.sigv4 !== undefined) {
    throw new ProviderConfigError(`${base}.authentication.sigv4`, 'is not supported by the web provider (use headers or oauth2)');
  }
}

/** The condition's `result` from a parsed response: one match is the value, several a list. */
export function selectResult(body: unknown, jsonPath: string): unknown {
  const matches = evaluateJsonPath(body, parseJsonPath(jsonPath));
  if (matches.length === 0) throw new ProviderError(type, `jsonPath ${jsonPath} matched nothing in the response`);
  return matches.length === 1 ? matches[0] : matches;
}

async function measure(ctx: MeasurementContext, config: WebMetric): Promise<ProviderOutcome> {
  const url = parseHttpUrl(config.url);
  if (url === undefined) throw new ProviderConfigError(`provider.${type}.url`, 'is not an http(s) URL');
  const method = config.method ?? 'GET';
  const timeoutMs = ((config.timeoutSeconds ?? 0) > 0 ? (config.timeoutSeconds ?? 0) : defaultTimeoutSeconds) * 1000;
  const hasJsonBody = config.jsonBody !== undefined && config.jsonBody !== null;
  const body = hasJsonBody ? JSON.stringify(config.jsonBody) : (config.body ?? '') === '' ? undefined : config.body;
  const auth: Record<string, string> = {};
  const basic = config.authentication?.basicAuth;
  if (basic !== undefined && ((basic.username ?? '') !== '' || (basic.password ?? '') !== '')) {
    auth.authorization = basicAuthorization(basic.username ?? '', basic.password ?? '');
  }
  const oauth2 = config.authentication?.oauth2;
  if (usesOAuth2(oauth2)) auth.authorization = `Bearer ${await oauth2Token(type, oauth2, ctx.signal, ctx.now().getTime(), timeoutMs)}`;
  const headers = headerRecord(hasJsonBody ? { 'content-type': 'application/json' } : undefined, config.headers, auth);
  const res = await send({
    provider: type,
    method,
    url,
    headers,
    ...(body === undefined ? {} : { body }),
    timeoutMs,
    insecure: config.insecure === true,
    signal: ctx.signal,
  });
  const what = describeRequest(method, url);
  if (res.status < 200 || res.status >= 300) {
    throw new ProviderError(type, `${what}: received non 2xx response code: ${res.status}${res.text === '' ? '' : `: ${excerpt(res.text)}`}`, {
      status: res.status,
    });
  }
  const parsed = parseJson(type, what, res.text);
  const result = selectResult(parsed, config.jsonPath ?? defaultJsonPath);
  return { kind: 'value', result, value: formatJson(result) };
}

export const webProvider: MetricProvider<WebMetric> = {
  type,
  validate: validateWeb,
  measure,
};

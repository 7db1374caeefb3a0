/**
 * newRelic: an NRQL query through NerdGraph (POST /graphql, `actor.account(id).nrql(query)`), authenticated with
 * the personal API key in the `API-Key` header.
 *
 * Result: one row is the row itself (an object, so `result.successRate >= 0.95`); several rows are the list; no
 * rows (or one empty row) is a measurement error. The value is the JSON.
 *
 * Settings: Secret `newrelic` (or `profile`) in the controller's namespace with personal-api-key, account-id and
 * optionally region (us, eu) and base-url-nerdgraph (overrides the region's endpoint).
 */
import { NewRelicMetric } from '../../api/metric-provider.ts';
import { checkSchema, formatJson, requireSecret } from './common.ts';
import { parseHttpUrl, sendJson } from './http.ts';
import { ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';

const type = 'newRelic';
const endpoints: Readonly<Record<string, string>> = { us: 'https://api.newrelic.com/graphql', eu: 'https://api.eu.newrelic.com/graphql' };
const defaultTimeoutSeconds = 30;

const nrqlQuery = (withTimeout: boolean): string =>
  `query ($accountId: Int!, $nrql: Nrql!${withTimeout ? ', $timeout: Seconds' : ''}) { actor { account(id: $accountId) { nrql(query: $nrql${withTimeout ? ', timeout: $timeout' : ''}) { results } } } }`;

export function validateNewRelic(config: unknown): void {
  checkSchema(NewRelicMetric, config, type);
}

interface NerdGraphResponse {
  errors?: { message?: string }[];
  data?: { actor?: { account?: { nrql?: { results?: unknown } | null } | null } | null };
}

/** The condition's result from the NRQL rows. */
export function nrqlResult(results: unknown): unknown {
  if (!Array.isArray(results)) throw new ProviderError(type, 'response has no nrql results');
  const [first] = results as unknown[];
  if (results.length === 0 || (results.length === 1 && (first === null || (typeof first === 'object' && Object.keys(first).length === 0)))) {
    throw new ProviderError(type, 'no results returned from NRQL query');
  }
  return results.length === 1 ? first : results;
}

async function measure(ctx: MeasurementContext, config: NewRelicMetric): Promise<ProviderOutcome> {
  const profile = (config.profile ?? '') === '' ? 'newrelic' : (config.profile ?? 'newrelic');
  const apiKey = await requireSecret(ctx, type, profile, 'personal-api-key', 'controller');
  const accountText = await requireSecret(ctx, type, profile, 'account-id', 'controller');
  const accountId = Number(accountText);
  if (!Number.isInteger(accountId)) throw new ProviderError(type, `Secret ${profile} key account-id is not a number`);
  const region = ((await ctx.readSecret(profile, 'region', 'controller')) ?? 'us').toLowerCase() || 'us';
  const override = (await ctx.readSecret(profile, 'base-url-nerdgraph', 'controller')) ?? '';
  const endpoint = override !== '' ? override : endpoints[region];
  if (endpoint === undefined) throw new ProviderError(type, `Secret ${profile} key region must be us or eu, got "${region}"`);
  const url = parseHttpUrl(endpoint);
  if (url === undefined) throw new ProviderError(type, `Secret ${profile} key base-url-nerdgraph is not an http(s) URL`);
  const timeout = config.timeout;
  const variables: Record<string, unknown> = { accountId, nrql: config.query };
  if (timeout !== undefined) variables.timeout = timeout;
  const body = JSON.stringify({ query: nrqlQuery(timeout !== undefined), variables });
  const timeoutMs = ((timeout ?? 0) > 0 ? (timeout ?? 0) + 5 : defaultTimeoutSeconds) * 1000;
  const res = (await sendJson({
    provider: type,
    method: 'POST',
    url,
    headers: { 'API-Key': apiKey, 'content-type': 'application/json', accept: 'application/json' },
    body,
    timeoutMs,
    signal: ctx.signal,
  })) as NerdGraphResponse;
  const messages = (res.errors ?? []).map((e) => e.message ?? '').filter((m) => m !== '');
  if (messages.length > 0) throw new ProviderError(type, `NerdGraph: ${messages.join('; ')}`);
  const result = nrqlResult(res.data?.actor?.account?.nrql?.results);
  return { kind: 'value', result, value: formatJson(result) };
}

export const newRelicProvider: MetricProvider<NewRelicMetric> = { type, validate: validateNewRelic, measure };

/**
 * Request authentication shared by the prometheus and web providers: basic auth and OAuth2 client credentials
 * (a bearer token fetched from `tokenUrl`, cached until shortly before it expires).
 */
import type { Authentication, OAuth2Config } from '../../api/metric-provider.ts';
import { excerpt, parseJson, send, describeRequest } from './http.ts';
import { ProviderConfigError, ProviderError } from './provider.ts';

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

// Keyed by token URL, client and scopes (never logged). Bounded: templates name a handful of identity providers.
const tokenCache = new Map<string, CachedToken>();
const maxCachedTokens = 64;
// A token is renewed this long before it expires, so a measurement never sends one that expires in flight.
const renewBeforeMs = 30_000;

/** Checks an `authentication` block: oauth2 needs tokenUrl, clientId and clientSecret together. */
export function validateAuthentication(auth: Authentication | undefined, base: string): void {
  const oauth2 = auth?.oauth2;
  if (oauth2 === undefined) return;
  const set = (['tokenUrl', 'clientId', 'clientSecret'] as const).filter((key) => (oauth2[key] ?? '') !== '');
  if (set.length === 0) return;
  for (const key of ['tokenUrl', 'clientId', 'clientSecret'] as const) {
    if ((oauth2[key] ?? '') === '') throw new ProviderConfigError(`${base}.oauth2.${key}`, 'is required when oauth2 is used');
  }
  try {
    new URL(oauth2.tokenUrl ?? '');
  } catch {
    throw new ProviderConfigError(`${base}.oauth2.tokenUrl`, `is not a URL: "${oauth2.tokenUrl ?? ''}"`);
  }
}

/** True when the oauth2 block asks for a token (all three fields set). */
export function usesOAuth2(oauth2: OAuth2Config | undefined): oauth2 is Required<Pick<OAuth2Config, 'tokenUrl' | 'clientId' | 'clientSecret'>> & OAuth2Config {
  return (oauth2?.tokenUrl ?? '') !== '' && (oauth2?.clientId ?? '') !== '' && (oauth2?.clientSecret ?? '') !== '';
}

/**
 * A bearer token from the OAuth2 client-credentials grant (RFC 6749 §4.4). The client authenticates with HTTP
 * basic auth (client_secret_basic), which token endpoints must support.
 */
export async function oauth2Token(
  provider: string,
  config: Required<Pick<OAuth2Config, 'tokenUrl' | 'clientId' | 'clientSecret'>> & OAuth2Config,
  signal: AbortSignal,
  now: number,
  timeoutMs = 10_000,
): Promise<string> {
  const scopes = (config.scopes ?? []).join(' ');
  const key = JSON.stringify([config.tokenUrl, config.clientId, config.clientSecret, scopes]);
  const cached = tokenCache.get(key);
  if (cached !== undefined && cached.expiresAt - renewBeforeMs > now) return cached.token;
  const url = new URL(config.tokenUrl);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scopes !== '') form.set('scope', scopes);
  const res = await send({
    provider,
    method: 'POST',
    url,
    headers: {
      authorization: basicAuthorization(encodeURIComponent(config.clientId), encodeURIComponent(config.clientSecret)),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: form.toString(),
    timeoutMs,
    signal,
  });
  const what = `oauth2 token ${describeRequest('POST', url)}`;
  if (res.status < 200 || res.status >= 300) {
    // Token endpoints answer {error, error_description}; the body never echoes the secret.
    throw new ProviderError(provider, `${what}: HTTP ${res.status}: ${excerpt(res.text)}`, { status: res.status });
  }
  const body = parseJson(provider, what, res.text) as { access_token?: unknown; expires_in?: unknown };
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new ProviderError(provider, `${what}: response has no access_token`);
  }
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? NaN);
  if (Number.isFinite(expiresIn) && expiresIn * 1000 > renewBeforeMs) {
    if (tokenCache.size >= maxCachedTokens) tokenCache.clear();
    tokenCache.set(key, { token: body.access_token, expiresAt: now + expiresIn * 1000 });
  }
  return body.access_token;
}

/** Forgets cached tokens (tests). */
export function clearTokenCache(): void {
  tokenCache.clear();
}

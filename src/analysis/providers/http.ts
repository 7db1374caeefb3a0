/**
 * HTTP for the providers: one request function with a timeout, the measurement's abort signal, optional insecure
 * TLS, and errors that name the provider and the request without leaking credentials.
 *
 * Requests go through native fetch. Skipping certificate verification (`insecure: true`) cannot be done with
 * fetch without an undici Agent, and undici is not a dependency of Aviary (Node's bundled copy is not importable),
 * so those requests go through node:https with rejectUnauthorized: false instead.
 */
import { request as httpsRequest } from 'node:https';
import { ProviderError } from './provider.ts';

export interface HttpRequest {
  /** The provider's type, for error messages. */
  provider: string;
  method?: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  insecure?: boolean;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  text: string;
}

/** The request as error messages show it: method, origin and path; never the query (it may carry keys) or userinfo. */
export function describeRequest(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`;
}

/** Sends a request and returns the response whatever its status; throws ProviderError when there is no response. */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  const method = req.method ?? 'GET';
  const what = describeRequest(method, req.url);
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  try {
    if (req.insecure === true && req.url.protocol === 'https:') return await sendInsecure(req, method, signal);
    const res = await fetch(req.url, { method, headers: req.headers ?? {}, body: req.body ?? null, signal });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { status: res.status, headers, text: await res.text() };
  } catch (error) {
    if (timeout.aborted && !req.signal.aborted) {
      throw new ProviderError(req.provider, `${what}: timed out after ${req.timeoutMs / 1000} s`, { cause: error });
    }
    if (req.signal.aborted) throw new ProviderError(req.provider, `${what}: aborted`, { cause: error });
    throw new ProviderError(req.provider, `${what}: ${causeMessage(error)}`, { cause: error });
  }
}

function causeMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports every network failure as "fetch failed" and puts the reason (ECONNREFUSED, certificate) in cause.
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${error.message} (${cause.message})`;
  return error.message;
}

function sendInsecure(req: HttpRequest, method: string, signal: AbortSignal): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      req.url,
      { method, headers: req.headers ?? {}, signal, rejectUnauthorized: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers, text });
        });
        res.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(req.body);
  });
}

/** A short, single-line excerpt of a response body for error messages. */
export function excerpt(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Sends a request, requires a 2xx status and a JSON body, and returns the parsed body. */
export async function sendJson(req: HttpRequest): Promise<unknown> {
  const res = await send(req);
  const what = describeRequest(req.method ?? 'GET', req.url);
  if (res.status < 200 || res.status >= 300) {
    throw new ProviderError(req.provider, `${what}: HTTP ${res.status}${res.text === '' ? '' : `: ${excerpt(res.text)}`}`, {
      status: res.status,
    });
  }
  return parseJson(req.provider, what, res.text);
}

export function parseJson(provider: string, what: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(provider, `${what}: response is not JSON: ${excerpt(text, 120)}`);
  }
}

/** Parses an absolute http(s) URL; undefined for anything else. */
export function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Joins a base address (which may carry a path prefix) and an API path. */
export function apiUrl(base: string | URL, path: string, query: Record<string, string | undefined> = {}): URL {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

/** Merges header lists; later entries win, names compared without case. */
export function headerRecord(...lists: ({ key: string; value: string }[] | Record<string, string> | undefined)[]): Record<string, string> {
  const out = new Map<string, [string, string]>();
  for (const list of lists) {
    if (list === undefined) continue;
    const entries = Array.isArray(list) ? list.map(({ key, value }) => [key, value] as const) : Object.entries(list);
    for (const [key, value] of entries) out.set(key.toLowerCase(), [key, value]);
  }
  return Object.fromEntries(out.values());
}

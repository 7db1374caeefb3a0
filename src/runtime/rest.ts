/**
 * A small raw-JSON HTTP client for the Kubernetes API, driven by a KubeConnection (kubeconfig.ts) or a client-node
 * KubeConfig.
 *
 * Why not the typed client-node APIs for the runtime's own traffic: they deserialise timestamps into Date objects
 * (and serialise them back with millisecond precision), which breaks Lease MicroTimes and makes cached objects differ
 * from watched ones; and client-node's Watch aborts any stream that is quiet for 30 s and silently drops lines it
 * cannot parse. Here every body stays the JSON the API server sent, pagination and watch timeouts are under our
 * control, and errors carry the HTTP status as `.code`, like client-node's ApiException, so callers handle both
 * clients alike (isApiError accepts either).
 *
 * Authentication and TLS come from the connection on every request, so exec plugins and in-cluster token rotation
 * keep working. Connections are kept alive in one agent per client (TLS options are part of Node's connection-pool
 * key) unless the kubeconfig names a proxy, in which case client-node's proxy agent is used. The agent bounds the
 * sockets per server: a burst of writes (e.g. Events at start-up) queues instead of opening thousands of TLS
 * connections, whose buffers once dominated the controller's memory.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { connectionFromKubeConfig, type KubeConnection } from './kubeconfig.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface RequestParams {
  method?: HttpMethod;
  /** Path below the server URL, e.g. /api/v1/namespaces/default/configmaps. */
  path: string;
  query?: QueryParams;
  body?: unknown;
  /** Content type of the body; default application/json. Use PatchType values for PATCH. */
  contentType?: string;
  signal?: AbortSignal;
  /** Whole-request timeout; default the client's requestTimeoutMs. */
  timeoutMs?: number;
}

export interface WatchParams {
  path: string;
  query?: QueryParams;
  signal?: AbortSignal;
  /** Abort the stream when no bytes arrive for this long. */
  inactivityTimeoutMs?: number;
  /** Called once the server has accepted the watch (status 200), before any event. */
  onOpen?: () => void;
}

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** The body of an API error (metav1.Status). */
export interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

/** Content types of the PATCH flavours the API server accepts. */
export const PatchType = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategicMerge: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * An error status from the API server. `code` is the HTTP status and `body` the metav1.Status, as on client-node's
 * ApiException; `reason` is the Status reason (NotFound, Conflict, AlreadyExists, Expired, ...).
 */
export class KubeApiError extends Error {
  readonly code: number;
  readonly body: KubeStatus;
  readonly headers: Record<string, string>;
  readonly reason: string | undefined;

  constructor(code: number, status: KubeStatus, headers: Record<string, string> = {}, context = '') {
    super(status.message ?? `HTTP ${code}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.body = status;
    this.headers = headers;
    this.reason = status.reason;
    const what = status.message ?? status.reason ?? 'request failed';
    this.message = `${context === '' ? '' : `${context}: `}${code} ${status.reason ?? ''}${status.reason === undefined ? '' : ': '}${what}`;
  }
}

/** A watch delivered nothing, not even a bookmark, for its inactivity timeout: the connection is presumed dead. */
export class WatchInactivityError extends Error {
  constructor(path: string, ms: number) {
    super(`watch ${path}: no data for ${ms} ms`);
    this.name = 'WatchInactivityError';
  }
}

/** An HTTP error status from this client (KubeApiError) or from client-node's typed APIs (ApiException). */
export interface ApiErrorLike {
  code: number;
  body?: unknown;
  message: string;
}

/** True for an API error (from either client) with one of the given HTTP codes. */
export function isApiError(error: unknown, ...codes: number[]): error is ApiErrorLike {
  // Duck-typed so that checking an error never loads client-node: a numeric code marks an HTTP status, where
  // Node's own errors carry string codes (ECONNRESET, ...).
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'number' && (codes.length === 0 || codes.includes(code));
}

export const isNotFound = (error: unknown): boolean => isApiError(error, 404);
export const isConflict = (error: unknown): boolean => isApiError(error, 409);
export const isGone = (error: unknown): boolean => isApiError(error, 410);

export interface KubeClientOptions {
  userAgent?: string;
  /** Default timeout for non-watch requests. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Sockets per server, watches included. Default 64: a handful of long-lived watches plus a bounded number of
   * concurrent requests; more requests wait for a free socket.
   */
  maxSockets?: number;
}

export class KubeClient {
  readonly connection: KubeConnection;
  readonly #userAgent: string;
  readonly #requestTimeoutMs: number;
  readonly #httpsAgent: HttpsAgent;
  readonly #httpAgent: HttpAgent;

  constructor(source: KubeConnection | KubeConfig, options: KubeClientOptions = {}) {
    this.connection = 'applyToHTTPSOptions' in source ? connectionFromKubeConfig(source) : source;
    this.#userAgent = options.userAgent ?? 'aviary-controller';
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const agentOptions = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: options.maxSockets ?? 64, maxFreeSockets: 16 };
    this.#httpsAgent = new HttpsAgent(agentOptions);
    this.#httpAgent = new HttpAgent(agentOptions);
  }

  /** The context's namespace, or "default". */
  defaultNamespace(): string {
    return this.connection.namespace;
  }

  /** Sends a request and returns the parsed JSON body; throws KubeApiError for error statuses. */
  async request<T = unknown>(params: RequestParams): Promise<T> {
    const method = params.method ?? 'GET';
    for (let attempt = 0; ; attempt++) {
      const { req, response } = await this.#send(params, method, params.timeoutMs ?? this.#requestTimeoutMs);
      try {
        const res = await response;
        const text = await readBody(res);
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) throw errorFromResponse(status, text, res, `${method} ${params.path}`);
        return (text === '' ? undefined : JSON.parse(text)) as T;
      } catch (error) {
        // A kept-alive socket the server closed while idle fails at once with ECONNRESET; Node documents a retry
        // on a fresh socket as the remedy. The server never saw the request, so even a POST is safe to resend.
        if (attempt === 0 && req.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') continue;
        throw error;
      }
    }
  }

  get<T = unknown>(path: string, query?: QueryParams, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'GET', path, query, signal });
  }

  create<T = unknown>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'POST', path, body, signal });
  }

  replace<T = unknown>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'PUT', path, body, signal });
  }

  /** PATCH with the given content type (PatchType, or client-node's PatchStrategy values). */
  patch<T = unknown>(path: string, body: unknown, contentType: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'PATCH', path, body, contentType, signal });
  }

  delete<T = unknown>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'DELETE', path, body, signal });
  }

  /**
   * Streams a watch: onEvent runs for every event line, in order. Resolves when the server ends the stream
   * normally (e.g. its timeoutSeconds elapsed); rejects on an error status (KubeApiError), a broken connection,
   * an unparseable line, inactivity, or abort. Error events inside the stream are passed to onEvent.
   */
  async watch<T = unknown>(params: WatchParams, onEvent: (event: WatchEvent<T>) => void): Promise<void> {
    const query: QueryParams = { ...params.query, watch: true };
    const { req, response } = await this.#send({ path: params.path, query, signal: params.signal }, 'GET', 0);
    const res = await response;
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      const text = await readBody(res);
      throw errorFromResponse(status, text, res, `watch ${params.path}`);
    }
    params.onOpen?.();
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      let finished = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (error?: Error): void => {
        if (finished) return;
        finished = true;
        if (idle !== undefined) clearTimeout(idle);
        if (error === undefined) {
          resolve();
        } else {
          req.destroy();
          reject(error);
        }
      };
      const inactivity = params.inactivityTimeoutMs;
      const touch = (): void => {
        if (inactivity === undefined || inactivity <= 0) return;
        if (idle !== undefined) clearTimeout(idle);
        idle = setTimeout(() => {
          finish(new WatchInactivityError(params.path, inactivity));
        }, inactivity);
      };
      touch();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (finished) return;
        touch();
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line === '') continue;
          let event: WatchEvent<T>;
          try {
            event = JSON.parse(line) as WatchEvent<T>;
          } catch {
            // A lost event would leave the cache wrong until the next relist, so a bad line ends the stream and
            // the caller resumes from the last resourceVersion it applied.
            finish(new Error(`watch ${params.path}: unparseable event line`));
            return;
          }
          try {
            onEvent(event);
          } catch (error) {
            finish(error instanceof Error ? error : new Error(String(error)));
            return;
          }
        }
      });
      res.on('end', () => {
        finish();
      });
      res.on('error', (error) => {
        finish(error);
      });
      res.on('close', () => {
        finish(new Error(`watch ${params.path}: connection closed`));
      });
      if (res.destroyed) finish(new Error(`watch ${params.path}: connection closed`));
    });
  }

  /**
   * Opens a streamed GET whose body is not JSON lines — pod logs with follow=true — and resolves with the response
   * once the server has accepted it (2xx); rejects with KubeApiError for an error status. No timeout: the caller
   * reads the body and ends the stream through the signal.
   */
  async stream(params: { path: string; query?: QueryParams; signal?: AbortSignal }): Promise<IncomingMessage> {
    const { response } = await this.#send({ path: params.path, query: params.query, signal: params.signal }, 'GET', 0);
    const res = await response;
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromResponse(status, await readBody(res), res, `GET ${params.path}`);
    return res;
  }

  async #send(
    params: { path: string; query?: QueryParams | undefined; body?: unknown; contentType?: string | undefined; signal?: AbortSignal | undefined },
    method: HttpMethod,
    timeoutMs: number,
  ): Promise<{ req: ClientRequest; response: Promise<IncomingMessage> }> {
    params.signal?.throwIfAborted();
    const url = new URL(joinPath(this.connection.server, params.path));
    for (const [key, value] of Object.entries(params.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const { headers: authHeaders, agent, ...tls } = await this.connection.requestOptions();
    const isHttps = url.protocol === 'https:';
    const options: RequestOptions = { ...tls, agent: agent ?? (isHttps ? this.#httpsAgent : this.#httpAgent) };
    const headers: Record<string, string> = {
      ...authHeaders,
      accept: 'application/json',
      'user-agent': this.#userAgent,
    };
    let payload: string | undefined;
    if (params.body !== undefined) {
      payload = typeof params.body === 'string' ? params.body : JSON.stringify(params.body);
      headers['content-type'] = params.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    options.headers = headers;
    options.method = method;
    if (params.signal !== undefined) options.signal = params.signal;
    const req = (isHttps ? httpsRequest : httpRequest)(url, options);
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    if (timeoutMs > 0) {
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`${method} ${params.path}: timed out after ${timeoutMs} ms`));
      });
    }
    req.end(payload);
    return { req, response };
  }

  /** Closes idle kept-alive connections. */
  close(): void {
    this.#httpsAgent.destroy();
    this.#httpAgent.destroy();
  }
}

function joinPath(server: string, path: string): string {
  return server.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => {
      resolve(text);
    });
    res.on('error', reject);
  });
}

function errorFromResponse(code: number, text: string, res: IncomingMessage, context: string): KubeApiError {
  let status: KubeStatus;
  try {
    const parsed = JSON.parse(text) as unknown;
    status = parsed !== null && typeof parsed === 'object' ? parsed : { message: text };
  } catch {
    status = { message: text.trim() === '' ? (res.statusMessage ?? `HTTP ${code}`) : text.trim().slice(0, 500) };
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(res.headers)) {
    if (typeof value === 'string') headers[key] = value;
  }
  return new KubeApiError(code, status, headers, context);
}

/** REST path of a resource collection or object. */
export function resourcePath(
  apiVersion: string,
  plural: string,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  let path = namespace === undefined || namespace === '' ? base : `${base}/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

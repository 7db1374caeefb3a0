/**
 * A small raw-JSON HTTP client for the Kubernetes API, driven by a client-node KubeConfig.
 *
 * Why not the typed client-node APIs for the runtime's own traffic: they deserialise timestamps into Date objects
 * (and serialise them back with millisecond precision), which breaks Lease MicroTimes and makes cached objects differ
 * from watched ones; and client-node's Watch aborts any stream that is quiet for 30 s and silently drops lines it
 * cannot parse. Here every body stays the JSON the API server sent, pagination and watch timeouts are under our
 * control, and errors are client-node's ApiException (with `.code`) so callers handle both clients alike.
 *
 * Authentication and TLS come from KubeConfig.applyToHTTPSOptions on every request, so exec/OIDC plugins and
 * in-cluster token rotation keep working. Connections are kept alive in one agent per client (TLS options are part
 * of Node's connection-pool key) unless the kubeconfig names a proxy, in which case client-node's proxy agent is used.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface RequestParams {
  method?: HttpMethod;
  /** Path below the server URL, e.g. /api/v1/namespaces/default/configmaps. */
  path: string;
  query?: QueryParams;
  body?: unknown;
  /** Content type of the body; default application/json. Use client-node's PatchStrategy values for PATCH. */
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

/**
 * An error status from the API server. It is a client-node ApiException, so `err instanceof ApiException` and
 * `err.code` work for errors from this client and from the typed APIs alike; `reason` is the Status reason
 * (NotFound, Conflict, AlreadyExists, Expired, ...).
 */
export class KubeApiError extends ApiException<KubeStatus> {
  readonly reason: string | undefined;

  constructor(code: number, status: KubeStatus, headers: Record<string, string> = {}, context = '') {
    super(code, status.message ?? `HTTP ${code}`, status, headers);
    this.name = 'KubeApiError';
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

/** True for an ApiException (from either client) with one of the given HTTP codes. */
export function isApiError(error: unknown, ...codes: number[]): error is ApiException<unknown> {
  return error instanceof ApiException && (codes.length === 0 || codes.includes(error.code));
}

export const isNotFound = (error: unknown): boolean => isApiError(error, 404);
export const isConflict = (error: unknown): boolean => isApiError(error, 409);
export const isGone = (error: unknown): boolean => isApiError(error, 410);

export interface KubeClientOptions {
  userAgent?: string;
  /** Default timeout for non-watch requests. Default 30 s. */
  requestTimeoutMs?: number;
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly #userAgent: string;
  readonly #requestTimeoutMs: number;
  readonly #httpsAgent = new HttpsAgent({ keepAlive: true, keepAliveMsecs: 30_000 });
  readonly #httpAgent = new HttpAgent({ keepAlive: true, keepAliveMsecs: 30_000 });

  constructor(kubeConfig: KubeConfig, options: KubeClientOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.#userAgent = options.userAgent ?? 'aviary-controller';
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The kubeconfig's current-context namespace, or "default". */
  defaultNamespace(): string {
    const context = this.kubeConfig.getContextObject(this.kubeConfig.getCurrentContext());
    return context?.namespace ?? 'default';
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

  /** PATCH with the given content type (client-node's PatchStrategy values). */
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

  async #send(
    params: { path: string; query?: QueryParams | undefined; body?: unknown; contentType?: string | undefined; signal?: AbortSignal | undefined },
    method: HttpMethod,
    timeoutMs: number,
  ): Promise<{ req: ClientRequest; response: Promise<IncomingMessage> }> {
    params.signal?.throwIfAborted();
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    const url = new URL(joinPath(cluster.server, params.path));
    for (const [key, value] of Object.entries(params.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const options: RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(options);
    const isHttps = url.protocol === 'https:';
    if (cluster.proxyUrl === undefined || cluster.proxyUrl === '') {
      options.agent = isHttps ? this.#httpsAgent : this.#httpAgent;
    }
    const headers: Record<string, string> = {
      ...(options.headers as Record<string, string> | undefined),
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

/**
 * For unit tests of the tracker's Kubernetes side: a loopback HTTP server that answers the way the API server does
 * for the few requests the tracker makes — GETs of objects, lists with a resourceVersion, watches that stay open and
 * deliver the events a test sends, pod logs — and records every request. Not a mock of the API's logic: each test
 * says what the server holds.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConnection } from '../runtime/kubeconfig.ts';
import { closeServer } from '../util/http-server.ts';

export interface Recorded {
  path: string;
  query: URLSearchParams;
}

/** What the server answers for a path (without the query); undefined means 404. */
export type Route = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => void;

export class FakeApi {
  readonly requests: Recorded[] = [];
  readonly routes = new Map<string, Route>();
  readonly #watches = new Map<string, ServerResponse[]>();
  #waiters: { test: (r: Recorded) => boolean; resolve: () => void }[] = [];
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((req, res) => { this.handle(req, res); });
  }

  static async start(): Promise<FakeApi> {
    const api = new FakeApi();
    await new Promise<void>((resolve) => api.#server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get connection(): KubeConnection {
    const { port } = this.#server.address() as AddressInfo;
    return { server: `http://127.0.0.1:${port}`, namespace: 'default', context: 'fake', requestOptions: () => Promise.resolve({}) };
  }

  /** Serves a list at `path`; watches of it stay open until the test ends them. */
  list(path: string, items: unknown[], resourceVersion = '10'): void {
    this.routes.set(path, (_req, res, query) => {
      if (query.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        this.#watches.set(path, [...(this.#watches.get(path) ?? []), res]);
        return;
      }
      json(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion }, items });
    });
  }

  /** Answers `path` with a metav1.Status error. */
  fail(path: string, code: number, reason: string, message: string): void {
    this.routes.set(path, (_req, res) => { json(res, code, { kind: 'Status', status: 'Failure', code, reason, message }); });
  }

  /** Sends a watch event to every open watch of `path`. */
  send(path: string, type: string, object: unknown): void {
    for (const res of this.#watches.get(path) ?? []) res.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** The number of requests for `path` that were (or were not) watches. */
  count(path: string, watch = false): number {
    return this.requests.filter((r) => r.path === path && (r.query.get('watch') === 'true') === watch).length;
  }

  /** Resolves once the server has received a request for `path` (a watch, when `watch`), now or earlier. */
  received(path: string, watch = false): Promise<void> {
    const test = (r: Recorded): boolean => r.path === path && (r.query.get('watch') === 'true') === watch;
    if (this.requests.some(test)) return Promise.resolve();
    return new Promise((resolve) => { this.#waiters.push({ test, resolve }); });
  }

  async close(): Promise<void> {
    for (const list of this.#watches.values()) for (const res of list) res.end();
    await closeServer(this.#server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded = { path: url.pathname, query: url.searchParams };
    this.requests.push(recorded);
    const due = this.#waiters.filter((w) => w.test(recorded));
    this.#waiters = this.#waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve();
    const route = this.routes.get(url.pathname);
    if (route === undefined) json(res, 404, { kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound', message: `${url.pathname} not found` });
    else route(req, res, url.searchParams);
  }
}

export function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The gate service of Flagger's load tester, API-compatible, for Canaries' webhooks: confirm gates and manual
 * rollback switches kept in memory per Canary (`<name>.<namespace>`), answered 200 (open) or 403 (closed). Canaries
 * written for Flagger's load tester point their hooks at it unchanged:
 *
 *   POST /gate/approve → 200, /gate/halt → 403 (fixed answers)
 *   POST /gate/check   → 200 when the Canary's gate was opened, else 403; /gate/open, /gate/close → 202
 *   POST /rollback/check → 200 when a rollback was asked for (rollback hooks then roll back), else 403;
 *   /rollback/open, /rollback/close → 202
 *   GET  /healthz → 200
 *
 * Each POST carries a webhook payload ({name, namespace, ...}); one that is not one is 400. Running commands (Flagger's
 * `POST /` tasks) is not offered: load comes from `aviary load`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../util/http-server.ts';

/** The in-memory state: which gates and rollback switches are open. Everything is closed until opened. */
export class GateStore {
  readonly #open = new Set<string>();

  isOpen(key: string): boolean {
    return this.#open.has(key);
  }

  set(key: string, open: boolean): void {
    if (open) this.#open.add(key);
    else this.#open.delete(key);
  }
}

type Route = { kind: 'fixed'; status: number; body: string } | { kind: 'check' | 'open' | 'close'; prefix: string };

const routes: Readonly<Record<string, Route>> = {
  '/gate/approve': { kind: 'fixed', status: 200, body: 'OK' },
  '/gate/halt': { kind: 'fixed', status: 403, body: 'Forbidden' },
  '/gate/check': { kind: 'check', prefix: '' },
  '/gate/open': { kind: 'open', prefix: '' },
  '/gate/close': { kind: 'close', prefix: '' },
  '/rollback/check': { kind: 'check', prefix: 'rollback.' },
  '/rollback/open': { kind: 'open', prefix: 'rollback.' },
  '/rollback/close': { kind: 'close', prefix: 'rollback.' },
};

/** Largest payload read: a webhook payload is a few hundred bytes. */
const maxBody = 64 * 1024;

/** The answer to one request: status and text. Pure over the store, so it is table-tested without sockets. */
export function answer(store: GateStore, method: string, path: string, body: string): { status: number; body: string } {
  if (path === '/healthz') return { status: 200, body: 'OK' };
  const route = routes[path];
  if (route === undefined) return { status: 404, body: `no such endpoint: ${path} (gates: ${Object.keys(routes).join(', ')})` };
  if (method !== 'POST') return { status: 405, body: `${path} takes POST` };
  if (route.kind === 'fixed') return { status: route.status, body: route.body };
  let key: string;
  try {
    const payload = JSON.parse(body) as { name?: unknown; namespace?: unknown };
    if (typeof payload.name !== 'string' || payload.name === '' || typeof payload.namespace !== 'string' || payload.namespace === '') throw new Error('name and namespace are required');
    key = `${route.prefix}${payload.name}.${payload.namespace}`;
  } catch (error) {
    return { status: 400, body: `the body must be a Canary webhook payload with name and namespace: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (route.kind === 'check') return store.isOpen(key) ? { status: 200, body: 'Approved' } : { status: 403, body: 'Forbidden' };
  store.set(key, route.kind === 'open');
  return { status: 202, body: route.kind === 'open' ? `${key} opened` : `${key} closed` };
}

export interface LoadTester {
  readonly url: string;
  readonly store: GateStore;
  close(): Promise<void>;
}

/** Serves the gates on host:port (port 0: any free one). */
export async function startLoadTester(host: string, port: number, store = new GateStore()): Promise<LoadTester> {
  const server: Server = createServer((req, res) => { handle(store, req, res); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shown}:${String(address.port)}`, store, close: () => closeServer(server) };
}

function handle(store: GateStore, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBody) chunks.push(chunk);
  });
  req.on('end', () => {
    const reply = size > maxBody
      ? { status: 413, body: `payload larger than ${String(maxBody)} bytes` }
      : answer(store, req.method ?? 'GET', new URL(req.url ?? '/', 'http://loadtester').pathname, Buffer.concat(chunks).toString('utf8'));
    res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(reply.body);
  });
}

/**
 * A plain-HTTP reverse proxy on loopback in front of the API server that counts every request passing through it
 * by verb and resource (the same keys as apiserver_request_total). The controller under test is given a
 * kubeconfig pointing at it, so its requests are known exactly even while other clients use the cluster; the API
 * server's own counters cannot tell clients apart.
 *
 * The proxy adds the credentials of the benchmark's kubeconfig to each request: the kubeconfig it writes for the
 * controller holds none.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Agent, request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { closeServer } from '../../src/util/http-server.ts';

/** The apiserver_request_total-style key of a request: "VERB group/resource[/subresource]", or undefined for non-resource paths. */
export function requestKey(method: string, url: URL, contentType: string | undefined): string | undefined {
  const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = 'core';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1] ?? '';
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource = '', name, subresource] = rest;
  let verb: string;
  switch (method) {
    case 'GET':
      verb = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1' ? 'WATCH' : name === undefined ? 'LIST' : 'GET';
      break;
    case 'POST':
      verb = 'CREATE';
      break;
    case 'PUT':
      verb = 'UPDATE';
      break;
    case 'PATCH':
      verb = contentType?.startsWith('application/apply-patch') === true ? 'APPLY' : 'PATCH';
      break;
    case 'DELETE':
      verb = name === undefined ? 'DELETECOLLECTION' : 'DELETE';
      break;
    default:
      verb = method;
  }
  return `${verb} ${group}/${resource}${subresource === undefined ? '' : `/${subresource}`}`;
}

export class CountingProxy {
  /** Requests by key, counted when they are sent on. */
  readonly counts = new Map<string, number>();
  /** Responses that were not 2xx, by "key code". */
  readonly failures = new Map<string, number>();
  readonly #server: Server;
  readonly #agent = new Agent({ keepAlive: true });
  #port = 0;
  #dirs: string[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(kc: KubeConfig): Promise<CountingProxy> {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    const upstream = new URL(cluster.server);
    const tls: RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const credentials = (tls.headers ?? {}) as Record<string, string>;
    const server = createServer();
    const proxy = new CountingProxy(server);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', upstream);
      const key = requestKey(req.method ?? 'GET', url, req.headers['content-type']);
      if (key !== undefined) proxy.counts.set(key, (proxy.counts.get(key) ?? 0) + 1);
      const headers: IncomingHttpHeaders = { ...req.headers, ...credentials, host: upstream.host };
      const out = request(url, { ...tls, headers, method: req.method ?? 'GET', agent: proxy.#agent }, (upstreamRes) => {
        const code = upstreamRes.statusCode ?? 502;
        if (key !== undefined && (code < 200 || code >= 300)) {
          const failure = `${key} ${code}`;
          proxy.failures.set(failure, (proxy.failures.get(failure) ?? 0) + 1);
        }
        res.writeHead(code, upstreamRes.headers);
        upstreamRes.pipe(res);
      });
      out.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.destroy();
      });
      // A client that goes away (an aborted watch) ends the upstream request too.
      res.on('close', () => {
        out.destroy();
      });
      req.pipe(out);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    proxy.#port = address !== null && typeof address === 'object' ? address.port : 0;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** A copy of the counts, for deltas. */
  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Writes a kubeconfig that points at the proxy (and carries no credentials); returns its path. */
  async writeKubeconfig(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'aviary-bench-proxy-'));
    this.#dirs.push(dir);
    const file = join(dir, 'kubeconfig');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain HTTP unless TLS verification is declared off; there is no TLS on this hop.
      clusters: [{ name: 'proxy', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'proxy', user: {} }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy', namespace: 'default' } }],
      'current-context': 'proxy',
    };
    await writeFile(file, JSON.stringify(config));
    await chmod(file, 0o600);
    return file;
  }

  async close(): Promise<void> {
    await closeServer(this.#server);
    this.#agent.destroy();
    for (const dir of this.#dirs) await rm(dir, { recursive: true, force: true });
  }
}

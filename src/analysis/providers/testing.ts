/**
 * Test support for the provider unit tests: a local HTTP server that records what it received and answers as
 * the test says (speaking the remote system's API), and a MeasurementContext without a cluster.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from '../../api/kubernetes.ts';
import type { KubeClient } from '../../runtime/rest.ts';
import { closeServer } from '../../util/http-server.ts';
import { after, before, beforeEach, it } from 'node:test';
import { ProviderConfigError, type MeasurementContext, type SecretScope } from './provider.ts';

export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

/** A loopback HTTP server; `requests` lists every request received, in order. */
export class ApiServer {
  readonly requests: RecordedRequest[] = [];
  url = '';
  handler: Handler;
  #server: Server | undefined;

  constructor(handler: Handler) {
    this.handler = handler;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body };
        this.requests.push(recorded);
        void (async () => {
          const reply = await this.handler(recorded);
          if (reply.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
          const text = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
          const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json';
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
          res.end(text);
        })();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** The only request received; fails when there were none or several. */
  soleRequest(): RecordedRequest {
    if (this.requests.length !== 1) throw new Error(`expected one request, got ${this.requests.length}`);
    const [req] = this.requests;
    if (req === undefined) throw new Error('no request');
    return req;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    await closeServer(server);
  }
}

export interface TestContextOptions {
  secrets?: Record<string, Record<string, string>>;
  /** Secrets in the controller's namespace (scope 'controller'). */
  controllerSecrets?: Record<string, Record<string, string>>;
  jobs?: Map<string, Job>;
  kube?: KubeClient;
  now?: Date;
  signal?: AbortSignal;
  measurementNumber?: number;
}

/** A MeasurementContext for unit tests: secrets from a table, a fixed clock, no cluster unless `kube` is given. */
export function testContext(options: TestContextOptions = {}): MeasurementContext & { secretReads: { name: string; key: string; scope: SecretScope }[] } {
  const secretReads: { name: string; key: string; scope: SecretScope }[] = [];
  const now = options.now ?? new Date('2024-05-01T12:00:00Z');
  const ctx: MeasurementContext & { secretReads: typeof secretReads } = {
    run: { apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun', name: 'run-1', namespace: 'team-a', uid: '0b5c6f2e-0000-4000-8000-000000000001' },
    metricName: 'success-rate',
    signal: options.signal ?? new AbortController().signal,
    secretReads,
    readSecret: (name, key, scope = 'run') => {
      secretReads.push({ name, key, scope });
      const table = scope === 'controller' ? options.controllerSecrets : options.secrets;
      return Promise.resolve(table?.[name]?.[key]);
    },
    kube: options.kube ?? noCluster(),
    getJob: (namespace, name) => options.jobs?.get(`${namespace}/${name}`),
    now: () => now,
  };
  if (options.measurementNumber !== undefined) ctx.measurementNumber = options.measurementNumber;
  return ctx;
}

/** A KubeClient stand-in for providers that must not touch the cluster: any use fails the test loudly. */
function noCluster(): KubeClient {
  // The cast is the point: an object with no members that throws on every property read.
  return new Proxy({}, {
    get(_target, property) {
      throw new Error(`this test has no cluster (KubeClient.${String(property)} was used)`);
    },
  }) as KubeClient;
}

export interface ConfigCase {
  name: string;
  config: unknown;
  /** The field the ProviderConfigError must name; absent for a valid configuration. */
  field?: string;
  message?: RegExp;
}

/** One test per case: valid configurations pass, the others throw ProviderConfigError naming `field`. */
export function configCases(validate: (config: unknown) => void, cases: readonly ConfigCase[]): void {
  for (const c of cases) {
    void it(c.name, () => {
      if (c.field === undefined) {
        validate(c.config);
        return;
      }
      assert.throws(
        () => {
          validate(c.config);
        },
        (error: unknown) => {
          assert.ok(error instanceof ProviderConfigError, `expected a ProviderConfigError, got ${String(error)}`);
          assert.equal(error.field, c.field);
          if (c.message !== undefined) assert.match(error.message, c.message);
          return true;
        },
      );
    });
  }
}

/**
 * An ApiServer for the enclosing describe(): started before its tests, stopped after them, its request log
 * emptied before each test.
 */
export function serveApi(handler: Handler): ApiServer {
  const server = new ApiServer(handler);
  before(async () => {
    await server.start();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });
  return server;
}

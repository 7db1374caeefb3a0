/**
 * The metric source of the analysis benchmarks: a plain-HTTP server on loopback in the benchmark process that the
 * `web` provider queries. It answers every GET with the JSON the benchmark chooses for the path, and records when
 * each request arrived and when its response was handed to the socket (performance.now() of this process, the
 * clock the watch handlers use too).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../../src/util/http-server.ts';

export interface MetricRequest {
  arrivedAt: number;
  /** Set when the response has been written out ('finish'). */
  sentAt?: number;
}

/** The body for a request path ("/fail/abc"), or undefined for 404. */
export type MetricAnswer = (path: string) => unknown;

export class MetricServer {
  /** Requests by path, in arrival order. */
  readonly requests = new Map<string, MetricRequest[]>();
  readonly #server: Server;
  #url = '';
  #total = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(answer: MetricAnswer): Promise<MetricServer> {
    const server = createServer();
    const metrics = new MetricServer(server);
    server.on('request', (req, res) => {
      const record: MetricRequest = { arrivedAt: performance.now() };
      const path = req.url ?? '/';
      let list = metrics.requests.get(path);
      if (list === undefined) {
        list = [];
        metrics.requests.set(path, list);
      }
      list.push(record);
      metrics.#total++;
      res.on('finish', () => {
        record.sentAt = performance.now();
      });
      const body = answer(path);
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { error: `no answer for ${path}` }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    metrics.#url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    return metrics;
  }

  /** "http://127.0.0.1:<port>", without a trailing slash. */
  get url(): string {
    return this.#url;
  }

  /** Requests received since start. */
  get total(): number {
    return this.#total;
  }

  async close(): Promise<void> {
    await closeServer(this.#server);
  }
}

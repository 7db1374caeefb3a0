/**
 * Simulated traffic for the analysis demo: a Prometheus exporter whose request counters grow as if every version of
 * the Rollout served requests, some of them failing. The KWOK pods of the local cluster run no containers, so the
 * demo stands in for the application's own metrics; Prometheus, the queries and the analysis are all real.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../util/http-server.ts';

/** The series the demo's AnalysisTemplate queries, as an application instrumented with Prometheus would name it. */
export const requestsMetric = 'demo_http_requests_total';

export interface TrafficOptions {
  rollout: string;
  /** The pod template hashes serving now (the Rollout's ReplicaSets with pods). */
  versions: () => readonly string[];
  /** The share of a version's requests that fail (0–1). */
  errorRatio: (hash: string) => number;
  requestsPerSecond?: number;
  now?: () => number;
}

interface Counters {
  ok: number;
  failed: number;
}

export class SimulatedTraffic {
  readonly #options: TrafficOptions;
  readonly #counters = new Map<string, Counters>();
  #last: number;
  #server: Server | undefined;

  constructor(options: TrafficOptions) {
    this.#options = options;
    this.#last = (options.now ?? Date.now)();
  }

  /** Advances the counters to now and renders them in Prometheus' text format. */
  render(): string {
    const now = (this.#options.now ?? Date.now)();
    const requests = ((now - this.#last) / 1000) * (this.#options.requestsPerSecond ?? 50);
    this.#last = now;
    for (const hash of this.#options.versions()) {
      const counters = this.#counters.get(hash) ?? { ok: 0, failed: 0 };
      const ratio = Math.min(1, Math.max(0, this.#options.errorRatio(hash)));
      counters.failed += requests * ratio;
      counters.ok += requests * (1 - ratio);
      this.#counters.set(hash, counters);
    }
    const lines = [`# TYPE ${requestsMetric} counter`];
    for (const [hash, counters] of [...this.#counters].sort(([a], [b]) => a.localeCompare(b))) {
      const labels = (code: string): string => `rollout="${this.#options.rollout}",pod_template_hash="${hash}",code="${code}"`;
      lines.push(`${requestsMetric}{${labels('200')}} ${counters.ok.toFixed(3)}`, `${requestsMetric}{${labels('500')}} ${counters.failed.toFixed(3)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** Serves /metrics on a loopback port; resolves with host:port for Prometheus to scrape. */
  async start(): Promise<string> {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(this.render());
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    await closeServer(server);
  }
}

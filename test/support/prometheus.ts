import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalPrometheus } from '../../src/cluster/prometheus.ts';
import { waitFor } from './wait.ts';

export { prometheusBinary } from '../../src/cluster/prometheus.ts';

/**
 * A tiny Prometheus exporter whose series the test sets: `set('http_requests_total', {code: '500'}, 3)`.
 * It serves the text exposition format on a loopback port.
 */
export class TestExporter {
  private readonly series = new Map<string, number>();
  private server?: Server;

  set(name: string, labels: Record<string, string>, value: number): void {
    const rendered = Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)
      .join(',');
    this.series.set(rendered === '' ? name : `${name}{${rendered}}`, value);
  }

  render(): string {
    return [...this.series].map(([key, value]) => `${key} ${String(value)}\n`).join('');
  }

  async start(): Promise<string> {
    this.server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(this.render());
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => {
      resolve();
    }));
  }
}

/** The local Prometheus with what tests need on top: waiting for a value to be ingested. */
export class TestPrometheus extends LocalPrometheus {
  /** Waits until Prometheus has ingested `value` as the (first) sample of the query's result. */
  async waitForValue(promql: string, value: number, timeoutMs = 20_000): Promise<void> {
    await waitFor(`Prometheus to report ${promql} = ${value}`, async () => {
      const data = await this.query(promql);
      const sample = data.result[0]?.value[1];
      return sample !== undefined && Number(sample) === value;
    }, { timeoutMs });
  }
}

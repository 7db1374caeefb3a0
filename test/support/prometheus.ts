import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.ts';
import { freePort } from './ports.ts';

export const prometheusBinary = process.env.AVIARY_PROMETHEUS ?? '/usr/bin/prometheus';

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

/** A real Prometheus (Debian's package) on a loopback port, scraping the given targets every 250 ms. */
export class TestPrometheus {
  url = '';
  private child?: ChildProcess;
  private dir = '';
  private log = '';

  async start(targets: string[]): Promise<string> {
    this.dir = await mkdtemp(join(tmpdir(), 'aviary-prom-'));
    const port = await freePort();
    const config = [
      'global:',
      '  scrape_interval: 250ms',
      '  evaluation_interval: 250ms',
      'scrape_configs:',
      '  - job_name: test',
      '    scrape_interval: 250ms',
      '    scrape_timeout: 200ms',
      `    static_configs: [{ targets: [${targets.map((t) => `"${t}"`).join(', ')}] }]`,
      '',
    ].join('\n');
    await writeFile(join(this.dir, 'prometheus.yml'), config);
    const child = spawn(prometheusBinary, [
      `--config.file=${join(this.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.url = `http://127.0.0.1:${port}`;
    await waitFor('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${this.log.slice(-2000)}`);
      return (await fetch(`${this.url}/-/ready`)).ok;
    }, { timeoutMs: 30_000 });
    return this.url;
  }

  /** Runs an instant query and returns the `data` of the API response. */
  async query(promql: string): Promise<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error ?? res.statusText}`);
    return body.data;
  }

  /** Waits until Prometheus has ingested `value` as the (first) sample of the query's result. */
  async waitForValue(promql: string, value: number, timeoutMs = 20_000): Promise<void> {
    await waitFor(`Prometheus to report ${promql} = ${value}`, async () => {
      const data = await this.query(promql);
      const sample = data.result[0]?.value[1];
      return sample !== undefined && Number(sample) === value;
    }, { timeoutMs });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A real Prometheus on a loopback port, from Debian's package: what `aviary demo --failing` judges a release with,
 * and what the end-to-end tests query. Installed on first use when this process may (root on a Debian-like
 * machine); otherwise the error says exactly what to do.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const prometheusBinary = process.env.AVIARY_PROMETHEUS ?? '/usr/bin/prometheus';

export async function ensurePrometheus(log: (message: string) => void): Promise<void> {
  try {
    await access(prometheusBinary);
    return;
  } catch {
    // Not installed yet.
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`Prometheus is not installed at ${prometheusBinary}. Install Debian's package (sudo apt-get install prometheus) or set AVIARY_PROMETHEUS to a prometheus binary.`);
  }
  log('installing Prometheus from Debian packages');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['install', '-y', '--no-install-recommends', 'prometheus'];
  try {
    await run('apt-get', install, { env });
  } catch {
    // A fresh machine may have empty package lists.
    await run('apt-get', ['update'], { env });
    await run('apt-get', install, { env });
  }
}

/** A loopback port that was free a moment ago (Prometheus cannot be asked to pick one itself). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface LocalPrometheusOptions {
  /** How often every target is scraped; default 250 ms, so that tests and demos see changes at once. */
  scrapeIntervalMs?: number;
  readyTimeoutMs?: number;
}

export class LocalPrometheus {
  url = '';
  #child: ChildProcess | undefined;
  #dir = '';
  #log = '';

  /** Starts Prometheus scraping `targets` (host:port); resolves with its base URL once it is ready. */
  async start(targets: readonly string[], options: LocalPrometheusOptions = {}): Promise<string> {
    const interval = `${String(options.scrapeIntervalMs ?? 250)}ms`;
    const timeout = `${String(Math.floor((options.scrapeIntervalMs ?? 250) * 0.8))}ms`;
    this.#dir = await mkdtemp(join(tmpdir(), 'aviary-prom-'));
    const port = await freeLoopbackPort();
    const config = [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      '  - job_name: aviary',
      `    scrape_interval: ${interval}`,
      `    scrape_timeout: ${timeout}`,
      `    static_configs: [{ targets: [${targets.map((t) => `"${t}"`).join(', ')}] }]`,
      // The names Flagger's built-in queries select app-level series by (those of Prometheus' pod discovery in
      // Flagger's own Prometheus), beside the lab's: namespace, pod and code stay as they are.
      '    metric_relabel_configs:',
      '      - { source_labels: [namespace], target_label: kubernetes_namespace }',
      '      - { source_labels: [pod], target_label: kubernetes_pod_name }',
      '      - { source_labels: [code], target_label: status }',
      '',
    ].join('\n');
    await writeFile(join(this.#dir, 'prometheus.yml'), config);
    const child = spawn(prometheusBinary, [
      `--config.file=${join(this.#dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(this.#dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout.on('data', (chunk: Buffer) => (this.#log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.#log += chunk.toString()));
    this.url = `http://127.0.0.1:${String(port)}`;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${String(child.exitCode)}: ${this.#log.slice(-2000)}`);
      const ready = await fetch(`${this.url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return this.url;
      if (Date.now() > deadline) throw new Error(`Prometheus at ${this.url} was not ready within ${String(options.readyTimeoutMs ?? 30_000)} ms: ${this.#log.slice(-2000)}`);
      await sleep(100);
    }
  }

  /** Runs an instant query and returns the `data` of the API response. */
  async query(promql: string): Promise<{ resultType: string; result: PrometheusSample[] }> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: PrometheusSample[] } };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error ?? res.statusText}`);
    return body.data;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (this.#dir !== '') await rm(this.#dir, { recursive: true, force: true });
  }
}

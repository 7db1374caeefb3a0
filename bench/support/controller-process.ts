/**
 * The controller as a separate process (`bin/aviary controller`), so its memory is its own: RSS from
 * /proc/<pid>/status, and its /metrics (prom-client's process and Node.js metrics plus aviary_*).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parsePrometheusText, sumSamples, type Sample } from './prometheus.ts';

const aviaryBin = fileURLToPath(new URL('../../bin/aviary', import.meta.url));

/** The unit of utime and stime in /proc/<pid>/stat (USER_HZ; 100 on practically every Linux). */
const clockTicksPerSecond = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

export interface ControllerProcessOptions {
  kubeconfig: string;
  /** Reconcile this namespace only, so tests running on the same cluster are left alone. */
  namespace: string;
  workers?: number;
  logLevel?: string;
}

/** A free TCP port on loopback (there is a small window before the child binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export interface MemoryReading {
  /** VmRSS of /proc/<pid>/status. */
  vmRssBytes: number;
  /** VmHWM: the peak RSS since the process started. */
  vmHwmBytes: number;
  /** From the controller's /metrics. */
  processResidentBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

export class ControllerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly metricsUrl: string;
  readonly logFile: string;
  readonly #exited: Promise<number | null>;

  private constructor(child: ChildProcess, metricsUrl: string, logFile: string) {
    this.child = child;
    this.pid = child.pid ?? 0;
    this.metricsUrl = metricsUrl;
    this.logFile = logFile;
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => { resolve(code); });
    });
  }

  /** Spawns the controller and resolves once /readyz answers 200 (caches synced, watching). */
  static async start(options: ControllerProcessOptions): Promise<ControllerProcess> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'aviary-bench-'));
    const logFile = join(dir, 'controller.log');
    const log = createWriteStream(logFile);
    const args = [
      'controller',
      '--metrics-addr', `127.0.0.1:${port}`,
      '--log-level', options.logLevel ?? 'warn',
      '--namespace', options.namespace,
      ...(options.workers === undefined ? [] : ['--workers', String(options.workers)]),
    ];
    // bin/aviary execs node, so the child's pid is the controller's.
    const child = spawn(aviaryBin, args, { env: { ...process.env, KUBECONFIG: options.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const controller = new ControllerProcess(child, `http://127.0.0.1:${port}`, logFile);
    const deadline = performance.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode} before it was ready; log: ${logFile}`);
      try {
        const res = await fetch(`${controller.metricsUrl}/readyz`);
        await res.arrayBuffer();
        if (res.status === 200) return controller;
      } catch {
        // Not listening yet.
      }
      if (performance.now() > deadline) {
        await controller.stop();
        throw new Error(`controller not ready after 120 s; log: ${logFile}`);
      }
      await sleep(50);
    }
  }

  async metrics(): Promise<Sample[]> {
    const res = await fetch(`${this.metricsUrl}/metrics`);
    return parsePrometheusText(await res.text());
  }

  async memory(): Promise<MemoryReading> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    const samples = await this.metrics();
    return {
      vmRssBytes: kb('VmRSS'),
      vmHwmBytes: kb('VmHWM'),
      processResidentBytes: sumSamples(samples, 'process_resident_memory_bytes'),
      heapUsedBytes: sumSamples(samples, 'nodejs_heap_size_used_bytes'),
      heapTotalBytes: sumSamples(samples, 'nodejs_heap_size_total_bytes'),
      externalBytes: sumSamples(samples, 'nodejs_external_memory_bytes'),
    };
  }

  /** CPU time the process has used since it started, user + system (utime + stime of /proc/<pid>/stat), in seconds. */
  async cpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc/${this.pid}/stat: ${stat.slice(0, 200)}`);
    return (utime + stime) / clockTicksPerSecond;
  }

  /** Open sockets (TCP connections and listeners) of the process, from /proc/<pid>/fd. */
  async sockets(): Promise<number> {
    const dir = `/proc/${this.pid}/fd`;
    let n = 0;
    for (const fd of await readdir(dir)) {
      try {
        if ((await readlink(`${dir}/${fd}`)).startsWith('socket:')) n++;
      } catch {
        // Closed meanwhile.
      }
    }
    return n;
  }

  /**
   * Samples the number of open sockets every intervalMs until the returned function is called, which resolves
   * with the largest number seen.
   */
  trackPeakSockets(intervalMs = 100): () => Promise<number> {
    let peak = 0;
    const state = { stopped: false };
    const loop = (async () => {
      while (!state.stopped && this.child.exitCode === null) {
        try {
          peak = Math.max(peak, await this.sockets());
        } catch {
          return;
        }
        await sleep(intervalMs);
      }
    })();
    return async () => {
      state.stopped = true;
      await loop;
      return peak;
    };
  }

  /** Reconciles finished since start, whatever their result. */
  async reconciles(): Promise<number> {
    return sumSamples(await this.metrics(), 'aviary_reconcile_total');
  }

  /**
   * SIGTERM (graceful shutdown), SIGKILL after 40 s. Resolves with the exit code. The log is removed after a clean
   * exit and kept (its path printed) otherwise.
   */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => { this.child.kill('SIGKILL'); }, 40_000);
    let code: number | null;
    try {
      code = await this.#exited;
    } finally {
      clearTimeout(timer);
    }
    if (code === 0) await rm(dirname(this.logFile), { recursive: true, force: true });
    else process.stderr.write(`controller ${this.pid} exited with ${code ?? 'a signal'}; log kept: ${this.logFile}\n`);
    return code;
  }
}

/** Resolves once the controller has worked through its queue: `reconciles` done and nothing queued, twice in a row. */
export async function waitForIdleQueue(controller: ControllerProcess, minReconciles: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let quiet = 0;
  for (;;) {
    const samples = await controller.metrics();
    const done = sumSamples(samples, 'aviary_reconcile_total');
    const depth = sumSamples(samples, 'aviary_workqueue_depth');
    quiet = done >= minReconciles && depth === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return done;
    if (performance.now() > deadline) throw new Error(`controller queue not idle after ${timeoutMs} ms (reconciles ${done}, depth ${depth})`);
    await sleep(250);
  }
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

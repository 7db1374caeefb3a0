/**
 * The traffic lab for the benchmarks: its processes (pid, RSS, CPU time), the pod runtime's gauges and Traefik's view
 * of its services through their loopback bridges, lab objects as plain JSON for the runtime's KubeClient, `aviary
 * load` run inside the lab, and a prober that runs inside the lab (the only place a pod IP may be dialled, see
 * docs/lab.md): `node bench/support/lab.ts probe` reads "IP PORT POD EPOCH_MS" lines on stdin, GETs the address
 * every 10 ms until the pod runtime answers as that pod, and prints "IP DELAY_MS RECEIPT_DELAY_MS ATTEMPTS".
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sharedGateway } from '../../src/lab/gateway-objects.ts';
import { assertDialable } from '../../src/lab/guard.ts';
import { currentLayout, labStatus, type LabReport } from '../../src/lab/lab.ts';
import { hostAddress, type LabLayout } from '../../src/lab/layout.ts';
import type { LoadReport } from '../../src/lab/load.ts';
import { parsePrometheusText, sumSamples } from './prometheus.ts';

const run = promisify(execFile);
const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const thisFile = fileURLToPath(import.meta.url);

/** USER_HZ, the unit of utime and stime in /proc/<pid>/stat (100 on practically every Linux). */
const clockTicksPerSecond = 100;

/** Milliseconds since the epoch with sub-millisecond resolution, comparable between processes on this machine. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export interface Lab {
  layout: LabLayout;
  report: LabReport;
  /** http://127.0.0.1:<gateway bridge port> */
  gatewayUrl: string;
  pids: { traefik: number; agent: number; bridge: number };
}

/** The running lab, or an error naming what is not running or not healthy. */
export async function requireLab(): Promise<Lab> {
  const report = await labStatus();
  if (!report.present || !report.components.every((c) => c.healthy)) {
    throw new Error(`the traffic lab is not running (bin/aviary cluster lab up): ${report.components.map((c) => `${c.name} ${c.detail}`).join(', ')}`);
  }
  const pid = (name: string): number => {
    const found = report.components.find((c) => c.name === name)?.pid;
    if (found === undefined) throw new Error(`the lab's ${name} has no pid`);
    return found;
  };
  return { layout: await currentLayout(), report, gatewayUrl: report.gatewayUrl, pids: { traefik: pid('traefik'), agent: pid('lab-agent'), bridge: pid('lab-bridge') } };
}

/** VmRSS and VmHWM (peak RSS) of /proc/<pid>/status, in bytes. */
export async function procMemory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** utime + stime of /proc/<pid>/stat in seconds (children not included). */
export async function procCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** A gauge (or the sum of a metric's series) of the pod runtime's /metrics, through its bridge. */
export async function runtimeGauge(layout: LabLayout, name: string): Promise<number> {
  const res = await fetch(`http://${hostAddress(layout, 'runtimeMetrics')}/metrics`);
  if (!res.ok) throw new Error(`pod runtime /metrics answered ${String(res.status)}`);
  return sumSamples(parsePrometheusText(await res.text()), name);
}

export interface TraefikService {
  name: string;
  loadBalancer?: { servers?: { url: string }[] };
  weighted?: { services?: { name: string; weight?: number }[] };
}

/** Traefik's running HTTP services (its API, through the gateway-api bridge). */
export async function traefikServices(layout: LabLayout): Promise<TraefikService[]> {
  const res = await fetch(`http://${hostAddress(layout, 'gatewayApi')}/api/http/services?per_page=1000`);
  if (!res.ok) throw new Error(`Traefik API answered ${String(res.status)}`);
  return (await res.json()) as TraefikService[];
}

/** One service of Traefik's running configuration, or undefined when it has none of that name. */
export async function traefikService(layout: LabLayout, name: string): Promise<TraefikService | undefined> {
  const res = await fetch(`http://${hostAddress(layout, 'gatewayApi')}/api/http/services/${encodeURIComponent(name)}`);
  if (res.status === 404) {
    await res.arrayBuffer();
    return undefined;
  }
  if (!res.ok) throw new Error(`Traefik API answered ${String(res.status)} for service ${name}`);
  return (await res.json()) as TraefikService;
}

const labels = (app: string, version: string): Record<string, string> => ({ app, version });
const container = (version: string): Record<string, unknown> => ({ name: 'app', image: `lab/echo:${version}` });

/** A Deployment of lab pods (KWOK runs them, the pod runtime answers as them on port 8080): version is the image tag. */
export function labDeployment(name: string, app: string, version: string, replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: labels(app, version) },
    spec: {
      replicas,
      selector: { matchLabels: labels(app, version) },
      template: { metadata: { labels: labels(app, version) }, spec: { terminationGracePeriodSeconds: 1, containers: [container(version)] } },
    },
  };
}

export function labPod(name: string, app: string, version: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: labels(app, version) }, spec: { terminationGracePeriodSeconds: 1, containers: [container(version)] } };
}

/** A Service on port 80 to the pods' 8080. */
export function labService(name: string, selector: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

export function labIngress(name: string, host: string, service: string): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name },
    spec: {
      ingressClassName: 'traefik',
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }],
    },
  };
}

/** An HTTPRoute on the lab's shared Gateway with one rule weighting `backends` (Service name → weight). */
export function labHttpRoute(name: string, host: string, backends: Record<string, number>): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name },
    spec: {
      parentRefs: [{ name: sharedGateway.name, namespace: sharedGateway.namespace }],
      hostnames: [host],
      rules: [{ backendRefs: Object.entries(backends).map(([service, weight]) => ({ name: service, port: 80, weight })) }],
    },
  };
}

/** `aviary load` inside the lab's network namespace (-o json), for URLs that only resolve there. */
export async function loadInsideLab(layout: LabLayout, url: string, options: { rps: number; durationMs: number; maxRequests: number; headers?: Record<string, string> }): Promise<LoadReport> {
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['--header', `${k}=${v}`]);
  const args = ['netns', 'exec', layout.netns, process.execPath, '--no-warnings', cliMain, 'load', url, '--rps', String(options.rps),
    '--duration', `${String(Math.ceil(options.durationMs))}ms`, '--max-requests', String(options.maxRequests), ...headers, '-o', 'json'];
  try {
    const { stdout } = await run('ip', args, { timeout: options.durationMs + 30_000, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as LoadReport;
  } catch (error) {
    // Exit 1 (nothing answered) still prints the report.
    const stdout = (error as { stdout?: string }).stdout ?? '';
    if (stdout.trim().startsWith('{')) return JSON.parse(stdout) as LoadReport;
    throw error;
  }
}

export interface ProbeResult {
  ip: string;
  /** From the epoch time on the line (when the caller saw the pod Running) until the runtime answered as the pod. */
  delayMs: number;
  /** From when the prober read the line. */
  receiptDelayMs: number;
  attempts: number;
  timedOut: boolean;
}

/** The prober child inside the lab: send it pods, await each pod's answer. */
export class LabProber {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting = new Map<string, { resolve: (result: ProbeResult) => void; reject: (error: Error) => void }>();
  readonly #ready: Promise<void>;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    let ready = (): void => undefined;
    let failed = (_error: Error): void => undefined;
    this.#ready = new Promise((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    this.#exited = new Promise((resolve) => child.once('exit', (code) => {
      const error = new Error(`the lab prober exited with ${String(code)}`);
      failed(error);
      for (const { reject } of this.#waiting.values()) reject(error);
      this.#waiting.clear();
      resolve();
    }));
    child.stderr.pipe(process.stderr);
    createInterface({ input: child.stdout }).on('line', (line) => {
      // The child prints "ready" once it knows it runs inside the lab.
      if (line === 'ready') {
        ready();
        return;
      }
      const [ip = '', delay, receipt, attempts, outcome] = line.split(' ');
      const result = { ip, delayMs: Number(delay), receiptDelayMs: Number(receipt), attempts: Number(attempts), timedOut: outcome === 'timeout' };
      this.#waiting.get(ip)?.resolve(result);
      this.#waiting.delete(ip);
    });
  }

  static async start(layout: LabLayout): Promise<LabProber> {
    const child = spawn('ip', ['netns', 'exec', layout.netns, process.execPath, '--no-warnings', thisFile, 'probe'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const prober = new LabProber(child);
    await prober.#ready;
    return prober;
  }

  /** Resolves when the runtime answers on ip:port as `pod` (the aviary-pod header), or after the prober's 30 s. */
  probe(ip: string, port: number, pod: string, seenAtEpochMs: number): Promise<ProbeResult> {
    return new Promise((resolve, reject) => {
      if (this.#child.exitCode !== null) {
        reject(new Error('the lab prober has exited'));
        return;
      }
      this.#waiting.set(ip, { resolve, reject });
      this.#child.stdin.write(`${ip} ${String(port)} ${pod} ${String(seenAtEpochMs)}\n`);
    });
  }

  async stop(): Promise<void> {
    this.#child.stdin.end();
    await this.#exited;
  }
}

/** One GET to ip:port; true when the runtime answered as `pod`. */
function answersAs(ip: string, port: number, pod: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port, path: '/', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => { resolve(res.headers['aviary-pod'] === pod); });
      res.on('error', () => { resolve(false); });
    });
    req.on('timeout', () => { req.destroy(); });
    req.on('error', () => { resolve(false); });
    req.end();
  });
}

async function probeOne(ip: string, port: number, pod: string, seenAt: number): Promise<string> {
  const receivedAt = epochNow();
  assertDialable(ip, 'bench lab prober');
  const deadline = receivedAt + 30_000;
  for (let attempts = 1; ; attempts++) {
    if (await answersAs(ip, port, pod)) {
      const now = epochNow();
      return `${ip} ${(now - seenAt).toFixed(3)} ${(now - receivedAt).toFixed(3)} ${String(attempts)} ok`;
    }
    if (epochNow() > deadline) return `${ip} ${(epochNow() - seenAt).toFixed(3)} ${(epochNow() - receivedAt).toFixed(3)} ${String(attempts)} timeout`;
    await sleep(10);
  }
}

async function proberMain(): Promise<void> {
  // Refuses to run outside the lab: a pod IP is never dialled from the host.
  assertDialable('10.244.0.1', 'bench lab prober');
  process.stdout.write('ready\n');
  const probes: Promise<void>[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const [ip = '', port = '8080', pod = '', seenAt = '0'] = line.trim().split(' ');
    if (ip === '') continue;
    probes.push(probeOne(ip, Number(port), pod, Number(seenAt)).then((out) => { process.stdout.write(`${out}\n`); }));
  }
  await Promise.all(probes);
}

if (import.meta.main && process.argv[2] === 'probe') await proberMain();

/**
 * The traffic lab as the e2e tests use it: its report (failing with the reason when the lab could not start), a
 * Prometheus scraping the gateway and the pod runtime through their bridges, Traefik's own view of its services,
 * and running Aviary's CLI inside the lab (the only way a test reaches a pod IP: see docs/lab.md).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { currentLayout, labStatus, type LabReport } from '../../src/lab/lab.ts';
import { assertDialable } from '../../src/lab/guard.ts';
import { hostAddress } from '../../src/lab/layout.ts';
import { runLoad, type LoadReport } from '../../src/lab/load.ts';
import type { TestNamespace } from './namespace.ts';
import { TestPrometheus } from './prometheus.ts';

const run = promisify(execFile);
const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export async function requireLab(): Promise<LabReport> {
  const report = await labStatus();
  const reason = process.env.AVIARY_LAB_UNAVAILABLE;
  if (!report.present || !report.components.every((c) => c.healthy)) {
    throw new Error(`the traffic lab is not running${reason === undefined ? '' : `: ${reason}`}: ${report.components.map((c) => `${c.name} ${c.detail}`).join(', ')}`);
  }
  return report;
}

/** A Prometheus scraping the gateway's and the pod runtime's metrics every second (started; stop it after). */
export async function labPrometheus(): Promise<TestPrometheus> {
  const layout = await currentLayout();
  const prometheus = new TestPrometheus();
  await prometheus.start([hostAddress(layout, 'gatewayMetrics'), hostAddress(layout, 'runtimeMetrics')], { scrapeIntervalMs: 1000 });
  return prometheus;
}

export interface TraefikService {
  name: string;
  type?: string;
  status?: string;
  loadBalancer?: { servers?: { url: string }[] };
  weighted?: { services?: { name: string; weight?: number }[] };
  mirroring?: { service?: string; mirrors?: { name: string; percent?: number }[] };
}

/** Traefik's running configuration of HTTP services, from its API (through the gateway-api bridge). */
export async function traefikServices(): Promise<TraefikService[]> {
  const url = new URL(`http://${hostAddress(await currentLayout(), 'gatewayApi')}/api/http/services?per_page=1000`);
  assertDialable(url.hostname, 'traefikServices()');
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Traefik API answered ${String(res.status)}`);
  return (await res.json()) as TraefikService[];
}

/** Runs `aviary <args>` inside the lab's network namespace and returns its exit code and output. */
export async function aviaryInsideLab(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const layout = await currentLayout();
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', layout.netns, process.execPath, '--no-warnings', cliMain, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A Deployment of lab pods: version `v` is both the image tag and a label; env sets the pod runtime's knobs. */
export function labDeployment(name: string, options: { app: string; version: string; replicas: number; env?: Record<string, string>; ports?: string }): string {
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `{ name: ${k}, value: "${v}" }`).join(', ');
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${String(options.replicas)}
  selector: { matchLabels: { app: ${options.app}, version: ${options.version} } }
  template:
    metadata: { labels: { app: ${options.app}, version: ${options.version} } }
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{ name: app, image: "lab/echo:${options.version}", env: [${env}]${options.ports === undefined ? '' : `, ports: ${options.ports}`} }]
`;
}

/** The percentage of the answered requests that `version` answered. */
export function versionShare(report: LoadReport, version: string): number {
  const answered = Object.values(report.byVersion).reduce((a, b) => a + b, 0);
  return answered === 0 ? 0 : (100 * (report.byVersion[version] ?? 0)) / answered;
}

/** `requests` requests at 500/s through the lab's gateway (its loopback bridge) to the virtual host `host`. */
export function gatewayLoad(gatewayUrl: string, host: string, requests: number, headers: Record<string, string> = {}): Promise<LoadReport> {
  return runLoad({ url: `${gatewayUrl}/`, rps: 500, durationMs: 60_000, maxRequests: requests, headers: { host, ...headers } });
}

/**
 * Waits until Traefik runs a weighted service over the two Services of `namespace` with these weights: the
 * gateway's own view of an HTTPRoute rule, so a measurement after it sees the new split.
 */
export async function untilTraefikWeights(ns: TestNamespace, namespace: string, weights: Record<string, number>): Promise<void> {
  const described = Object.entries(weights).map(([name, w]) => `${name} ${String(w)}`).join(' / ');
  await ns.waitFor(`Traefik to weight ${described}`, async () => {
    const services = await traefikServices();
    return services.some((s) => Object.entries(weights).every(([name, weight]) =>
      s.weighted?.services?.find((w) => w.name.includes(`${namespace}-${name}-`))?.weight === weight));
  });
}

/** Waits until Traefik load-balances the Service `name` of `namespace` over `servers` endpoints (a new route's backends). */
export async function untilTraefikServers(ns: TestNamespace, namespace: string, name: string, servers: number): Promise<void> {
  await ns.waitFor(`Traefik to send ${namespace}/${name} to ${String(servers)} endpoints`, async () => {
    const services = await traefikServices();
    return services.some((s) => s.name.includes(`${namespace}-${name}-`) && s.loadBalancer?.servers?.length === servers);
  });
}

/**
 * Waits until Traefik sends the Service `name` of `namespace` to exactly the running, not terminating pods matching
 * `selector`: a rolled-out workload whose old pods the gateway no longer reaches.
 */
export async function untilTraefikServesPods(ns: TestNamespace, namespace: string, name: string, selector: string): Promise<void> {
  await ns.waitFor(`Traefik to send ${namespace}/${name} only to the pods ${selector}`, async () => {
    const pods = await ns.core.listNamespacedPod({ namespace, labelSelector: selector });
    const ips = pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase === 'Running' && p.status.podIP !== undefined).map((p) => p.status?.podIP ?? '').sort();
    const service = (await traefikServices()).find((s) => s.name.includes(`${namespace}-${name}-`) && s.loadBalancer !== undefined);
    const servers = (service?.loadBalancer?.servers ?? []).map((s) => new URL(s.url).hostname).sort();
    return ips.length > 0 && JSON.stringify(ips) === JSON.stringify(servers);
  });
}

/**
 * The traffic lab's data plane on the local cluster (docs/lab.md): the pod runtime, the bridges and Traefik.
 *
 *   (1) requests/s and latency through the gateway: a Deployment of 4 lab pods behind a Service and an Ingress, an
 *       open-loop load at increasing rates from this process through the gateway bridge (host → lab-bridge →
 *       lab-agent → Traefik → pod runtime), then the same from `aviary load` inside the lab straight to Traefik's
 *       entrypoint, without the bridges; achieved rate, p50/p90/p99, errors, CPU of each lab process; the highest
 *       rate with every request answered 200 and p99 under the bound is "sustained";
 *   (2) HTTPRoute weight patch → applied: a stable/canary HTTPRoute on the shared Gateway flipped 100/0 ↔ 0/100
 *       under a constant load; from the PATCH response (a) until Traefik's API shows the new weights (polled every
 *       10 ms), (b) until the first response of the newly weighted version, (c) until the last response of the
 *       other one;
 *   (3) pod Running → served: bare pods created one at a time; from the watch event showing the pod Running with
 *       an IP until the pod runtime answers as that pod on its IP, probed every 10 ms from inside the lab;
 *   (4) the pod runtime's RSS (lab-agent's VmRSS) with 0, 100 and 1000 Running lab pods and per pod;
 *   (5) Traefik's RSS idle at the start and after the load of (1).
 *
 * Pod IPs are dialled only inside the lab (the prober of bench/support/lab.ts and `aviary load`, both run with
 * `ip netns exec`); this process dials the loopback bridges only. Every load is bounded by a duration and a request
 * limit. Prints figures; asserts nothing.
 *
 *   node bench/lab.ts [--rates 500,1000,2000,3000,4000] [--level-seconds 5] [--p99-ms 100] [--switches 20]
 *                     [--route-rps 500] [--probe-pods 30] [--pods 100,1000] [--no-inside]
 */
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { runLoad, type LoadReport } from '../src/lab/load.ts';
import { slimPod, type LabPod } from '../src/lab/runtime/desired.ts';
import { Informer } from '../src/runtime/informer.ts';
import type { DeepReadonly } from '../src/runtime/objects.ts';
import { PatchType, resourcePath } from '../src/runtime/rest.ts';
import { formatSummary } from './stats.ts';
import { Cleanup } from './support/cleanup.ts';
import { mib } from './support/controller-process.ts';
import { benchCluster, createBenchNamespace, deleteNamespace, progressLog, retrying } from './support/kube.ts';
import {
  epochNow, labDeployment, labHttpRoute, labIngress, labPod, labService, LabProber, loadInsideLab, procCpuSeconds, procMemory,
  requireLab, runtimeGauge, traefikService, traefikServices, type TraefikService,
} from './support/lab.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '500,1000,2000,3000,4000' },
    'level-seconds': { type: 'string', default: '5' },
    'p99-ms': { type: 'string', default: '100' },
    switches: { type: 'string', default: '20' },
    'route-rps': { type: 'string', default: '500' },
    'probe-pods': { type: 'string', default: '30' },
    pods: { type: 'string', default: '100,1000' },
    'no-inside': { type: 'boolean', default: false },
  },
});
const wholeNumbers = (flag: string, text: string): number[] => {
  const list = text.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${flag}: whole numbers ≥ 1, comma-separated`);
  return list;
};
const rates = wholeNumbers('rates', values.rates);
const levelMs = Number(values['level-seconds']) * 1000;
const p99BoundMs = Number(values['p99-ms']);
const [switches = 20] = wholeNumbers('switches', values.switches);
const [routeRps = 500] = wholeNumbers('route-rps', values['route-rps']);
const [probePods = 30] = wholeNumbers('probe-pods', values['probe-pods']);
const podCounts = wholeNumbers('pods', values.pods);

const { client } = await benchCluster();
const lab = await requireLab();
const { layout, pids } = lab;
const log = progressLog('lab');
const cleanup = new Cleanup();
const namespace = await createBenchNamespace(client, 'lab');
cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));
const load = (): string => loadavg().map((n) => n.toFixed(1)).join(' ');
console.log(`Traffic lab — ${new Date().toISOString()}, ${cpus().length} cores, load average ${load()}, namespace ${namespace}`);
console.log(`  pids: traefik ${pids.traefik}, lab-agent ${pids.agent} (pod runtime and the lab's half-bridges), lab-bridge ${pids.bridge} (host half)`);

const traefikIdle = await procMemory(pids.traefik);
console.log(`\n(5) Traefik RSS idle at the start: ${mib(traefikIdle.rss)} (VmHWM ${mib(traefikIdle.hwm)})`);
try {
  await runtimeMemory();
  await podServed();
  await gatewayThroughput();
  await weightSwitches();
} finally {
  console.log(`\nload average at the end: ${load()}`);
  log('cleaning up');
  await cleanup.run();
}
const gone = await deleteNamespace(client, namespace, 180_000);
log(gone === undefined ? 'namespace still terminating' : `namespace deleted in ${(gone / 1000).toFixed(1)} s`);

type KubeBody = Record<string, unknown>;

function create(apiVersion: string, plural: string, body: KubeBody): Promise<unknown> {
  return retrying(() => client.create(resourcePath(apiVersion, plural, namespace), body));
}

function scale(deployment: string, replicas: number): Promise<unknown> {
  return retrying(() => client.patch(resourcePath('apps/v1', 'deployments', namespace, deployment), { spec: { replicas } }, PatchType.merge));
}

/** Calls check every intervalMs until it returns (or resolves to) a value other than undefined or false; throws after timeoutMs. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === '' ? '' : ` (last error: ${lastError})`}`);
    await sleep(intervalMs);
  }
}

function podInformer(labelSelector: string): Informer<V1Pod> {
  const informer = new Informer<V1Pod>(client, { resource: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' }, namespace, labelSelector });
  cleanup.add(`stop the ${labelSelector} pod informer`, () => informer.stop());
  informer.start();
  return informer;
}

function isServable(pod: DeepReadonly<V1Pod>): boolean {
  return pod.status?.phase === 'Running' && (pod.status.podIP ?? '') !== '' && pod.metadata?.deletionTimestamp === undefined;
}

/**
 * (4) The pod runtime's memory: lab-agent's RSS with 0, 100 and 1000 Running lab pods of this namespace. The
 * runtime serves every namespace's pods, and tests may be running meanwhile: its pods-served gauge is compared with
 * this namespace's pods plus the other namespaces' Running pods, as a cluster-wide watch of this process sees them.
 */
async function runtimeMemory(): Promise<void> {
  const pods = podInformer('app=mass');
  const everywhere = new Informer<LabPod>(client, { resource: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' }, fieldSelector: 'status.phase=Running', transform: slimPod });
  cleanup.add('stop the cluster-wide pod informer', () => everywhere.stop());
  everywhere.start();
  await Promise.all([pods.waitForSync(), everywhere.waitForSync()]);
  const others = (): number => everywhere.list().filter((p) => p.metadata?.namespace !== namespace && (p.status?.podIP ?? '') !== '' && p.spec?.hostNetwork !== true).length;
  await create('apps/v1', 'deployments', labDeployment('mass', 'mass', 'v1', 0));
  const served = (): Promise<number> => runtimeGauge(layout, 'aviary_lab_pods_served');
  /** Five VmRSS readings a second apart: RSS moves with the garbage collector by more than a few hundred pods cost. */
  const readings = async (): Promise<{ min: number; median: number; max: number; hwm: number }> => {
    const list: { rss: number; hwm: number }[] = [];
    for (let i = 0; i < 5; i++) {
      if (i > 0) await sleep(1000);
      list.push(await procMemory(pids.agent));
    }
    const sorted = list.map((m) => m.rss).sort((a, b) => a - b);
    return { min: sorted[0] ?? Number.NaN, median: sorted[2] ?? Number.NaN, max: sorted[4] ?? Number.NaN, hwm: Math.max(...list.map((m) => m.hwm)) };
  };
  const range = (m: { min: number; median: number; max: number }): string => `VmRSS ${mib(m.median)} (${mib(m.min)}–${mib(m.max)})`;
  const base = await readings();
  console.log(`\n(4) pod runtime (lab-agent) memory; it serves every namespace's Running pods: ${await served()} served, ${others()} Running elsewhere, before this benchmark's`);
  console.log(`  0 pods of this benchmark: ${range(base)}, VmHWM ${mib(base.hwm)}  (median of 5 readings a second apart, min–max)`);
  const results: { n: number; rss: number }[] = [];
  for (const n of podCounts) {
    const started = performance.now();
    await scale('mass', n);
    const runningMs = await until(`${n} mass pods Running`, () => pods.list().filter(isServable).length >= n && performance.now() - started, 300_000, 50);
    const servedMs = await until(`the runtime to serve the ${n} pods`, async () => (await served()) >= n + others() && performance.now() - started, 120_000, 50)
      .catch((error: unknown) => { log(error instanceof Error ? error.message : String(error)); return Number.NaN; });
    await sleep(2000);
    const memory = await readings();
    const listeners = await runtimeGauge(layout, 'aviary_lab_listeners');
    results.push({ n, rss: memory.median });
    const perPod = (bytes: number): string => `${(bytes / n / 1024).toFixed(1)} KiB`;
    console.log(`  ${n} pods: ${range(memory)}, VmHWM ${mib(memory.hwm)}; median − median ${mib(memory.median - base.median)} = ${perPod(memory.median - base.median)} per pod, ` +
      `at most ${perPod(memory.max - base.min)} per pod (highest reading − lowest at 0); ` +
      `all Running ${(runningMs / 1000).toFixed(1)} s and all served ${(servedMs / 1000).toFixed(1)} s after the scale (pods served ${await served()} with ${others()} Running elsewhere, listeners ${listeners})`);
  }
  const [first, last] = [results[0], results[results.length - 1]];
  if (first !== undefined && last !== undefined && last.n > first.n) {
    console.log(`  marginal, ${first.n} → ${last.n} pods: ${((last.rss - first.rss) / (last.n - first.n) / 1024).toFixed(1)} KiB per pod`);
  }
  const scaledDown = performance.now();
  await scale('mass', 0);
  await until('the mass pods to be gone', () => pods.size === 0, 300_000, 100);
  // Pods elsewhere come and go, and a deleted one lingers for 5 s: this wait may not end, so it does not fail the run.
  const drainedMs = await until('the runtime to stop serving them', async () => (await served()) <= others() && performance.now() - scaledDown, 60_000, 100)
    .catch((error: unknown) => { log(error instanceof Error ? error.message : String(error)); return Number.NaN; });
  const after = await readings();
  console.log(`  back to 0 (pods gone and their listeners closed ${(drainedMs / 1000).toFixed(1)} s after the scale-down, 5 s linger included): ${range(after)}`);
  await retrying(() => client.delete(resourcePath('apps/v1', 'deployments', namespace, 'mass')));
}

/** (3) Pod Running (on this process's watch) → the pod runtime answers as the pod on its IP (probed inside the lab). */
async function podServed(): Promise<void> {
  const pods = podInformer('app=probe');
  await pods.waitForSync();
  const prober = await LabProber.start(layout);
  cleanup.add('stop the lab prober', () => prober.stop());
  const createdAt = new Map<string, number>();
  const runningAfter = new Map<string, number>();
  const probes = new Map<string, ReturnType<LabProber['probe']>>();
  const onPod = (pod: DeepReadonly<V1Pod>): void => {
    const name = pod.metadata?.name ?? '';
    if (probes.has(name) || !isServable(pod)) return;
    const seenAt = epochNow();
    runningAfter.set(name, performance.now() - (createdAt.get(name) ?? Number.NaN));
    probes.set(name, prober.probe(pod.status?.podIP ?? '', 8080, name, seenAt));
  };
  pods.addEventHandler({ onAdd: onPod, onUpdate: (_old, pod) => { onPod(pod); } });

  const delays: number[] = [];
  const receiptDelays: number[] = [];
  let firstAttempt = 0;
  let timedOut = 0;
  for (let i = 0; i < probePods; i++) {
    const name = `probe-${i}`;
    createdAt.set(name, performance.now());
    await create('v1', 'pods', labPod(name, 'probe', 'v1'));
    const result = await until(`pod ${name} Running with an IP and probed`, async () => probes.get(name), 60_000, 5);
    if (result.timedOut) timedOut++;
    else {
      delays.push(result.delayMs);
      receiptDelays.push(result.receiptDelayMs);
      if (result.attempts === 1) firstAttempt++;
    }
  }
  console.log(`\n(3) pod Running → served, ${probePods} bare pods created one at a time (probed every 10 ms inside the lab)`);
  console.log(formatSummary('  watch event Running with podIP → the runtime answers as the pod on IP:8080', delays));
  console.log(formatSummary('      (same, from the prober reading the pod)', receiptDelays));
  console.log(formatSummary('  context: create response → Running on this process\'s watch', [...runningAfter.values()]));
  console.log(`  answered at the first probe: ${firstAttempt} of ${probePods}${timedOut > 0 ? `; not served within 30 s: ${timedOut}` : ''}`);
  await Promise.all(Array.from({ length: probePods }, (_, i) => retrying(() => client.delete(resourcePath('v1', 'pods', namespace, `probe-${i}`)))));
}

interface Level {
  rate: number;
  report: LoadReport;
  /** % of one core per process over the level. */
  cpu: Record<string, number>;
}

async function cpuSnapshot(): Promise<Record<string, number>> {
  return {
    traefik: await procCpuSeconds(pids.traefik),
    'lab-agent': await procCpuSeconds(pids.agent),
    'lab-bridge': await procCpuSeconds(pids.bridge),
    generator: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
}

async function measureLevel(rate: number, send: () => Promise<LoadReport>, ownGenerator: boolean): Promise<Level> {
  const before = await cpuSnapshot();
  const started = performance.now();
  const report = await send();
  const seconds = (performance.now() - started) / 1000;
  const after = await cpuSnapshot();
  const cpu: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) {
    if (name === 'generator' && !ownGenerator) continue;
    cpu[name] = (100 * (value - (before[name] ?? 0))) / seconds;
  }
  return { rate, report, cpu };
}

function formatLevel(level: Level): string {
  const { report: r } = level;
  const codes = Object.entries(r.byCode).map(([code, n]) => `${code}×${n}`).join(' ');
  const errors = Object.entries(r.errors).map(([code, n]) => `${code}×${n}`).join(' ');
  const cpu = Object.entries(level.cpu).map(([name, pct]) => `${name} ${pct.toFixed(0)}`).join(', ');
  const l = r.latencyMs;
  return `  ${String(level.rate).padStart(5)} rps: achieved ${r.achievedRps.toFixed(0).padStart(5)}, p50 / p90 / p99 / max ${l.p50.toFixed(1)} / ${l.p90.toFixed(1)} / ${l.p99.toFixed(1)} / ${l.max.toFixed(0)} ms, ` +
    `codes ${codes === '' ? 'none' : codes}, failed ${r.failed}${errors === '' ? '' : ` (${errors})`}; CPU % of a core: ${cpu}`;
}

function sustained(levels: readonly Level[]): string {
  const ok = levels.filter(({ rate, report: r }) =>
    r.failed === 0 && r.completed === r.sent && (r.byCode['200'] ?? 0) === r.completed && r.latencyMs.p99 < p99BoundMs && r.achievedRps >= 0.95 * rate);
  const best = ok.reduce<Level | undefined>((a, b) => (a === undefined || b.rate > a.rate ? b : a), undefined);
  return best === undefined ? `none of the rates (p99 < ${p99BoundMs} ms, all 200)` : `${best.rate} rps (p99 ${best.report.latencyMs.p99.toFixed(1)} ms < ${p99BoundMs} ms, all 200)`;
}

/** (1) Open-loop load through the gateway at increasing rates; (5) Traefik's RSS after it. */
async function gatewayThroughput(): Promise<void> {
  const host = `gw.${namespace}.lab`;
  await create('apps/v1', 'deployments', labDeployment('gw', 'gw', 'v1', 4));
  await create('v1', 'services', labService('gw', { app: 'gw' }));
  await create('networking.k8s.io/v1', 'ingresses', labIngress('gw', host, 'gw'));
  const serviceName = `${namespace}-gw-80@kubernetes`;
  await until(`Traefik to balance ${serviceName} over 4 pods`, async () => (await traefikService(layout, serviceName))?.loadBalancer?.servers?.length === 4, 120_000);
  const url = `${lab.gatewayUrl}/`;
  const fromHost = (rps: number, durationMs: number): Promise<LoadReport> =>
    runLoad({ url, rps, durationMs, maxRequests: Math.ceil((rps * durationMs) / 1000), headers: { host } });
  await until('the Ingress to answer', async () => (await fromHost(50, 1000)).byCode['200'] === 50, 30_000, 200);
  log('warming up');
  await fromHost(200, 2000);

  console.log(`\n(1) through the gateway: Ingress → Service → 4 lab pods, open loop, ${levelMs / 1000} s per rate, 64 keep-alive connections`);
  console.log('  from this process via the gateway bridge (127.0.0.1 → lab-bridge → lab-agent → Traefik → pod runtime):');
  const viaBridge: Level[] = [];
  for (const rate of rates) {
    log(`host, ${rate} rps`);
    const level = await measureLevel(rate, () => fromHost(rate, levelMs), true);
    viaBridge.push(level);
    console.log(formatLevel(level));
    await sleep(2000);
  }
  console.log(`  sustained: ${sustained(viaBridge)}`);

  if (!values['no-inside']) {
    console.log('  from `aviary load` inside the lab straight to Traefik\'s entrypoint 127.0.0.1:8000 (no bridges; the generator is another process, its CPU not counted):');
    const inside: Level[] = [];
    const labUrl = `http://127.0.0.1:${String(layout.lab.gateway)}/`;
    for (const rate of rates) {
      log(`inside the lab, ${rate} rps`);
      const level = await measureLevel(rate, () => loadInsideLab(layout, labUrl, { rps: rate, durationMs: levelMs, maxRequests: Math.ceil((rate * levelMs) / 1000), headers: { host } }), false);
      inside.push(level);
      console.log(formatLevel(level));
      await sleep(2000);
    }
    console.log(`  sustained: ${sustained(inside)}`);
  }
  const traefikAfter = await procMemory(pids.traefik);
  const agentAfter = await procMemory(pids.agent);
  console.log(`\n(5) Traefik RSS after the load: ${mib(traefikAfter.rss)} (VmHWM ${mib(traefikAfter.hwm)}; idle at the start ${mib(traefikIdle.rss)}); ` +
    `lab-agent, which relays the gateway bridge: ${mib(agentAfter.rss)} (VmHWM ${mib(agentAfter.hwm)})`);
  await retrying(() => client.delete(resourcePath('apps/v1', 'deployments', namespace, 'gw')));
}

interface Switch {
  to: 'stable' | 'canary';
  from: 'stable' | 'canary';
  sentAt: number;
  respondedAt: number;
  firstNewAt?: number;
  lastOldAt?: number;
  errors: number;
}

/** (2) HTTPRoute weights flipped 100/0 ↔ 0/100 under a constant load. */
async function weightSwitches(): Promise<void> {
  const host = `route.${namespace}.lab`;
  for (const version of ['stable', 'canary']) {
    await create('apps/v1', 'deployments', labDeployment(`rt-${version}`, 'rt', version, 2));
    await create('v1', 'services', labService(`rt-${version}`, { app: 'rt', version }));
  }
  await create('gateway.networking.k8s.io/v1', 'httproutes', labHttpRoute('rt', host, { 'rt-stable': 100, 'rt-canary': 0 }));
  const weightOf = (service: TraefikService | undefined, version: string): number =>
    service?.weighted?.services?.find((w) => w.name.startsWith(`${namespace}-rt-${version}-`))?.weight ?? 0;
  const findWeighted = async (): Promise<TraefikService | undefined> =>
    (await traefikServices(layout)).find((s) => s.weighted?.services?.some((w) => w.name.startsWith(`${namespace}-rt-`)));
  const initial = await until('Traefik to weight the HTTPRoute 100/0 with both Services\' pods', async () => {
    const services = await traefikServices(layout);
    const servers = (version: string): number => services.find((s) => s.name === `${namespace}-rt-${version}-http-80@kubernetesgateway`)?.loadBalancer?.servers?.length ?? 0;
    const found = services.find((s) => s.weighted?.services?.some((w) => w.name.startsWith(`${namespace}-rt-`)));
    return found !== undefined && weightOf(found, 'stable') === 100 && servers('stable') === 2 ? found : undefined;
  }, 120_000);
  let weightedName = initial.name;
  /** Traefik's current weights of the route (its weighted service looked up again should its name change). */
  const currentWeights = async (): Promise<{ stable: number; canary: number }> => {
    let service = await traefikService(layout, weightedName);
    if (service === undefined) {
      service = await findWeighted();
      if (service !== undefined) weightedName = service.name;
    }
    return { stable: weightOf(service, 'stable'), canary: weightOf(service, 'canary') };
  };

  let current: Switch | undefined;
  let sawStable = false;
  const stop = new AbortController();
  const loadMs = switches * 12_000 + 10_000;
  const running = runLoad({
    url: `${lab.gatewayUrl}/`, rps: routeRps, durationMs: loadMs, maxRequests: Math.ceil((routeRps * loadMs) / 1000), headers: { host }, signal: stop.signal,
    onResponse: (outcome) => {
      if (outcome.version === 'stable') sawStable = true;
      const s = current;
      if (s === undefined) return;
      if (outcome.code !== 200) s.errors++;
      if (outcome.version === s.to && s.firstNewAt === undefined && outcome.atMs >= s.sentAt) s.firstNewAt = outcome.atMs;
      if (outcome.version === s.from) s.lastOldAt = outcome.atMs;
    },
  });
  const toApi: number[] = [];
  const toFirst: number[] = [];
  const toLast: number[] = [];
  const roundTrips: number[] = [];
  let errors = 0;
  let failures = 0;
  try {
    await until('the route to answer from stable', () => sawStable, 30_000, 50);
    await sleep(500);
    const routePath = resourcePath('gateway.networking.k8s.io/v1', 'httproutes', namespace, 'rt');
    for (let i = 0; i < switches; i++) {
      const to = i % 2 === 0 ? 'canary' : 'stable';
      const weights = to === 'canary' ? { stable: 0, canary: 100 } : { stable: 100, canary: 0 };
      const sample: Switch = { to, from: to === 'canary' ? 'stable' : 'canary', sentAt: performance.now(), respondedAt: 0, errors: 0 };
      current = sample;
      await client.patch(routePath, [
        { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: weights.stable },
        { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: weights.canary },
      ], PatchType.json);
      sample.respondedAt = performance.now();
      roundTrips.push(sample.respondedAt - sample.sentAt);
      try {
        const appliedAt = await until(`Traefik's API to show ${weights.stable}/${weights.canary}`, async () => {
          const w = await currentWeights();
          return w.stable === weights.stable && w.canary === weights.canary && performance.now();
        }, 10_000, 10);
        toApi.push(appliedAt - sample.respondedAt);
        await until(`a response from ${to}`, () => sample.firstNewAt !== undefined, 10_000, 5);
        toFirst.push((sample.firstNewAt ?? 0) - sample.respondedAt);
        // Done once the old version has been silent for 200 ms, and at least 0.4 s after the PATCH (Traefik throttles at 100 ms).
        await until(`${sample.from} to stop answering`, () => {
          const now = performance.now();
          return now - sample.respondedAt >= 400 && now - Math.max(sample.lastOldAt ?? 0, sample.firstNewAt ?? 0) >= 200;
        }, 10_000, 10);
        toLast.push(Math.max(0, (sample.lastOldAt ?? sample.respondedAt) - sample.respondedAt));
      } catch (error) {
        failures++;
        log(`switch ${i}: ${error instanceof Error ? error.message : String(error)}`);
        if (failures > 3) throw error;
      }
      errors += sample.errors;
      current = undefined;
    }
  } finally {
    stop.abort();
  }
  const report = await running;
  console.log(`\n(2) HTTPRoute weight PATCH → applied, ${switches} flips stable/canary 100/0 ↔ 0/100 (2 pods each) under ${routeRps} rps through the gateway bridge`);
  console.log(formatSummary('  (a) PATCH response → Traefik\'s API shows the new weights (polled every 10 ms)', toApi));
  console.log(formatSummary('  (b) PATCH response → first response of the newly weighted version', toFirst));
  console.log(formatSummary('  (c) PATCH response → last response of the other version', toLast));
  console.log(formatSummary('  control: PATCH round trip', roundTrips));
  console.log(`  load: ${report.sent} sent, ${report.achievedRps.toFixed(0)} rps achieved, codes ${JSON.stringify(report.byCode)}, failed ${report.failed}, p99 ${report.latencyMs.p99.toFixed(1)} ms; ` +
    `non-200 or failed during the flips: ${errors}${failures > 0 ? `; flips that timed out: ${failures}` : ''}`);
}

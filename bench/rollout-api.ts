/**
 * API efficiency of the Rollout controller, from two vantage points:
 *
 *  - the API server's own apiserver_request_total (by verb and resource): the delta over the scenario minus the
 *    delta over an equally long idle window (the baseline), which removes what everyone else on the cluster did
 *    meanwhile only as far as that activity is steady. It also includes the work the canary causes in
 *    kube-controller-manager, the scheduler and KWOK (pods, ReplicaSet status, their Events) and this script's
 *    single template PATCH per canary;
 *  - the controller's own requests, exactly: it runs as its own process with a kubeconfig pointing at a counting
 *    proxy on loopback (bench/support/counting-proxy.ts), because the API server's counters cannot tell clients
 *    apart (no user or user-agent label).
 *
 * Scenarios: (1) requests per completed 4-step canary (replicas 4; setWeight 25, pause 1s, setWeight 75, pause 1s),
 * from the template PATCH until the Rollout is Healthy on the new revision and its trailing Events are written;
 * (2) writes per minute in steady state with `--idle` Rollouts present, all Healthy (target 0); (3) the requests a
 * freshly started controller makes for those Healthy Rollouts. Prints figures; asserts nothing.
 *
 *   node bench/rollout-api.ts [--canaries 3] [--idle 100] [--window-seconds 60]
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cleanup } from './support/cleanup.ts';
import { ControllerProcess, waitForIdleQueue } from './support/controller-process.ts';
import { CountingProxy } from './support/counting-proxy.ts';
import {
  benchCluster, createBenchNamespace, deleteNamespace, ensureRolloutCrd, inPool, progressLog, retrying, rolloutManifest,
  rolloutsPath,
} from './support/kube.ts';
import { apiserverMetrics, delta, formatCounts, isWrite, requestCounts, total } from './support/prometheus.ts';
import { isHealthy, rolloutInformer, waitAllHealthy, waitUntil } from './support/watch.ts';

const { values } = parseArgs({
  options: {
    canaries: { type: 'string', default: '3' },
    idle: { type: 'string', default: '100' },
    'window-seconds': { type: 'string', default: '60' },
  },
});
const canaries = Number(values.canaries);
const idleCount = Number(values.idle);
const windowMs = Number(values['window-seconds']) * 1000;
const steps = [{ setWeight: 25 }, { pause: { duration: '1s' } }, { setWeight: 75 }, { pause: { duration: '1s' } }];
const mergePatch = 'application/merge-patch+json';
/** Time for trailing Events and status writes to land before a window closes. */
const settleMs = 3000;

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const log = progressLog('api');
const { kc, client } = await benchCluster();
const crd = await ensureRolloutCrd(client);
const cleanup = new Cleanup();
try {
  await run();
} finally {
  await cleanup.run();
}

async function run(): Promise<void> {
  console.log(`Rollout controller API efficiency — ${new Date().toISOString()}, CRD ${crd}`);
  const namespace = await createBenchNamespace(client, 'api');
  cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));
  const proxy = await CountingProxy.start(kc);
  cleanup.add('close proxy', () => proxy.close());
  const proxyKubeconfig = await proxy.writeKubeconfig();
  const rollouts = rolloutInformer(client, namespace);
  cleanup.add('stop informer', () => rollouts.stop());
  rollouts.start();
  await rollouts.waitForSync();

  let controller = await ControllerProcess.start({ kubeconfig: proxyKubeconfig, namespace });
  cleanup.add('stop controller', () => controller.stop());

  // (1) Completed canaries.
  const name = 'canary-0';
  await client.create(rolloutsPath(namespace), rolloutManifest({ name, namespace, replicas: 4, steps, role: 'measured' }));
  await waitAllHealthy(rollouts, 1, 120_000, log);
  await sleep(settleMs);

  const key = `${namespace}/${name}`;
  let apiBefore = requestCounts(await apiserverMetrics(kc));
  let proxyBefore = proxy.snapshot();
  const failuresBefore = new Map(proxy.failures);
  const started = performance.now();
  const durations: number[] = [];
  for (let i = 0; i < canaries; i++) {
    const t0 = performance.now();
    const patched = await client.patch<{ metadata: { generation: number } }>(rolloutsPath(namespace, name), { spec: { template: { metadata: { annotations: { 'bench.aviary.dev/canary': String(i + 1) } } } } }, mergePatch);
    await waitUntil(`canary ${i + 1} to complete`, () => {
      const r = rollouts.get(key);
      return r !== undefined && (r.metadata.generation ?? 0) >= patched.metadata.generation && isHealthy(r);
    }, 300_000, 20);
    durations.push(performance.now() - t0);
    await sleep(settleMs);
  }
  const scenarioMs = performance.now() - started;
  const apiScenario = delta(apiBefore, requestCounts(await apiserverMetrics(kc)));
  const proxyScenario = delta(proxyBefore, proxy.snapshot());
  const failuresScenario = delta(failuresBefore, proxy.failures);

  log(`baseline: ${(scenarioMs / 1000).toFixed(1)} s idle`);
  apiBefore = requestCounts(await apiserverMetrics(kc));
  proxyBefore = proxy.snapshot();
  await sleep(scenarioMs);
  const apiBaseline = delta(apiBefore, requestCounts(await apiserverMetrics(kc)));
  const proxyBaseline = delta(proxyBefore, proxy.snapshot());

  console.log(`\n(1) ${canaries} completed 4-step canaries (replicas 4; setWeight 25, pause 1s, setWeight 75, pause 1s): ` +
    `${durations.map((d) => `${(d / 1000).toFixed(1)} s`).join(', ')} from template PATCH to Healthy; window ${(scenarioMs / 1000).toFixed(1)} s`);
  console.log(`  the controller's requests per canary (counting proxy, exact): ${fmt(total(proxyScenario) / canaries)} (writes ${fmt(total(proxyScenario, isWrite) / canaries)})`);
  console.log(formatCounts(proxyScenario, canaries, '    '));
  if (failuresScenario.size > 0) console.log(`  of which failed (non-2xx), per canary:\n${formatCounts(failuresScenario, canaries, '    ')}`);
  console.log(`  the controller's requests in the idle window of the same length: ${total(proxyBaseline)}`);
  const net = new Map<string, number>();
  for (const k of new Set([...apiScenario.keys(), ...apiBaseline.keys()])) {
    const d = (apiScenario.get(k) ?? 0) - (apiBaseline.get(k) ?? 0);
    if (d !== 0) net.set(k, d);
  }
  // Resources a canary touches; the rest of the difference is other clients' activity that the baseline did not cancel.
  const touched = (k: string): boolean => /(aviary\.dev\/rollouts|apps\/replicasets|core\/services|core\/events|events\.k8s\.io\/events|core\/pods)/.test(k);
  const netTouched = new Map([...net].filter(([k]) => touched(k)));
  console.log(`  apiserver_request_total per canary, scenario minus baseline, all clients, for rollouts, replicasets, services, pods and events: ` +
    `${fmt(total(netTouched) / canaries)} (writes ${fmt(total(netTouched, isWrite) / canaries)}); the controller's rows match the proxy's, ` +
    `the others are kube-controller-manager, scheduler and KWOK work for the canary's pods and this script's PATCH`);
  console.log(formatCounts(netTouched, canaries, '    '));
  console.log(`    (other resources, i.e. other clients' activity left after the subtraction: ${fmt(total(net, (k) => !touched(k)) / canaries)} per canary; ` +
    `raw totals: scenario ${total(apiScenario)}, baseline ${total(apiBaseline)})`);

  // (2) Steady state with idle Rollouts.
  const idleNames = Array.from({ length: idleCount - 1 }, (_, i) => `idle-${i}`);
  await inPool(idleNames, 20, async (n) => {
    await retrying(() => client.create(rolloutsPath(namespace), rolloutManifest({ name: n, namespace, replicas: 1, steps, role: 'idle' })));
  });
  await waitAllHealthy(rollouts, idleCount, 600_000, log);
  await sleep(10_000);
  log(`steady state: ${windowMs / 1000} s window`);
  apiBefore = requestCounts(await apiserverMetrics(kc));
  proxyBefore = proxy.snapshot();
  const reconcilesBefore = await controller.reconciles();
  await sleep(windowMs);
  const apiSteady = delta(apiBefore, requestCounts(await apiserverMetrics(kc)));
  const proxySteady = delta(proxyBefore, proxy.snapshot());
  const reconcilesSteady = (await controller.reconciles()) - reconcilesBefore;
  const perMinute = 60_000 / windowMs;
  console.log(`\n(2) steady state, ${idleCount} Healthy Rollouts, ${windowMs / 1000} s: the controller's writes ${total(proxySteady, isWrite) * perMinute}/min, ` +
    `all its requests ${total(proxySteady) * perMinute}/min, reconciles ${reconcilesSteady}`);
  if (proxySteady.size > 0) console.log(formatCounts(proxySteady, 1, '    '));
  const aviaryResources = (k: string): boolean => /(aviary\.dev\/rollouts|apps\/replicasets|core\/services|core\/events)/.test(k) && isWrite(k);
  console.log(`  apiserver_request_total writes to rollouts, replicasets, services and core events by all clients in the window: ${total(apiSteady, aviaryResources)}`);
  const apiSteadyWrites = new Map([...apiSteady].filter(([k]) => aviaryResources(k)));
  if (apiSteadyWrites.size > 0) console.log(formatCounts(apiSteadyWrites, 1, '    '));

  // (3) A fresh controller for the same Healthy Rollouts.
  await controller.stop();
  proxyBefore = proxy.snapshot();
  const restartedAt = performance.now();
  controller = await ControllerProcess.start({ kubeconfig: proxyKubeconfig, namespace });
  const reconciles = await waitForIdleQueue(controller, idleCount, 300_000);
  const reconciledMs = performance.now() - restartedAt;
  await sleep(settleMs);
  const proxyRestart = delta(proxyBefore, proxy.snapshot());
  console.log(`\n(3) controller restart with ${idleCount} Healthy Rollouts: ${reconciles} reconciles in ${(reconciledMs / 1000).toFixed(1)} s; ` +
    `its requests ${total(proxyRestart)}, writes ${total(proxyRestart, isWrite)}`);
  console.log(formatCounts(proxyRestart, 1, '    '));
  await controller.stop();
}

/**
 * Memory of the Rollout controller with N idle Rollouts, each with 2 ReplicaSets (the current one with 1 pod and
 * the previous one scaled to 0, kept by revisionHistoryLimit).
 *
 * Setup: N Rollouts (1 replica, canary without steps, i.e. a rolling update) are created with `--concurrency`
 * requests in flight; a setup controller deploys them, then every pod template is changed once (at most `--batch`
 * Rollouts updating at a time, so the extra surge pods stay bounded) and each update runs to completion. The setup
 * controller is stopped and a fresh controller process is started: its memory is read once it has synced its
 * caches and reconciled every Rollout (aviary_reconcile_total ≥ N with an empty queue), and again after
 * `--idle-seconds` without changes: VmRSS and VmHWM (peak) from /proc/<pid>/status, process_resident_memory_bytes
 * and the V8 heap from its /metrics. A controller on the empty namespace gives the baseline. Prints figures;
 * asserts nothing.
 *
 *   node bench/rollout-memory.ts [--rollouts 1000,5000] [--concurrency 20] [--batch 250] [--idle-seconds 30] [--no-baseline] [--keep]
 *                                [--replicas 1]
 *
 * --keep leaves the last size's namespace (Rollouts, ReplicaSets, pods) in place for investigation; delete it
 * afterwards. Earlier sizes are always deleted first: their pods would take the fake nodes' capacity (3 × 2000).
 * --replicas 0 gives the same objects without pods: far quicker, and it leaves the cluster's pod capacity to others
 * (the controller then caches no pods).
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { Cleanup } from './support/cleanup.ts';
import { ControllerProcess, mib, waitForIdleQueue, type MemoryReading } from './support/controller-process.ts';
import {
  benchCluster, createBenchNamespace, deleteNamespace, ensureRolloutCrd, inPool, progressLog, replicaSetsPath, retrying,
  rolloutManifest, rolloutsPath, type BenchCluster,
} from './support/kube.ts';
import { isHealthy, rolloutInformer, waitAllHealthy, waitUntil } from './support/watch.ts';

const { values } = parseArgs({
  options: {
    rollouts: { type: 'string', default: '1000,5000' },
    concurrency: { type: 'string', default: '20' },
    batch: { type: 'string', default: '250' },
    'idle-seconds': { type: 'string', default: '30' },
    'no-baseline': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    replicas: { type: 'string', default: '1' },
  },
});
const sizes = values.rollouts.split(',').map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--rollouts: whole numbers ≥ 1, comma-separated');
const concurrency = Number(values.concurrency);
const batch = Number(values.batch);
const idleMs = Number(values['idle-seconds']) * 1000;
const replicas = Number(values.replicas);
const mergePatch = 'application/merge-patch+json';

const cluster = await benchCluster();
const crd = await ensureRolloutCrd(cluster.client);
const cleanup = new Cleanup();
console.log(`Rollout controller memory — ${new Date().toISOString()}, CRD ${crd}, idle ${idleMs / 1000} s before the reading`);
try {
  if (!values['no-baseline']) await baseline(cluster);
  for (const [i, n] of sizes.entries()) await runSize(cluster, n, values.keep && i === sizes.length - 1);
} finally {
  await cleanup.run();
}

function formatMemory(label: string, m: MemoryReading): string {
  return `${label}: VmRSS ${mib(m.vmRssBytes)} (process_resident_memory_bytes ${mib(m.processResidentBytes)}), ` +
    `VmHWM ${mib(m.vmHwmBytes)}, heap used ${mib(m.heapUsedBytes)} of ${mib(m.heapTotalBytes)}, external ${mib(m.externalBytes)}`;
}

async function baseline({ kubeconfig, client }: BenchCluster): Promise<void> {
  const namespace = await createBenchNamespace(client, 'memory');
  const removeNamespace = cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));
  const controller = await ControllerProcess.start({ kubeconfig, namespace });
  const stop = cleanup.add('stop controller', () => controller.stop());
  await sleep(idleMs);
  console.log(`\n0 Rollouts (empty namespace)\n  ${formatMemory(`after ${idleMs / 1000} s idle`, await controller.memory())}`);
  await stop();
  await removeNamespace();
}

async function runSize({ kubeconfig, client }: BenchCluster, n: number, keep: boolean): Promise<void> {
  const log = progressLog(`memory ${n}`);
  const namespace = await createBenchNamespace(client, 'memory');
  if (!keep) cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));
  const names = Array.from({ length: n }, (_, i) => `idle-${i}`);

  let started = performance.now();
  await inPool(names, concurrency, async (name) => {
    await retrying(() => client.create(rolloutsPath(namespace), rolloutManifest({ name, namespace, replicas, role: 'idle' })));
  }, (done) => { log(`${done}/${n} Rollouts created`); });
  const createMs = performance.now() - started;

  const rollouts = rolloutInformer(client, namespace);
  cleanup.add('stop informer', () => rollouts.stop());
  rollouts.start();
  await rollouts.waitForSync();

  started = performance.now();
  const setup = await ControllerProcess.start({ kubeconfig, namespace });
  const stopSetup = cleanup.add('stop setup controller', () => setup.stop());
  await waitAllHealthy(rollouts, n, 60 * 60_000, log);
  const deployMs = performance.now() - started;
  log(`deployed; updating every template (${batch} at a time)`);

  started = performance.now();
  await inPool(names, batch, async (name) => {
    await retrying(() => client.patch(rolloutsPath(namespace, name), { spec: { template: { metadata: { annotations: { 'bench.aviary.dev/revision': '2' } } } } }, mergePatch));
    const key = `${namespace}/${name}`;
    await waitUntil(`${name} updated and Healthy`, () => {
      const r = rollouts.get(key);
      return r !== undefined && (r.metadata.generation ?? 0) >= 2 && isHealthy(r);
    }, 30 * 60_000, 500);
  }, (done) => { log(`${done}/${n} Rollouts updated`); });
  const updateMs = performance.now() - started;
  await stopSetup();

  const perRollout = await replicaSetsPerRollout(client, namespace);
  const twoEach = [...perRollout.values()].filter((c) => c.total === 2 && c.previousAtZero === 1).length;
  console.log(`\n${n} Rollouts of ${replicas} replica(s) in ${namespace}: ${twoEach} with exactly 2 ReplicaSets (the previous one at 0 replicas)`);
  console.log(`  setup: create ${(createMs / 1000).toFixed(1)} s (${concurrency} in flight), deploy ${(deployMs / 1000).toFixed(1)} s, update ${(updateMs / 1000).toFixed(1)} s`);

  started = performance.now();
  const controller = await ControllerProcess.start({ kubeconfig, namespace });
  cleanup.add('stop controller', () => controller.stop());
  const readyMs = performance.now() - started;
  const peakSockets = controller.trackPeakSockets();
  const reconciles = await waitForIdleQueue(controller, n, 30 * 60_000);
  const reconciledMs = performance.now() - started;
  const healthy = rollouts.list().filter(isHealthy).length;
  console.log(`  fresh controller (pid ${controller.pid}): caches synced ${(readyMs / 1000).toFixed(1)} s, ${reconciles} reconciles done and queue empty ${(reconciledMs / 1000).toFixed(1)} s after start; ${healthy}/${n} Healthy with observedGeneration current`);
  await sleep(3000);
  console.log(`  open sockets: at most ${await peakSockets()} while starting (sampled every 100 ms from ready), ${await controller.sockets()} once idle`);
  console.log(`  ${formatMemory('after the initial reconciles', await controller.memory())}`);
  await sleep(idleMs);
  const idle = await controller.memory();
  const after = await controller.reconciles();
  console.log(`  ${formatMemory(`after ${idleMs / 1000} s idle`, idle)}`);
  console.log(`  reconciles during the idle period: ${after - reconciles}`);
  log('cleaning up');
  await cleanup.run();
  if (keep) {
    log(`kept namespace ${namespace}`);
    return;
  }
  const gone = await deleteNamespace(client, namespace, 20 * 60_000);
  log(gone === undefined ? 'namespace still terminating' : `namespace deleted in ${(gone / 1000).toFixed(1)} s`);
}

/** ReplicaSets per owning Rollout, listed in pages. */
async function replicaSetsPerRollout(client: BenchCluster['client'], namespace: string): Promise<Map<string, { total: number; previousAtZero: number }>> {
  const out = new Map<string, { total: number; previousAtZero: number }>();
  let continueToken: string | undefined;
  do {
    const page = await client.get<{ items: V1ReplicaSet[]; metadata?: { continue?: string } }>(replicaSetsPath(namespace), { limit: 500, continue: continueToken });
    for (const rs of page.items) {
      const owner = rs.metadata?.ownerReferences?.find((o) => o.controller === true)?.name ?? '';
      const entry = out.get(owner) ?? { total: 0, previousAtZero: 0 };
      entry.total++;
      if ((rs.spec?.replicas ?? 0) === 0 && rs.metadata?.annotations?.['rollout.argoproj.io/revision'] === '1') entry.previousAtZero++;
      out.set(owner, entry);
    }
    continueToken = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
  } while (continueToken !== undefined);
  return out;
}

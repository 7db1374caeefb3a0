/**
 * Reaction latency of the Rollout controller with N Rollouts present (N−1 idle, 1 measured), the controller running
 * as its own process (`bin/aviary controller`, scoped to the benchmark's namespace):
 *
 *   (a) template change → new ReplicaSet: from the response to the PATCH of the Rollout's pod template to the
 *       ADDED event of the new ReplicaSet on this process's watch;
 *   (b) step completion → next scaling write: from the response to the promote of a Rollout paused at an
 *       indefinite pause step (status.pauseConditions → null, as `promote` does) to the watch event in which a
 *       ReplicaSet's spec.replicas changes.
 *
 * Both ends are observed by this process with performance.now(), so clock resolution is not an issue; the figures
 * include one watch delivery to this process. Each is followed by a control: the time until the same PATCH shows up
 * as the Rollout's own MODIFIED event on this process's watch, i.e. the API server and watch delivery without the
 * controller; the difference is the controller's share. The controller's queue-wait and reconcile histograms
 * (its /metrics) are summarised over the samples. Idle Rollouts have 1 replica and steps [setWeight 50, pause {}]; the
 * measured one has 2 replicas (so that promoting it scales its canary 1 → 2). Prints figures; asserts nothing.
 *
 *   node bench/rollout-reaction.ts [--rollouts 1,100,1000] [--samples 40] [--concurrency 20]
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Rollout } from '../src/api/rollout.ts';
import { formatSummary } from './stats.ts';
import { Cleanup } from './support/cleanup.ts';
import { ControllerProcess, mib } from './support/controller-process.ts';
import {
  benchCluster, benchLabel, createBenchNamespace, deleteNamespace, ensureRolloutCrd, inPool, progressLog, retrying,
  rolloutManifest, rolloutsPath, type BenchCluster,
} from './support/kube.ts';
import { sumSamples } from './support/prometheus.ts';
import { isHealthy, replicaSetInformer, rolloutInformer, waitAllHealthy, waitUntil, type CachedReplicaSet } from './support/watch.ts';

const { values } = parseArgs({
  options: {
    rollouts: { type: 'string', default: '1,100,1000' },
    samples: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '20' },
  },
});
const counts = values.rollouts.split(',').map((s) => Number(s.trim()));
if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--rollouts: whole numbers ≥ 1, comma-separated');
const samples = Number(values.samples);
const concurrency = Number(values.concurrency);
const steps = [{ setWeight: 50 }, { pause: {} }];
const mergePatch = 'application/merge-patch+json';

const cluster = await benchCluster();
const crd = await ensureRolloutCrd(cluster.client);
const cleanup = new Cleanup();
console.log(`Rollout reaction latency — ${new Date().toISOString()}, CRD ${crd}, ${samples} samples per size`);
try {
  for (const n of counts) await runSize(cluster, n);
} finally {
  await cleanup.run();
}

/** Sums and counts of the controller's queue-wait and reconcile-duration histograms. */
async function controllerTimings(controller: ControllerProcess): Promise<Record<'queue' | 'reconcile', { sum: number; count: number }>> {
  const samples = await controller.metrics();
  const pick = (name: string): { sum: number; count: number } => ({ sum: sumSamples(samples, `${name}_sum`), count: sumSamples(samples, `${name}_count`) });
  return { queue: pick('aviary_workqueue_queue_duration_seconds'), reconcile: pick('aviary_reconcile_duration_seconds') };
}

async function runSize({ kubeconfig, client }: BenchCluster, n: number): Promise<void> {
  const log = progressLog(`reaction ${n}`);
  const namespace = await createBenchNamespace(client, 'reaction');
  cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));
  const measuredName = 'measured-0';

  const setupStarted = performance.now();
  const idle = Array.from({ length: n - 1 }, (_, i) => `idle-${i}`);
  await inPool(idle, concurrency, async (name) => {
    await retrying(() => client.create(rolloutsPath(namespace), rolloutManifest({ name, namespace, replicas: 1, steps, role: 'idle' })));
  }, (done) => { log(`${done}/${idle.length} idle Rollouts created`); });
  await client.create(rolloutsPath(namespace), rolloutManifest({ name: measuredName, namespace, replicas: 2, steps, role: 'measured' }));
  const createdMs = performance.now() - setupStarted;

  const rollouts = rolloutInformer(client, namespace);
  const replicaSets = replicaSetInformer(client, namespace, `${benchLabel}=measured`);
  cleanup.add('stop informers', () => Promise.all([rollouts.stop(), replicaSets.stop()]));
  rollouts.start();
  replicaSets.start();
  await Promise.all([rollouts.waitForSync(), replicaSets.waitForSync()]);

  const controller = await ControllerProcess.start({ kubeconfig, namespace });
  cleanup.add('stop controller', () => controller.stop());
  const healthyMs = await waitAllHealthy(rollouts, n, 30 * 60_000, log);
  log(`all ${n} Healthy; measuring`);

  // Measurement state, filled in by the watch handlers.
  const measuredKey = `${namespace}/${measuredName}`;
  const ownedByMeasured = (rs: CachedReplicaSet): boolean =>
    rs.metadata?.ownerReferences?.some((o) => o.name === measuredName && o.controller === true) === true;
  let createWait: { known: Set<string>; eventAt?: number } | undefined;
  let scaleWait: { eventAt?: number } | undefined;
  // Control: the same PATCH seen as a Rollout event on this process's watch, without the controller in between.
  let rolloutWait: { eventAt?: number; changed: (oldR: Rollout, r: Rollout) => boolean } | undefined;
  rollouts.onUpdate((oldR, r) => {
    const at = performance.now();
    if (rolloutWait !== undefined && rolloutWait.eventAt === undefined && r.metadata.name === measuredName && rolloutWait.changed(oldR as Rollout, r as Rollout)) {
      rolloutWait.eventAt = at;
    }
  });
  replicaSets.addEventHandler({
    onAdd: (rs) => {
      const at = performance.now();
      if (createWait?.eventAt === undefined && createWait !== undefined && ownedByMeasured(rs) && !createWait.known.has(rs.metadata?.name ?? '')) {
        createWait.eventAt = at;
      }
    },
    onUpdate: (oldRs, rs) => {
      const at = performance.now();
      if (scaleWait !== undefined && scaleWait.eventAt === undefined && ownedByMeasured(rs) && oldRs.spec?.replicas !== rs.spec?.replicas) {
        scaleWait.eventAt = at;
      }
    },
  });
  const measured = (): Rollout | undefined => rollouts.get(measuredKey) as Rollout | undefined;

  const toNewRs: number[] = [];
  const toNewRsFromSend: number[] = [];
  const toScale: number[] = [];
  const toRolloutEvent: number[] = [];
  const toPromoteEvent: number[] = [];
  const before = await controllerTimings(controller);
  let failures = 0;
  for (let i = 0; i < samples; i++) {
    try {
      // (a) template change → new ReplicaSet.
      createWait = { known: new Set(replicaSets.list().map((rs) => rs.metadata?.name ?? '')) };
      rolloutWait = { changed: (o, r) => o.metadata.generation !== r.metadata.generation };
      const control = rolloutWait;
      const sentAt = performance.now();
      await client.patch(rolloutsPath(namespace, measuredName), { spec: { template: { metadata: { annotations: { 'bench.aviary.dev/sample': `${Date.now()}-${i}` } } } } }, mergePatch);
      const respondedAt = performance.now();
      const create = createWait;
      await waitUntil('the new ReplicaSet', () => create.eventAt !== undefined, 30_000, 1);
      toNewRs.push((create.eventAt ?? 0) - respondedAt);
      toNewRsFromSend.push((create.eventAt ?? 0) - sentAt);
      await waitUntil('the Rollout event', () => control.eventAt !== undefined, 30_000, 1);
      toRolloutEvent.push((control.eventAt ?? 0) - respondedAt);
      createWait = undefined;

      // (b) paused at the indefinite pause after setWeight 50 → promote → the next scaling write.
      await waitUntil('the pause step', () => {
        const s = measured()?.status;
        return s?.currentStepIndex === 1 && (s.pauseConditions ?? []).length > 0 && s.observedGeneration === String(measured()?.metadata.generation);
      }, 60_000, 5);
      scaleWait = {};
      const scale = scaleWait;
      rolloutWait = { changed: (o, r) => (o.status?.pauseConditions ?? []).length > 0 && (r.status?.pauseConditions ?? []).length === 0 };
      const promoteControl = rolloutWait;
      await client.patch(rolloutsPath(namespace, measuredName, 'status'), { status: { pauseConditions: null } }, mergePatch);
      const promotedAt = performance.now();
      await waitUntil('a scaling write after the promote', () => scale.eventAt !== undefined, 30_000, 1);
      toScale.push((scale.eventAt ?? 0) - promotedAt);
      await waitUntil('the promote event', () => promoteControl.eventAt !== undefined, 30_000, 1);
      toPromoteEvent.push((promoteControl.eventAt ?? 0) - promotedAt);
      scaleWait = undefined;
      rolloutWait = undefined;

      const rollout = measured();
      await waitUntil('the measured Rollout Healthy', () => rollout !== undefined && isHealthy(measured() as Rollout), 120_000, 5);
    } catch (error) {
      failures++;
      createWait = undefined;
      scaleWait = undefined;
      rolloutWait = undefined;
      log(`sample ${i}: ${error instanceof Error ? error.message : String(error)}`);
      if (failures > 3) throw error;
      await waitUntil('the measured Rollout Healthy', () => isHealthy(measured() as Rollout), 120_000, 50).catch(() => 0);
    }
    // Settle: Events and status writes of the previous sample finish before the next one starts.
    await sleep(200);
  }

  const after = await controllerTimings(controller);
  const memory = await controller.memory();
  console.log(`\n${n} Rollout(s) (${n - 1} idle + 1 measured) in ${namespace}; setup: created in ${(createdMs / 1000).toFixed(1)} s, all Healthy ${(healthyMs / 1000).toFixed(1)} s after the controller was ready`);
  console.log(formatSummary('  (a) template PATCH response → new ReplicaSet ADDED', toNewRs));
  console.log(formatSummary('      (same, from PATCH sent)', toNewRsFromSend));
  console.log(formatSummary('      control: template PATCH response → the Rollout\'s own MODIFIED event', toRolloutEvent));
  console.log(formatSummary('  (b) promote PATCH response → ReplicaSet spec.replicas changed', toScale));
  console.log(formatSummary('      control: promote PATCH response → the Rollout\'s own MODIFIED event', toPromoteEvent));
  const mean = (key: 'queue' | 'reconcile'): string => {
    const count = after[key].count - before[key].count;
    return count === 0 ? 'n/a' : `${((after[key].sum - before[key].sum) / count * 1000).toFixed(1)} ms over ${count}`;
  };
  console.log(`  controller during the samples: mean queue wait ${mean('queue')}, mean reconcile ${mean('reconcile')} (its histograms)`);
  if (failures > 0) console.log(`  samples that failed or timed out: ${failures}`);
  console.log(`  controller RSS at the end: ${mib(memory.vmRssBytes)} (heap used ${mib(memory.heapUsedBytes)})`);
  log('cleaning up');
  await cleanup.run();
  const gone = await deleteNamespace(client, namespace, 10 * 60_000);
  log(gone === undefined ? 'namespace still terminating' : `namespace deleted in ${(gone / 1000).toFixed(1)} s`);
}

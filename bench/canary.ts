/**
 * The Canary controller (Flagger's shape) in figures, with N Canaries present (idle ones with 0-replica targets,
 * plus the measured ones), the controller running as its own process (`bin/aviary controller`, scoped to the
 * benchmark's namespace) behind a counting proxy, so its API requests are known exactly:
 *
 *   (a) new revision → Progressing: from the response to the PATCH of the target's pod template to the Canary's
 *       status showing Progressing on this process's watch (Flagger notices at its next interval tick, 60 s by
 *       default); each sample is then promoted with a `promote --full` request;
 *   (b) the duration of a 5-iteration release at interval 10 s (kubernetes provider, blue-green): from the PATCH to
 *       Succeeded, and the controller's API requests (by verb and resource) over it;
 *   (c) rollback after the threshold: a rollout webhook answering 500 (a local server on loopback), threshold 1:
 *       from the PATCH to Failed;
 *   (d) the controller's memory with the N Canaries present.
 *
 * Prints figures; asserts nothing.
 *
 *   node bench/canary.ts [--canaries 100] [--samples 20]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { Canary } from '../src/api/canary.ts';
import { Informer } from '../src/runtime/informer.ts';
import { resourcePath, type KubeClient } from '../src/runtime/rest.ts';
import { closeServer } from '../src/util/http-server.ts';
import { formatSummary } from './stats.ts';
import { Cleanup } from './support/cleanup.ts';
import { ControllerProcess, mib } from './support/controller-process.ts';
import { CountingProxy } from './support/counting-proxy.ts';
import { benchCluster, createBenchNamespace, deleteNamespace, ensureCanaryCrds, inPool, progressLog, retrying } from './support/kube.ts';
import { delta, formatCounts, isWrite, total } from './support/prometheus.ts';
import { waitUntil } from './support/watch.ts';

const { values } = parseArgs({ options: { canaries: { type: 'string', default: '100' }, samples: { type: 'string', default: '20' } } });
const count = Number(values.canaries);
const samples = Number(values.samples);
if (!Number.isInteger(count) || count < 3) throw new Error('--canaries: a whole number ≥ 3 (three are measured)');
const mergePatch = 'application/merge-patch+json';
const strategicPatch = 'application/strategic-merge-patch+json';

const target = (name: string, replicas: number): unknown => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: {
    replicas, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'bench/app:1' }] } },
  },
});
const canary = (name: string, analysis: Record<string, unknown>): unknown => ({
  apiVersion: 'aviary.dev/v1alpha1', kind: 'Canary', metadata: { name },
  spec: { provider: 'kubernetes', targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, service: { port: 80, targetPort: 8080 }, analysis: { interval: '10s', threshold: 1, ...analysis } },
});

const cluster = await benchCluster();
const crd = await ensureCanaryCrds(cluster.client);
const cleanup = new Cleanup();
const log = progressLog('canary');
console.log(`Canary controller figures — ${new Date().toISOString()}, CRDs ${crd}, ${count} Canaries (${count - 3} idle), ${samples} reaction samples`);
// The failing rollout webhook of (c), on loopback.
const failing = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(500).end('failing on purpose'); }); });
await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
cleanup.add('close webhook server', () => closeServer(failing));
try {
  await run(cluster.client, cluster.kc);
} finally {
  await cleanup.run();
}

async function run(client: KubeClient, kc: Parameters<typeof CountingProxy.start>[0]): Promise<void> {
  const namespace = await createBenchNamespace(client, 'canary');
  cleanup.add(`delete namespace ${namespace}`, async () => { await deleteNamespace(client, namespace); });
  const deployments = resourcePath('apps/v1', 'deployments', namespace);
  const canaries = resourcePath('aviary.dev/v1alpha1', 'canaries', namespace);
  const idle = Array.from({ length: count - 3 }, (_, i) => `idle-${String(i)}`);
  const started = performance.now();
  await inPool(idle, 20, async (name) => {
    await retrying(() => client.create(deployments, target(name, 0)));
    await retrying(() => client.create(canaries, canary(name, { iterations: 1 })));
  }, (done) => { log(`${String(done)}/${String(idle.length)} idle Canaries created`); });
  const webhook = `http://127.0.0.1:${String((failing.address() as AddressInfo).port)}/`;
  for (const [name, analysis] of [
    ['react', { iterations: 1 }],
    ['steps', { iterations: 5 }],
    ['bad', { iterations: 5, webhooks: [{ name: 'acceptance', type: 'rollout', url: webhook }] }],
  ] as const) {
    await client.create(deployments, target(name, 1));
    await client.create(canaries, canary(name, analysis));
  }

  const informer = new Informer<Canary>(client, { resource: { apiVersion: 'aviary.dev/v1alpha1', kind: 'Canary', plural: 'canaries' }, namespace });
  cleanup.add('stop informer', () => informer.stop());
  const watchers: { name: string; phase: string; at?: number }[] = [];
  const seen = (obj: unknown): void => {
    const c = obj as Canary;
    for (const w of watchers) if (w.at === undefined && c.metadata.name === w.name && c.status?.phase === w.phase) w.at = performance.now();
  };
  informer.addEventHandler({ onAdd: seen, onUpdate: (_o, c) => { seen(c); } });
  informer.start();
  await informer.waitForSync();

  const proxy = await CountingProxy.start(kc);
  cleanup.add('close proxy', () => proxy.close());
  const controller = await ControllerProcess.start({ kubeconfig: await proxy.writeKubeconfig(), namespace });
  cleanup.add('stop controller', () => controller.stop());
  const phaseOf = (name: string): string | undefined => informer.getByName(namespace, name)?.status?.phase;
  const initialized = await waitUntil(`all ${String(count)} Canaries Initialized`, () => informer.list().filter((c) => c.status?.phase === 'Initialized').length === count, 30 * 60_000, 50);
  log(`all Initialized ${(initialized / 1000).toFixed(1)} s after the controller was ready (created in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

  /** Patches the target's template; resolves with the time the Canary reached `phase` after the PATCH's response. */
  const release = async (name: string, phase: string, sample: string, timeoutMs: number): Promise<number> => {
    const watch: { name: string; phase: string; at?: number } = { name, phase };
    watchers.push(watch);
    await client.patch(resourcePath('apps/v1', 'deployments', namespace, name), { spec: { template: { metadata: { annotations: { 'bench.aviary.dev/sample': sample } } } } }, strategicPatch);
    const respondedAt = performance.now();
    await waitUntil(`${name} ${phase}`, () => watch.at !== undefined, timeoutMs, 1);
    watchers.splice(watchers.indexOf(watch), 1);
    return (watch.at ?? 0) - respondedAt;
  };

  const reaction: number[] = [];
  for (let i = 0; i < samples; i++) {
    reaction.push(await release('react', 'Progressing', `r${String(i)}`, 30_000));
    await client.patch(resourcePath('aviary.dev/v1alpha1', 'canaries', namespace, 'react'), { metadata: { annotations: { 'aviary.dev/promote': 'full' } } }, mergePatch);
    await waitUntil('react Succeeded', () => phaseOf('react') === 'Succeeded', 60_000, 5);
  }
  console.log(formatSummary('(a) target template PATCH response → Canary Progressing', reaction));

  const before = proxy.snapshot();
  const duration = await release('steps', 'Succeeded', 's', 180_000);
  const requests = delta(before, proxy.snapshot());
  console.log(`(b) 5 iterations at interval 10 s, PATCH → Succeeded: ${(duration / 1000).toFixed(1)} s (the analyses alone take 5 × 10 s; Flagger: ≥ 5 intervals + its ticks)`);
  console.log(`    controller API requests over it: ${String(total(requests))} (${String(total(requests, isWrite))} writes), with ${String(count - 1)} other Canaries present:`);
  console.log(formatCounts(requests, 1, '      '));

  const rollback = await release('bad', 'Failed', 'b', 120_000);
  console.log(`(c) rollout webhook failing, threshold 1, interval 10 s: PATCH → Failed in ${(rollback / 1000).toFixed(1)} s (as in Flagger, the first due analysis runs only pre-rollout hooks: the rollout hook is first asked two intervals after Progressing)`);
  const memory = await controller.memory();
  console.log(`(d) controller with ${String(count)} Canaries: RSS ${mib(memory.vmRssBytes)}, heap used ${mib(memory.heapUsedBytes)}`);
}

/**
 * Traffic-routed canaries (Gateway API router) through the lab's real Traefik: how fast a completed step becomes a
 * weight the gateway applies, with 1 and with 100 traffic-routed Rollouts in the namespace.
 *
 * For each N: N Rollouts (2 lab pods each, canary and stable Services, an HTTPRoute on the lab's shared Gateway,
 * steps setWeight 10, pause, 20, pause, ... 90, pause) are created and Healthy, the controller runs as its own
 * process, and one of them is released. At each of its pauses the script promotes it (the step is completed by the
 * user) and measures from the promote's response (a) until the HTTPRoute carries the next weight (polled every
 * 10 ms through the API server), (b) until Traefik's API shows it (polled every 10 ms through the gateway-api
 * bridge). After the last step it is promoted to the end, and the controller's own requests over the whole release
 * (template PATCH → Healthy on the new version) are counted exactly: it talks to the API server through a counting
 * proxy on loopback (bench/support/counting-proxy.ts). Loopback only; bounded by the number of steps. Prints
 * figures; asserts nothing.
 *
 *   node bench/traffic-routing.ts [--rollouts 1,100]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Rollout } from '../src/api/rollout.ts';
import { PatchType, resourcePath } from '../src/runtime/rest.ts';
import { formatSummary } from './stats.ts';
import { Cleanup } from './support/cleanup.ts';
import { ControllerProcess } from './support/controller-process.ts';
import { CountingProxy } from './support/counting-proxy.ts';
import { delta, formatCounts, isWrite, total } from './support/prometheus.ts';
import { benchCluster, createBenchNamespace, deleteNamespace, ensureRolloutCrd, inPool, progressLog, rolloutsPath } from './support/kube.ts';
import { labHttpRoute, labService, requireLab, traefikServices } from './support/lab.ts';

const { values } = parseArgs({ options: { rollouts: { type: 'string', default: '1,100' } } });
const counts = values.rollouts.split(',').map((s) => Number(s.trim()));
if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--rollouts: whole numbers ≥ 1, comma-separated');

const log = progressLog('traffic-routing');
const lab = await requireLab();
const { client, kc } = await benchCluster();
await ensureRolloutCrd(client);
const weights = [10, 20, 30, 40, 50, 60, 70, 80, 90];
const cleanup = new Cleanup();

function rollout(name: string, namespace: string): Rollout {
  return {
    apiVersion: 'aviary.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'lab/echo:v1' }] } },
      strategy: {
        canary: {
          canaryService: `${name}-canary`, stableService: `${name}-stable`, scaleDownDelaySeconds: 0,
          trafficRouting: { gatewayAPI: { httpRoute: name } },
          steps: weights.flatMap((w) => [{ setWeight: w }, { pause: {} }]),
        },
      },
    },
  };
}

async function canaryWeight(namespace: string, name: string): Promise<number | undefined> {
  const route = await client.get<{ spec?: { rules?: { backendRefs?: { name: string; weight?: number }[] }[] } }>(resourcePath('gateway.networking.k8s.io/v1', 'httproutes', namespace, name));
  return route.spec?.rules?.[0]?.backendRefs?.find((b) => b.name === `${name}-canary`)?.weight;
}

async function traefikWeight(namespace: string, name: string): Promise<number | undefined> {
  for (const service of await traefikServices(lab.layout)) {
    const canary = service.weighted?.services?.find((s) => s.name.includes(`${namespace}-${name}-canary-`));
    if (canary !== undefined) return canary.weight;
  }
  return undefined;
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const get = (namespace: string, name: string): Promise<Rollout> => client.get<Rollout>(rolloutsPath(namespace, name));

process.stdout.write(`Traffic-routed canaries through the lab's Traefik — ${new Date().toISOString()}\n`);
try {
  const proxy = await CountingProxy.start(kc);
  cleanup.add('close the counting proxy', () => proxy.close());
  const kubeconfig = await proxy.writeKubeconfig();
  for (const n of counts) {
    const namespace = await createBenchNamespace(client, 'traffic');
    const removeNamespace = cleanup.add(`delete namespace ${namespace}`, () => deleteNamespace(client, namespace));
    const names = Array.from({ length: n }, (_, i) => `r${String(i)}`);
    log(`N=${String(n)}: creating ${String(n)} Rollouts with Services and HTTPRoutes in ${namespace}`);
    await inPool(names, 10, async (name) => {
      for (const role of ['stable', 'canary']) await client.create(resourcePath('v1', 'services', namespace), labService(`${name}-${role}`, { app: name }));
      await client.create(resourcePath('gateway.networking.k8s.io/v1', 'httproutes', namespace), labHttpRoute(name, `${name}.${namespace}.bench`, { [`${name}-stable`]: 100, [`${name}-canary`]: 0 }));
      await client.create(rolloutsPath(namespace), rollout(name, namespace));
    });
    const controller = await ControllerProcess.start({ kubeconfig, namespace });
    const stopController = cleanup.add('stop the controller', () => controller.stop());
    await inPool(names, 20, async (name) => {
      await until(`${name} Healthy`, async () => (await get(namespace, name)).status?.phase === 'Healthy', 300_000);
    });
    const measured = 'r0';
    const template = structuredClone((await get(namespace, measured)).spec.template);
    const spec = template?.spec as { containers: { image: string }[] };
    spec.containers[0] = { ...spec.containers[0], image: 'lab/echo:v2' };
    const requestsBefore = proxy.snapshot();
    const stableBefore = (await get(namespace, measured)).status?.stableRS;
    await client.request({ method: 'PATCH', path: rolloutsPath(namespace, measured), body: { spec: { template } }, contentType: PatchType.merge });
    await until('the first pause', async () => (await get(namespace, measured)).status?.currentStepIndex === 1 && (await canaryWeight(namespace, measured)) === 10);
    await until('Traefik at 10', async () => (await traefikWeight(namespace, measured)) === 10);
    const written: number[] = [];
    const applied: number[] = [];
    for (const [i, weight] of weights.slice(1).entries()) {
      const t0 = performance.now();
      await client.request({ method: 'PATCH', path: rolloutsPath(namespace, measured, 'status'), body: { status: { pauseConditions: null } }, contentType: PatchType.merge });
      const t1 = performance.now();
      const before = weights[i];
      await until(`HTTPRoute at ${String(weight)}`, async () => (await canaryWeight(namespace, measured)) === weight);
      written.push(performance.now() - t1);
      await until(`Traefik at ${String(weight)}`, async () => (await traefikWeight(namespace, measured)) === weight);
      applied.push(performance.now() - t1);
      log(`  ${String(before)} → ${String(weight)}: promote ${(t1 - t0).toFixed(0)} ms round trip`);
      await until(`the pause after ${String(weight)}`, async () => {
        const status = (await get(namespace, measured)).status;
        return status?.currentStepIndex === 2 * (i + 1) + 1 && (status.pauseConditions ?? []).length > 0;
      });
    }
    await client.request({ method: 'PATCH', path: rolloutsPath(namespace, measured, 'status'), body: { status: { pauseConditions: null } }, contentType: PatchType.merge });
    await until('Healthy on the new version', async () => {
      const status = (await get(namespace, measured)).status;
      return status?.phase === 'Healthy' && status.stableRS !== stableBefore && (await canaryWeight(namespace, measured)) === 0;
    });
    // Trailing Events and the old version's scale-down land within the controller's next passes.
    await sleep(3000);
    const requests = delta(requestsBefore, proxy.snapshot());
    process.stdout.write(`\nN=${String(n)} traffic-routed Rollouts (2 lab pods each), ${String(written.length)} steps of the released one:\n`);
    process.stdout.write(`  ${formatSummary('promote (step completed) → HTTPRoute carries the weight', written)}\n`);
    process.stdout.write(`  ${formatSummary('promote → Traefik applies it (its API)', applied)}\n`);
    process.stdout.write(`  the controller's requests for the whole release (${String(weights.length)} weights, template PATCH → Healthy; counting proxy, exact, ` +
      `including the other ${String(n - 1)} idle Rollouts' share): ${String(total(requests))} (writes ${String(total(requests, isWrite))})\n${formatCounts(requests, 1, '    ')}\n`);
    await stopController();
    await removeNamespace();
  }
} finally {
  await cleanup.run();
}

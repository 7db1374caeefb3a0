/**
 * Start-up of the CLI: the time from spawning `aviary get rollout NAME` (one-shot) to its first byte of output, and
 * to its exit, against the local cluster (KUBECONFIG, or the local cluster's kubeconfig). The Rollout has two
 * ReplicaSets with two pods each, so the command makes the requests it makes in real use (the Rollout, then its
 * ReplicaSets, pods and analysis runs). No controller runs. For scale, it also times `aviary version` (no cluster)
 * and a bare `node` that only imports @kubernetes/client-node. It prints figures; it asserts nothing.
 *
 *   npm run bench:cli-startup [-- samples, default 20]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { kubeconfigPath } from '../src/cluster/paths.ts';
import { Applier } from '../src/runtime/apply.ts';
import type { KubeObject } from '../src/runtime/objects.ts';
import { KubeClient, resourcePath } from '../src/runtime/rest.ts';
import { formatSummary } from './stats.ts';

const samples = Number(process.argv[2] ?? 20);
const kubeconfig = process.env.KUBECONFIG !== undefined && process.env.KUBECONFIG !== '' ? process.env.KUBECONFIG : kubeconfigPath();
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const client = new KubeClient(kc);
const namespace = `cli-bench-${randomBytes(3).toString('hex')}`;
const aviary = fileURLToPath(new URL('../bin/aviary', import.meta.url));
const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));

interface Timing {
  firstOutputMs: number;
  exitMs: number;
  code: number | null;
}

/** Spawns a command and times its first byte on stdout and its exit. */
function time(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = Number.NaN;
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', () => {
      if (Number.isNaN(first)) first = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code ?? 'by signal'}: ${stderr}`));
      else resolve({ firstOutputMs: first, exitMs: performance.now() - started, code });
    });
  });
}

async function setUp(): Promise<void> {
  const applier = new Applier(client, 'aviary-bench');
  const crd = parse(await readFile(new URL('../deploy/crds/aviary.dev_rollouts.yaml', import.meta.url), 'utf8')) as KubeObject;
  await applier.apply(crd);
  await client.create(resourcePath('v1', 'namespaces'), { metadata: { name: namespace } });
  for (let i = 0; i < 50; i++) {
    try {
      await client.get(resourcePath('aviary.dev/v1alpha1', 'rollouts', namespace));
      break;
    } catch {
      await sleep(200);
    }
  }
  const rollout = await client.create<KubeObject>(resourcePath('aviary.dev/v1alpha1', 'rollouts', namespace), {
    apiVersion: 'aviary.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:2' }] } },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    },
  });
  const owner = { apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: rollout.metadata?.uid ?? '', controller: true };
  for (const [revision, hash, image] of [[1, 'aaa', 'app:1'], [2, 'bbb', 'app:2']] as const) {
    await client.create(resourcePath('apps/v1', 'replicasets', namespace), {
      metadata: { name: `web-${hash}`, labels: { app: 'web', 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(revision) }, ownerReferences: [owner] },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash } },
        template: { metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': hash } }, spec: { containers: [{ name: 'app', image }] } },
      },
    });
  }
}

async function main(): Promise<void> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'aviary-bench-cache-'));
  try {
    await setUp();
    const get = ['get', 'rollout', 'web', '-n', namespace];
    const env = { KUBECONFIG: kubeconfig, NO_COLOR: '1', NODE_COMPILE_CACHE: cacheDir };
    process.stdout.write(`aviary get rollout (one-shot), namespace ${namespace}, ${samples} samples each\n`);

    // The first run after an install compiles everything; Node keeps the result in its compile cache.
    const cold = await time(aviary, get, env);
    process.stdout.write(`first run (empty compile cache): first output ${cold.firstOutputMs.toFixed(1)} ms, exit ${cold.exitMs.toFixed(1)} ms\n`);

    const first: number[] = [];
    const exit: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = await time(aviary, get, env);
      first.push(t.firstOutputMs);
      exit.push(t.exitMs);
    }
    process.stdout.write(`${formatSummary('get rollout: time to first output', first)}\n`);
    process.stdout.write(`${formatSummary('get rollout: time to exit        ', exit)}\n`);

    const version: number[] = [];
    for (let i = 0; i < samples; i++) version.push((await time(aviary, ['version'], env)).firstOutputMs);
    process.stdout.write(`${formatSummary('version (no cluster): first output', version)}\n`);

    const clientNode: number[] = [];
    const importOnly = ['--input-type=module', '-e', "await import('@kubernetes/client-node'); process.stdout.write('x')"];
    for (let i = 0; i < Math.min(samples, 10); i++) clientNode.push((await time(node, importOnly, { NODE_COMPILE_CACHE: cacheDir })).firstOutputMs);
    process.stdout.write(`${formatSummary('node importing @kubernetes/client-node only', clientNode)}\n`);
  } finally {
    await client.delete(resourcePath('v1', 'namespaces', undefined, namespace)).catch(() => undefined);
    client.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

await main();

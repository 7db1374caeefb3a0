/**
 * Latency of `aviary track`: from a pod status change (a status-subresource write on a tracked pod) to the line the
 * command prints about it. Runs the real command against the local cluster (KUBECONFIG, or the local cluster's
 * kubeconfig), in JSON mode and in plain-text mode, and prints p50/p99/max. It prints figures; it asserts nothing.
 *
 *   node bench/track-latency.ts [samples per mode, default 100]
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { kubeconfigPath } from '../src/cluster/paths.ts';

const samples = Number(process.argv[2] ?? 100);
const kubeconfig = process.env.KUBECONFIG !== undefined && process.env.KUBECONFIG !== '' ? process.env.KUBECONFIG : kubeconfigPath();
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const namespace = `track-bench-${randomBytes(3).toString('hex')}`;
const aviary = fileURLToPath(new URL('../bin/aviary', import.meta.url));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

function report(label: string, values: number[]): void {
  const s = [...values].sort((a, b) => a - b);
  const f = (n: number): string => `${n.toFixed(1)} ms`;
  process.stdout.write(`${label.padEnd(48)} n=${s.length}  p50 ${f(percentile(s, 50))}  p99 ${f(percentile(s, 99))}  max ${f(s.at(-1) ?? NaN)}\n`);
}

/** The tracker as a child process; resolves lines to whoever waits for one that matches. */
class Tracker {
  private readonly child: ChildProcessWithoutNullStreams;
  private waiter?: { test: (line: string) => boolean; resolve: (at: number) => void };

  constructor(args: string[]) {
    this.child = spawn(aviary, ['track', ...args], { env: { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' } });
    createInterface(this.child.stdout).on('line', (line) => {
      const at = performance.now();
      const w = this.waiter;
      if (w?.test(line) === true) {
        this.waiter = undefined;
        w.resolve(at);
      }
    });
    this.child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  }

  next(test: (line: string) => boolean, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error('no matching line in time')); }, timeoutMs);
      this.waiter = { test, resolve: (at) => { clearTimeout(timer); resolve(at); } };
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) { resolve(); return; }
      this.child.once('exit', () => { resolve(); });
      this.child.kill('SIGINT');
    });
  }
}

async function patchPod(name: string, reason: string, restarts: number): Promise<void> {
  await core.patchNamespacedPodStatus({
    name, namespace,
    body: { status: { containerStatuses: [{ name: 'web', image: 'web:1', imageID: '', ready: false, restartCount: restarts, state: { waiting: { reason } } }] } },
  }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
}

async function measure(mode: 'json' | 'text', pod: string): Promise<{ fromWrite: number[]; fromAck: number[] }> {
  const args = ['deploy/bench', '-n', namespace, '--timeout', '0', '--unschedulable-grace', '1h', '--no-logs', '--no-events'];
  const tracker = new Tracker(mode === 'json' ? [...args, '-o', 'json'] : args);
  await tracker.next((l) => (mode === 'json' ? l.includes('"type":"status"') : l.startsWith('deploy/bench progressing')), 60_000);
  const fromWrite: number[] = [];
  const fromAck: number[] = [];
  for (let i = 1; i <= samples; i++) {
    // Alternate the waiting reason so that the plain-text line changes too; the restart count makes JSON lines unique.
    const reason = i % 2 === 0 ? 'ContainerCreating' : 'StartingUp';
    const seen = tracker.next((l) => (mode === 'json' ? l.includes('"type":"status"') && l.includes(`"restarts":${i},`) : l.includes(`po/${pod} ${reason}`)));
    const t0 = performance.now();
    await patchPod(pod, reason, i);
    const acked = performance.now();
    const at = await seen;
    fromWrite.push(at - t0);
    fromAck.push(Math.max(0, at - acked));
    await sleep(20);
  }
  await tracker.stop();
  return { fromWrite, fromAck };
}

async function main(): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    for (let i = 0; ; i++) {
      try {
        await core.readNamespacedServiceAccount({ name: 'default', namespace });
        break;
      } catch {
        if (i > 100) throw new Error('no default ServiceAccount');
        await sleep(100);
      }
    }
    // Pods kept off the fake nodes: only this benchmark writes their status.
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'bench' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'bench' } },
          template: { metadata: { labels: { app: 'bench' } }, spec: { nodeSelector: { 'aviary.dev/no-such-node': 'true' }, containers: [{ name: 'web', image: 'web:1' }] } },
        },
      },
    });
    let pod = '';
    while (pod === '') {
      pod = (await core.listNamespacedPod({ namespace, labelSelector: 'app=bench' })).items[0]?.metadata?.name ?? '';
      if (pod === '') await sleep(100);
    }
    process.stdout.write(`aviary track: pod status write → printed line (${samples} samples per mode, namespace ${namespace})\n`);
    for (const mode of ['json', 'text'] as const) {
      const { fromWrite, fromAck } = await measure(mode, pod);
      report(`-o ${mode}: from the start of the write`, fromWrite);
      report(`-o ${mode}: from the API server's acknowledgement`, fromAck);
    }
  } finally {
    await core.deleteNamespace({ name: namespace });
  }
}

await main();

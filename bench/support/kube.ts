/**
 * Cluster access for the benchmarks: the local cluster (reused when running, started otherwise), a raw JSON
 * client, the aviary.dev CRDs, benchmark namespaces and Rollout manifests.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Rollout } from '../../src/api/rollout.ts';
import { up } from '../../src/cluster/control-plane.ts';
import { aviaryGroup } from '../../src/api/groups.ts';
import { crdsFor } from '../../src/api/registry.ts';
import { installCrds } from '../../src/install/apply.ts';
import { kubeConfig } from '../../test/support/kube.ts';
import { KubeClient, isNotFound, resourcePath } from '../../src/runtime/rest.ts';

export const rolloutApiVersion = 'aviary.dev/v1alpha1';
export const benchLabel = 'bench.aviary.dev/role';

export interface BenchCluster {
  kubeconfig: string;
  kc: KubeConfig;
  client: KubeClient;
}

/** The local cluster: `up()` returns at once when it is running (it is never stopped here). */
export async function benchCluster(): Promise<BenchCluster> {
  const { kubeconfig } = await up({ nodes: 3, progress: () => undefined });
  const kc = kubeConfig(kubeconfig);
  return { kubeconfig, kc, client: new KubeClient(kc, { userAgent: 'aviary-bench' }) };
}

export const rolloutsPath = (namespace: string, name?: string, subresource?: string): string =>
  resourcePath(rolloutApiVersion, 'rollouts', namespace, name, subresource);
export const replicaSetsPath = (namespace: string, name?: string): string => resourcePath('apps/v1', 'replicasets', namespace, name);

/** Installs the aviary.dev Rollout CRD and waits until it is served: 'installed' if it was missing. */
export async function ensureRolloutCrd(client: KubeClient): Promise<'present' | 'installed'> {
  return ensureAviaryCrds(client, ['Rollout']);
}

/** The aviary.dev analysis CRDs (AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate): 'installed' if any was missing. */
export async function ensureAnalysisCrds(client: KubeClient): Promise<'present' | 'installed'> {
  return ensureAviaryCrds(client, ['AnalysisRun', 'AnalysisTemplate', 'ClusterAnalysisTemplate']);
}

/** The aviary.dev Canary CRDs (Canary, MetricTemplate, AlertProvider): 'installed' if any was missing. */
export async function ensureCanaryCrds(client: KubeClient): Promise<'present' | 'installed'> {
  return ensureAviaryCrds(client, ['Canary', 'MetricTemplate', 'AlertProvider']);
}

async function ensureAviaryCrds(client: KubeClient, kinds: readonly string[]): Promise<'present' | 'installed'> {
  const created = await installCrds(client, kinds.flatMap((kind) => crdsFor({ kind, group: aviaryGroup })), { timeoutMs: 120_000 });
  return created.length > 0 ? 'installed' : 'present';
}

/** Creates `bench-<purpose>-<random>` with its default ServiceAccount (pods cannot be created before it exists). */
export async function createBenchNamespace(client: KubeClient, purpose: string): Promise<string> {
  const name = `bench-${purpose}-${randomBytes(3).toString('hex')}`;
  await client.create(resourcePath('v1', 'namespaces'), { metadata: { name, labels: { 'bench.aviary.dev/benchmark': purpose } } });
  for (let i = 0; ; i++) {
    try {
      await client.get(resourcePath('v1', 'serviceaccounts', name, 'default'));
      return name;
    } catch (error) {
      if (!isNotFound(error) || i > 300) throw error;
      await sleep(100);
    }
  }
}

/**
 * Deletes a namespace; with waitMs, waits until it is gone (its thousands of pods and ReplicaSets keep the
 * cluster busy meanwhile, which would disturb a benchmark run right after). Returns how long the wait took.
 */
export async function deleteNamespace(client: KubeClient, name: string, waitMs = 0): Promise<number | undefined> {
  const started = performance.now();
  try {
    await client.delete(resourcePath('v1', 'namespaces', undefined, name));
  } catch (error) {
    if (isNotFound(error)) return 0;
    // 409: already terminating.
    if ((error as { code?: unknown }).code !== 409) throw error;
  }
  while (performance.now() - started < waitMs) {
    try {
      await client.get(resourcePath('v1', 'namespaces', undefined, name));
    } catch (error) {
      if (isNotFound(error)) return performance.now() - started;
      throw error;
    }
    await sleep(1000);
  }
  return undefined;
}

export interface RolloutManifestOptions {
  name: string;
  namespace: string;
  replicas: number;
  /** Canary steps; none makes it a rolling update. */
  steps?: unknown[];
  role: string;
}

/** A basic canary Rollout (no Services, no traffic routing) running a container that KWOK fakes. */
export function rolloutManifest(options: RolloutManifestOptions): Rollout {
  const labels = { app: options.name, [benchLabel]: options.role };
  return {
    apiVersion: rolloutApiVersion,
    kind: 'Rollout',
    metadata: { name: options.name, namespace: options.namespace, labels },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: { app: options.name } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
      },
      strategy: { canary: { steps: options.steps ?? [] } },
    },
  } as Rollout;
}

/**
 * Runs fn over items with at most `concurrency` in flight; calls progress about every `every` items. Rejects with
 * the first error after the in-flight calls settle.
 */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>, progress?: (done: number) => void, every = 500): Promise<void> {
  let next = 0;
  let done = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await fn(items[index] as T, index);
      } catch (error) {
        failure ??= error;
        return;
      }
      done++;
      if (progress !== undefined && done % every === 0) progress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('a pool task failed', { cause: failure });
}

/** Retries a request a few times on transient errors (429, 5xx, connection resets) while the cluster is loaded. */
export async function retrying<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const transient = code === 429 || (typeof code === 'number' && code >= 500) || typeof code === 'string';
      if (!transient || attempt >= attempts) throw error;
      await sleep(200 * attempt);
    }
  }
}

/** Prints a line to stderr with the time since the start, for progress that is not part of the figures. */
export function progressLog(prefix: string): (message: string) => void {
  const started = performance.now();
  return (message) => {
    process.stderr.write(`[${prefix} +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  };
}

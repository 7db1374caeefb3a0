/**
 * Watch-fed caches of a benchmark namespace (the runtime's own Informer), and waiting on them. Waits look at the
 * local cache, never poll the API server; measurements take their timestamps in the event handlers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import type { Rollout } from '../../src/api/rollout.ts';
import { Informer } from '../../src/runtime/informer.ts';
import type { DeepReadonly } from '../../src/runtime/objects.ts';
import type { KubeClient } from '../../src/runtime/rest.ts';
import { rolloutApiVersion } from './kube.ts';

export type CachedRollout = DeepReadonly<Rollout>;
export type CachedReplicaSet = DeepReadonly<V1ReplicaSet>;

export function rolloutInformer(client: KubeClient, namespace: string, labelSelector?: string): Informer<Rollout> {
  return new Informer<Rollout>(client, {
    resource: { apiVersion: rolloutApiVersion, kind: 'Rollout', plural: 'rollouts' },
    namespace,
    ...(labelSelector === undefined ? {} : { labelSelector }),
  });
}

export function replicaSetInformer(client: KubeClient, namespace: string, labelSelector?: string): Informer<V1ReplicaSet> {
  return new Informer<V1ReplicaSet>(client, {
    resource: { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' },
    namespace,
    ...(labelSelector === undefined ? {} : { labelSelector }),
  });
}

export function analysisRunInformer(client: KubeClient, namespace: string, labelSelector?: string): Informer<AnalysisRun> {
  return new Informer<AnalysisRun>(client, {
    resource: { apiVersion: rolloutApiVersion, kind: 'AnalysisRun', plural: 'analysisruns' },
    namespace,
    ...(labelSelector === undefined ? {} : { labelSelector }),
  });
}

/** Healthy as the controller reports it, for the latest generation. */
export function isHealthy(r: CachedRollout): boolean {
  return r.status?.phase === 'Healthy' && r.status.observedGeneration === String(r.metadata.generation ?? 0) &&
    r.status.stableRS !== undefined && r.status.stableRS === r.status.currentPodHash;
}

/** Waits until check() returns true, checking every intervalMs; throws after timeoutMs with describe()'s text. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs: number, intervalMs = 10, describe?: () => string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe === undefined ? '' : ` (${describe()})`}`);
    }
    await sleep(intervalMs);
  }
}

/** Waits until every Rollout in the cache (at least `count`) is Healthy; logs progress every 10 s. */
export async function waitAllHealthy(rollouts: Informer<Rollout>, count: number, timeoutMs: number, log: (m: string) => void): Promise<number> {
  let lastLog = performance.now();
  const healthy = (): number => rollouts.list().filter(isHealthy).length;
  return waitUntil(`${count} Rollouts Healthy`, () => {
    const n = healthy();
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`${n}/${count} Rollouts Healthy`);
    }
    return rollouts.size >= count && n >= count;
  }, timeoutMs, 1000, () => `${healthy()}/${count} Healthy`);
}

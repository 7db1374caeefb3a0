import type { ReplicaSet } from '../api/kubernetes.ts';
import type { AnalysisRun } from '../api/analysis.ts';
import type { Rollout } from '../api/rollout.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { isApiError, isConflict, isNotFound, resourcePath, type KubeClient } from '../runtime/rest.ts';
import { mergePatch } from '../util/merge-patch.ts';
import type { RolloutMetrics } from './metrics.ts';
import { type RolloutPlan } from './observed.ts';
import { desiredReplicasAnnotation, ephemeralMetadataAnnotation } from '../api/labels.ts';
import { applyWrites } from '../traffic/writes.ts';

const mergePatchType = 'application/merge-patch+json';

export interface ExecutorOptions {
  client: KubeClient;
  events: EventRecorder;
  /** apiVersion of the Rollouts this controller serves, e.g. aviary.dev/v1alpha1. */
  apiVersion: string;
  metrics?: RolloutMetrics;
}

/** `statusVersion`: the Rollout's resourceVersion after the status patch, when there was one. */
export type ExecuteOutcome = { kind: 'applied'; statusVersion?: string } | { kind: 'collision' };

/** Events that report a write rather than a status transition: recorded once their write is done, whatever follows. */
const writeEventReasons: ReadonlySet<string> = new Set(['NewReplicaSetCreated', 'ScalingReplicaSet', 'ScalingDeployment', 'SwitchService']);

/**
 * Applies a plan: only the writes it lists, each a minimal merge patch (the routers' writes as they planned them),
 * and the status last with the Rollout's resourceVersion as a precondition — a concurrent write by a user (abort, promote) makes it fail with a conflict
 * and the reconcile runs again on fresh data instead of overwriting the user's intent.
 */
export class RolloutExecutor {
  readonly #client: KubeClient;
  readonly #events: EventRecorder;
  readonly #apiVersion: string;
  readonly #metrics: RolloutMetrics | undefined;

  constructor(options: ExecutorOptions) {
    this.#metrics = options.metrics;
    this.#client = options.client;
    this.#events = options.events;
    this.#apiVersion = options.apiVersion;
  }

  async apply(rollout: Rollout, plan: RolloutPlan, signal: AbortSignal): Promise<ExecuteOutcome> {
    const namespace = rollout.metadata.namespace ?? 'default';
    const rsPath = (name?: string): string => resourcePath('apps/v1', 'replicasets', namespace, name);

    if (plan.createReplicaSet !== undefined) {
      const created = await this.#createReplicaSet(rollout, plan.createReplicaSet, rsPath(), signal);
      if (created === 'collision') return { kind: 'collision' };
    }
    for (const { name, to } of plan.scale) {
      await this.#patch(rsPath(name), { metadata: { annotations: { [desiredReplicasAnnotation]: String(rollout.spec.replicas ?? 1) } }, spec: { replicas: to } }, signal);
    }
    for (const { name, annotations } of plan.annotate) {
      await this.#patch(rsPath(name), { metadata: { annotations } }, signal);
    }
    for (const name of plan.deleteReplicaSets) {
      try {
        await this.#client.request({ method: 'DELETE', path: rsPath(name), signal });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    for (const change of plan.podMetadata) {
      const metadata = { labels: change.labels, annotations: change.annotations };
      await this.#patch(rsPath(change.replicaSet), {
        metadata: { annotations: { [ephemeralMetadataAnnotation]: JSON.stringify(change.applied) } },
        spec: { template: { metadata } },
      }, signal);
      for (const pod of change.pods) {
        try {
          await this.#patch(resourcePath('v1', 'pods', namespace, pod), { metadata }, signal);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    }
    for (const pod of plan.evictPods) await this.#evict(namespace, pod, signal);
    if (plan.workloadScale !== undefined) {
      await this.#patch(resourcePath('apps/v1', 'deployments', namespace, plan.workloadScale.name), { spec: { replicas: plan.workloadScale.replicas } }, signal);
    }
    await applyWrites(this.#client, plan.writes, signal);
    await this.#analysisRuns(rollout, plan, signal);
    const statusPatch = mergePatch(rollout.status ?? {}, plan.status);
    if (statusPatch !== undefined) {
      let written: Rollout;
      try {
        written = await this.#client.patch<Rollout>(this.#rolloutPath(rollout, 'status'), { metadata: { resourceVersion: rollout.metadata.resourceVersion }, status: statusPatch }, mergePatchType, signal);
      } catch (error) {
        // Every other write of the pass is done and the next pass will not repeat it, so its Event is recorded
        // now; the status transitions (and their Events) are planned again from fresh data.
        this.#record(rollout, plan.events.filter((e) => writeEventReasons.has(e.reason)));
        throw error;
      }
      this.#record(rollout, plan.events);
      return { kind: 'applied', ...(written.metadata.resourceVersion === undefined ? {} : { statusVersion: written.metadata.resourceVersion }) };
    }
    this.#record(rollout, plan.events);
    return { kind: 'applied' };
  }

  #record(rollout: Rollout, events: RolloutPlan['events']): void {
    const namespace = rollout.metadata.namespace ?? 'default';
    for (const event of events) {
      this.#events.event(rollout, event.type, event.reason, event.message);
      this.#metrics?.events.inc({ namespace, name: rollout.metadata.name ?? '', type: event.type, reason: event.reason });
    }
  }

  /**
   * Creates the new ReplicaSet. If one of that name exists it is either ours (the informer has not shown it yet:
   * fine) or belongs to something else — a name collision, resolved by bumping status.collisionCount, which changes
   * the hash and therefore the name on the next reconcile.
   */
  async #createReplicaSet(rollout: Rollout, rs: ReplicaSet, path: string, signal: AbortSignal): Promise<'created' | 'collision'> {
    try {
      await this.#client.request({ method: 'POST', path, body: rs, signal });
      return 'created';
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    const existing = await this.#client.request<ReplicaSet>({ method: 'GET', path: `${path}/${rs.metadata?.name ?? ''}`, signal });
    const ours = existing.metadata?.ownerReferences?.some((o) => o.uid === rollout.metadata.uid) === true;
    // The API server defaults pod template fields, so templates are not compared byte for byte: a ReplicaSet
    // this Rollout controls under this name was created from this hash.
    if (ours) return 'created';
    await this.#patch(this.#rolloutPath(rollout, 'status'), {
      metadata: { resourceVersion: rollout.metadata.resourceVersion },
      status: { collisionCount: (rollout.status?.collisionCount ?? 0) + 1 },
    }, signal);
    return 'collision';
  }

  /** Creates, terminates and deletes AnalysisRuns, before the status that names them is written. */
  async #analysisRuns(rollout: Rollout, plan: RolloutPlan, signal: AbortSignal): Promise<void> {
    const runPath = (name?: string): string => resourcePath(this.#apiVersion, 'analysisruns', rollout.metadata.namespace, name);
    for (const run of plan.createAnalysisRuns) {
      try {
        await this.#client.request({ method: 'POST', path: runPath(), body: run, signal });
      } catch (error) {
        if (!isConflict(error)) throw error;
        // Created by an earlier pass whose status write was lost, and not in the cache yet: it is the same run.
        const existing = await this.#client.request<AnalysisRun>({ method: 'GET', path: runPath(run.metadata.name), signal });
        if (existing.metadata.ownerReferences?.some((o) => o.uid === rollout.metadata.uid) !== true) {
          throw new Error(`AnalysisRun ${rollout.metadata.namespace ?? ''}/${run.metadata.name ?? ''} exists and is not Rollout ${rollout.metadata.name ?? ''}'s: the name will be chosen again from a fresher cache`, { cause: error });
        }
      }
    }
    for (const name of plan.terminateAnalysisRuns) {
      try {
        await this.#patch(runPath(name), { spec: { terminate: true } }, signal);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    for (const name of plan.deleteAnalysisRuns) {
      try {
        await this.#client.request({ method: 'DELETE', path: runPath(name), signal });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  /** Evicts rather than deletes, so PodDisruptionBudgets are honoured; a refused eviction waits for a later pass. */
  async #evict(namespace: string, pod: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#client.request({
        method: 'POST',
        path: resourcePath('v1', 'pods', namespace, pod, 'eviction'),
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace } },
        signal,
      });
    } catch (error) {
      if (!isNotFound(error) && !isApiError(error, 429)) throw error;
    }
  }

  #rolloutPath(rollout: Rollout, subresource?: string): string {
    return resourcePath(this.#apiVersion, 'rollouts', rollout.metadata.namespace, rollout.metadata.name, subresource);
  }

  async #patch(path: string, body: unknown, signal: AbortSignal): Promise<void> {
    await this.#client.request({ method: 'PATCH', path, body, contentType: mergePatchType, signal });
  }
}

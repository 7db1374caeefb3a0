/**
 * The objects around a Rollout that `get` shows: its ReplicaSets and their pods (found by the Rollout's selector,
 * then by owner), and its AnalysisRuns and their Jobs where the analysis API is served. Read once for a one-shot
 * view, or kept current by watches (informers: list, then watch, re-list on expiry) for `-w`. What they mean to a
 * person is src/view/rollout.ts's read model of them.
 */
import type { AnalysisRun } from '../api/analysis.ts';
import { apiVersionOf } from '../api/groups.ts';
import type { Job, Pod, ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';
import { selectorText, type FoundRollout } from '../rollout/ref.ts';
import type { Informer } from '../runtime/informer.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { isApiError, resourcePath } from '../runtime/rest.ts';
import type { RolloutObjects } from '../view/rollout.ts';
import { apiFailure, type CliKube } from './kube.ts';

interface ResourceRef {
  apiVersion: string;
  kind: string;
  plural: string;
}

const replicaSets: ResourceRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' };
const pods: ResourceRef = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
const jobs: ResourceRef = { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' };
const analysisRunsOf = (found: FoundRollout): ResourceRef => ({ apiVersion: apiVersionOf(found.group), kind: 'AnalysisRun', plural: 'analysisruns' });

/** Lists one resource; `optional` resources that are not served (404) give an empty list. */
async function list<T>(kube: CliKube, resource: ResourceRef, labelSelector: string | undefined, optional = false): Promise<T[]> {
  try {
    const body = await kube.client.get<{ items?: T[] }>(resourcePath(resource.apiVersion, resource.plural, kube.namespace), labelSelector === undefined ? undefined : { labelSelector });
    return body.items ?? [];
  } catch (error) {
    if (optional && isApiError(error, 404)) return [];
    throw apiFailure(kube, `list ${resource.plural} in namespace ${kube.namespace}`, error);
  }
}

/** The objects as they are now (one LIST each, in parallel). */
export async function fetchRolloutObjects(kube: CliKube, found: FoundRollout): Promise<RolloutObjects> {
  const selector = selectorText(found.rollout);
  const [rsList, podList, runs] = await Promise.all([
    list<ReplicaSet>(kube, replicaSets, selector),
    list<Pod>(kube, pods, selector),
    list<AnalysisRun>(kube, analysisRunsOf(found), undefined, true),
  ]);
  const runUids = new Set(runs.map((r) => r.metadata.uid));
  const jobList = runs.length === 0 ? [] : (await list<Job>(kube, jobs, undefined, true)).filter((j) => j.metadata?.ownerReferences?.some((o) => runUids.has(o.uid)) === true);
  return { replicaSets: rsList, pods: podList, analysisRuns: runs, jobs: jobList };
}

/** Whether the API server serves a resource (a LIST of one item succeeds). */
async function served(kube: CliKube, resource: ResourceRef): Promise<boolean> {
  try {
    await kube.client.get(resourcePath(resource.apiVersion, resource.plural, kube.namespace), { limit: 1 });
    return true;
  } catch (error) {
    if (isApiError(error, 404, 403)) return false;
    throw apiFailure(kube, `list ${resource.plural}`, error);
  }
}

interface WatchInformers {
  rollout: Informer;
  replicaSets: Informer;
  pods: Informer;
  analysisRuns?: Informer;
  jobs?: Informer;
}

const everyInformer = (w: WatchInformers): Informer[] =>
  [w.rollout, w.replicaSets, w.pods, w.analysisRuns, w.jobs].filter((i): i is Informer => i !== undefined);

export interface WatchHandlers {
  /** Something changed (or the first lists arrived). */
  changed: () => void;
  /** The Rollout was deleted. */
  deleted: () => void;
}

/**
 * Watches a Rollout and its objects. The informer module (and the logger it brings) is loaded here, so one-shot
 * commands never pay for it.
 */
export class RolloutWatch {
  readonly #informers: WatchInformers;

  private constructor(informers: WatchInformers) {
    this.#informers = informers;
  }

  /** Starts the watches and waits for their first lists; on `signal` the watches are stopped and it rejects. */
  static async start(kube: CliKube, found: FoundRollout, handlers: WatchHandlers, signal?: AbortSignal): Promise<RolloutWatch> {
    const { Informer: InformerClass } = await import('../runtime/informer.ts');
    const name = found.rollout.metadata.name ?? '';
    const selector = selectorText(found.rollout);
    const make = (resource: ResourceRef, options: { labelSelector?: string; fieldSelector?: string }): Informer => {
      const informer = new InformerClass<KubeObject>(kube.client, { resource, namespace: kube.namespace, ...options, watchTimeoutSeconds: 120 });
      informer.addEventHandler({ onAdd: handlers.changed, onUpdate: handlers.changed, onDelete: handlers.changed });
      return informer;
    };
    const informers: WatchInformers = {
      rollout: make({ apiVersion: apiVersionOf(found.group), kind: 'Rollout', plural: 'rollouts' }, { fieldSelector: `metadata.name=${name}` }),
      replicaSets: make(replicaSets, selector === undefined ? {} : { labelSelector: selector }),
      pods: make(pods, selector === undefined ? {} : { labelSelector: selector }),
    };
    informers.rollout.onDelete(handlers.deleted);
    if (await served(kube, analysisRunsOf(found))) {
      informers.analysisRuns = make(analysisRunsOf(found), {});
      informers.jobs = make(jobs, {});
    }
    const all = everyInformer(informers);
    for (const informer of all) informer.start();
    try {
      await Promise.all(all.map((informer) => informer.waitForSync(signal)));
    } catch (error) {
      await Promise.all(all.map((informer) => informer.stop()));
      throw error;
    }
    return new RolloutWatch(informers);
  }

  /** The watched Rollout as last seen (undefined once deleted). */
  rollout(namespace: string, name: string): Rollout | undefined {
    return this.#informers.rollout.getByName(namespace, name) as DeepReadonly<Rollout> as Rollout | undefined;
  }

  objects(): RolloutObjects {
    const all = <T>(informer: Informer | undefined): T[] => (informer?.list() ?? []) as unknown as T[];
    return {
      replicaSets: all<ReplicaSet>(this.#informers.replicaSets),
      pods: all<Pod>(this.#informers.pods),
      analysisRuns: all<AnalysisRun>(this.#informers.analysisRuns),
      jobs: all<Job>(this.#informers.jobs),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(everyInformer(this.#informers).map((informer) => informer.stop()));
  }
}

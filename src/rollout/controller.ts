import type { Pod, ReplicaSet } from '../api/kubernetes.ts';
import type { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate } from '../api/analysis.ts';
import { apiVersionOf, type ApiGroup } from '../api/groups.ts';
import type { Rollout } from '../api/rollout.ts';
import { templateKey, templateKeys, type TemplateCatalog } from '../analysis/templates.ts';
import { Controller } from '../runtime/controller.ts';
import type { Informer } from '../runtime/informer.ts';
import type { Manager } from '../runtime/manager.ts';
import { keyOf, splitKey, thaw, type DeepReadonly } from '../runtime/objects.ts';
import { OwnWrites } from '../runtime/own-writes.ts';
import { done, type ReconcileResult, type Reconciler } from '../runtime/reconcile.ts';
import { controllerUidIndex } from '../runtime/store.ts';
import { analysisReferences } from './analysis.ts';
import { RolloutExecutor } from './executor.ts';
import { RolloutMetrics } from './metrics.ts';
import { type ObservedAnalysis, type ObservedRollout, type PodView, type WorkloadObject } from './observed.ts';
import { planRollout } from './plan.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import { routerDefinitions } from '../traffic/registry.ts';
import { mergeObserved, type RouterDefinition, type RouterInformers } from '../traffic/router.ts';
import { workloadSourceFor, workloadSources, type WorkloadSource } from './workload.ts';

export interface RolloutControllerOptions {
  group: ApiGroup;
  /** Watch one namespace only; default all. */
  namespace?: string;
  workers?: number;
  /**
   * The cluster serves the group's AnalysisRun and AnalysisTemplate kinds: runs and templates are watched and
   * analysis drives the Rollouts. Without them, a Rollout that asks for analysis is InvalidSpec.
   */
  analysis?: boolean;
}

/**
 * Wires the Rollout reconciler to shared informers: Rollouts of one API group, the ReplicaSets they control
 * (label-filtered to those carrying the pod template hash, indexed by controller uid), their pods, what each
 * traffic router reads (Services, for the service-selector router) and each workloadRef kind. Changes to any of
 * them enqueue the Rollout concerned.
 */
export function rolloutController(manager: Manager, options: RolloutControllerOptions): Controller {
  const apiVersion = apiVersionOf(options.group);
  const rollouts = manager.informers.informer<Rollout>({
    resource: { apiVersion, kind: 'Rollout', plural: 'rollouts' },
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  const replicaSets = manager.informers.informer<ReplicaSet>({
    resource: { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' },
    labelSelector: podTemplateHashLabel,
    indexers: { controller: controllerUidIndex },
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  // Pods only matter for restarts; keep the few fields that decision reads.
  const pods = manager.informers.informer<Pod>({
    resource: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
    labelSelector: podTemplateHashLabel,
    indexers: { controller: controllerUidIndex },
    transform: (pod) => ({
      apiVersion: pod.apiVersion,
      kind: pod.kind,
      metadata: {
        name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion,
        creationTimestamp: pod.metadata?.creationTimestamp, deletionTimestamp: pod.metadata?.deletionTimestamp,
        labels: { [podTemplateHashLabel]: pod.metadata?.labels?.[podTemplateHashLabel] ?? '' }, ownerReferences: pod.metadata?.ownerReferences,
      },
      status: { conditions: pod.status?.conditions?.filter((c) => c.type === 'Ready').map((c) => ({ type: c.type, status: c.status })) },
    }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });

  const routers = routerDefinitions.map((definition) => ({ definition, informers: definition.informers(manager.informers, options.namespace) }));
  const sources = workloadSources.map((source) => ({ source, informer: source.informer(manager.informers, options.namespace) }));

  const analysis = options.analysis === true ? analysisInformers(manager, apiVersion, options.namespace) : undefined;
  const metrics = RolloutMetrics.for(manager.registry, rollouts);
  const reconciler = new RolloutReconciler({ manager, apiVersion, rollouts, replicaSets, pods, routers, sources, metrics, ...(analysis === undefined ? {} : { analysis }) });
  rollouts.onAdd((r) => {
    manager.events.normal(r, 'RolloutAddedToInformer', 'Rollout resource added to informer: ' + keyOf(r.metadata.namespace, r.metadata.name ?? ''));
  });
  const controller = new Controller({ name: `rollout.${options.group.name}`, reconciler, workers: options.workers ?? 10, logger: manager.logger, metrics: manager.metrics })
    .primary(rollouts)
    .owns(replicaSets, { apiVersion, kind: 'Rollout' })
    .watches(pods, (pod) => {
      const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true && o.kind === 'ReplicaSet');
      const rs = owner === undefined ? undefined : replicaSets.getByName(pod.metadata?.namespace, owner.name);
      const rollout = rs?.metadata?.ownerReferences?.find((o) => o.controller === true && o.kind === 'Rollout');
      return rollout === undefined ? [] : [keyOf(pod.metadata?.namespace, rollout.name)];
    });
  const referencing = (namespace: string | undefined, refers: (r: DeepReadonly<Rollout>) => boolean): string[] =>
    rollouts.list(namespace).filter(refers).map((r) => keyOf(r.metadata.namespace, r.metadata.name ?? ''));
  for (const { source, informer } of sources) {
    controller.watches(informer, (obj) => referencing(obj.metadata?.namespace, (r) => {
      const ref = r.spec.workloadRef;
      return ref !== undefined && workloadSourceFor(ref) === source && ref.name === obj.metadata?.name;
    }));
  }
  for (const { definition, informers } of routers) {
    for (const watched of informers.watched) {
      // A route may live in another namespace than its Rollouts (gatewayAPI.namespace), so every Rollout is asked.
      controller.watches(watched.informer, (obj) => {
        const key = watched.referenceKey?.(obj) ?? keyOf(obj.metadata?.namespace, obj.metadata?.name ?? '');
        return referencing(undefined, (r) => definition.appliesTo(r) && watched.referencedBy(r).includes(key));
      });
    }
  }
  if (analysis === undefined) return controller;
  // A template that appears, changes or goes is looked at by the Rollouts that reach it (nested ones included).
  const reaching = (key: string, namespace: string | undefined): string[] => {
    const catalogs = new Map<string, TemplateCatalog>();
    const catalogFor = (ns: string): TemplateCatalog => {
      const catalog = catalogs.get(ns) ?? catalogOf(analysis, ns);
      catalogs.set(ns, catalog);
      return catalog;
    };
    return rollouts.list(namespace)
      // Read only: the cached Rollout is not copied for this.
      .filter((r) => templateKeys(analysisReferences(r as Rollout).flatMap((ref) => ref.analysis.templates ?? []), catalogFor(r.metadata.namespace ?? '')).has(key))
      .map((r) => keyOf(r.metadata.namespace, r.metadata.name ?? ''));
  };
  return controller
    .owns(analysis.runs, { apiVersion, kind: 'Rollout' })
    .watches(analysis.templates, (t) => reaching(templateKey('AnalysisTemplate', t.metadata.name ?? ''), t.metadata.namespace))
    .watches(analysis.clusterTemplates, (t) => reaching(templateKey('ClusterAnalysisTemplate', t.metadata.name ?? ''), undefined));
}

interface AnalysisInformers {
  runs: Informer<AnalysisRun>;
  templates: Informer<AnalysisTemplate>;
  clusterTemplates: Informer<ClusterAnalysisTemplate>;
}

/**
 * AnalysisRuns (indexed by controller uid; the informer is shared with the AnalysisRun controller, so it is not
 * transformed) and the two template kinds of the Rollouts' group.
 */
function analysisInformers(manager: Manager, apiVersion: string, namespace: string | undefined): AnalysisInformers {
  const scope = namespace === undefined ? {} : { namespace };
  return {
    runs: manager.informers.informer<AnalysisRun>({
      resource: { apiVersion, kind: 'AnalysisRun', plural: 'analysisruns' },
      indexers: { controller: controllerUidIndex },
      ...scope,
    }),
    templates: manager.informers.informer<AnalysisTemplate>({ resource: { apiVersion, kind: 'AnalysisTemplate', plural: 'analysistemplates' }, ...scope }),
    clusterTemplates: manager.informers.informer<ClusterAnalysisTemplate>({
      resource: { apiVersion, kind: 'ClusterAnalysisTemplate', plural: 'clusteranalysistemplates', namespaced: false },
    }),
  };
}

/** The templates a Rollout in `namespace` may reference, as copies the resolver may read freely. */
function catalogOf(analysis: AnalysisInformers, namespace: string | undefined): TemplateCatalog {
  const byName = <T extends AnalysisTemplate>(items: readonly DeepReadonly<T>[]): Map<string, T> =>
    new Map(items.map((t) => [t.metadata.name ?? '', thaw<T>(t)]));
  return { templates: byName<AnalysisTemplate>(analysis.templates.list(namespace)), clusterTemplates: byName<ClusterAnalysisTemplate>(analysis.clusterTemplates.list()) };
}

/**
 * What the planner reads of a Rollout's AnalysisRuns: names, labels, phases — not their measurements, which can be
 * large, so nothing is deep-copied per reconcile.
 */
function observedAnalysis(analysis: AnalysisInformers, rollout: Rollout): ObservedAnalysis {
  const namespace = rollout.metadata.namespace;
  const runs = analysis.runs.byIndex('controller', rollout.metadata.uid ?? '').map((run): AnalysisRun => ({
    metadata: {
      name: run.metadata.name,
      labels: { ...run.metadata.labels },
      annotations: { ...run.metadata.annotations },
      ...(run.metadata.creationTimestamp === undefined ? {} : { creationTimestamp: run.metadata.creationTimestamp }),
      ...(run.metadata.deletionTimestamp === undefined ? {} : { deletionTimestamp: run.metadata.deletionTimestamp }),
    },
    spec: { metrics: [], ...(run.spec.terminate === undefined ? {} : { terminate: run.spec.terminate }) },
    ...(run.status === undefined ? {} : { status: { phase: run.status.phase, ...(run.status.message === undefined ? {} : { message: run.status.message }) } }),
  }));
  const asks = analysisReferences(rollout).length > 0;
  return {
    runs,
    // Templates are read only for Rollouts that reference some; the others only need their runs (to stop them).
    catalog: asks ? catalogOf(analysis, namespace) : { templates: new Map(), clusterTemplates: new Map() },
    ...(asks ? { namesInUse: new Set(analysis.runs.list(namespace).map((r) => r.metadata.name ?? '')) } : {}),
  };
}

interface ReconcilerDeps {
  manager: Manager;
  apiVersion: string;
  rollouts: Informer<Rollout>;
  replicaSets: Informer<ReplicaSet>;
  pods: Informer<Pod>;
  routers: readonly { definition: RouterDefinition; informers: RouterInformers }[];
  sources: readonly { source: WorkloadSource; informer: Informer<WorkloadObject> }[];
  metrics: RolloutMetrics;
  analysis?: AnalysisInformers;
}

export class RolloutReconciler implements Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #executor: RolloutExecutor;
  /** Status writes not yet in the cache: planning from the stale Rollout would only end in a 409 Conflict. */
  readonly #ownWrites = new OwnWrites();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#executor = new RolloutExecutor({ client: deps.manager.client, events: deps.manager.events, apiVersion: deps.apiVersion, metrics: deps.metrics });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const labels = { namespace: namespace ?? '', name };
    const timer = this.#deps.metrics.reconcile.startTimer(labels);
    try {
      return await this.#reconcile(key, signal);
    } catch (error) {
      this.#deps.metrics.reconcileErrors.inc(labels);
      throw error;
    } finally {
      timer();
    }
  }

  async #reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const cached = this.#deps.rollouts.get(key);
    // Deleted: its ReplicaSets go with it through owner references.
    if (cached === undefined) {
      this.#ownWrites.forget(key);
      return done;
    }
    // Our last status write is not in the cache yet; its informer event enqueues the key again (see OwnWrites).
    if (this.#ownWrites.pending(key, cached.metadata.resourceVersion)) return done;
    const rollout = thaw<Rollout>(cached);
    const uid = rollout.metadata.uid ?? '';
    const replicaSets = this.#deps.replicaSets.byIndex('controller', uid).map((rs) => thaw<ReplicaSet>(rs));
    const pods = replicaSets.flatMap((rs) => this.#deps.pods.byIndex('controller', rs.metadata?.uid ?? '')).map((pod): PodView => ({
      name: pod.metadata?.name ?? '',
      hash: pod.metadata?.labels?.[podTemplateHashLabel] ?? '',
      createdAt: pod.metadata?.creationTimestamp ?? '',
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
      deleting: pod.metadata?.deletionTimestamp !== undefined,
    }));
    const workload = this.#workloadOf(cached);
    const analysis = this.#deps.analysis;
    const plan = planRollout({
      rollout, replicaSets, pods, now: new Date(), ...this.#trafficOf(cached),
      ...(workload === undefined ? {} : { workload }),
      ...(analysis === undefined ? {} : { analysis: observedAnalysis(analysis, rollout) }),
    });
    const outcome = await this.#executor.apply(rollout, plan, signal);
    if (outcome.kind === 'collision') return { requeueAfter: 0 };
    this.#ownWrites.wrote(key, rollout.metadata.resourceVersion, outcome.statusVersion);
    return plan.requeueAfterMs === undefined ? done : { requeueAfter: plan.requeueAfterMs };
  }

  /** What the Rollout's routers read of it (Services, routes, ...), copied out of the caches. */
  #trafficOf(rollout: DeepReadonly<Rollout>): Pick<ObservedRollout, 'services' | 'routerObjects' | 'absentKinds' | 'endpoints'> {
    const parts = this.#deps.routers.filter(({ definition }) => definition.appliesTo(rollout)).map(({ informers }) => informers.observe(rollout));
    const { services, objects, absentKinds, endpoints } = mergeObserved(parts);
    return { services, routerObjects: objects, absentKinds, endpoints };
  }

  /** The object spec.workloadRef names, if its kind is one a source reads and it exists. */
  #workloadOf(rollout: DeepReadonly<Rollout>): WorkloadObject | undefined {
    const ref = rollout.spec.workloadRef;
    if (ref === undefined) return undefined;
    const source = workloadSourceFor(ref);
    const found = this.#deps.sources.find((s) => s.source === source)?.informer.getByName(rollout.metadata.namespace, ref.name ?? '');
    return found === undefined ? undefined : thaw<WorkloadObject>(found);
  }
}

/**
 * The Canary controller: Flagger's Canary reconciled on every observed change of the Canary, its target, primary,
 * Services, tracked configs, autoscaler and route (shared informers, no polling), one pure pass at a time
 * (plan.ts) between gathering (caches, webhooks, metrics) and applying (executor.ts). The analysis interval only
 * spaces the analyses, through requeueAfter.
 */
import type { AlertProvider, Canary, MetricTemplate } from '../api/canary.ts';
import type { ConfigMap, DaemonSet, Deployment, HorizontalPodAutoscaler, Secret } from '../api/kubernetes.ts';
import { apiVersionOf, type ApiGroup } from '../api/groups.ts';
import { canaryNoDataAnnotation, canaryReleaseAnnotation } from '../api/labels.ts';
import { Controller } from '../runtime/controller.ts';
import type { Informer } from '../runtime/informer.ts';
import type { Manager } from '../runtime/manager.ts';
import { keyOf, thaw, withoutLastApplied, type DeepReadonly, type KubeObject } from '../runtime/objects.ts';
import { OwnWrites } from '../runtime/own-writes.ts';
import { done, type ReconcileResult, type Reconciler } from '../runtime/reconcile.ts';
import { deploymentInformer } from '../rollout/workload-deployment.ts';
import { serviceInformer } from '../traffic/service-selector.ts';
import { analysisIntervalMs, progressDeadlineSeconds, readyThresholds, totalWeight } from './analysis-settings.ts';
import { callHooks, rollbackRequested, runAnalysis, type AnalysisOutcome } from './checks.ts';
import { configReferences, trackConfigs } from './config-tracking.ts';
import { canaryWrites, type ObservedCanaryObjects, type TargetWorkload } from './desired.ts';
import { CanaryExecutor } from './executor.ts';
import { CanaryMetrics } from './metrics.ts';
import { istioApiVersion } from './istio-route.ts';
import { canaryIngress, ingressApiVersion } from './nginx-ingress.ts';
import { smiProviders, trafficSplitApiVersions } from './smi-split.ts';
import { traefikServiceApiVersion } from './traefik-service.ts';
import { canaryFinalizer, finalizerDecision } from './finalizer.ts';
import { planCanaryPass, type CanaryPassInput, type CanaryPassPlan } from './plan.ts';
import { manualRequests } from './manual.ts';
import { isProblem, primaryName, selectorLabel } from './primary.ts';
import { fingerprintOf } from './release.ts';
import { daemonSetReadiness, deploymentReadiness, type Readiness } from './readiness.ts';
import { finishStatus, invalidStatus } from './status.ts';
import { canaryIssues } from './validate.ts';

export interface CanaryControllerOptions {
  group: ApiGroup;
  namespace?: string;
  workers?: number;
  /** The provider of Canaries without spec.provider (Flagger's -mesh-provider). Default kubernetes. */
  defaultProvider?: string;
  /** The Prometheus of Canaries without spec.metricsServer (Flagger's -metrics-server). */
  metricsServer?: string;
}

/** Providers whose routing Aviary writes for Canaries today; the others are refused with a condition naming spec.provider. */
const routedProviders: readonly string[] = ['kubernetes', 'gatewayapi:v1', 'gatewayapi:v1beta1', 'traefik', 'istio', 'nginx', ...smiProviders];

const routeKey = (apiVersion: string, kind: string): string => `${apiVersion} ${kind}`;

interface CanaryInformers {
  canaries: Informer<Canary>;
  deployments: Informer<Deployment>;
  daemonSets: Informer<DaemonSet>;
  services: ReturnType<typeof serviceInformer>;
  configMaps: Informer<ConfigMap>;
  secrets: Informer<Secret>;
  autoscalers: Informer<HorizontalPodAutoscaler>;
  /** The providers' routing objects, by `apiVersion kind` (HTTPRoute, TraefikService, TrafficSplit, VirtualService, ...). */
  routes: ReadonlyMap<string, Informer>;
  templates: Informer<MetricTemplate>;
  alertProviders: Informer<AlertProvider>;
}

export function canaryController(manager: Manager, options: CanaryControllerOptions): Controller {
  const apiVersion = apiVersionOf(options.group);
  const scope = options.namespace === undefined ? {} : { namespace: options.namespace };
  const factory = manager.informers;
  const informers: CanaryInformers = {
    canaries: factory.informer<Canary>({ resource: { apiVersion, kind: 'Canary', plural: 'canaries' }, ...scope }),
    deployments: deploymentInformer(factory, options.namespace),
    daemonSets: factory.informer<DaemonSet>({ resource: { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets' }, transform: withoutLastApplied, ...scope }),
    services: serviceInformer(factory, options.namespace),
    configMaps: factory.informer<ConfigMap>({ resource: { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }, transform: withoutLastApplied, ...scope }),
    secrets: factory.informer<Secret>({ resource: { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' }, transform: withoutLastApplied, ...scope }),
    autoscalers: factory.informer<HorizontalPodAutoscaler>({ resource: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' }, ...scope }),
    // The same informers the traffic routers read (absent CRDs count as empty and are listed again later).
    routes: new Map([
      ['HTTPRoute', 'gateway.networking.k8s.io/v1', 'httproutes'],
      ['TraefikService', traefikServiceApiVersion, 'traefikservices'],
      ...trafficSplitApiVersions.map((apiVersion) => ['TrafficSplit', apiVersion, 'trafficsplits']),
      ['VirtualService', istioApiVersion, 'virtualservices'],
      ['DestinationRule', istioApiVersion, 'destinationrules'],
      ['Ingress', ingressApiVersion, 'ingresses'],
    ].map(([kind = '', apiVersion = '', plural = '']) => [routeKey(apiVersion, kind), factory.informer<KubeObject>({ resource: { apiVersion, kind, plural }, absentRetryMs: 30_000, ...scope })])),
    templates: factory.informer<MetricTemplate>({ resource: { apiVersion, kind: 'MetricTemplate', plural: 'metrictemplates' }, ...scope }),
    alertProviders: factory.informer<AlertProvider>({ resource: { apiVersion, kind: 'AlertProvider', plural: 'alertproviders' }, ...scope }),
  };
  const metrics = CanaryMetrics.for(manager.registry, informers.canaries, options.defaultProvider ?? 'kubernetes');
  const reconciler = new CanaryReconciler(manager, apiVersion, informers, options, metrics);
  const controller = new Controller({ name: `canary.${options.group.name}`, reconciler, workers: options.workers ?? 10, logger: manager.logger, metrics: manager.metrics })
    .primary(informers.canaries);
  const canariesIn = (namespace: string | undefined, refers: (c: DeepReadonly<Canary>) => boolean): string[] =>
    informers.canaries.list(namespace).filter(refers).map((c) => keyOf(c.metadata.namespace, c.metadata.name ?? ''));
  /** The Canaries an object belongs to (it is theirs: primary, copies, Services, route) or that refer to it. */
  const related = (refers: (c: DeepReadonly<Canary>, name: string) => boolean) => (obj: DeepReadonly<KubeObject>): string[] => {
    const namespace = obj.metadata?.namespace;
    const owners = (obj.metadata?.ownerReferences ?? []).filter((o) => o.controller === true && o.kind === 'Canary' && o.apiVersion === apiVersion).map((o) => keyOf(namespace, o.name));
    return [...new Set([...owners, ...canariesIn(namespace, (c) => refers(c, obj.metadata?.name ?? ''))])];
  };
  const targets = (kind: string) => (c: DeepReadonly<Canary>, name: string): boolean => c.spec.targetRef.kind === kind && c.spec.targetRef.name === name;
  const tracksConfig = (kind: 'configmap' | 'secret') => (c: DeepReadonly<Canary>, name: string): boolean => {
    const target = reconciler.targetOf(c);
    return target !== undefined && configReferences(target.spec?.template.spec)[kind].has(name);
  };
  controller
    .watches(informers.deployments, related(targets('Deployment')))
    .watches(informers.daemonSets, related(targets('DaemonSet')))
    .watches(informers.services, related(() => false));
  // Routing objects are the Canary's own, except the users' Ingress of the nginx provider, which it refers to.
  for (const [key, routes] of informers.routes) controller.watches(routes, related(key === routeKey(ingressApiVersion, 'Ingress') ? (c, name) => c.spec.ingressRef?.name === name : () => false));
  return controller
    .watches(informers.configMaps, related(tracksConfig('configmap')))
    .watches(informers.secrets, related(tracksConfig('secret')))
    .watches(informers.autoscalers, related((c, name) => c.spec.autoscalerRef?.name === name))
    .watches(informers.templates, (t) => canariesIn(undefined, (c) => (c.spec.analysis.metrics ?? []).some((m) => m.templateRef?.name === t.metadata.name)));
}

class CanaryReconciler implements Reconciler {
  readonly #informers: CanaryInformers;
  readonly #options: CanaryControllerOptions;
  readonly #executor: CanaryExecutor;
  readonly #manager: Manager;
  readonly #metrics: CanaryMetrics;
  /** Status writes not yet in the cache (see OwnWrites). */
  readonly #ownWrites = new OwnWrites();

  constructor(manager: Manager, apiVersion: string, informers: CanaryInformers, options: CanaryControllerOptions, metrics: CanaryMetrics) {
    this.#manager = manager;
    this.#metrics = metrics;
    this.#informers = informers;
    this.#options = options;
    this.#executor = new CanaryExecutor({ client: manager.client, events: manager.events, logger: manager.logger, apiVersion, alertProviders: informers.alertProviders });
  }

  /** The Canary's target, if it exists. */
  targetOf(canary: DeepReadonly<Canary>): DeepReadonly<TargetWorkload> | undefined {
    const { kind, name } = canary.spec.targetRef;
    const namespace = canary.metadata.namespace;
    if (kind === 'Deployment') return this.#informers.deployments.getByName(namespace, name);
    if (kind === 'DaemonSet') return this.#informers.daemonSets.getByName(namespace, name);
    return undefined;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const cached = this.#informers.canaries.get(key);
    if (cached === undefined) {
      this.#ownWrites.forget(key);
      return done;
    }
    if (this.#ownWrites.pending(key, cached.metadata.resourceVersion)) return done;
    const canary = thaw<Canary>(cached);
    const now = new Date();
    const finalization = await this.#finalization(canary, now, signal);
    if (finalization !== undefined) return finalization;
    const provider: string = canary.spec.provider ?? this.#options.defaultProvider ?? 'kubernetes';

    const problems = canaryIssues(canary, provider).map((i) => `${i.field}: ${i.message}`);
    if (problems.length === 0 && !routedProviders.includes(provider)) {
      problems.push(`spec.provider: the ${provider} provider is not routed by Aviary's Canary controller yet (kubernetes, gatewayapi:v1, gatewayapi:v1beta1, traefik, istio, nginx, linkerd, osm and smi:v1alpha1/v1alpha2/v1alpha3 are)`);
    }
    const target = this.targetOf(cached);
    if (problems.length === 0 && target === undefined) problems.push(`spec.targetRef: ${canary.spec.targetRef.kind} ${canary.metadata.namespace ?? ''}/${canary.spec.targetRef.name} not found`);
    const label = target === undefined ? undefined : selectorLabel(target);
    if (label !== undefined && isProblem(label)) problems.push(`spec.targetRef: ${label.message}`);
    const tracked = target === undefined ? undefined : trackConfigs(
      configReferences(target.spec?.template.spec),
      new Map(this.#informers.configMaps.list(canary.metadata.namespace).map((c) => [c.metadata?.name ?? '', c])),
      new Map(this.#informers.secrets.list(canary.metadata.namespace).map((s) => [s.metadata?.name ?? '', s])),
    );
    if (tracked !== undefined && tracked.missing.length > 0) problems.push(`spec.targetRef: ${canary.spec.targetRef.name} references ${tracked.missing.join(', ')}, which does not exist`);
    const autoscalerName = canary.spec.autoscalerRef?.name;
    const autoscaler = autoscalerName === undefined ? undefined : this.#informers.autoscalers.getByName(canary.metadata.namespace, autoscalerName);
    const ingressName = canary.spec.ingressRef?.name;
    if (problems.length === 0 && provider === 'nginx' && ingressName !== undefined) {
      const users = this.#informers.routes.get(routeKey(ingressApiVersion, 'Ingress'))?.getByName(canary.metadata.namespace, ingressName);
      const copy = users === undefined ? { problem: `spec.ingressRef: Ingress ${canary.metadata.namespace ?? ''}/${ingressName} not found` } : canaryIngress(canary, users, { primaryWeight: totalWeight, canaryWeight: 0, mirrored: false });
      if ('problem' in copy) problems.push(copy.problem);
    }
    if (autoscalerName !== undefined && autoscaler === undefined) problems.push(`spec.autoscalerRef: HorizontalPodAutoscaler ${canary.metadata.namespace ?? ''}/${autoscalerName} not found`);
    if (problems.length > 0 || target === undefined || label === undefined || isProblem(label) || tracked === undefined) {
      const outcome = await this.#executor.hold(canary, problems.join('; '), invalidStatus(canary, problems.join('; '), now.toISOString()), signal);
      this.#ownWrites.wrote(key, canary.metadata.resourceVersion, outcome.statusVersion);
      return done;
    }

    const namespace = canary.metadata.namespace;
    const primary = target.kind === 'DaemonSet'
      ? this.#informers.daemonSets.getByName(namespace, primaryName(target.metadata?.name ?? ''))
      : this.#informers.deployments.getByName(namespace, primaryName(target.metadata?.name ?? ''));
    const apex = canary.spec.service.name ?? canary.spec.targetRef.name;
    const objects: ObservedCanaryObjects = {
      target,
      primary,
      services: new Map([apex, primaryName(apex), `${apex}-canary`].flatMap((name) => {
        const found = this.#informers.services.getByName(namespace, name);
        return found === undefined ? [] : [[name, found] as const];
      })),
      configMaps: new Map(tracked.configMaps.flatMap((c) => {
        const copy = this.#informers.configMaps.getByName(namespace, primaryName(c.metadata?.name ?? ''));
        return copy === undefined ? [] : [[copy.metadata?.name ?? '', copy] as const];
      })),
      secrets: new Map(tracked.secrets.flatMap((s) => {
        const copy = this.#informers.secrets.getByName(namespace, primaryName(s.metadata?.name ?? ''));
        return copy === undefined ? [] : [[copy.metadata?.name ?? '', copy] as const];
      })),
      autoscaler,
      primaryAutoscaler: autoscalerName === undefined ? undefined : this.#informers.autoscalers.getByName(namespace, primaryName(autoscalerName)),
      routeObject: (apiVersion, kind, name) => this.#informers.routes.get(routeKey(apiVersion, kind))?.getByName(namespace, name),
    };

    const thresholds = readyThresholds(canary);
    const readiness = (workload: DeepReadonly<TargetWorkload>, threshold: number): Readiness => workloadReadiness(canary, workload, threshold, now);
    const intervalMs = analysisIntervalMs(canary);
    const sinceTransition = now.getTime() - Date.parse(canary.status?.lastTransitionTime ?? '');
    const analysisDue = Number.isNaN(sinceTransition) || sinceTransition >= intervalMs;
    const fingerprint = fingerprintOf(target, tracked);
    const primaryReadiness = (found: DeepReadonly<TargetWorkload>): Readiness => (found.metadata?.annotations?.[canaryReleaseAnnotation] === fingerprint
      ? readiness(found, thresholds.primary)
      : { state: 'waiting', message: `${primaryName(target.metadata?.name ?? '')} has not been given the release yet` });
    const input: CanaryPassInput = {
      canary,
      fingerprint,
      primary: primary === undefined ? undefined : primaryReadiness(primary),
      target: readiness(target, thresholds.canary),
      analysisDue,
      gates: {},
      manual: manualRequests(canary),
      now: now.toISOString(),
    };
    // A first pass, as if a due analysis passed, says which gates and checks this state consults on its way
    // forward; only those are gathered for the real one.
    const needs = planCanaryPass({ ...input, ...(analysisDue ? { analysis: {} } : {}) }).needs;
    const { gates, analysis } = await this.#gather(canary, provider, needs, analysisDue, signal);
    const plan: CanaryPassPlan = planCanaryPass({ ...input, gates, analysis: analysis?.waiting === undefined ? analysis : undefined });
    if (plan.status.lastAppliedSpec === input.fingerprint) plan.status.trackedConfigs = tracked.checksums;
    plan.status = finishStatus(canary, plan.status, now.toISOString());
    const writes = canaryWrites(canary, provider, objects, label, tracked, fingerprint, plan);
    const outcome = await this.#executor.apply(canary, plan, writes, signal);
    this.#ownWrites.wrote(key, canary.metadata.resourceVersion, outcome.statusVersion);
    this.#ownWrites.wrote(key, outcome.statusVersion ?? canary.metadata.resourceVersion, outcome.requestsVersion);
    this.#metrics.recordTransition(canary, canary.status?.phase, plan.status.phase);
    return requeueOf(plan, intervalMs, now.getTime());
  }

  /**
   * revertOnDeletion (finalizer.ts): the finalizer added or removed as the spec asks, or a deleted Canary reverted
   * step by step; undefined when the Canary's pass is to run as usual.
   */
  async #finalization(canary: Canary, now: Date, signal: AbortSignal): Promise<ReconcileResult | undefined> {
    const key = keyOf(canary.metadata.namespace, canary.metadata.name ?? '');
    const target = this.targetOf(canary);
    const namespace = canary.metadata.namespace;
    const label = target === undefined ? undefined : selectorLabel(target);
    const primary = target === undefined ? undefined : (target.kind === 'DaemonSet' ? this.#informers.daemonSets : this.#informers.deployments).getByName(namespace, primaryName(target.metadata?.name ?? ''));
    const targetReady = target !== undefined && workloadReadiness(canary, target, 100, now).state === 'ready';
    const decision = finalizerDecision(canary, {
      target, primary, targetReady, now: now.toISOString(),
      label: label === undefined || isProblem(label) ? undefined : label,
      apex: this.#informers.services.getByName(namespace, canary.spec.service.name ?? canary.spec.targetRef.name),
    });
    switch (decision.type) {
      case 'none': return undefined;
      case 'deleting': return done;
      case 'finalizers': {
        const outcome = await this.#executor.setFinalizers(canary, decision.finalizers, signal);
        this.#ownWrites.wrote(key, canary.metadata.resourceVersion, outcome.statusVersion);
        return done;
      }
      case 'revert': {
        const remaining = (canary.metadata.finalizers ?? []).filter((f) => f !== canaryFinalizer);
        const outcome = await this.#executor.revert(canary, decision, remaining, signal);
        this.#ownWrites.wrote(key, canary.metadata.resourceVersion, outcome.statusVersion);
        // The target's rollout is watched; the requeue only bounds a wait whose event was lost.
        return decision.done ? done : { requeueAfter: analysisIntervalMs(canary) };
      }
    }
  }

  /** The gates and the analysis this pass consults, from the hooks and metrics. */
  async #gather(canary: Canary, provider: string, needs: CanaryPassPlan['needs'], analysisDue: boolean, signal: AbortSignal): Promise<{ gates: CanaryPassInput['gates']; analysis?: AnalysisOutcome }> {
    const gates: CanaryPassInput['gates'] = {};
    const gate = async (type: 'confirm-rollout' | 'confirm-traffic-increase' | 'confirm-promotion'): Promise<boolean | undefined> => (await callHooks(canary, type, signal))?.accepted;
    if (needs.confirmRollout) {
      const open = await gate('confirm-rollout');
      if (open !== undefined) gates.confirmRollout = open;
    }
    if (needs.rollback) gates.rollback = await rollbackRequested(canary, signal);
    if (needs.confirmTrafficIncrease) {
      const open = await gate('confirm-traffic-increase');
      if (open !== undefined) gates.confirmTrafficIncrease = open;
    }
    if (needs.confirmPromotion) {
      const open = await gate('confirm-promotion');
      if (open !== undefined) gates.confirmPromotion = open;
    }
    if (!needs.analysis || !analysisDue) return { gates };
    const started = performance.now();
    const analysis = await runAnalysis(canary, {
      provider,
      metricsServer: canary.spec.metricsServer ?? this.#options.metricsServer ?? 'http://prometheus:9090',
      template: (ns, name) => this.#informers.templates.getByName(ns, name),
      secret: (ns, name) => {
        const found = this.#informers.secrets.getByName(ns, name);
        return found === undefined ? undefined : Object.fromEntries(Object.entries(found.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      },
      kube: this.#manager.client,
      noDataWaits: canary.metadata.annotations?.[canaryNoDataAnnotation] === 'wait',
      signal,
    });
    this.#metrics.recordAnalysis(canary, analysis.values ?? {}, (performance.now() - started) / 1000);
    if (analysis.waiting !== undefined) this.#manager.logger.info({ canary: keyOf(canary.metadata.namespace, canary.metadata.name ?? '') }, analysis.waiting);
    return { gates, analysis };
  }
}

/** Whether a Canary's primary or target has rolled out, by its kind (Flagger's rules, readiness.ts). */
function workloadReadiness(canary: DeepReadonly<Canary>, workload: DeepReadonly<TargetWorkload>, threshold: number, now: Date): Readiness {
  return workload.kind === 'DaemonSet'
    ? daemonSetReadiness(workload as DeepReadonly<DaemonSet>, { readyThreshold: threshold })
    : deploymentReadiness(workload, { deadlineSeconds: progressDeadlineSeconds(canary), readyThreshold: threshold, now: now.getTime() });
}

/**
 * When to look again without a change being observed: at the next analysis while one is wanted (the interval counts
 * from the last transition), and every interval while a gate or a deadline may change its answer (webhooks and time
 * are not watched). A Canary at rest waits for a change.
 */
export function requeueOf(plan: Pick<CanaryPassPlan, 'status' | 'needs'>, intervalMs: number, now: number): ReconcileResult {
  const phase = plan.status.phase ?? 'Initializing';
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Initialized') return done;
  const since = now - Date.parse(plan.status.lastTransitionTime ?? '');
  if (plan.needs.analysis && !Number.isNaN(since) && since < intervalMs) return { requeueAfter: Math.max(1, intervalMs - since) };
  return { requeueAfter: intervalMs };
}

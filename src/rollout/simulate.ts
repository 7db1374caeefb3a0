import { isDeepStrictEqual } from 'node:util';
import type { ReplicaSet, Service } from '../api/kubernetes.ts';
import { isCompletedAnalysisPhase, type AnalysisRun, type AnalysisTemplate } from '../api/analysis.ts';
import type { AnalysisPhase, Rollout } from '../api/rollout.ts';
import type { TemplateCatalog } from '../analysis/templates.ts';
import { analysisReferences } from './analysis.ts';
import { planRollout } from './plan.ts';
import { type PlannedEvent, type RolloutPlan } from './observed.ts';
import { formatTime } from '../runtime/time.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import { describeTarget, type ObjectWrite } from '../traffic/writes.ts';
import { applyMergePatch } from '../util/merge-patch.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { routedObjectKey, type ServiceEndpoint } from '../traffic/router.ts';

/**
 * An in-memory cluster for one Rollout: applies each plan the way the executor would and lets pods become
 * available at once (or never, for the pod template hashes listed in `unavailable`). AnalysisRuns complete at
 * once with `runPhase` (Successful unless a test says otherwise); the templates they come from are stand-ins
 * unless a catalog is given. Only the pure planner runs here, so what it shows is what the controller would
 * decide; `aviary plan` and the planner's tests drive it.
 */
export class Simulation {
  rollout: Rollout;
  replicaSets: ReplicaSet[] = [];
  services = new Map<string, Service>();
  events: PlannedEvent[] = [];
  now = new Date('2026-01-01T00:00:00Z');
  unavailable = new Set<string>();
  runs: AnalysisRun[] = [];
  /** The phase a new AnalysisRun has when the next pass looks at it; `Running` keeps it measuring. */
  runPhase: (run: AnalysisRun) => AnalysisPhase = () => 'Successful';
  catalog: TemplateCatalog;
  lastPlan?: RolloutPlan;
  /** The traffic routers' objects (routes, TraefikServices), by routedObjectKey; writes apply to them. */
  objects = new Map<string, KubeObject>();
  /** The Services' endpoints, when a test plays the EndpointSlice controller; unset, endpoints gate nothing. */
  endpoints: Map<string, ServiceEndpoint[]> | undefined;

  /** `services` are the names of Services to pretend exist, selecting the Rollout's pods. */
  constructor(rollout: Rollout, services: Iterable<string> = [], catalog?: TemplateCatalog) {
    this.rollout = structuredClone(rollout);
    this.catalog = catalog ?? standInCatalog(rollout);
    this.rollout.metadata.generation ??= 1;
    const selector = { ...(rollout.spec.selector?.matchLabels ?? {}) };
    for (const name of services) this.services.set(name, { metadata: { name }, spec: { selector: { ...selector } } });
  }

  /** One reconcile. Returns true when it changed anything. */
  reconcile(): boolean {
    const plan = planRollout({
      rollout: this.rollout, replicaSets: this.replicaSets, services: this.services, routerObjects: this.objects,
      ...(this.endpoints === undefined ? {} : { endpoints: this.endpoints }),
      analysis: { runs: this.runs, catalog: this.catalog }, now: this.now,
    });
    this.lastPlan = plan;
    let changed = false;
    if (plan.createReplicaSet !== undefined) {
      this.replicaSets.push({ ...structuredClone(plan.createReplicaSet), status: { replicas: 0, observedGeneration: 1 } });
      changed = true;
    }
    for (const { name, to } of plan.scale) {
      const rs = this.rs(name);
      rs.spec = { ...rs.spec, replicas: to, selector: rs.spec?.selector ?? {} };
      changed = true;
    }
    for (const { name, annotations } of plan.annotate) {
      const rs = this.rs(name);
      const merged = Object.fromEntries(
        Object.entries({ ...(rs.metadata?.annotations ?? {}), ...annotations }).filter((e): e is [string, string] => e[1] !== null),
      );
      rs.metadata = { ...rs.metadata, annotations: merged };
      changed = true;
    }
    this.replicaSets = this.replicaSets.filter((rs) => !plan.deleteReplicaSets.includes(rs.metadata?.name ?? ''));
    for (const write of plan.writes) {
      this.#applyWrite(write);
      changed = true;
    }
    if (this.#applyAnalysis(plan)) changed = true;
    if (!isDeepStrictEqual(plan.status, this.rollout.status)) {
      this.rollout.status = structuredClone(plan.status);
      changed = true;
    }
    this.events.push(...plan.events);
    // Pods that became available (or stopped being) are news the controller reacts to, as a watch event.
    if (this.settlePods()) changed = true;
    return changed;
  }

  /** Reconciles until nothing changes (a steady state or a pause), at most `limit` times. */
  settle(limit = 50): void {
    for (let i = 0; i < limit; i++) if (!this.reconcile()) return;
    throw new Error(`no steady state after ${limit} reconciles; last status ${JSON.stringify(this.rollout.status)}`);
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  /** A change to the spec, as `kubectl apply` makes it: the generation moves on. */
  update(mutate: (r: Rollout) => void): void {
    mutate(this.rollout);
    this.rollout.metadata.generation = (this.rollout.metadata.generation ?? 1) + 1;
  }

  /** What `aviary promote` does: lifts the pauses, and the planner moves on at its next pass. */
  promote(): void {
    this.rollout.status = { ...this.rollout.status, pauseConditions: [] };
  }

  /** Sets the phase (and message) of an AnalysisRun, as its controller would. */
  setRunPhase(name: string, phase: AnalysisPhase, message?: string): void {
    const run = this.runs.find((r) => r.metadata.name === name);
    if (run === undefined) throw new Error(`no AnalysisRun ${name}; runs: ${this.runs.map((r) => r.metadata.name ?? '').join(', ')}`);
    run.status = { phase, ...(message === undefined ? {} : { message }) };
  }

  run(name: string): AnalysisRun | undefined {
    return this.runs.find((r) => r.metadata.name === name);
  }

  /** spec.replicas of each ReplicaSet, by pod template hash. */
  replicaCounts(): Record<string, number> {
    return Object.fromEntries(this.replicaSets.map((rs) => [rs.metadata?.labels?.[podTemplateHashLabel] ?? '', rs.spec?.replicas ?? 0]));
  }

  phase(): string | undefined {
    return this.rollout.status?.phase;
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  /** Adds a router's object (an HTTPRoute, a TraefikService) to the simulated cluster. */
  addObject(object: KubeObject): void {
    const { apiVersion, kind, metadata } = object;
    this.objects.set(routedObjectKey(apiVersion ?? '', kind ?? '', metadata?.namespace ?? this.rollout.metadata.namespace ?? 'default', metadata?.name ?? ''), structuredClone(object));
  }

  /** The routers' writes, applied to the simulated Services and router objects as the API server would apply them. */
  #applyWrite(write: ObjectWrite): void {
    const { target } = write;
    if (target.kind === 'Service') {
      const svc = this.services.get(target.name);
      if (svc === undefined || write.type !== 'merge') throw new Error(`the simulation cannot apply a ${write.type} write to ${describeTarget(target)}`);
      this.services.set(target.name, applyMergePatch(svc, write.patch) as Service);
      return;
    }
    const key = routedObjectKey(target.apiVersion, target.kind, target.namespace ?? '', target.name);
    const object = this.objects.get(key);
    if (write.type === 'apply') {
      // Server-side apply creates the object or sets the applier's fields on it.
      this.objects.set(key, applyMergePatch(object ?? {}, write.object) as KubeObject);
      return;
    }
    if (write.type === 'delete') {
      this.objects.delete(key);
      return;
    }
    if (object === undefined) throw new Error(`the simulation cannot apply a ${write.type} write to ${describeTarget(target)}: it does not exist`);
    this.objects.set(key, write.type === 'merge' ? (applyMergePatch(object, write.patch) as KubeObject) : applyJsonPatch(object, write.patch));
  }

  #applyAnalysis(plan: RolloutPlan): boolean {
    for (const created of plan.createAnalysisRuns) {
      const run: AnalysisRun = { ...structuredClone(created), status: { phase: 'Pending' } };
      run.metadata.creationTimestamp = formatTime(this.now.getTime());
      run.status = { phase: this.runPhase(run) };
      this.runs.push(run);
    }
    for (const name of plan.terminateAnalysisRuns) {
      const run = this.run(name);
      if (run === undefined) continue;
      run.spec.terminate = true;
      // A terminated run completes with what it measured so far: Successful, as the AnalysisRun controller does.
      if (!isCompletedAnalysisPhase(run.status?.phase)) run.status = { phase: 'Successful', message: 'Run Terminated' };
    }
    this.runs = this.runs.filter((r) => !plan.deleteAnalysisRuns.includes(r.metadata.name ?? ''));
    return plan.createAnalysisRuns.length + plan.terminateAnalysisRuns.length + plan.deleteAnalysisRuns.length > 0;
  }

  private rs(name: string): ReplicaSet {
    const rs = this.replicaSets.find((r) => r.metadata?.name === name);
    if (rs === undefined) throw new Error(`plan refers to unknown ReplicaSet ${name}`);
    return rs;
  }

  /** Brings every ReplicaSet's status to its pods' state; true when any status changed. */
  private settlePods(): boolean {
    let changed = false;
    for (const rs of this.replicaSets) {
      const want = rs.spec?.replicas ?? 0;
      const available = this.unavailable.has(rs.metadata?.labels?.[podTemplateHashLabel] ?? '') ? 0 : want;
      const status = { replicas: want, readyReplicas: available, availableReplicas: available, observedGeneration: rs.metadata?.generation ?? 1 };
      if (!isDeepStrictEqual(status, rs.status)) changed = true;
      rs.status = status;
    }
    return changed;
  }
}

/** A template for every name the Rollout references, each with one metric: enough to plan without a cluster. */
function standInCatalog(rollout: Rollout): TemplateCatalog {
  const templates = new Map<string, AnalysisTemplate>();
  const clusterTemplates = new Map<string, AnalysisTemplate>();
  for (const ref of analysisReferences(rollout)) {
    for (const { templateName, clusterScope } of ref.analysis.templates ?? []) {
      if (templateName === undefined || templateName === '') continue;
      const kind = clusterScope === true ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
      const template: AnalysisTemplate = { kind, metadata: { name: templateName }, spec: { metrics: [{ name: `${kind}/${templateName}`, provider: {} }] } };
      (clusterScope === true ? clusterTemplates : templates).set(templateName, template);
    }
  }
  return { templates, clusterTemplates };
}

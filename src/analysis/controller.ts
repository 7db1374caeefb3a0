/**
 * The AnalysisRun controller: resolves a run's arguments, plans (run/plan.ts), records finished measurements in
 * status, starts the next ones detached (run/measurer.ts) and requeues for the next due time. Jobs of the job
 * provider are watched, so a finished Job resumes its measurement at once instead of at a polling interval.
 */
import type { AnalysisRun, AnalysisRunStatus, Measurement, Metric } from '../api/analysis.ts';
import { apiVersionOf, type ApiGroup } from '../api/groups.ts';
import { effectiveMetricLimits } from '../api/defaults.ts';
import type { Job } from '../api/kubernetes.ts';
import { Controller } from '../runtime/controller.ts';
import type { Informer } from '../runtime/informer.ts';
import type { Manager } from '../runtime/manager.ts';
import { splitKey, thaw } from '../runtime/objects.ts';
import { OwnWrites } from '../runtime/own-writes.ts';
import { done, type ReconcileResult, type Reconciler } from '../runtime/reconcile.ts';
import { isNotFound, PatchType, resourcePath, type KubeClient } from '../runtime/rest.ts';
import { mergePatch } from '../util/merge-patch.ts';
import { parseDuration } from '../util/duration.ts';
import { AnalysisMetrics } from './metrics.ts';
import { providerFor, type MeasurementContext, type MetricProvider, type SecretScope } from './providers/index.ts';
import { redact, resolveArgs, substituteArgs } from './run/args.ts';
import { isCompleted, lastMeasurement } from './run/assess.ts';
import { errorText, measurementOf, measurementState, resumedMeasurement, settle, terminatedMeasurement } from './run/measurement.ts';
import { Measurer } from './run/measurer.ts';
import { deletionDueAt, erroredStatus, planRun, retentionLimit } from './run/plan.ts';
import { formatTime } from '../runtime/time.ts';
import { analysisRunUidLabel } from '../api/labels.ts';

export interface AnalysisRunControllerOptions {
  group: ApiGroup;
  /** Watch one namespace only; default all. */
  namespace?: string;
  workers?: number;
  /** Where provider credentials of Argo's kind are read (scope "controller"). Default $POD_NAMESPACE, else aviary-system. */
  controllerNamespace?: string;
  /** Upper bound of one measurement, whatever the provider's own timeout. Default 5 minutes. */
  measurementTimeoutMs?: number;
}

export function analysisRunController(manager: Manager, options: AnalysisRunControllerOptions): Controller {
  const apiVersion = apiVersionOf(options.group);
  const scope = options.namespace === undefined ? {} : { namespace: options.namespace };
  const runs = manager.informers.informer<AnalysisRun>({ resource: { apiVersion, kind: 'AnalysisRun', plural: 'analysisruns' }, ...scope });
  // Jobs of the job provider only (label-filtered), stripped to what resume() reads.
  const jobs = manager.informers.informer<Job>({
    resource: { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' },
    labelSelector: analysisRunUidLabel,
    transform: (job) => ({ apiVersion: job.apiVersion, kind: job.kind, metadata: job.metadata ?? {}, status: job.status ?? {} }),
    ...scope,
  });
  const holder: { controller?: Controller } = {};
  const reconciler = new AnalysisRunReconciler({
    client: manager.client,
    manager,
    apiVersion,
    runs,
    jobs,
    controllerNamespace: options.controllerNamespace ?? process.env.POD_NAMESPACE ?? 'aviary-system',
    measurementTimeoutMs: options.measurementTimeoutMs ?? 5 * 60_000,
    enqueue: (key) => holder.controller?.enqueue(key),
    metrics: AnalysisMetrics.for(manager.registry, runs),
  });
  // Finished measurements enqueue their run through the controller, which needs the reconciler first.
  holder.controller = new Controller({ name: `analysisrun.${options.group.name}`, reconciler, workers: options.workers ?? 10, logger: manager.logger, metrics: manager.metrics })
    .primary(runs)
    .owns(jobs, { apiVersion, kind: 'AnalysisRun' });
  return holder.controller;
}

interface ReconcilerDeps {
  client: KubeClient;
  manager: Manager;
  apiVersion: string;
  runs: Informer<AnalysisRun>;
  jobs: Informer<Job>;
  controllerNamespace: string;
  measurementTimeoutMs: number;
  enqueue: (key: string) => void;
  metrics: AnalysisMetrics;
}

/** A run ready to measure: metrics with arguments resolved and providers chosen. */
interface PreparedRun {
  metrics: Map<string, { metric: Metric; provider: MetricProvider; config: unknown }>;
  secrets: ReadonlySet<string>;
}

const secretCacheMs = 30_000;

export class AnalysisRunReconciler implements Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #measurer: Measurer;
  readonly #ownWrites = new OwnWrites();
  readonly #secrets = new Map<string, { value: string | undefined; readAt: number }>();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#measurer = new Measurer({ onFinished: deps.enqueue, logger: deps.manager.logger });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const timer = this.#deps.metrics.reconcile.startTimer({ namespace: namespace ?? '', name });
    try {
      return await this.#reconcile(key, signal);
    } finally {
      timer();
    }
  }

  async #reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const cached = this.#deps.runs.get(key);
    if (cached === undefined) {
      this.#measurer.forget(key);
      this.#ownWrites.forget(key);
      return done;
    }
    // Planning from the run as it was before our last status write would take measurements already taken.
    if (this.#ownWrites.pending(key, cached.metadata.resourceVersion)) return done;
    const run = thaw<AnalysisRun>(cached);
    if (isCompleted(run.status?.phase) && this.#measurer.busy(key).size === 0) {
      this.#measurer.forget(key);
      return this.#expire(run, signal);
    }
    const now = new Date();
    let prepared: PreparedRun;
    try {
      prepared = await this.#prepare(run);
    } catch (error) {
      // A wrong argument or provider configuration cannot get better by retrying: the run ends in Error, saying why.
      const message = error instanceof Error ? error.message : String(error);
      await this.#writeStatus(key, run, erroredStatus(run.status, message, now), signal);
      this.#deps.manager.events.warning(run, 'AnalysisRunError', `Analysis Completed. Result: Error (${message})`);
      return done;
    }
    const finished = this.#measurer.take(key);
    const plan = planRun({
      metrics: [...prepared.metrics.values()].map((m) => m.metric),
      status: run.status,
      terminate: run.spec.terminate === true,
      dryRun: run.spec.dryRun ?? [],
      measurementRetention: run.spec.measurementRetention ?? [],
      now,
      busy: this.#measurer.busy(key),
      finished,
      finishedAtMs: this.#measurer.finishedAt(key),
    });
    try {
      await this.#writeStatus(key, run, plan.status, signal);
    } catch (error) {
      this.#measurer.restore(key, finished);
      throw error;
    }
    for (const event of plan.events) this.#deps.manager.events.event(run, event.type, event.reason, redact(event.message, prepared.secrets));
    for (const name of plan.measure) this.#startMeasure(key, run, prepared, name, plan.status);
    for (const name of plan.resume) this.#startResume(key, run, prepared, name, plan.status);
    for (const name of plan.terminate) this.#startTerminate(key, run, prepared, name, plan.status);
    if (isCompleted(plan.status.phase)) return this.#expire({ ...run, status: plan.status }, signal);
    return plan.requeueAfterMs === undefined ? done : { requeueAfter: plan.requeueAfterMs };
  }

  /** Waits for measurements in flight (shutdown and tests). */
  drain(): Promise<void> {
    return this.#measurer.drain();
  }

  async #prepare(run: AnalysisRun): Promise<PreparedRun> {
    const namespace = run.metadata.namespace ?? '';
    const args = await resolveArgs(run, { readSecret: (name, key) => this.#readSecret(namespace, name, key) });
    const metrics = new Map<string, { metric: Metric; provider: MetricProvider; config: unknown }>();
    for (const raw of run.spec.metrics) {
      const metric = substituteArgs(raw, args.values);
      // Fail now, naming the field, rather than at the first measurement.
      effectiveMetricLimits(metric);
      for (const field of ['interval', 'initialDelay'] as const) {
        const value = metric[field];
        if (value === undefined) continue;
        try {
          parseDuration(value);
        } catch (error) {
          throw new Error(`metrics[${metric.name}].${field}: ${(error as Error).message}`, { cause: error });
        }
      }
      try {
        const { provider, config } = providerFor(metric.provider);
        provider.validate(config);
        metrics.set(metric.name, { metric, provider, config });
      } catch (error) {
        throw new Error(`metrics[${metric.name}].${(error as Error).message}`, { cause: error });
      }
    }
    return { metrics, secrets: args.secrets };
  }

  async #readSecret(namespace: string, name: string, key: string): Promise<string | undefined> {
    const cacheKey = `${namespace}/${name}/${key}`;
    const hit = this.#secrets.get(cacheKey);
    if (hit !== undefined && Date.now() - hit.readAt < secretCacheMs) return hit.value;
    let value: string | undefined;
    try {
      const secret = await this.#deps.client.get<{ data?: Record<string, string> }>(resourcePath('v1', 'secrets', namespace, name));
      const data = secret.data?.[key];
      value = data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.#secrets.set(cacheKey, { value, readAt: Date.now() });
    if (this.#secrets.size > 1024) this.#secrets.delete(this.#secrets.keys().next().value ?? '');
    return value;
  }

  #context(run: AnalysisRun, metric: string, status: AnalysisRunStatus, signal: AbortSignal): MeasurementContext {
    const result = status.metricResults?.find((r) => r.name === metric);
    const runNamespace = run.metadata.namespace ?? '';
    return {
      run: {
        apiVersion: this.#deps.apiVersion,
        kind: 'AnalysisRun',
        name: run.metadata.name ?? '',
        namespace: runNamespace,
        uid: run.metadata.uid ?? '',
        ...(run.metadata.labels === undefined ? {} : { labels: run.metadata.labels }),
      },
      metricName: metric,
      measurementNumber: (result?.count ?? 0) + (result?.error ?? 0) + 1,
      signal,
      readSecret: (name: string, key: string, scope: SecretScope = 'run') =>
        this.#readSecret(scope === 'controller' ? this.#deps.controllerNamespace : runNamespace, name, key),
      kube: this.#deps.client,
      getJob: (namespace: string, name: string) => this.#deps.jobs.getByName(namespace, name),
      now: () => new Date(),
    };
  }

  #startMeasure(key: string, run: AnalysisRun, prepared: PreparedRun, name: string, status: AnalysisRunStatus): void {
    const entry = prepared.metrics.get(name);
    if (entry === undefined) return;
    this.#measurer.start(key, name, async () => {
      const startedAt = formatTime(Date.now());
      const ctx = this.#context(run, name, status, AbortSignal.timeout(this.#deps.measurementTimeoutMs));
      const result = await settle(() => entry.provider.measure(ctx, entry.config));
      const measurement = measurementOf(entry.metric, result, { startedAt, finishedAt: formatTime(Date.now()) }, prepared.secrets);
      await this.#collectGarbage(entry, ctx, run, measurement);
      return { metric: name, measurement };
    });
  }

  #startResume(key: string, run: AnalysisRun, prepared: PreparedRun, name: string, status: AnalysisRunStatus): void {
    const entry = prepared.metrics.get(name);
    const last = lastMeasurement(status.metricResults?.find((r) => r.name === name));
    const resume = entry?.provider.resume?.bind(entry.provider);
    if (entry === undefined || last === undefined || resume === undefined) return;
    this.#measurer.start(key, name, async () => {
      const startedAt = last.startedAt ?? formatTime(Date.now());
      const ctx = this.#context(run, name, status, AbortSignal.timeout(this.#deps.measurementTimeoutMs));
      const result = await settle(() => resume(ctx, entry.config, measurementState(last)));
      const measurement = resumedMeasurement(last, measurementOf(entry.metric, result, { startedAt, finishedAt: formatTime(Date.now()) }, prepared.secrets));
      if (measurement === undefined) return undefined;
      await this.#collectGarbage(entry, ctx, run, measurement);
      return { metric: name, measurement };
    });
  }

  #startTerminate(key: string, run: AnalysisRun, prepared: PreparedRun, name: string, status: AnalysisRunStatus): void {
    const entry = prepared.metrics.get(name);
    const last = lastMeasurement(status.metricResults?.find((r) => r.name === name));
    if (entry === undefined || last === undefined) return;
    this.#measurer.start(key, name, async () => {
      const ctx = this.#context(run, name, status, AbortSignal.timeout(this.#deps.measurementTimeoutMs));
      const stopped = await settle(async () => entry.provider.terminate?.(ctx, entry.config, measurementState(last)));
      return { metric: name, measurement: terminatedMeasurement(last, stopped, formatTime(Date.now()), prepared.secrets) };
    });
  }

  async #collectGarbage(entry: { metric: Metric; provider: MetricProvider; config: unknown }, ctx: MeasurementContext, run: AnalysisRun, measurement: Measurement): Promise<void> {
    if (measurement.phase === 'Running' || entry.provider.garbageCollect === undefined) return;
    try {
      await entry.provider.garbageCollect(ctx, entry.config, retentionLimit(run.spec.measurementRetention ?? [], entry.metric.name));
    } catch (error) {
      this.#deps.manager.logger.warn({ err: errorText(error), run: run.metadata.name, metric: entry.metric.name }, 'garbage collection of measurements failed');
    }
  }

  async #writeStatus(key: string, run: AnalysisRun, status: AnalysisRunStatus, signal: AbortSignal): Promise<void> {
    const patch = mergePatch(run.status ?? {}, status);
    if (patch === undefined) return;
    const written = await this.#deps.client.patch<AnalysisRun>(
      resourcePath(this.#deps.apiVersion, 'analysisruns', run.metadata.namespace, run.metadata.name, 'status'),
      { metadata: { resourceVersion: run.metadata.resourceVersion }, status: patch },
      PatchType.merge,
      signal,
    );
    this.#ownWrites.wrote(key, run.metadata.resourceVersion, written.metadata.resourceVersion);
  }

  /** Deletes a completed run once its ttlStrategy says so; else requeues for then. */
  async #expire(run: AnalysisRun, signal: AbortSignal): Promise<ReconcileResult> {
    const due = deletionDueAt(run.spec.ttlStrategy, run.status);
    if (due === undefined) return done;
    const wait = due - Date.now();
    if (wait > 0) return { requeueAfter: wait };
    const { namespace, name } = splitKey(`${run.metadata.namespace ?? ''}/${run.metadata.name ?? ''}`);
    try {
      await this.#deps.client.delete(resourcePath(this.#deps.apiVersion, 'analysisruns', namespace, name), { preconditions: { uid: run.metadata.uid } }, signal);
      this.#deps.manager.logger.info({ namespace, name, phase: run.status?.phase }, 'deleted AnalysisRun after its ttlStrategy');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return done;
  }
}

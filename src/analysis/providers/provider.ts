/**
 * The metric provider contract: what the AnalysisRun reconciler asks of every provider (one file each beside this
 * one, one line each in index.ts).
 *
 * A measurement goes:
 *   validate(config)              before any measurement; throws ProviderConfigError naming the field
 *   measure(ctx, config)          returns a value (conditions decide), a phase (the provider decides), or running
 *   resume(ctx, config, m)        for a running measurement, when the watched object changed or at resumeAt
 *   terminate(ctx, config, m)     the run was terminated while the measurement was running
 *   garbageCollect(ctx, config, n) after a measurement finished: drop objects of measurements no longer kept
 * Any other failure of measure/resume is thrown (ProviderError, or an Error with context): the caller records an
 * Error measurement with the message, which never contains a secret.
 *
 * Config types are the Static types of src/api/metric-provider.ts after the run resolved `{{args.x}}` placeholders.
 */
import type { Job } from '../../api/kubernetes.ts';
import type { DeepReadonly } from '../../runtime/objects.ts';
import type { KubeClient } from '../../runtime/rest.ts';

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive';

/** What a provider returns for one measurement. */
export type ProviderOutcome =
  /** A value for the metric's successCondition/failureCondition (evaluated by the caller). `result` is what conditions
   *  see as `result` (number, number[], JSON); `value` is the string stored in the measurement's status. */
  | { kind: 'value'; result: unknown; value: string; metadata?: Record<string, string> }
  /** The provider decided the phase itself (job: exit status; kayenta: score thresholds). */
  | { kind: 'phase'; phase: MeasurementPhase; value?: string; message?: string; metadata?: Record<string, string> }
  /** Started but not finished (job, kayenta): the caller stores the measurement as Running with this metadata and
   *  calls resume() when the watched object changes (or at resumeAt if given). */
  | { kind: 'running'; metadata?: Record<string, string>; resumeAt?: Date };

/** The AnalysisRun measured. Jobs are created in its namespace, owned by it and labelled with its uid. */
export interface AnalysisRunRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
  labels?: Readonly<Record<string, string>>;
}

/**
 * Where a Secret is read. Argo Rollouts reads provider credentials (datadog, newrelic, wavefront, influxdb) from
 * its own namespace; `run` is the AnalysisRun's namespace (datadog with `secretRef.namespaced: true`).
 */
export type SecretScope = 'run' | 'controller';

export interface MeasurementContext {
  run: AnalysisRunRef;
  metricName: string;
  /**
   * The number of this measurement among the metric's measurements so far, counting errors (count + error + 1, as
   * Argo does). Names the job provider's Job, so a measurement retried after a crash finds the Job it created.
   * When absent the Job name falls back to a time-based suffix.
   */
  measurementNumber?: number;
  /** Aborted on timeout or shutdown. */
  signal: AbortSignal;
  /** Reads a key of a Secret (default scope: the run's namespace); undefined when the Secret or key is absent. */
  readSecret(name: string, key: string, scope?: SecretScope): Promise<string | undefined>;
  /** Aviary's REST client for providers that create objects (job). */
  kube: KubeClient;
  /** Reads a Job from the controller's informer cache (job resume); undefined if absent. */
  getJob(namespace: string, name: string): DeepReadonly<Job> | undefined;
  now(): Date;
}

/** The part of a stored measurement a provider needs to resume or terminate it. */
export interface MeasurementState {
  metadata?: Readonly<Record<string, string>>;
  startedAt?: string;
}

/**
 * One metric provider. `C` is its configuration type (the value under `metric.provider.<type>`). Methods use
 * method syntax so a `MetricProvider<PrometheusMetric>` is usable where a `MetricProvider<unknown>` is expected
 * (the registry hands out providers without knowing their config types; validate() guards the config).
 */
export interface MetricProvider<C = unknown> {
  /** The key under metric.provider, e.g. 'prometheus'. */
  readonly type: string;
  /** Checks the provider's configuration before any measurement; throws ProviderConfigError naming the field. */
  validate(config: unknown): void;
  measure(ctx: MeasurementContext, config: C): Promise<ProviderOutcome>;
  resume?(ctx: MeasurementContext, config: C, measurement: MeasurementState): Promise<ProviderOutcome>;
  terminate?(ctx: MeasurementContext, config: C, measurement: MeasurementState): Promise<void>;
  /** Deletes objects of measurements no longer kept (job: keep the `limit` newest Jobs of this metric). */
  garbageCollect?(ctx: MeasurementContext, config: C, limit: number): Promise<void>;
}

/** A configuration error: `field` is the path below the metric, e.g. `provider.web.url`. */
export class ProviderConfigError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ProviderConfigError';
    this.field = field;
  }
}

/**
 * A measurement that could not be taken: the remote system failed, answered with an error, or answered something
 * that cannot be read. The message says which provider and request; it never contains credentials.
 */
export class ProviderError extends Error {
  readonly provider: string;
  /** The HTTP status of the failing response, when there was one. */
  readonly status: number | undefined;

  constructor(provider: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(`${provider}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.status = options.status;
  }
}

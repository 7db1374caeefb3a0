/**
 * job: each measurement runs a Kubernetes Job (the metric's `metadata` and `spec`) in the run's namespace, owned
 * by the AnalysisRun and labelled with its uid. The measurement is Running until the Job finishes: Complete →
 * Successful, Failed → Failed. A pod that cannot pull its image makes the measurement Inconclusive (and the Job is
 * deleted), since waiting longer only delays the verdict on something the analysed release did not cause.
 *
 * Asynchronous: measure() creates the Job and returns `running`; the reconciler calls resume() when the Job's
 * watch event arrives (getJob reads the informer cache). Only while pods exist that are not ready yet does the
 * measurement also ask to be resumed after a delay, to look at the pods for image-pull trouble (pod events do
 * not change the Job).
 *
 * Names and labels follow Argo Rollouts: Job `<run uid>.<metric>.<n>`, label analysisrun.argoproj.io/uid,
 * annotations analysisrun.argoproj.io/name and /metric-name, measurement metadata `job-name`. Argo's name can
 * exceed the 63 characters Kubernetes allows a Job name (it becomes a pod label); here a long or unusual metric
 * name is shortened and suffixed with a hash instead.
 */
import { createHash } from 'node:crypto';
import { JobMetric } from '../../api/metric-provider.ts';
import { isRecord } from '../../api/schema-helpers.ts';
import { controllerReference } from '../../runtime/objects.ts';
import { isApiError, resourcePath } from '../../runtime/rest.ts';
import { checkSchema } from './common.ts';
import {
  ProviderConfigError,
  ProviderError,
  type MeasurementContext,
  type MeasurementState,
  type MetricProvider,
  type ProviderOutcome,
} from './provider.ts';
import { analysisMetricNameAnnotation, analysisRunNameAnnotation, analysisRunUidLabel, jobNameLabel } from '../../api/labels.ts';

const type = 'job';
export const jobNameKey = 'job-name';
/** How soon to look at pods again while some are not ready (image pulls); the Job's own changes come by watch. */
export const podCheckDelayMs = 15_000;
/** Waiting reasons that mean the image will not arrive without a change: the measurement is Inconclusive. */
const imagePullTrouble = new Set(['ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** The fields of a Job (src/api/kubernetes.ts) this provider reads, from the informer cache or the API. */
interface JobLike {
  metadata?: {
    name?: string;
    uid?: string;
    creationTimestamp?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { uid?: string; controller?: boolean }[];
  };
  status?: {
    active?: number;
    ready?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

interface PodLike {
  metadata?: { name?: string };
  status?: {
    initContainerStatuses?: ContainerStatusLike[];
    containerStatuses?: ContainerStatusLike[];
  };
}

interface ContainerStatusLike {
  name?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

export function validateJob(config: unknown): void {
  checkSchema(JobMetric, config, type);
  const spec = (config as JobMetric).spec as unknown;
  const base = `provider.${type}.spec`;
  const template = isRecord(spec) ? spec.template : undefined;
  if (!isRecord(template)) throw new ProviderConfigError(`${base}.template`, 'is required');
  const podSpec = template.spec;
  if (!isRecord(podSpec)) throw new ProviderConfigError(`${base}.template.spec`, 'is required');
  const containers = podSpec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new ProviderConfigError(`${base}.template.spec.containers`, 'must list at least one container');
  }
  const restartPolicy = podSpec.restartPolicy;
  if (restartPolicy !== 'Never' && restartPolicy !== 'OnFailure') {
    throw new ProviderConfigError(`${base}.template.spec.restartPolicy`, 'must be Never or OnFailure (a Job\'s pods cannot restart Always)');
  }
}

const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 6);

/**
 * The Job of a measurement: `<uid>.<metric>.<n>`, at most 63 characters of [a-z0-9.-]. A metric name that is not
 * a valid name part, or too long, is lowered, cleaned, cut and suffixed with a hash of the original.
 */
export function jobName(runUid: string, metricName: string, suffix: string): string {
  const budget = 63 - runUid.length - suffix.length - 2;
  let part = metricName;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(part) || part.length > budget) {
    const hash = shortHash(metricName);
    const cleaned = metricName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    const room = Math.max(0, budget - hash.length - 1);
    const cut = cleaned.slice(0, room).replace(/-+$/, '');
    part = cut === '' ? hash : `${cut}-${hash}`;
  }
  return `${runUid}.${part}.${suffix}`;
}

function jobsPath(namespace: string, name?: string): string {
  return resourcePath('batch/v1', 'jobs', namespace, name);
}

function newJob(ctx: MeasurementContext, config: JobMetric, name: string): Record<string, unknown> {
  const { run } = ctx;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: run.namespace,
      labels: { ...config.metadata?.labels, [analysisRunUidLabel]: run.uid },
      annotations: { ...config.metadata?.annotations, [analysisRunNameAnnotation]: run.name, [analysisMetricNameAnnotation]: ctx.metricName },
      ownerReferences: [controllerReference(run)],
    },
    spec: config.spec,
  };
}

async function measure(ctx: MeasurementContext, config: JobMetric): Promise<ProviderOutcome> {
  const suffix = ctx.measurementNumber === undefined ? ctx.now().getTime().toString(36) : String(ctx.measurementNumber);
  const name = jobName(ctx.run.uid, ctx.metricName, suffix);
  const namespace = ctx.run.namespace;
  try {
    await ctx.kube.create(jobsPath(namespace), newJob(ctx, config, name), ctx.signal);
  } catch (error) {
    if (!isApiError(error, 409)) throw new ProviderError(type, `create Job ${namespace}/${name}: ${messageOf(error)}`, { cause: error });
    // Created before a crash or a lost response: adopt it when this run owns it.
    const existing = await ctx.kube.get<JobLike>(jobsPath(namespace, name), undefined, ctx.signal);
    const owner = existing.metadata?.ownerReferences?.find((ref) => ref.controller === true);
    if (owner?.uid !== ctx.run.uid) {
      throw new ProviderError(type, `Job ${namespace}/${name} already exists and belongs to another owner`, { cause: error });
    }
  }
  return { kind: 'running', metadata: { [jobNameKey]: name } };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function jobNameOf(measurement: MeasurementState): string {
  const name = measurement.metadata?.[jobNameKey] ?? '';
  if (name === '') throw new ProviderError(type, `measurement metadata has no ${jobNameKey}`);
  return name;
}

async function readJob(ctx: MeasurementContext, name: string): Promise<JobLike> {
  const namespace = ctx.run.namespace;
  const cached = ctx.getJob(namespace, name) as JobLike | undefined;
  if (cached !== undefined) return cached;
  // Right after creation the informer may not have the Job yet: ask the API server once.
  try {
    return await ctx.kube.get<JobLike>(jobsPath(namespace, name), undefined, ctx.signal);
  } catch (error) {
    if (isApiError(error, 404)) throw new ProviderError(type, `Job ${namespace}/${name} no longer exists`, { cause: error });
    throw new ProviderError(type, `read Job ${namespace}/${name}: ${messageOf(error)}`, { cause: error });
  }
}

/** The Job's verdict from its conditions, or undefined while it runs. */
export function jobOutcome(job: JobLike): ProviderOutcome | undefined {
  for (const condition of job.status?.conditions ?? []) {
    if (condition.status !== 'True') continue;
    const detail = [condition.reason, condition.message].filter((part) => (part ?? '') !== '').join(': ');
    if (condition.type === 'Complete') return { kind: 'phase', phase: 'Successful', value: 'Complete' };
    if (condition.type === 'Failed') {
      return { kind: 'phase', phase: 'Failed', value: 'Failed', message: `Job failed${detail === '' ? '' : `: ${detail}`}` };
    }
  }
  return undefined;
}

/** The first container of the pods that cannot get its image, described for the measurement message. */
export function imagePullProblem(pods: readonly PodLike[]): string | undefined {
  for (const pod of pods) {
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = status.state?.waiting;
      if (waiting?.reason !== undefined && imagePullTrouble.has(waiting.reason)) {
        const message = (waiting.message ?? '') === '' ? '' : `: ${waiting.message ?? ''}`;
        return `pod ${pod.metadata?.name ?? '?'} container ${status.name ?? '?'}: ${waiting.reason}${message}`;
      }
    }
  }
  return undefined;
}

async function deleteJob(ctx: MeasurementContext, name: string): Promise<void> {
  try {
    await ctx.kube.request({
      method: 'DELETE',
      path: jobsPath(ctx.run.namespace, name),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' },
      signal: ctx.signal,
    });
  } catch (error) {
    if (!isApiError(error, 404)) throw new ProviderError(type, `delete Job ${ctx.run.namespace}/${name}: ${messageOf(error)}`, { cause: error });
  }
}

async function resume(ctx: MeasurementContext, _config: JobMetric, measurement: MeasurementState): Promise<ProviderOutcome> {
  const name = jobNameOf(measurement);
  const job = await readJob(ctx, name);
  const done = jobOutcome(job);
  if (done !== undefined) return done;
  const active = job.status?.active ?? 0;
  const ready = job.status?.ready ?? 0;
  if (active === 0 || ready >= active) return { kind: 'running', metadata: { [jobNameKey]: name } };
  const pods = await ctx.kube.get<{ items?: PodLike[] }>(
    resourcePath('v1', 'pods', ctx.run.namespace),
    { labelSelector: `${jobNameLabel}=${name}` },
    ctx.signal,
  );
  const problem = imagePullProblem(pods.items ?? []);
  if (problem !== undefined) {
    await deleteJob(ctx, name);
    return { kind: 'phase', phase: 'Inconclusive', message: `image pull failed: ${problem}`, metadata: { [jobNameKey]: name } };
  }
  return { kind: 'running', metadata: { [jobNameKey]: name }, resumeAt: new Date(ctx.now().getTime() + podCheckDelayMs) };
}

async function terminate(ctx: MeasurementContext, _config: JobMetric, measurement: MeasurementState): Promise<void> {
  await deleteJob(ctx, jobNameOf(measurement));
}

async function garbageCollect(ctx: MeasurementContext, _config: JobMetric, limit: number): Promise<void> {
  const list = await ctx.kube.get<{ items?: JobLike[] }>(jobsPath(ctx.run.namespace), { labelSelector: `${analysisRunUidLabel}=${ctx.run.uid}` }, ctx.signal);
  const mine = (list.items ?? []).filter((job) => job.metadata?.annotations?.[analysisMetricNameAnnotation] === ctx.metricName);
  const created = (job: JobLike): number => new Date(job.metadata?.creationTimestamp ?? 0).getTime();
  // Oldest first; the name breaks ties within the one-second resolution of creationTimestamp (n grows).
  mine.sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));
  for (const job of mine.slice(0, Math.max(0, mine.length - Math.max(0, limit)))) {
    await deleteJob(ctx, job.metadata?.name ?? '');
  }
}

/** Every optional method is implemented, so callers (and tests) need no presence checks. */
export const jobProvider: Required<MetricProvider<JobMetric>> = {
  type,
  validate: validateJob,
  measure,
  resume,
  terminate,
  garbageCollect,
};

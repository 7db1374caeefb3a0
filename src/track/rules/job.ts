import { conditionOf, type Job } from '../model.ts';
import { controllerEventProblems, judgePods } from './pod.ts';
import type { Observed, Status } from './types.ts';

export interface JobFence {
  /** A Job's pod template is immutable: the revision is the object itself. */
  uid?: string;
}

export function jobFence(job: Job): JobFence {
  return { uid: job.metadata?.uid };
}

/**
 * A Job is ready when Complete and failed when Failed (BackoffLimitExceeded, DeadlineExceeded, ...) or when it has
 * been marked to fail (FailureTarget). Its pods are judged only for failures the Job cannot retry away (image and
 * configuration errors, Unschedulable): crashes and exits count against its backoffLimit instead.
 */
export function jobRule(observed: Observed<Job>, fence: JobFence): Status {
  const job = observed.object;
  const st = job.status ?? {};
  const status: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [], problems: [] };
  if (fence.uid !== undefined && job.metadata?.uid !== fence.uid) {
    return { ...status, state: 'failed', reasons: ['the Job was replaced by a new object with the same name'] };
  }
  const completions = job.spec?.completions ?? (job.spec?.parallelism === undefined ? 1 : undefined);
  const succeeded = st.succeeded ?? 0;
  status.replicas = { desired: completions ?? succeeded, ready: st.ready ?? 0, available: succeeded };
  status.details = { active: st.active ?? 0, succeeded, failed: st.failed ?? 0 };
  const judged = judgePods(observed.pods, () => true, observed, { jobPod: true });
  status.pods = judged.views.map((v) => v.view);
  if (judged.recheckAt !== undefined) status.recheckAt = judged.recheckAt;
  status.problems = judged.problems;
  if (job.metadata?.uid !== undefined) {
    status.problems.push(...controllerEventProblems(observed.events, new Set([job.metadata.uid]), () => `job/${job.metadata?.name ?? ''}`, observed.detection.since));
  }

  const complete = conditionOf(st.conditions, 'Complete');
  if (complete?.status === 'True') return { ...status, state: 'ready', reasons: [`completed (${succeeded} succeeded)`], problems: [] };
  for (const type of ['Failed', 'FailureTarget']) {
    const c = conditionOf(st.conditions, type);
    if (c?.status === 'True') {
      return { ...status, state: 'failed', reasons: [`${c.reason ?? type}: ${c.message ?? 'the Job failed'}`] };
    }
  }
  if (job.spec?.suspend === true) return { ...status, state: 'paused', reasons: ['the Job is suspended (spec.suspend)'] };
  status.waitingFor.push(`completions ${succeeded}/${completions ?? '?'} (active ${st.active ?? 0}, failed ${st.failed ?? 0}${job.spec?.backoffLimit === undefined ? '' : ` of backoffLimit ${job.spec.backoffLimit}`})`);
  return status;
}

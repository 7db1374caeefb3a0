import {
  conditionOf,
  eventFirstTime,
  eventTime,
  formatDuration,
  isTrue,
  time,
  type Container,
  type ContainerStatus,
  type KEvent,
  type Pod,
  type Probe,
} from '../model.ts';
import { earliest, type DetectionSettings, type Observed, type PodView, type Problem, type Status } from './types.ts';

/** Waiting reasons that never resolve on their own (or only by luck): a pod showing one has failed. */
const fatalWaitingReasons = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);

/** Of those, the ones a Job retries by itself (its backoffLimit decides), so they are not a tracker's verdict. */
const retriedByJobs = new Set(['CrashLoopBackOff', 'RunContainerError']);

export interface PodCheckOptions {
  /** The pod belongs to a Job: exits and crash loops are the Job's business (backoffLimit), not failures. */
  jobPod?: boolean;
}

export function podName(pod: Pod): string {
  return pod.metadata?.name ?? '';
}

function allContainerStatuses(pod: Pod): { status: ContainerStatus; init: boolean }[] {
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((status) => ({ status, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((status) => ({ status, init: false })),
  ];
}

/** One word or phrase for a pod's state, as `kubectl get pods` would show it. */
export function podStatusText(pod: Pod): string {
  if (pod.metadata?.deletionTimestamp !== undefined) return 'Terminating';
  const phase = pod.status?.phase ?? 'Pending';
  if (phase === 'Failed' || phase === 'Succeeded') return pod.status?.reason ?? (phase === 'Succeeded' ? 'Completed' : 'Failed');
  for (const { status, init } of allContainerStatuses(pod)) {
    const waiting = status.state?.waiting?.reason;
    if (waiting !== undefined && waiting !== 'PodInitializing') return init ? `Init:${waiting}` : waiting;
    const term = status.state?.terminated;
    if (term !== undefined && (term.exitCode ?? 0) !== 0) return init ? `Init:${term.reason ?? 'Error'}` : (term.reason ?? 'Error');
  }
  const scheduled = conditionOf(pod.status?.conditions, 'PodScheduled');
  if (scheduled?.status === 'False') return scheduled.reason ?? 'Pending';
  return phase;
}

export function podView(pod: Pod, tracked: boolean): PodView {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? statuses.length;
  const ready = statuses.filter((s) => s.ready === true).length;
  const restarts = allContainerStatuses(pod).reduce((n, { status }) => n + (status.restartCount ?? 0), 0);
  const view: PodView = { name: podName(pod), revision: tracked ? 'tracked' : 'old', ready: `${ready}/${total}`, restarts, status: podStatusText(pod) };
  if (pod.spec?.nodeName !== undefined) view.node = pod.spec.nodeName;
  return view;
}

export function isPodReady(pod: Pod): boolean {
  return isTrue(pod.status?.conditions, 'Ready');
}

/** The container an event is about, from its fieldPath `spec.containers{web}` / `spec.initContainers{init}`. */
export function eventContainer(e: KEvent): string | undefined {
  const m = /\{([^}]+)\}/.exec(e.involvedObject?.fieldPath ?? '');
  return m?.[1];
}

function seconds(value: number | undefined, fallback: number): number {
  return value === undefined || value < 0 ? fallback : value;
}

function probeSpan(probe: Probe): number {
  return (
    seconds(probe.initialDelaySeconds, 0) +
    seconds(probe.periodSeconds, 10) * seconds(probe.failureThreshold, 3) +
    seconds(probe.timeoutSeconds, 1)
  );
}

/**
 * How long after a container starts its readiness probe may keep failing before that counts as a failure: the time
 * the probe itself needs to give up (initial delay + period × failure threshold + timeout), after the startup probe
 * (which holds readiness probes back) has had its own full span.
 */
export function readinessWindowMs(container: Container): number | undefined {
  const readiness = container.readinessProbe;
  if (readiness === undefined) return undefined;
  const startup = container.startupProbe === undefined ? 0 : probeSpan(container.startupProbe);
  return (startup + probeSpan(readiness)) * 1000;
}

const problemObject = (pod: Pod): string => `po/${podName(pod)}`;

/**
 * What is wrong with a pod of the tracked revision, as far as its status and events tell. Grace periods end at
 * `recheckAt`, so the tracker looks again then even if nothing else changes.
 */
export function podProblems(
  pod: Pod,
  events: KEvent[],
  now: number,
  detection: DetectionSettings,
  options: PodCheckOptions = {},
): { problems: Problem[]; recheckAt?: number } {
  const problems: Problem[] = [];
  let recheckAt: number | undefined;
  if (pod.metadata?.deletionTimestamp !== undefined) return { problems };
  const uid = pod.metadata?.uid ?? podName(pod);
  const object = problemObject(pod);
  const name = podName(pod);

  if (pod.status?.phase === 'Failed' && options.jobPod !== true) {
    const reason = pod.status.reason ?? 'Failed';
    problems.push({ key: `${uid}/phase/${reason}`, object, reason, message: pod.status.message ?? `pod ${name} failed` });
  }

  for (const { status, init } of allContainerStatuses(pod)) {
    const c = status.name ?? '';
    const what = init ? `init container ${c}` : `container ${c}`;
    const restarts = status.restartCount ?? 0;
    const waiting = status.state?.waiting;
    if (waiting?.reason !== undefined && fatalWaitingReasons.has(waiting.reason)) {
      if (!(options.jobPod === true && retriedByJobs.has(waiting.reason))) {
        const crash = waiting.reason === 'CrashLoopBackOff';
        const lastExit = status.lastState?.terminated;
        const detail = crash && lastExit !== undefined ? ` (last exit code ${lastExit.exitCode ?? '?'}${lastExit.reason === undefined ? '' : `, ${lastExit.reason}`})` : '';
        const problem: Problem = {
          key: `${uid}/${c}/${waiting.reason}${crash ? `/${restarts}` : ''}`,
          object,
          container: c,
          reason: waiting.reason,
          message: `${what}: ${waiting.message ?? waiting.reason}${detail}`,
        };
        if (crash) problem.logs = { pod: name, container: c, previous: true };
        problems.push(problem);
      }
      continue;
    }
    const term = status.state?.terminated;
    if (term !== undefined && (term.exitCode ?? 0) !== 0 && options.jobPod !== true) {
      const reason = term.reason ?? 'Error';
      problems.push({
        key: `${uid}/${c}/exit/${restarts}`,
        object,
        container: c,
        reason: init ? 'InitContainerFailed' : reason,
        message: `${what} exited with code ${term.exitCode ?? '?'} (${reason})${term.message === undefined ? '' : `: ${term.message}`}`,
        logs: { pod: name, container: c, previous: false },
      });
    }
  }

  const scheduled = conditionOf(pod.status?.conditions, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = time(scheduled.lastTransitionTime) ?? time(pod.metadata?.creationTimestamp) ?? now;
    const deadline = since + detection.unschedulableGraceMs;
    if (now >= deadline) {
      problems.push({
        key: `${uid}/Unschedulable`,
        object,
        reason: 'Unschedulable',
        message: `unschedulable for ${formatDuration(now - since)}: ${scheduled.message ?? 'no node fits'}`,
      });
    } else {
      recheckAt = earliest(recheckAt, deadline);
    }
  }

  const started = (pod.status?.containerStatuses ?? []).some((s) => s.state?.running !== undefined || s.state?.terminated !== undefined);
  const containers = new Map((pod.spec?.containers ?? []).map((c) => [c.name ?? '', c]));
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name ?? '', s]));

  for (const e of events) {
    const reason = e.reason ?? '';
    const message = e.message ?? '';
    const container = eventContainer(e);
    if ((reason === 'FailedMount' || reason === 'FailedAttachVolume') && !started) {
      const first = eventFirstTime(e) ?? now;
      const deadline = first + detection.failedMountGraceMs;
      if (now >= deadline) {
        problems.push({ key: `${uid}/${reason}`, object, reason, message: `${reason} for ${formatDuration(now - first)}: ${message}` });
      } else {
        recheckAt = earliest(recheckAt, deadline);
      }
    } else if (reason === 'Killing' && /failed (startup|liveness) probe/.test(message)) {
      const probe = /failed startup probe/.test(message) ? 'StartupProbeFailed' : 'LivenessProbeFailed';
      const restarts = statuses.get(container ?? '')?.restartCount ?? 0;
      const problem: Problem = { key: `${uid}/${container ?? ''}/${probe}/${restarts}`, object, reason: probe, message };
      if (container !== undefined) {
        problem.container = container;
        problem.logs = { pod: name, container, previous: restarts > 0 };
      }
      problems.push(problem);
    } else if (reason === 'Unhealthy' && message.startsWith('Readiness probe failed') && container !== undefined) {
      const status = statuses.get(container);
      const spec = containers.get(container);
      const startedAt = time(status?.state?.running?.startedAt);
      if (status === undefined || spec === undefined || status.ready === true || startedAt === undefined) continue;
      const window = detection.readinessWindowMs[container] ?? readinessWindowMs(spec);
      if (window === undefined) continue;
      const end = startedAt + window;
      const last = eventTime(e) ?? 0;
      if (last >= end && now >= end) {
        problems.push({
          key: `${uid}/${container}/ReadinessProbeFailed/${status.restartCount ?? 0}`,
          object,
          container,
          reason: 'ReadinessProbeFailed',
          message: `container ${container}: readiness probe still failing ${formatDuration(last - startedAt)} after start (allowed ${formatDuration(window)}): ${message}`,
          logs: { pod: name, container, previous: false },
        });
      } else if (now < end) {
        recheckAt = earliest(recheckAt, end);
      }
    }
  }
  return { problems, recheckAt };
}

/** Events about one object, by uid. */
export function eventsFor(events: KEvent[], uid: string | undefined): KEvent[] {
  return uid === undefined ? [] : events.filter((e) => e.involvedObject?.uid === uid);
}

/** Problems and views for a set of pods, split into the tracked revision and the rest. */
export function judgePods(
  pods: Pod[],
  isTracked: (pod: Pod) => boolean,
  observed: Pick<Observed<unknown>, 'events' | 'now' | 'detection'>,
  options: PodCheckOptions = {},
): { views: { view: PodView; pod: Pod }[]; problems: Problem[]; recheckAt?: number; tracked: Pod[] } {
  const views: { view: PodView; pod: Pod }[] = [];
  const problems: Problem[] = [];
  const tracked: Pod[] = [];
  let recheckAt: number | undefined;
  const sorted = [...pods].sort((a, b) => podName(a).localeCompare(podName(b)));
  for (const pod of sorted) {
    const mine = isTracked(pod);
    views.push({ view: podView(pod, mine), pod });
    if (!mine) continue;
    tracked.push(pod);
    const found = podProblems(pod, eventsFor(observed.events, pod.metadata?.uid), observed.now, observed.detection, options);
    problems.push(...found.problems);
    recheckAt = earliest(recheckAt, found.recheckAt);
  }
  return { views, problems, recheckAt, tracked };
}

/** Warning events whose reason names a failure, on a controller object (FailedCreate, FailedDelete, ...). */
export function controllerEventProblems(events: KEvent[], uids: Set<string>, objectName: (uid: string) => string, since: number): Problem[] {
  const problems: Problem[] = [];
  for (const e of events) {
    const uid = e.involvedObject?.uid;
    if (uid === undefined || !uids.has(uid) || e.type !== 'Warning' || !/Failed/.test(e.reason ?? '')) continue;
    if ((eventTime(e) ?? 0) < since) continue;
    problems.push({
      key: `${uid}/event/${e.reason ?? ''}/${e.message ?? ''}`,
      object: objectName(uid),
      reason: e.reason ?? 'Failed',
      message: e.message ?? '',
    });
  }
  return problems;
}

export interface PodFence {
  uid?: string;
}

export function podFence(pod: Pod): PodFence {
  return { uid: pod.metadata?.uid };
}

/** A pod tracked by itself: ready when Ready (or Succeeded), failed when Failed or when a failure shows. */
export function podRule(observed: Observed<Pod>, fence: PodFence): Status {
  const pod = observed.object;
  const base: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [podView(pod, true)], problems: [] };
  if (fence.uid !== undefined && pod.metadata?.uid !== fence.uid) {
    return { ...base, state: 'failed', reasons: [`pod was replaced by a new one (uid ${pod.metadata?.uid ?? '?'})`] };
  }
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return { ...base, state: 'ready', reasons: ['completed'] };
  if (phase === 'Failed') {
    return { ...base, state: 'failed', reasons: [`pod failed: ${pod.status?.reason ?? 'Failed'}${pod.status?.message === undefined ? '' : `: ${pod.status.message}`}`] };
  }
  if (isPodReady(pod)) return { ...base, state: 'ready' };
  const found = podProblems(pod, eventsFor(observed.events, pod.metadata?.uid), observed.now, observed.detection);
  base.problems = found.problems;
  if (found.recheckAt !== undefined) base.recheckAt = found.recheckAt;
  const scheduled = conditionOf(pod.status?.conditions, 'PodScheduled');
  if (scheduled?.status !== 'True') {
    base.waitingFor.push(scheduled?.reason === undefined ? 'scheduling' : `scheduling (${scheduled.reason}${scheduled.message === undefined ? '' : `: ${scheduled.message}`})`);
  } else {
    const statuses = pod.status?.containerStatuses ?? [];
    const notReady = statuses.filter((s) => s.ready !== true).map((s) => s.name ?? '');
    base.waitingFor.push(notReady.length > 0 ? `containers ready: ${notReady.join(', ')}` : 'Ready condition');
  }
  return base;
}

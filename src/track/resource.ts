import { allowedFailures, type ResourceSettings } from './annotations.ts';
import type { ContainerLogs, ResourceResult, TrackEvent } from './events.ts';
import { LogStreams, lineFilter, showLogsFor } from './logs.ts';
import {
  eventCount,
  eventTime,
  formatDuration,
  isOwnedBy,
  type Canary,
  type ControllerRevision,
  type DaemonSet,
  type Deployment,
  type Job,
  type KEvent,
  type KObject,
  type Pod,
  type ReplicaSet,
  type Rollout,
  type StatefulSet,
} from './model.ts';
import type { ResolvedTarget } from './resolve.ts';
import { activePhases, canaryFence, canaryRule, type CanaryFence } from './rules/canary.ts';
import { daemonSetFence, daemonSetRule } from './rules/daemonset.ts';
import { deploymentFence, deploymentRule } from './rules/deployment.ts';
import { genericFence, genericRule, type CompiledRule } from './rules/generic.ts';
import { jobFence, jobRule } from './rules/job.ts';
import { podFence, podRule } from './rules/pod.ts';
import { rolloutFence, rolloutRule } from './rules/rollout.ts';
import { statefulSetFence, statefulSetRule } from './rules/statefulset.ts';
import type { DetectionSettings, Observed, Problem, Status } from './rules/types.ts';
import type { Watched } from './watches.ts';
import type { Clock, Timer } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/rest.ts';

/** Where a resource's tracking ended up; `undefined` while it goes on. */
export type Verdict = 'ready' | 'failed' | 'timeout';

type Fence = { generation: number } | { uid?: string } | CanaryFence;

export function fenceFor(target: ResolvedTarget, now: number): Fence {
  const o = target.object;
  switch (target.kindName) {
    case 'Deployment': return deploymentFence(o as Deployment);
    case 'StatefulSet': return statefulSetFence(o as StatefulSet);
    case 'DaemonSet': return daemonSetFence(o as DaemonSet);
    case 'Job': return jobFence(o as Job);
    case 'Pod': return podFence(o as Pod);
    case 'Rollout': return rolloutFence(o as Rollout);
    case 'Canary': return canaryFence(o as Canary, now);
    case 'Generic': return genericFence(o);
  }
}

const kindShort: Record<string, string> = {
  Pod: 'po', ReplicaSet: 'rs', Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', Job: 'job', Rollout: 'rollout', Canary: 'canary',
};

export interface ResourceContext {
  emit: (event: TrackEvent) => void;
  /** Called after every evaluation so the session can decide whether the run is over. */
  changed: () => void;
  client: KubeClient;
  /** Every timer and every reading of the time goes through it. */
  clock: Clock;
  rules: CompiledRule[];
  detection: Pick<DetectionSettings, 'unschedulableGraceMs' | 'failedMountGraceMs'>;
  startedAt: number;
  logs: boolean;
  events: boolean;
}

export interface Informers {
  main: Watched;
  pods?: Watched;
  replicaSets?: Watched;
  revisions?: Watched;
  events: Watched;
}

/** History before the start that still counts as news: what the apply just before `track` set off. */
const historySlackMs = 5_000;

/**
 * One tracked resource: holds what its watches deliver, runs its kind's rule when anything changes, turns rule output
 * into events (status changes, failures counted against the allowance, verdicts), and streams the logs of its
 * tracked pods.
 */
export class ResourceTracker {
  readonly target: ResolvedTarget;
  readonly settings: ResourceSettings;
  readonly fence: Fence;
  readonly blocking: boolean;
  private readonly ctx: ResourceContext;
  informers?: Informers;
  private object: KObject;
  private deleted = false;
  status?: Status;
  verdict?: Verdict;
  verdictReasons: string[] = [];
  verdictAt?: number;
  paused = false;
  private signature = '';
  private readonly seenProblems = new Map<string, Problem>();
  private readonly shownEvents = new Set<string>();
  private sawActivePhase = false;
  private scheduled = false;
  private recheckTimer?: Timer;
  private activityTimer?: Timer;
  private readonly logStreams: LogStreams;
  private logsUnavailable?: string;
  private relevant = new Set<string>();
  private stopped = false;

  constructor(target: ResolvedTarget, settings: ResourceSettings, ctx: ResourceContext) {
    this.target = target;
    this.settings = settings;
    this.ctx = ctx;
    this.object = target.object;
    this.fence = fenceFor(target, ctx.startedAt);
    this.blocking = settings.terminationMode === 'wait';
    this.logStreams = new LogStreams(
      ctx.client,
      (l) => {
        this.touch();
        const filter = lineFilter(l.container, this.settings);
        if (filter(l.line)) this.emit({ type: 'log', pod: l.pod, container: l.container, previous: l.previous, line: l.line });
      },
      (_pod, _container, reason) => {
        if (this.logsUnavailable !== undefined) return;
        this.logsUnavailable = reason;
        this.ctx.emit({ type: 'notice', time: new Date(this.ctx.clock.now()).toISOString(), level: 'info', resource: this.name, namespace: this.target.namespace, message: `logs unavailable: ${reason}` });
      },
    );
  }

  get name(): string {
    return this.target.display;
  }

  get concluded(): boolean {
    return this.verdict !== undefined && !(this.verdict !== 'ready' && this.settings.failMode === 'hope');
  }

  private emit(partial: Record<string, unknown> & { type: TrackEvent['type'] }): void {
    const { type, ...rest } = partial;
    this.ctx.emit({ type, time: new Date(this.ctx.clock.now()).toISOString(), resource: this.name, namespace: this.target.namespace, ...rest } as TrackEvent);
  }

  attach(informers: Informers): void {
    this.informers = informers;
    informers.main.subscribe((type, obj) => {
      if (obj.metadata?.name !== this.target.name) return;
      if (type === 'DELETED') this.deleted = true;
      else {
        this.object = obj;
        this.deleted = false;
      }
      this.touch();
      this.markDirty();
    });
    for (const inf of [informers.pods, informers.replicaSets, informers.revisions]) {
      inf?.subscribe(() => {
        this.touch();
        this.markDirty();
      });
    }
    informers.events.subscribe((_type, obj) => {
      const uid = (obj as KEvent).involvedObject?.uid;
      if (uid !== undefined && this.relevant.has(uid)) {
        this.touch();
        this.markDirty();
      }
    });
    const main = informers.main.items().find((o) => o.metadata?.name === this.target.name);
    if (main !== undefined) this.object = main;
    this.touch();
  }

  /** Coalesces a burst of changes (one watch chunk) into one evaluation, in the same turn of the event loop. */
  markDirty(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.stopped) this.evaluate(this.ctx.clock.now());
    });
  }

  /** Restarts the no-activity clock. */
  touch(): void {
    const limit = this.settings.noActivityTimeoutMs ?? (this.target.kindName === 'Generic' ? 240_000 : undefined);
    if (limit === undefined || this.stopped) return;
    this.activityTimer?.cancel();
    this.activityTimer = this.ctx.clock.setTimer(() => {
      if (this.stopped || this.concluded || this.paused) return;
      this.conclude('timeout', [`no activity for ${formatDuration(limit)} (nothing about it changed)`], this.ctx.clock.now());
      this.ctx.changed();
    }, limit);
  }

  private pods(): Pod[] {
    const all = this.informers?.pods?.items<Pod>() ?? [];
    const uid = this.object.metadata?.uid;
    switch (this.target.kindName) {
      case 'Deployment':
      case 'Rollout': {
        const rsUids = new Set(this.replicaSets().map((rs) => rs.metadata?.uid ?? ''));
        return all.filter((p) => (p.metadata?.ownerReferences ?? []).some((o) => o.uid !== undefined && rsUids.has(o.uid)));
      }
      case 'StatefulSet':
      case 'DaemonSet':
      case 'Job':
        return all.filter((p) => isOwnedBy(p, uid));
      case 'Pod':
        return [this.object as Pod];
      default:
        return all;
    }
  }

  private replicaSets(): ReplicaSet[] {
    const uid = this.object.metadata?.uid;
    return (this.informers?.replicaSets?.items<ReplicaSet>() ?? []).filter((rs) => isOwnedBy(rs, uid));
  }

  private runRule(now: number, pods: Pod[], events: KEvent[]): Status {
    const detection: DetectionSettings = {
      ...this.ctx.detection,
      readinessWindowMs: this.settings.readinessWindowMs,
      since: this.ctx.startedAt - historySlackMs,
    };
    const obs = <T>(object: T): Observed<T> => ({ object, pods, events, now, detection });
    const o = this.object;
    switch (this.target.kindName) {
      case 'Deployment':
        return deploymentRule({ ...obs(o as Deployment), replicaSets: this.replicaSets() }, this.fence as { generation: number });
      case 'StatefulSet':
        return statefulSetRule(obs(o as StatefulSet), this.fence as { generation: number });
      case 'DaemonSet':
        return daemonSetRule({ ...obs(o as DaemonSet), revisions: this.informers?.revisions?.items<ControllerRevision>() ?? [] }, this.fence as { generation: number });
      case 'Job':
        return jobRule(obs(o as Job), this.fence as { uid?: string });
      case 'Pod':
        return podRule(obs(o as Pod), this.fence as { uid?: string });
      case 'Rollout':
        return rolloutRule(obs(o as Rollout), this.fence as { generation: number });
      case 'Canary': {
        const phase = (o as Canary).status?.phase;
        if (phase !== undefined && activePhases.has(phase)) this.sawActivePhase = true;
        return canaryRule(obs(o as Canary), this.fence as CanaryFence, { sawActivePhase: this.sawActivePhase });
      }
      case 'Generic':
        return genericRule(obs(o), this.fence as { generation: number }, this.ctx.rules);
    }
  }

  evaluate(now: number): void {
    if (this.stopped || (this.verdict !== undefined && this.concluded)) return;
    const pods = this.pods();
    const rsUids = this.replicaSets().map((rs) => rs.metadata?.uid ?? '');
    const mainUid = this.object.metadata?.uid ?? '';
    this.relevant = new Set([mainUid, ...rsUids, ...pods.map((p) => p.metadata?.uid ?? '')]);
    const events = (this.informers?.events.items<KEvent>() ?? []).filter((e) => this.relevant.has(e.involvedObject?.uid ?? ''));

    let status: Status;
    if (this.deleted) {
      status = { state: 'failed', reasons: ['deleted while being tracked'], waitingFor: [], pods: [], problems: [] };
    } else {
      status = this.runRule(now, pods, events);
    }
    this.status = status;

    const trackedNames = new Set(status.pods.filter((p) => p.revision === 'tracked').map((p) => p.name));
    if (this.ctx.events && this.settings.showServiceMessages) this.showEvents(events, mainUid, new Set(rsUids), pods, trackedNames);

    const signature = JSON.stringify([status.state, status.revision, status.reasons, status.waitingFor, status.replicas, status.pods, status.details]);
    if (signature !== this.signature) {
      this.signature = signature;
      const event: Record<string, unknown> & { type: 'status' } = {
        type: 'status', state: status.state, reasons: status.reasons, waitingFor: status.waitingFor, pods: status.pods,
      };
      if (status.revision !== undefined) event.revision = status.revision;
      if (status.replicas !== undefined) event.replicas = status.replicas;
      if (status.details !== undefined) event.details = status.details;
      this.emit(event);
    }

    const allowed = allowedFailures(this.settings, status.replicas?.desired ?? 1);
    for (const p of status.problems) {
      if (this.seenProblems.has(p.key)) continue;
      this.seenProblems.set(p.key, p);
      const failure: Record<string, unknown> & { type: 'failure' } = { type: 'failure', object: p.object, reason: p.reason, message: p.message, count: this.seenProblems.size, allowed };
      if (p.container !== undefined) failure.container = p.container;
      this.emit(failure);
    }

    if (this.ctx.logs && this.target.kindName !== 'Generic' && this.target.kindName !== 'Canary') this.followLogs(pods, trackedNames);

    if (status.state === 'failed') {
      this.conclude('failed', status.reasons, now);
    } else if (this.seenProblems.size > allowed) {
      const problems = [...this.seenProblems.values()];
      const shown = problems.slice(-3).map((p) => `${p.object} ${p.reason}: ${p.message}`);
      const more = allowed > 0 ? [`${problems.length} failures, ${allowed} allowed`] : [];
      this.conclude('failed', [...more, ...shown], now);
    } else if (status.state === 'ready') {
      this.conclude('ready', status.reasons, now);
    }

    const pausedNow = status.state === 'paused';
    if (pausedNow && !this.paused) this.emit({ type: 'paused', reasons: status.reasons, elapsedMs: now - this.ctx.startedAt });
    this.paused = pausedNow;

    this.recheckTimer?.cancel();
    if (status.recheckAt !== undefined && !this.concluded) {
      this.recheckTimer = this.ctx.clock.setTimer(() => {
        this.markDirty();
      }, Math.max(0, status.recheckAt - this.ctx.clock.now()) + 5);
    }
    this.ctx.changed();
  }

  private conclude(verdict: Verdict, reasons: string[], now: number): void {
    if (this.verdict === verdict && verdict !== 'ready') return;
    this.verdict = verdict;
    this.verdictReasons = reasons;
    this.verdictAt = now;
    this.emit({ type: verdict === 'ready' ? 'ready' : 'failed', reasons, elapsedMs: now - this.ctx.startedAt });
  }

  private showEvents(events: KEvent[], mainUid: string, rsUids: Set<string>, pods: Pod[], trackedNames: Set<string>): void {
    const since = this.ctx.startedAt - historySlackMs;
    const trackedPodUids = new Set(pods.filter((p) => trackedNames.has(p.metadata?.name ?? '')).map((p) => p.metadata?.uid ?? ''));
    const fresh = events
      .filter((e) => {
        const uid = e.involvedObject?.uid ?? '';
        return (uid === mainUid || rsUids.has(uid) || trackedPodUids.has(uid)) && (eventTime(e) ?? 0) >= since;
      })
      .sort((a, b) => (eventTime(a) ?? 0) - (eventTime(b) ?? 0));
    for (const e of fresh) {
      const key = `${e.metadata?.uid ?? ''}/${eventCount(e)}`;
      if (this.shownEvents.has(key)) continue;
      this.shownEvents.add(key);
      const kind = e.involvedObject?.kind ?? '';
      this.emit({
        type: 'k8s-event',
        object: `${kindShort[kind] ?? kind.toLowerCase()}/${e.involvedObject?.name ?? ''}`,
        eventType: e.type ?? 'Normal',
        reason: e.reason ?? '',
        message: e.message ?? '',
        count: eventCount(e),
      });
    }
  }

  private followLogs(pods: Pod[], trackedNames: Set<string>): void {
    for (const pod of pods) {
      const podName = pod.metadata?.name ?? '';
      if (!trackedNames.has(podName) || pod.metadata?.deletionTimestamp !== undefined) continue;
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      for (const cs of statuses) {
        const c = cs.name ?? '';
        if (!showLogsFor(c, this.settings)) continue;
        const restarts = cs.restartCount ?? 0;
        const base = { namespace: this.target.namespace, pod: podName, container: c };
        if (cs.state?.running !== undefined || cs.state?.terminated !== undefined) {
          const sinceSeconds = Math.max(1, Math.ceil((this.ctx.clock.now() - this.ctx.startedAt + historySlackMs) / 1000));
          void this.logStreams.stream(`${pod.metadata?.uid ?? podName}/${c}/${restarts}`, { ...base, previous: false, follow: cs.state.running !== undefined, sinceSeconds });
        }
        if (restarts > 0 && cs.lastState?.terminated !== undefined) {
          void this.logStreams.stream(`${pod.metadata?.uid ?? podName}/${c}/previous/${restarts}`, { ...base, previous: true, follow: false, tailLines: 50 });
        }
      }
    }
  }

  /** The last log lines of the containers whose failures were seen, fetching them when nothing was streamed. */
  async failureLogs(fetchTimeoutMs: number): Promise<ContainerLogs[]> {
    const wanted = new Map<string, { pod: string; container: string; previous: boolean }>();
    for (const p of this.seenProblems.values()) if (p.logs !== undefined) wanted.set(`${p.logs.pod}/${p.logs.container}/${p.logs.previous}`, p.logs);
    return Promise.all([...wanted.values()].slice(-3).map(async (w) => {
      let lines = this.logStreams.lastLines(w.pod, w.container, w.previous);
      if (lines.length === 0 && this.ctx.logs && this.logsUnavailable === undefined) {
        let timer: Timer | undefined;
        await Promise.race([
          this.logStreams.stream(`summary/${w.pod}/${w.container}/${w.previous}`, { namespace: this.target.namespace, pod: w.pod, container: w.container, previous: w.previous, follow: false, tailLines: 20 }),
          new Promise((resolve) => { timer = this.ctx.clock.setTimer(() => { resolve(undefined); }, fetchTimeoutMs); }),
        ]);
        timer?.cancel();
        lines = this.logStreams.lastLines(w.pod, w.container, w.previous);
      }
      const entry: ContainerLogs = { ...w, lines };
      if (lines.length === 0) entry.unavailable = this.ctx.logs ? (this.logsUnavailable ?? 'no output') : 'logs disabled';
      return entry;
    }));
  }

  stop(): void {
    this.stopped = true;
    this.recheckTimer?.cancel();
    this.activityTimer?.cancel();
    this.logStreams.stop();
  }

  result(outcomeOverride?: ResourceResult['outcome']): Omit<ResourceResult, 'logs'> {
    const status = this.status;
    let outcome: ResourceResult['outcome'];
    if (outcomeOverride !== undefined) outcome = outcomeOverride;
    else if (this.verdict === 'ready') outcome = 'ready';
    else if (this.verdict !== undefined) outcome = this.settings.failMode === 'ignore' ? 'ignored' : this.verdict === 'timeout' ? 'timeout' : 'failed';
    else if (this.paused) outcome = 'paused';
    else outcome = 'unfinished';
    const r: Omit<ResourceResult, 'logs'> = {
      resource: this.name,
      namespace: this.target.namespace,
      kind: this.target.resource.kind,
      name: this.target.name,
      outcome,
      state: status?.state ?? 'progressing',
      blocking: this.blocking,
      reasons: this.verdict !== undefined && this.verdict !== 'ready' ? this.verdictReasons : (status?.reasons ?? []),
      waitingFor: status?.waitingFor ?? [],
      failures: [...this.seenProblems.values()].map((p) => {
        const f: ResourceResult['failures'][number] = { object: p.object, reason: p.reason, message: p.message };
        if (p.container !== undefined) f.container = p.container;
        return f;
      }),
    };
    if (status?.revision !== undefined) r.revision = status.revision;
    if (this.verdictAt !== undefined) r.elapsedMs = this.verdictAt - this.ctx.startedAt;
    return r;
  }
}

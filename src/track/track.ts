/**
 * The tracking session behind `track()`: resolves the targets, opens the watches each needs (shared through one
 * WatchHub), runs a ResourceTracker per target, and decides when the run is over. Everything Kubernetes goes through
 * src/runtime — the REST client, its informers, the kubeconfig loader — and every timer through a runtime Clock.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { systemClock, type Clock, type Timer } from '../runtime/clock.ts';
import type { ResourceType } from '../runtime/informer.ts';
import { loadKubeConnection, type KubeConnection } from '../runtime/kubeconfig.ts';
import { KubeClient } from '../runtime/rest.ts';
import { AnnotationError, defaultSettings, settingsFromAnnotations, type ResourceSettings } from './annotations.ts';
import { apiVersionOf, collectionPath } from './discovery.ts';
import type { Outcome, ResourceResult, TrackEvent, TrackResult } from './events.ts';
import { formatDuration, selectorString, type Canary, type Deployment, type LabelSelector } from './model.ts';
import { AsyncQueue } from './queue.ts';
import { errorMessage, isForbidden, readObject } from './reads.ts';
import { resolveTargets, ResolveError, type ResolvedTarget } from './resolve.ts';
import { ResourceTracker, type Informers } from './resource.ts';
import type { CompiledRule } from './rules/generic.ts';
import { defaultKindGroups, type KindGroups, type TrackTarget } from './targets.ts';
import { WatchHub, type Watched, type WatchSpec } from './watches.ts';

export interface TrackOptions {
  /**
   * Where the cluster is: a connection from the runtime's kubeconfig loader (src/runtime/kubeconfig.ts), or a
   * client-node KubeConfig. Defaults to the usual lookup (KUBECONFIG, ~/.kube/config, in-cluster).
   */
  kubeConfig?: KubeConnection | KubeConfig;
  /** The time seam for every timer (the overall timeout, grace periods, no-activity limits); default the system clock. */
  clock?: Clock;
  /** Namespace for targets that do not name one; defaults to the kubeconfig context's, else `default`. */
  namespace?: string;
  /** Overall limit in milliseconds; 0 or undefined for none. */
  timeoutMs?: number;
  /** End with outcome `paused` as soon as a tracked resource pauses (a Rollout at a pause step, ...). */
  failOnPause?: boolean;
  /** Settings for every resource before its annotations apply (fail mode, allowed failures, log filters, ...). */
  settings?: Partial<ResourceSettings>;
  /** Readiness rules for other kinds (see parseRulesFile). */
  rules?: CompiledRule[];
  /** How long a pod may stay Unschedulable before it counts as failed (default 30 s). */
  unschedulableGraceMs?: number;
  /** How long FailedMount may persist before it counts as failed (default 30 s). */
  failedMountGraceMs?: number;
  /** Stream pod logs of the tracked revision (default true). */
  logs?: boolean;
  /** Report Kubernetes Events (default true). */
  events?: boolean;
  /** API groups serving the Rollout and Canary shapes (default aviary.dev + argoproj.io, aviary.dev + flagger.app). */
  groups?: Partial<KindGroups>;
  /** Stops tracking (outcome `interrupted`). */
  signal?: AbortSignal;
}

export interface Tracking {
  /** Every event, in order, ending with `done`. Iterate it once. */
  events: AsyncIterable<TrackEvent>;
  /** Settles with the outcome; never rejects (errors become outcome `error`). */
  result: Promise<TrackResult>;
  /** Ends tracking now (outcome `interrupted`). */
  stop: () => void;
}

/**
 * Follows resources until each is ready at the revision it had when tracking began (or fails, times out, pauses).
 *
 *   const { events, result } = track([{ kind: 'deploy', name: 'api' }], { namespace: 'prod', timeoutMs: 300_000 });
 *   for await (const e of events) render(e);
 *   const { outcome } = await result;
 */
export function track(targets: TrackTarget[], options: TrackOptions = {}): Tracking {
  const session = new Session(targets, options);
  const result = session.run();
  return { events: session.queue, result, stop: () => { session.interrupt(); } };
}

class Session {
  readonly queue = new AsyncQueue<TrackEvent>();
  private readonly targets: TrackTarget[];
  private readonly options: TrackOptions;
  private readonly clock: Clock;
  private readonly startedAt: number;
  private trackers: ResourceTracker[] = [];
  private hub?: WatchHub;
  private finished = false;
  private resolveDone!: (result: TrackResult) => void;
  private readonly done: Promise<TrackResult>;
  private timeout?: Timer;
  private client?: KubeClient;
  private finishing?: Promise<void>;

  constructor(targets: TrackTarget[], options: TrackOptions) {
    this.targets = targets;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  private emit(event: TrackEvent): void {
    if (!this.finished || event.type === 'done') this.queue.push(event);
  }

  /** Read through a method: `finished` changes while awaiting, which flow analysis cannot see. */
  private isFinished(): boolean {
    return this.finished;
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  interrupt(): void {
    this.finish('interrupted', 'interrupted');
  }

  async run(): Promise<TrackResult> {
    this.emit({ type: 'start', time: this.now(), targets: this.targets.map(describeTarget) });
    this.options.signal?.addEventListener('abort', () => { this.interrupt(); }, { once: true });
    try {
      await this.begin();
    } catch (error) {
      if (error instanceof ResolveError) this.finish(error.outcome, error.message);
      else if (error instanceof AnnotationError) this.finish('invalid', `invalid annotation: ${error.message}`);
      else this.finish('error', errorMessage(error));
    }
    return this.done;
  }

  private async begin(): Promise<void> {
    const client = new KubeClient(this.options.kubeConfig ?? loadKubeConnection(), { userAgent: 'aviary-track' });
    this.client = client;
    const groups: KindGroups = { ...defaultKindGroups, ...this.options.groups };
    const namespace = this.options.namespace ?? client.defaultNamespace();
    const resolved = await resolveTargets(client, this.targets, namespace, groups);
    if (this.finished) return;

    const defaults: ResourceSettings = { ...defaultSettings, ...this.options.settings };
    const hub = new WatchHub(client, this.clock, (message) => {
      this.emit({ type: 'notice', time: this.now(), level: 'warning', message });
    });
    this.hub = hub;
    const ctx = {
      emit: (e: TrackEvent) => { this.emit(e); },
      changed: () => { this.check(); },
      client,
      clock: this.clock,
      rules: this.options.rules ?? [],
      detection: { unschedulableGraceMs: this.options.unschedulableGraceMs ?? 30_000, failedMountGraceMs: this.options.failedMountGraceMs ?? 30_000 },
      startedAt: this.startedAt,
      logs: this.options.logs !== false,
      events: this.options.events !== false,
    };
    for (const target of resolved) {
      const settings = settingsFromAnnotations(target.object.metadata?.annotations, defaults);
      const tracker = new ResourceTracker(target, settings, ctx);
      this.trackers.push(tracker);
      const fence = { ...tracker.fence } as Record<string, unknown>;
      this.emit({
        type: 'resolved', time: this.now(), resource: target.display, namespace: target.namespace,
        apiVersion: apiVersionOf(target.resource),
        kind: target.resource.kind, name: target.name, fence, blocking: tracker.blocking, failMode: settings.failMode,
      });
    }

    if (this.options.timeoutMs !== undefined && this.options.timeoutMs > 0) {
      const limit = this.options.timeoutMs;
      this.timeout = this.clock.setTimer(() => {
        const waiting = this.trackers.filter((t) => t.blocking && !t.concluded);
        const what = waiting.map((t) => `${t.name} (${t.status?.waitingFor.join(', ') || t.status?.state || 'no status yet'})`).join('; ');
        this.finish('timeout', `timed out after ${formatDuration(limit)}${what === '' ? '' : `: still waiting for ${what}`}`);
      }, limit);
    }

    await Promise.all(this.trackers.map(async (t) => {
      t.attach(await this.informersFor(hub, client, t.target));
    }));
    if (this.isFinished()) return;
    for (const t of this.trackers) t.evaluate(this.clock.now());
    this.check();
  }

  private async informersFor(hub: WatchHub, client: KubeClient, target: ResolvedTarget): Promise<Informers> {
    const ns = target.namespace;
    const watch = (resource: ResourceType, selectors: Omit<WatchSpec, 'resource' | 'namespace'>, namespace: string | undefined = ns): Promise<Watched> =>
      hub.watch({ resource, namespace: namespace === '' ? undefined : namespace, ...selectors });
    const r = target.resource;
    const main = watch({ apiVersion: apiVersionOf(r), kind: r.kind, plural: r.name, namespaced: r.namespaced }, { fieldSelector: `metadata.name=${target.name}` });
    // Events about a cluster-scoped object are recorded in some namespace (usually default): look in all of them.
    const events = ns === ''
      ? watch(resources.events, { fieldSelector: `involvedObject.name=${target.name}` }, undefined)
      : watch(resources.events, {});
    const spec = target.object.spec as { selector?: LabelSelector } | undefined;
    const selector = selectorString(spec?.selector);
    let pods: Promise<Watched> | undefined;
    let replicaSets: Promise<Watched> | undefined;
    let revisions: Promise<Watched | undefined> | undefined;
    switch (target.kindName) {
      case 'Deployment':
      case 'Rollout':
        if (selector !== undefined) {
          pods = watch(resources.pods, { labelSelector: selector });
          replicaSets = watch(resources.replicaSets, { labelSelector: selector });
        }
        break;
      case 'StatefulSet':
      case 'Job':
        if (selector !== undefined) pods = watch(resources.pods, { labelSelector: selector });
        break;
      case 'DaemonSet':
        if (selector !== undefined) {
          pods = watch(resources.pods, { labelSelector: selector });
          revisions = watch(resources.controllerRevisions, { labelSelector: selector }).catch((error: unknown) => {
            if (!isForbidden(error)) throw error;
            this.emit({ type: 'notice', time: this.now(), level: 'warning', resource: target.display, namespace: ns, message: 'cannot list ControllerRevisions; telling revisions apart by pod-template-generation' });
            return undefined;
          });
        }
        break;
      case 'Canary': {
        const targetSelector = await this.canaryTargetSelector(client, target);
        if (targetSelector !== undefined) pods = watch(resources.pods, { labelSelector: targetSelector });
        break;
      }
      default:
        break;
    }
    // Awaited together: when the run ends while they are being set up, every one of them rejects, and each rejection
    // must have a handler (one awaited after another would leave the rest unhandled).
    const [mainWatch, eventWatch, podWatch, replicaSetWatch, revisionWatch] = await Promise.all([main, events, pods, replicaSets, revisions]);
    const informers: Informers = { main: mainWatch, events: eventWatch };
    if (podWatch !== undefined) informers.pods = podWatch;
    if (replicaSetWatch !== undefined) informers.replicaSets = replicaSetWatch;
    if (revisionWatch !== undefined) informers.revisions = revisionWatch;
    return informers;
  }

  /** The pods of a Canary's target Deployment (the canary side of the release). */
  private async canaryTargetSelector(client: KubeClient, target: ResolvedTarget): Promise<string | undefined> {
    const ref = (target.object as Canary).spec?.targetRef;
    if (ref?.name === undefined || ref.kind !== 'Deployment') return undefined;
    try {
      const d = await readObject<Deployment>(client, `${collectionPath({ group: 'apps', version: 'v1', name: 'deployments', namespaced: true }, target.namespace)}/${encodeURIComponent(ref.name)}`);
      return selectorString(d.spec?.selector);
    } catch (error) {
      this.emit({ type: 'notice', time: this.now(), level: 'warning', resource: target.display, namespace: target.namespace, message: `cannot read the Canary's target deployment/${ref.name}: ${errorMessage(error)}; its pods are not shown` });
      return undefined;
    }
  }

  /** Decides, after any change, whether the run is over. */
  private check(): void {
    if (this.finished || this.trackers.length === 0) return;
    const failFast = this.trackers.find((t) => t.verdict !== undefined && t.verdict !== 'ready' && t.settings.failMode === 'fail-fast');
    if (failFast !== undefined) {
      this.finish(failFast.verdict === 'timeout' ? 'timeout' : 'failed', `${failFast.name} ${failFast.verdict === 'timeout' ? 'timed out' : 'failed'}: ${failFast.verdictReasons.join('; ')}`);
      return;
    }
    if (this.options.failOnPause === true) {
      const paused = this.trackers.find((t) => t.paused && t.verdict === undefined);
      if (paused !== undefined) {
        this.finish('paused', `${paused.name} paused: ${paused.status?.reasons.join('; ') ?? ''}`);
        return;
      }
    }
    const running = this.trackers.filter((t) => t.blocking && t.verdict === undefined);
    if (running.length > 0) return;
    const hoping = this.trackers.find((t) => t.verdict !== undefined && t.verdict !== 'ready' && t.settings.failMode === 'hope');
    if (hoping !== undefined) {
      this.finish(hoping.verdict === 'timeout' ? 'timeout' : 'failed', `${hoping.name} ${hoping.verdict === 'timeout' ? 'timed out' : 'failed'}: ${hoping.verdictReasons.join('; ')}`);
      return;
    }
    const ready = this.trackers.filter((t) => t.verdict === 'ready').length;
    const ignored = this.trackers.filter((t) => t.verdict !== undefined && t.verdict !== 'ready').length;
    this.finish('ready', `${ready} of ${this.trackers.length} resource${this.trackers.length === 1 ? '' : 's'} ready in ${formatDuration(this.clock.now() - this.startedAt)}${ignored > 0 ? ` (${ignored} failure${ignored === 1 ? '' : 's'} ignored)` : ''}`);
  }

  private finish(outcome: Outcome, message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.timeout?.cancel();
    this.finishing = this.complete(outcome, message);
    void this.finishing.catch(() => undefined);
  }

  private async complete(outcome: Outcome, message: string): Promise<void> {
    const stopping = this.hub?.stopAll();
    const resources: ResourceResult[] = [];
    for (const t of this.trackers) {
      const override = outcome === 'timeout' && t.blocking && t.verdict === undefined ? 'timeout' as const : undefined;
      const failed = t.verdict !== undefined && t.verdict !== 'ready';
      // Only failures get their containers' last lines: they are what a person reads the summary for.
      const logs = failed ? await t.failureLogs(2_000) : [];
      t.stop();
      resources.push({ ...t.result(override), logs });
    }
    const result: TrackResult = { outcome, message, resources, startedAt: new Date(this.startedAt).toISOString(), durationMs: this.clock.now() - this.startedAt };
    this.emit({ type: 'done', time: this.now(), result });
    this.queue.close();
    await stopping;
    this.client?.close();
    this.resolveDone(result);
  }
}

/** The collections the tracker watches besides the tracked objects themselves. */
const resources = {
  events: { apiVersion: 'v1', kind: 'Event', plural: 'events' },
  pods: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
  replicaSets: { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' },
  controllerRevisions: { apiVersion: 'apps/v1', kind: 'ControllerRevision', plural: 'controllerrevisions' },
} satisfies Record<string, ResourceType>;

function describeTarget(t: TrackTarget): string {
  const kind = t.group === undefined ? t.kind : `${t.kind}.${t.group}`;
  const ns = t.namespace === undefined ? '' : ` -n ${t.namespace}`;
  return t.name !== undefined ? `${kind}/${t.name}${ns}` : `${kind === '*' ? 'all' : kind} -l ${t.selector ?? ''}${ns}`;
}

import type { Rollout } from '../api/rollout.ts';
import { validateRolloutSchema } from '../api/validate.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { currentSetWeight } from './canary.ts';
import { Simulation } from './simulate.ts';
import { referencedServices } from '../traffic/service-selector.ts';
import { validateRollout, type SpecIssue } from './validate.ts';
import { routersFor } from '../traffic/registry.ts';

/** How long the rollout stays on a row before it moves on. */
export type TimelineWait =
  | { kind: 'none' }
  /** A timed pause or an auto-promotion delay: counted in the minimum duration. */
  | { kind: 'duration'; ms: number }
  /** An indefinite pause or a manual blue-green promotion: someone has to run `promote`. */
  | { kind: 'promote' };

export interface TimelineRow {
  /** 1-based index of the canary step this row completes; absent on rows that are not steps. */
  step?: number;
  action: string;
  /** Pods per ReplicaSet, keyed by the names in Timeline.columns. */
  replicas: Record<string, number>;
  /** Percentage of traffic on the new revision. */
  weight: number;
  wait: TimelineWait;
  /** Earliest time, from the start of the update, at which the rollout reaches this row. */
  atMs: number;
}

export interface Timeline {
  name: string;
  namespace?: string;
  strategy: 'canary' | 'blueGreen';
  replicas: number;
  /** Number of canary steps (canary only). */
  steps?: number;
  /**
   * The two ReplicaSets, as named when the update starts: the one running and the new one.
   * `["stable", "canary"]` or `["active", "preview"]`.
   */
  columns: [string, string];
  rows: TimelineRow[];
  /** Sum of timed pauses and auto-promotion delays: the update cannot complete sooner. */
  minimumDurationMs: number;
  /** Promotions somebody has to make by hand; each may take any time. */
  manualPromotions: number;
  /** Things about the spec that change how the timeline plays out. */
  notes: string[];
}

export interface TimelineOptions {
  /** Overrides spec.replicas. */
  replicas?: number;
}

/** The planner would leave the Rollout stuck (Degraded, or never at rest): a bug or an unsupported spec. */
export class TimelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimelineError';
  }
}

/** The spec cannot be planned: each issue names the field at fault. */
export class InvalidRolloutError extends Error {
  readonly rolloutName: string;
  readonly issues: readonly SpecIssue[];
  constructor(rolloutName: string, issues: readonly SpecIssue[]) {
    super(`rollout "${rolloutName}" is invalid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidRolloutError';
    this.rolloutName = rolloutName;
    this.issues = issues;
  }
}

/** What the controller would report as InvalidSpec for this object, Services assumed present. */
export function rolloutIssues(obj: unknown): SpecIssue[] {
  const schema = validateRolloutSchema(obj).map((i) => ({ field: i.path === '' ? 'rollout' : i.path, message: i.message }));
  if (schema.length > 0) return schema;
  const rollout = obj as Rollout;
  return validateRollout(rollout, new Set(referencedServices(rollout)));
}

/** "1m30s", "1.5s", "0s": like formatDuration, without rounding away the fraction of a short pause. */
export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0 && ms < 60_000) return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
  return formatDuration(ms);
}

/** Pod template annotation that makes the simulated second revision differ from the first. */
const nextRevisionAnnotation = 'aviary.dev/plan-revision';

interface Snapshot {
  previous: number;
  next: number;
  podHash: string | undefined;
  stepIndex: number;
  previewAccepted: boolean;
  activeHash: string | undefined;
  now: number;
}

/** Time and promotions spent since the last row, handed to the next row that completes. */
interface Pending {
  waitedMs: number;
  promoted: boolean;
}

/**
 * The timeline an update of `input` will follow, from the planner the controller runs: the Rollout is deployed
 * in a simulation, its pod template changed, and every reconcile recorded until the new revision is stable. Timed
 * pauses are skipped over by moving the simulated clock by the plan's requeueAfter; indefinite pauses and manual
 * promotions are lifted as `aviary promote` would.
 */
export function planTimeline(input: Rollout, options: TimelineOptions = {}): Timeline {
  const rollout = structuredClone(input);
  delete rollout.status;
  if (options.replicas !== undefined) rollout.spec.replicas = options.replicas;
  const name = rollout.metadata.name ?? '';
  const notes: string[] = [];
  if (rollout.spec.paused === true) {
    notes.push('spec.paused is true: nothing below happens until the Rollout is resumed');
    delete rollout.spec.paused;
  }
  const issues = rolloutIssues(rollout);
  if (issues.length > 0) throw new InvalidRolloutError(name, issues);

  // A plan runs without a cluster, so the Services the Rollout names are taken to exist.
  const sim = new Simulation(rollout, referencedServices(rollout));
  // ... and so are the routers' objects, as each router expects them.
  for (const definition of routersFor(rollout)) for (const object of definition.standIns(rollout)) sim.addObject(object);
  drive(sim, { waitedMs: 0, promoted: false }, '', () => undefined);
  const previousHash = sim.rollout.status?.stableRS ?? '';

  sim.update((r) => {
    const template = r.spec.template ?? {};
    template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [nextRevisionAnnotation]: '2' } };
    r.spec.template = template;
  });
  const start = sim.now.getTime();
  const pending: Pending = { waitedMs: 0, promoted: false };

  const canary = rollout.spec.strategy?.canary;
  const columns: [string, string] = canary !== undefined ? ['stable', 'canary'] : ['active', 'preview'];
  const rows: TimelineRow[] = [];
  const addRow = (at: Snapshot, row: Omit<TimelineRow, 'replicas' | 'wait' | 'atMs'>, waits: boolean): void => {
    const wait: TimelineWait = !waits ? { kind: 'none' }
      : pending.promoted ? { kind: 'promote' }
      : pending.waitedMs > 0 ? { kind: 'duration', ms: pending.waitedMs } : { kind: 'none' };
    const waitedMs = wait.kind === 'duration' ? wait.ms : 0;
    rows.push({
      ...(row.step === undefined ? {} : { step: row.step }),
      action: row.action,
      replicas: { [columns[0]]: at.previous, [columns[1]]: at.next },
      weight: row.weight,
      wait,
      atMs: sim.now.getTime() - start - waitedMs,
    });
    pending.waitedMs = 0;
    pending.promoted = false;
  };
  const first = snapshotOf(sim, previousHash);
  addRow(first, { action: 'update: new ReplicaSet', weight: 0 }, false);

  let last = first;
  if (canary !== undefined) {
    const steps = canary.steps ?? [];
    drive(sim, pending, previousHash, (before, after) => {
      last = after;
      if (after.podHash === undefined || after.podHash === previousHash) return;
      const from = before.podHash === after.podHash ? before.stepIndex : 0;
      for (let i = from; i < Math.min(after.stepIndex, steps.length); i++) {
        const step = steps[i];
        const pause = step?.pause;
        const action = step?.setWeight !== undefined ? `setWeight: ${step.setWeight}`
          : step?.analysis !== undefined ? 'analysis'
          : pause === undefined ? 'step'
          : pause.duration === undefined ? 'pause' : `pause: ${durationText(parseDuration(pause.duration))}`;
        addRow(before, { step: i + 1, action, weight: currentSetWeight(steps, i) }, pause !== undefined);
      }
    });
    addRow(last, { action: steps.length === 0 ? 'rolling update' : 'complete', weight: 100 }, false);
  } else {
    const blueGreen = rollout.spec.strategy?.blueGreen;
    const replicas = rollout.spec.replicas ?? 1;
    const previewCount = Math.min(blueGreen?.previewReplicaCount ?? replicas, replicas);
    let previewed = false;
    let switched: Snapshot | undefined;
    drive(sim, pending, previousHash, (before, after) => {
      last = after;
      const isNext = after.podHash !== undefined && after.activeHash === after.podHash && after.podHash !== previousHash;
      if (!previewed && (after.previewAccepted || isNext)) {
        previewed = true;
        addRow(before, { action: previewCount < replicas ? `preview: ${previewCount} of ${replicas} pods` : 'preview', weight: 0 }, true);
      }
      if (switched === undefined && isNext) {
        switched = after;
        addRow(after, { action: previewCount < replicas ? 'promote: scale up, switch active service' : 'promote: switch active service', weight: 100 }, false);
      }
    });
    if (switched !== undefined && switched.previous > 0 && last.previous === 0) {
      const delay = last.now - switched.now;
      addRow(last, { action: delay > 0 ? `scale down previous after ${durationText(delay)}` : 'scale down previous', weight: 100 }, false);
    }
  }

  const status = sim.rollout.status ?? {};
  if (status.stableRS === previousHash || status.stableRS !== status.currentPodHash) {
    throw new TimelineError(`the update would not complete (phase ${status.phase ?? 'unknown'}: ${status.message ?? ''})`);
  }

  return {
    name,
    ...(rollout.metadata.namespace === undefined ? {} : { namespace: rollout.metadata.namespace }),
    strategy: canary !== undefined ? 'canary' : 'blueGreen',
    replicas: rollout.spec.replicas ?? 1,
    ...(canary !== undefined ? { steps: (canary.steps ?? []).length } : {}),
    columns,
    rows,
    minimumDurationMs: rows.reduce((n, r) => n + (r.wait.kind === 'duration' ? r.wait.ms : 0), 0),
    manualPromotions: rows.filter((r) => r.wait.kind === 'promote').length,
    notes,
  };
}

/**
 * Reconciles until the Rollout rests with nothing left to wait for. A rest with a timer moves the clock on by
 * the plan's requeueAfter; a rest on a pause without one is a promote. A Degraded phase or no end means the
 * planner would leave this Rollout stuck, which the timeline must not hide.
 */
function drive(sim: Simulation, pending: Pending, previousHash: string, onPass: (before: Snapshot, after: Snapshot) => void): void {
  // Scaling one pod at a time (maxSurge 1, maxUnavailable 0) takes two passes per pod and step.
  const replicas = sim.rollout.spec.replicas ?? 1;
  const limit = 50 + ((sim.rollout.spec.strategy?.canary?.steps?.length ?? 0) + 2) * (3 * replicas + 20);
  for (let pass = 0; pass < limit; pass++) {
    const before = snapshotOf(sim, previousHash);
    const changed = sim.reconcile();
    onPass(before, snapshotOf(sim, previousHash));
    if (changed) continue;
    const status = sim.rollout.status ?? {};
    if (status.phase === 'Degraded') throw new TimelineError(`the rollout would stop Degraded: ${status.message ?? ''}`);
    const requeue = sim.lastPlan?.requeueAfterMs;
    if ((status.pauseConditions ?? []).length > 0 && requeue === undefined) {
      sim.promote();
      pending.promoted = true;
    } else if (requeue !== undefined) {
      sim.advance(requeue);
      pending.waitedMs += requeue;
    } else {
      return;
    }
  }
  throw new TimelineError(`the rollout does not settle after ${limit} reconciles (phase ${sim.rollout.status?.phase ?? 'unknown'}: ${sim.rollout.status?.message ?? ''})`);
}

function snapshotOf(sim: Simulation, previousHash: string): Snapshot {
  const counts = sim.replicaCounts();
  const status = sim.rollout.status ?? {};
  return {
    previous: counts[previousHash] ?? 0,
    next: Object.entries(counts).reduce((n, [hash, count]) => (hash === previousHash ? n : n + count), 0),
    podHash: status.currentPodHash,
    stepIndex: status.currentStepIndex ?? 0,
    previewAccepted: status.blueGreen?.scaleUpPreviewCheckPoint === true,
    activeHash: status.blueGreen?.activeSelector,
    now: sim.now.getTime(),
  };
}

/**
 * What the demo shows of a Rollout: one line per observed change, with each ReplicaSet's role, revision and
 * ready/desired pods, the canary step and weight, and the phase. Pure functions of the objects, so the format is
 * tested without a cluster.
 */
import type { ReplicaSet } from '../api/kubernetes.ts';
import type { CanaryStep, Rollout } from '../api/rollout.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { currentSetWeight } from '../rollout/canary.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { podTemplateHashLabel, revisionAnnotation } from '../api/labels.ts';

export type ReplicaSetRole = 'stable' | 'canary' | 'active' | 'preview' | 'old';

export interface ReplicaSetLine {
  role: ReplicaSetRole;
  revision: string;
  ready: number;
  desired: number;
}

export interface ProgressView {
  replicaSets: ReplicaSetLine[];
  /**
   * Canary only: status.currentStepIndex (the number of steps completed) of all steps, and what the step being
   * worked on does. Shown 1-based as "step 3/6" for the third step; "steps 6/6 done" at the end.
   */
  step?: { index: number; total: number; current?: string };
  /** Canary only: the weight the steps have set so far. */
  setWeight?: number;
  /** The AnalysisRun the step waits for, and its phase: `analysis Running`. */
  analysis?: string;
  phase: string;
  message?: string;
}

type RolloutLike = Rollout | DeepReadonly<Rollout>;
type ReplicaSetLike = ReplicaSet | DeepReadonly<ReplicaSet>;

const roleOrder: Record<ReplicaSetRole, number> = { stable: 0, active: 0, canary: 1, preview: 1, old: 2 };

/** A step as a person reads it: `setWeight 40`, `pause 3s`, `pause until promoted`. */
export function describeStep(step: DeepReadonly<CanaryStep> | undefined): string | undefined {
  if (step === undefined) return undefined;
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`;
  if (step.pause !== undefined) {
    return step.pause.duration === undefined ? 'pause until promoted' : `pause ${formatDuration(parseDuration(step.pause.duration))}`;
  }
  const kind = Object.keys(step)[0];
  return kind ?? 'step';
}

export function progressView(rollout: RolloutLike, replicaSets: readonly ReplicaSetLike[]): ProgressView {
  const status = rollout.status ?? {};
  const blueGreen = rollout.spec.strategy?.blueGreen !== undefined;
  const roleOf = (hash: string | undefined): ReplicaSetRole => {
    if (hash === undefined) return 'old';
    if (blueGreen) {
      const active = status.blueGreen?.activeSelector ?? status.stableRS;
      // Before the first status write, the only ReplicaSet is the one becoming active.
      if (active === undefined || hash === active) return 'active';
      return hash === (status.blueGreen?.previewSelector ?? status.currentPodHash) ? 'preview' : 'old';
    }
    if (status.stableRS === undefined || hash === status.stableRS) return 'stable';
    return hash === status.currentPodHash ? 'canary' : 'old';
  };
  const lines = replicaSets
    .map((rs) => {
      const hash = rs.metadata?.labels?.[podTemplateHashLabel];
      return {
        role: roleOf(hash),
        revision: rs.metadata?.annotations?.[revisionAnnotation] ?? '?',
        ready: rs.status?.readyReplicas ?? 0,
        desired: rs.spec?.replicas ?? 0,
        current: rs.status?.replicas ?? 0,
      };
    })
    // Scaled-down history is noise; a ReplicaSet still being emptied is not.
    .filter((line) => line.role !== 'old' || line.desired > 0 || line.current > 0 || line.ready > 0)
    .sort((a, b) => roleOrder[a.role] - roleOrder[b.role] || Number(a.revision) - Number(b.revision))
    .map(({ role, revision, ready, desired }) => ({ role, revision, ready, desired }));

  const view: ProgressView = { replicaSets: lines, phase: status.phase ?? 'Pending' };
  if (status.message !== undefined && status.message !== '') view.message = status.message;
  const steps = rollout.spec.strategy?.canary?.steps;
  if (steps !== undefined && steps.length > 0 && status.currentStepIndex !== undefined) {
    const index = Math.min(status.currentStepIndex, steps.length);
    const current = describeStep(steps[index]);
    view.step = { index, total: steps.length, ...(current === undefined ? {} : { current }) };
    view.setWeight = currentSetWeight(steps as CanaryStep[], index);
  }
  const run = status.canary?.currentStepAnalysisRunStatus;
  if (run !== undefined) view.analysis = run.status;
  return view;
}

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  red(text: string): string;
}

const plain: Paint = { bold: (t) => t, dim: (t) => t, green: (t) => t, yellow: (t) => t, cyan: (t) => t, red: (t) => t };

function paintPhase(phase: string, paint: Paint): string {
  switch (phase) {
    case 'Healthy':
      return paint.green(phase);
    case 'Paused':
      return paint.yellow(phase);
    case 'Degraded':
      return paint.red(phase);
    default:
      return paint.cyan(phase);
  }
}

/** The step being worked on, 1-based as people count: `3/6` while status.currentStepIndex is 2. */
export function stepNumber(index: number, total: number): string {
  return `${index + 1}/${total}`;
}

/**
 * One line, e.g. `stable r1 3/3  canary r2 2/2   step 4/6  setWeight 40  pause until promoted   Paused:
 * CanaryPauseStep`.
 */
export function formatView(view: ProgressView, paint: Paint = plain): string {
  const pods = view.replicaSets.length === 0
    ? paint.dim('no ReplicaSets yet')
    : view.replicaSets.map((rs) => `${rs.role} ${paint.dim(`r${rs.revision}`)} ${paint.bold(`${rs.ready}/${rs.desired}`)}`).join('  ');
  const parts = [pods];
  const { step } = view;
  if (step !== undefined) {
    const position = step.index >= step.total ? `steps ${step.total}/${step.total} done` : `step ${stepNumber(step.index, step.total)}`;
    const pause = step.current?.startsWith('pause') === true ? `  ${paint.yellow(step.current)}` : '';
    parts.push(`${position}  setWeight ${view.setWeight ?? 0}${pause}`);
  }
  if (view.analysis !== undefined) {
    const phase = view.analysis;
    const painted = phase === 'Successful' ? paint.green(phase) : phase === 'Failed' || phase === 'Error' ? paint.red(phase) : paint.cyan(phase);
    parts.push(`analysis ${painted}`);
  }
  parts.push(`${paintPhase(view.phase, paint)}${view.message === undefined ? '' : `: ${view.message}`}`);
  return parts.join('   ');
}

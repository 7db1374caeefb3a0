/**
 * The Rollout side of analysis, as planning: which AnalysisRuns must exist for a Rollout, which must stop
 * (spec.terminate) or go (history limits), and how their phases drive the release. The AnalysisRun controller
 * measures; this module only reads a run's status.phase and status.message.
 *
 * Four kinds of run, each with its slot in the Rollout's status, mirrored as {name, status, message}:
 * - Step (canary `steps[].analysis`): the step waits for its run; Successful moves on to the next step;
 * - Background (`canary.analysis`): runs beside the steps from `startingStep` until the canary becomes stable;
 * - PrePromotion (`blueGreen.prePromotionAnalysis`): judges the preview before the active Service switches;
 * - PostPromotion (`blueGreen.postPromotionAnalysis`): judges the new version after the switch, before it becomes
 *   stable (the previous ReplicaSet stays at full size meanwhile, so an abort can switch back at once).
 * Failed or Error aborts the update. Inconclusive pauses it (InconclusiveAnalysisRun) until a promote, which
 * accepts the result; a background analysis then starts a fresh run, so the rest of the steps is still watched.
 * Runs are named, labelled and owned as Argo Rollouts does it, in the Rollout's own API group.
 */
import { isCompletedAnalysisPhase, type AnalysisRun, type AnalysisRunSpec } from '../api/analysis.ts';
import type {
  AnalysisPhase,
  BlueGreenStatus,
  CanaryStatus,
  Rollout,
  RolloutAnalysis,
  RolloutAnalysisBackground,
  RolloutAnalysisRunStatus,
  RolloutStatus,
} from '../api/rollout.ts';
import { resolveRolloutAnalysis, type TemplateCatalog } from '../analysis/templates.ts';
import { controllerReference } from '../runtime/objects.ts';
import type { PlanContext } from './context.ts';
import { type ObservedAnalysis } from './observed.ts';
import type { SpecIssue } from './validate.ts';
import { podTemplateHashLabel, revisionAnnotation, rolloutTypeLabel, stepIndexLabel } from '../api/labels.ts';


export const analysisKinds = ['Step', 'Background', 'PrePromotion', 'PostPromotion'] as const;
export type AnalysisKind = (typeof analysisKinds)[number];

/** One place a Rollout asks for analysis. */
export interface AnalysisReference {
  /** `step:<index>` or the kind: the key of its resolved spec. */
  key: string;
  kind: AnalysisKind;
  /** Where it is in the spec, for messages. */
  field: string;
  analysis: RolloutAnalysis;
  stepIndex?: number;
}

const stepKey = (index: number): string => `step:${index}`;

/** Every analysis the Rollout asks for. A background analysis without templates asks for nothing, as in Argo. */
export function analysisReferences(rollout: Rollout): AnalysisReference[] {
  const { canary, blueGreen } = rollout.spec.strategy ?? {};
  const refs: AnalysisReference[] = [];
  (canary?.steps ?? []).forEach((step, i) => {
    if (step.analysis !== undefined) refs.push({ key: stepKey(i), kind: 'Step', field: `spec.strategy.canary.steps[${i}].analysis`, analysis: step.analysis, stepIndex: i });
  });
  if ((canary?.analysis?.templates ?? []).length > 0 && canary?.analysis !== undefined) {
    refs.push({ key: 'Background', kind: 'Background', field: 'spec.strategy.canary.analysis', analysis: canary.analysis });
  }
  if (blueGreen?.prePromotionAnalysis !== undefined) {
    refs.push({ key: 'PrePromotion', kind: 'PrePromotion', field: 'spec.strategy.blueGreen.prePromotionAnalysis', analysis: blueGreen.prePromotionAnalysis });
  }
  if (blueGreen?.postPromotionAnalysis !== undefined) {
    refs.push({ key: 'PostPromotion', kind: 'PostPromotion', field: 'spec.strategy.blueGreen.postPromotionAnalysis', analysis: blueGreen.postPromotionAnalysis });
  }
  return refs;
}

/** Resolved run specs of a Rollout's analyses, by reference key. */
export type AnalysisSpecs = ReadonlyMap<string, AnalysisRunSpec>;

/**
 * Resolves every analysis the Rollout references before any run is needed, so a missing template, a metric clash
 * or an argument without a value is an InvalidSpec naming the field (Argo Rollouts validates them up front too).
 * `catalog` undefined: the cluster does not serve the analysis kinds for this API group.
 */
export function resolveAnalyses(rollout: Rollout, catalog: TemplateCatalog | undefined, hashes: { stable: string; latest: string }): { specs: Map<string, AnalysisRunSpec>; issues: SpecIssue[] } {
  const specs = new Map<string, AnalysisRunSpec>();
  const issues: SpecIssue[] = [];
  const group = (rollout.apiVersion ?? 'aviary.dev/v1alpha1').split('/')[0] ?? '';
  for (const ref of analysisReferences(rollout)) {
    if (catalog === undefined) {
      issues.push({ field: ref.field, message: `analysis needs the AnalysisRun and AnalysisTemplate kinds of ${group}, which this cluster does not serve (aviary install adds them)` });
      continue;
    }
    const result = resolveRolloutAnalysis(ref.analysis, catalog, { rollout, stableHash: hashes.stable, latestHash: hashes.latest });
    if (result.ok) specs.set(ref.key, result.spec);
    else issues.push({ field: `${ref.field}.${result.issue.field}`, message: result.issue.message });
  }
  return { specs, issues };
}

// ---------------------------------------------------------------------------------------------------------------
// Status slots

export function analysisRunStatus(status: RolloutStatus, kind: AnalysisKind): RolloutAnalysisRunStatus | undefined {
  switch (kind) {
    case 'Step': return status.canary?.currentStepAnalysisRunStatus;
    case 'Background': return status.canary?.currentBackgroundAnalysisRunStatus;
    case 'PrePromotion': return status.blueGreen?.prePromotionAnalysisRunStatus;
    case 'PostPromotion': return status.blueGreen?.postPromotionAnalysisRunStatus;
  }
}

/** A copy of `section` with `key` set or removed; undefined once nothing is left, so the section goes too. */
function withSlot<T extends CanaryStatus | BlueGreenStatus>(section: T | undefined, key: keyof T, value: RolloutAnalysisRunStatus | undefined): T | undefined {
  const entries = Object.entries({ ...section, [key]: value }).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

function setAnalysisRunStatus(status: RolloutStatus, kind: AnalysisKind, value: RolloutAnalysisRunStatus | undefined): void {
  if (value === undefined && analysisRunStatus(status, kind) === undefined) return;
  if (kind === 'Step' || kind === 'Background') {
    const canary = withSlot(status.canary, kind === 'Step' ? 'currentStepAnalysisRunStatus' : 'currentBackgroundAnalysisRunStatus', value);
    if (canary === undefined) delete status.canary;
    else status.canary = canary;
  } else {
    const blueGreen = withSlot(status.blueGreen, kind === 'PrePromotion' ? 'prePromotionAnalysisRunStatus' : 'postPromotionAnalysisRunStatus', value);
    if (blueGreen === undefined) delete status.blueGreen;
    else status.blueGreen = blueGreen;
  }
}

/** Forgets every run the status points at: a retry starts its analyses afresh. */
export function clearAnalysisRunStatuses(status: RolloutStatus): void {
  for (const kind of analysisKinds) setAnalysisRunStatus(status, kind, undefined);
}

/** The run shown in status that failed, for the abort message. */
export function failedAnalysisRun(status: RolloutStatus): RolloutAnalysisRunStatus | undefined {
  return analysisKinds.map((kind) => analysisRunStatus(status, kind)).find((s) => s?.status === 'Failed' || s?.status === 'Error');
}

/** Why an analysis aborted the update: names the run, and says what its controller said. */
export function analysisAbortReason(run: RolloutAnalysisRunStatus): string {
  return `AnalysisRun "${run.name}" ${run.status}${run.message === undefined || run.message === '' ? '' : `: ${run.message}`}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Names and history

/** `<rollout>-<hash>-<revision>[-<suffix>]`, with `.1`, `.2`, ... appended while the name is taken (a retry). */
export function analysisRunName(rollout: string, hash: string, revision: number, suffix: string, taken: ReadonlySet<string>): string {
  const base = [rollout, hash, String(revision), ...(suffix === '' ? [] : [suffix])].join('-');
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}.${n}`;
  return name;
}

/** What history pruning needs of a run. */
export interface HistoryRun {
  name: string;
  phase: string;
  hash: string | undefined;
  /** The revision annotation (0 without one): creation times have whole seconds, so they often tie. */
  revision: number;
  createdAt: string;
}

/**
 * Runs to delete among those no longer shown in status: runs of ReplicaSets that are gone (or without a hash),
 * then, newest first, the Successful ones beyond `successful` and the Failed/Error/Inconclusive ones beyond
 * `unsuccessful`. Newest is by revision, then creation time. Runs still measuring are never counted.
 */
export function runsBeyondHistory(runs: readonly HistoryRun[], replicaSetHashes: ReadonlySet<string>, limits: { successful: number; unsuccessful: number }): string[] {
  let { successful, unsuccessful } = limits;
  const newestFirst = [...runs].sort((a, b) => b.revision - a.revision || b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
  const remove: string[] = [];
  for (const run of newestFirst) {
    if (run.hash === undefined || !replicaSetHashes.has(run.hash)) remove.push(run.name);
    else if (run.phase === 'Successful') {
      if (successful-- <= 0) remove.push(run.name);
    } else if (run.phase === 'Failed' || run.phase === 'Error' || run.phase === 'Inconclusive') {
      if (unsuccessful-- <= 0) remove.push(run.name);
    }
  }
  return remove;
}

// ---------------------------------------------------------------------------------------------------------------
// The planner

/** What planning needs of an AnalysisRun. */
interface RunRef {
  name: string;
  kind: string | undefined;
  hash: string | undefined;
  stepIndex: number | undefined;
  revision: number;
  /** status.phase; '' for a run created in this pass or not yet picked up by its controller. */
  phase: AnalysisPhase | '';
  message: string | undefined;
  terminating: boolean;
  deleting: boolean;
  createdAt: string;
}

function refOf(run: AnalysisRun): RunRef {
  const labels = run.metadata.labels ?? {};
  const index = labels[stepIndexLabel];
  const revision = Number(run.metadata.annotations?.[revisionAnnotation] ?? 0);
  return {
    name: run.metadata.name ?? '',
    kind: labels[rolloutTypeLabel],
    hash: labels[podTemplateHashLabel],
    stepIndex: index === undefined || !/^\d+$/.test(index) ? undefined : Number(index),
    revision: Number.isInteger(revision) ? revision : 0,
    phase: run.status?.phase ?? '',
    message: run.status?.message,
    terminating: run.spec.terminate === true,
    deleting: run.metadata.deletionTimestamp !== undefined,
    createdAt: run.metadata.creationTimestamp ?? '',
  };
}

/** passed: Successful; accepted: Inconclusive and promoted by a user; wait: anything else (abort included). */
export type Verdict = 'passed' | 'accepted' | 'wait';

/** What the Rollout's summary needs from analysis. */
export interface AnalysisSummary {
  /** A step, pre- or post-promotion run has no verdict yet: the release waits for it. */
  waiting: boolean;
}

const suffixOf: Record<AnalysisKind, (index: number | undefined) => string> = {
  Step: (index) => String(index ?? 0),
  Background: () => '',
  PrePromotion: () => 'pre',
  PostPromotion: () => 'post',
};

/**
 * One planning pass over a Rollout's analysis. The strategy planners ask it for verdicts (step, background,
 * prePromotion, postPromotion, or observe while manually paused); finish() then decides what the status shows,
 * what stops and what is deleted.
 */
export class AnalysisPlanner {
  readonly #ctx: PlanContext;
  readonly #specs: AnalysisSpecs;
  readonly #runs: RunRef[];
  readonly #taken: Set<string>;
  /** Runs chosen in this pass per kind; null: none any more. Kinds not chosen keep the run their status names. */
  readonly #chosen = new Map<AnalysisKind, RunRef | null>();
  /** Every run whose verdict was read in this pass, for the AnalysisRun<Phase> events. */
  readonly #judged = new Map<string, { kind: AnalysisKind; run: RunRef }>();
  /** Names of the runs this pass creates. */
  readonly #created = new Set<string>();
  #waiting = false;

  constructor(ctx: PlanContext, specs: AnalysisSpecs, observed: ObservedAnalysis | undefined) {
    this.#ctx = ctx;
    this.#specs = specs;
    this.#runs = (observed?.runs ?? []).map(refOf);
    this.#taken = new Set([...(observed?.namesInUse ?? []), ...this.#runs.map((r) => r.name)]);
  }

  /**
   * A canary step with analysis: 'done' once its run is Successful (or an Inconclusive one was promoted).
   * Failed or Error sets status.abort.
   */
  step(index: number, analysis: RolloutAnalysis): 'done' | 'wait' {
    const run = this.#current('Step', (r) => r.stepIndex === index) ?? this.#create('Step', stepKey(index), analysis, index);
    this.#chosen.set('Step', run);
    if (this.#verdict('Step', run, true) === 'wait') return 'wait';
    this.#chosen.set('Step', null);
    return 'done';
  }

  /** Background analysis: started once the steps reach startingStep, replaced after a promoted Inconclusive. */
  background(analysis: RolloutAnalysisBackground): void {
    if (!this.#specs.has('Background')) return;
    if ((this.#ctx.status.currentStepIndex ?? 0) < (analysis.startingStep ?? 0)) {
      this.#chosen.set('Background', null);
      return;
    }
    const run = this.#current('Background') ?? this.#create('Background', 'Background', analysis, undefined);
    this.#chosen.set('Background', run);
    // Background analysis does not hold the steps: only a failure (abort) or an Inconclusive result (pause) acts.
    if (this.#verdict('Background', run, true) === 'accepted') this.#chosen.set('Background', this.#create('Background', 'Background', analysis, undefined));
  }

  /** Pre-promotion analysis of a blue-green preview that is fully available. */
  prePromotion(analysis: RolloutAnalysis): Verdict {
    return this.#judge('PrePromotion', analysis);
  }

  /** Post-promotion analysis, once the active Service selects the new pods. */
  postPromotion(analysis: RolloutAnalysis): Verdict {
    return this.#judge('PostPromotion', analysis);
  }

  /**
   * Watches the run of this kind without starting one or moving on (a manually paused Rollout): a failure still
   * aborts and an Inconclusive result still pauses, as in Argo Rollouts.
   */
  observe(kind: AnalysisKind, match: (stepIndex: number | undefined) => boolean = () => true): void {
    const run = this.#current(kind, (r) => match(r.stepIndex));
    if (run === undefined) return;
    this.#chosen.set(kind, run);
    this.#verdict(kind, run, false);
  }

  #judge(kind: 'PrePromotion' | 'PostPromotion', analysis: RolloutAnalysis): Verdict {
    const run = this.#current(kind) ?? this.#create(kind, kind, analysis, undefined);
    this.#chosen.set(kind, run);
    return this.#verdict(kind, run, true);
  }

  /**
   * What a run's phase means for the release: Failed/Error abort it, Inconclusive pauses it until a promote
   * (which accepts the result when `mayAccept`), anything not yet completed is waited for.
   */
  #verdict(kind: AnalysisKind, run: RunRef, mayAccept: boolean): Verdict {
    const { status } = this.#ctx;
    if (!this.#judged.has(run.name)) this.#phaseEvent(kind, run);
    this.#judged.set(run.name, { kind, run });
    switch (run.phase) {
      case 'Successful':
        return 'passed';
      case 'Failed':
      case 'Error':
        status.abort = true;
        return 'wait';
      case 'Inconclusive':
        if (!this.#inconclusiveLifted(kind, run)) {
          this.#ctx.setPause('InconclusiveAnalysisRun');
          return 'wait';
        }
        if (!mayAccept) return 'wait';
        if (status.controllerPause === true || (status.pauseConditions ?? []).length > 0) this.#ctx.clearPause();
        return 'accepted';
      default:
        if (kind !== 'Background') this.#waiting = true;
        return 'wait';
    }
  }

  /**
   * A user lifted the pause for this Inconclusive run: the last status showed it Inconclusive (so the pause was
   * set) and the InconclusiveAnalysisRun condition is gone — cleared by a promote, whether the promote kept
   * controllerPause (Aviary's CLI) or cleared it too (Argo's).
   */
  #inconclusiveLifted(kind: AnalysisKind, run: RunRef): boolean {
    const shown = analysisRunStatus(this.#ctx.previous, kind);
    return shown?.name === run.name && shown.status === 'Inconclusive' && this.#ctx.pauseCondition('InconclusiveAnalysisRun') === undefined;
  }

  /**
   * The run of this kind for the current template: the one the status names, else one a lost status write left
   * behind (same kind and hash, still measuring), so a run is never started twice.
   */
  #current(kind: AnalysisKind, match: (r: RunRef) => boolean = () => true): RunRef | undefined {
    const chosen = this.#chosen.get(kind);
    if (chosen !== undefined && chosen !== null && match(chosen)) return chosen;
    const usable = (r: RunRef): boolean => r.kind === kind && r.hash === this.#ctx.hash && !r.deleting && match(r);
    const named = this.#named(kind);
    if (named !== undefined && usable(named)) return named;
    return this.#runs
      .filter((r) => usable(r) && !isCompletedAnalysisPhase(r.phase) && !r.terminating)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name))[0];
  }

  /** The run the status shows for this kind, if it still exists. */
  #named(kind: AnalysisKind): RunRef | undefined {
    const name = analysisRunStatus(this.#ctx.status, kind)?.name;
    return name === undefined ? undefined : this.#runs.find((r) => r.name === name);
  }

  #create(kind: AnalysisKind, specKey: string, analysis: RolloutAnalysis, stepIndex: number | undefined): RunRef {
    const ctx = this.#ctx;
    const spec = this.#specs.get(specKey);
    // resolveAnalyses ran before any strategy planned, and an unresolved analysis made the spec invalid.
    if (spec === undefined) throw new Error(`no AnalysisRun spec resolved for ${specKey} of Rollout ${ctx.rollout.metadata.namespace ?? ''}/${ctx.rollout.metadata.name ?? ''}`);
    const rolloutName = ctx.rollout.metadata.name ?? '';
    const name = analysisRunName(rolloutName, ctx.hash, ctx.revision, suffixOf[kind](stepIndex), this.#taken);
    this.#taken.add(name);
    this.#created.add(name);
    const apiVersion = ctx.rollout.apiVersion ?? 'aviary.dev/v1alpha1';
    const run: AnalysisRun = {
      apiVersion,
      kind: 'AnalysisRun',
      metadata: {
        name,
        namespace: ctx.rollout.metadata.namespace,
        labels: {
          ...(analysis.analysisRunMetadata?.labels ?? {}),
          // Ours last: the run must stay findable by kind and revision whatever the metadata says.
          ...(stepIndex === undefined ? {} : { [stepIndexLabel]: String(stepIndex) }),
          [podTemplateHashLabel]: ctx.hash,
          [rolloutTypeLabel]: kind,
        },
        annotations: { ...(analysis.analysisRunMetadata?.annotations ?? {}), [revisionAnnotation]: String(ctx.revision) },
        ownerReferences: [controllerReference({ apiVersion, kind: 'Rollout', name: rolloutName, uid: ctx.rollout.metadata.uid ?? '' })],
      },
      spec: structuredClone(spec),
    };
    ctx.plan.createAnalysisRuns.push(run);
    const ref: RunRef = { name, kind, hash: ctx.hash, stepIndex, revision: ctx.revision, phase: '', message: undefined, terminating: false, deleting: false, createdAt: ctx.nowTime };
    this.#runs.push(ref);
    return ref;
  }

  /** Still the right run for the Rollout as it now stands (a step run for the current step, and so on). */
  #valid(kind: AnalysisKind, run: RunRef): boolean {
    const { rollout, status, hash } = this.#ctx;
    if (run.hash !== hash) return false;
    const { canary, blueGreen } = rollout.spec.strategy ?? {};
    const index = status.currentStepIndex ?? 0;
    switch (kind) {
      case 'Step':
        return canary?.steps?.[index]?.analysis !== undefined && run.stepIndex === index;
      case 'Background':
        return this.#specs.has('Background') && index >= (canary?.analysis?.startingStep ?? 0);
      case 'PrePromotion':
        return blueGreen?.prePromotionAnalysis !== undefined;
      case 'PostPromotion':
        return blueGreen?.postPromotionAnalysis !== undefined;
    }
  }

  /**
   * Decides the runs the status shows, stops every other run still measuring, mirrors phases (with an
   * AnalysisRun<Phase> event per change) and deletes completed runs beyond the history limits. Call after the
   * strategy planned and ReplicaSet history was pruned.
   */
  finish(): AnalysisSummary {
    const ctx = this.#ctx;
    const { status } = ctx;
    const aborted = status.abort === true;
    // Released: nothing is left to judge. Aborted or promoted in full: nothing waits for a verdict any more, but an
    // aborted Rollout keeps showing the runs that explain why.
    const released = status.stableRS === ctx.hash;
    const stopAll = aborted || released || status.promoteFull === true;
    const shown = new Map<AnalysisKind, RunRef>();
    for (const kind of analysisKinds) {
      const chosen = this.#chosen.get(kind);
      const run = chosen === undefined ? this.#named(kind) : chosen ?? undefined;
      if (run === undefined || run.hash !== ctx.hash) continue;
      if (aborted || (!released && this.#valid(kind, run))) shown.set(kind, run);
    }
    const needed = new Set(stopAll ? [] : [...shown.values()].map((r) => r.name));
    for (const run of this.#runs) {
      if (needed.has(run.name) || isCompletedAnalysisPhase(run.phase) || run.terminating || run.deleting) continue;
      if (this.#created.has(run.name)) {
        // Created in this pass and already unneeded (an abort further on): it is simply not created.
        ctx.plan.createAnalysisRuns = ctx.plan.createAnalysisRuns.filter((r) => r.metadata.name !== run.name);
        for (const [kind, shownRun] of shown) if (shownRun === run) shown.delete(kind);
      } else {
        ctx.plan.terminateAnalysisRuns.push(run.name);
      }
    }
    this.#events(shown);
    for (const kind of analysisKinds) {
      const run = shown.get(kind);
      setAnalysisRunStatus(status, kind, run === undefined ? undefined : {
        name: run.name,
        status: run.phase === '' ? 'Pending' : run.phase,
        ...(run.message === undefined || run.message === '' ? {} : { message: run.message }),
      });
    }
    this.#pruneHistory(new Set([...shown.values()].map((r) => r.name)));
    return { waiting: this.#waiting && !stopAll };
  }

  /** AnalysisRun<Phase> for a run shown but not judged in this pass (aborted, or waiting for a manual pause). */
  #events(shown: ReadonlyMap<AnalysisKind, RunRef>): void {
    for (const [kind, run] of shown) if (!this.#judged.has(run.name)) this.#phaseEvent(kind, run);
  }

  /** AnalysisRun<Phase> when the run has a phase the last status did not show for it. */
  #phaseEvent(kind: AnalysisKind, run: RunRef): void {
    if (run.phase === '') return;
    const previous = analysisRunStatus(this.#ctx.previous, kind);
    if (previous?.name === run.name && previous.status === run.phase) return;
    const before = previous?.name === run.name ? previous.status : 'NoPreviousStatus';
    const type = run.phase === 'Failed' || run.phase === 'Error' ? 'Warning' : 'Normal';
    this.#ctx.event(type, `AnalysisRun${run.phase}`, `${kind} Analysis Run '${run.name}' Status New: '${run.phase}' Previous: '${before}'`);
  }

  #pruneHistory(shown: ReadonlySet<string>): void {
    const ctx = this.#ctx;
    const limits = ctx.rollout.spec.analysis ?? {};
    const deleted = new Set(ctx.plan.deleteReplicaSets);
    const hashes = new Set(ctx.views.filter((v) => !deleted.has(v.name)).map((v) => v.hash));
    const candidates = this.#runs.filter((r) => !shown.has(r.name) && !r.deleting && !this.#created.has(r.name));
    ctx.plan.deleteAnalysisRuns.push(...runsBeyondHistory(candidates, hashes, {
      successful: limits.successfulRunHistoryLimit ?? 5,
      unsuccessful: limits.unsuccessfulRunHistoryLimit ?? 5,
    }));
  }
}

/**
 * One pass of a Flagger-shaped Canary's state machine, decided purely: from the Canary, the readiness of its target
 * and primary, the release's fingerprint and the results of this pass's gates and checks, the status it ends with,
 * the routing it wants, what the executor must do to the workloads, the hooks to call and the Events to record.
 * The executor gathers the inputs (reads, webhook calls, metric queries) and applies the plan; nothing here does I/O.
 *
 * Phases and transitions follow Flagger (docs/canary.md): Initializing → Initialized; a new release: Progressing
 * (weighted steps, or iterations for blue-green and A/B) → Promoting → Finalising → Succeeded; failed checks up to
 * the threshold, a stuck canary or a rollback hook: Failed. Unlike Flagger, a pass runs on every observed change;
 * the analysis interval only spaces the analyses (`analysisDue`).
 */
import type { Canary, CanaryPhase, CanaryStatus } from '../api/canary.ts';
import type { PodTemplateSpec } from '../api/kubernetes.ts';
import { canaryAbortAnnotation, canaryPromoteAnnotation, canaryRetryAnnotation } from '../api/labels.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { canonicalJson } from '../rollout/hash.ts';
import { advance, analysisThreshold, canaryStrategy, promotionPrimaryWeights, totalWeight, type CanaryRoutes } from './analysis-settings.ts';
import { shortDigest } from './digest.ts';
import { noManualRequests, type ManualRequests } from './manual.ts';
import type { Readiness } from './readiness.ts';

/** What this pass observed and gathered. */
export interface CanaryPassInput {
  canary: DeepReadonly<Canary>;
  /** The release's fingerprint: the target's pod template and tracked configs (releaseFingerprint). */
  fingerprint: string;
  /**
   * Readiness of the primary (undefined: it does not exist yet) and of the target (the canary's pods). A primary that
   * does not run the target's current release yet is not ready (the executor tells from its release annotation).
   */
  primary: Readiness | undefined;
  target: Readiness;
  /** Whether an analysis is due in this pass (the interval passed since the last one). */
  analysisDue: boolean;
  /** Gates of this pass: false when a hook of that type refused; true or undefined (no such hooks) let it pass. */
  gates: { confirmRollout?: boolean; confirmTrafficIncrease?: boolean; confirmPromotion?: boolean; rollback?: boolean };
  /** This pass's analysis, when one was due: its first failure, or none. */
  analysis?: { failure?: string | undefined } | undefined;
  /** A person's requests (manual.ts); none when undefined. */
  manual?: ManualRequests | undefined;
  now: string;
}

export type CanaryAction =
  /** Create or update `<target>-primary` from the target's template (init and promotion). */
  | { type: 'syncPrimary' }
  /** The target (the canary's pods) scaled up to run the release, or down to zero between releases. */
  | { type: 'scaleTarget'; to: 'up' | 'zero' };

export interface CanaryPassPlan {
  status: CanaryStatus;
  /** The routing wanted; undefined leaves it as it is. */
  routes?: CanaryRoutes | undefined;
  actions: CanaryAction[];
  /** Hooks to call after the status is written (post-rollout). */
  hooks: ('post-rollout')[];
  events: { type: 'Normal' | 'Warning'; message: string }[];
  /** Which gates and checks this pass consulted: the executor gathers them for the next pass in the same state. */
  needs: { confirmRollout: boolean; confirmTrafficIncrease: boolean; confirmPromotion: boolean; rollback: boolean; analysis: boolean };
  /** The request annotations this pass acted on (or found nothing to do for): the executor removes them. */
  consumed: string[];
}

const activePhases: readonly string[] = ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'];
/** Phases in which a release waits for its analysis or a gate: where promote and abort requests apply. */
const releasePhases: readonly string[] = ['Waiting', 'Progressing', 'WaitingPromotion'];

/** The fingerprint of a release: the target's pod template and its tracked configs' checksums. */
export function releaseFingerprint(template: DeepReadonly<PodTemplateSpec> | undefined, trackedConfigs: Readonly<Record<string, string>>): string {
  return shortDigest(canonicalJson({ template: template ?? null, configs: trackedConfigs }));
}

export function planCanaryPass(input: CanaryPassInput): CanaryPassPlan {
  const { canary } = input;
  const name = `${canary.metadata.name ?? ''}.${canary.metadata.namespace ?? ''}`;
  const status: CanaryStatus = structuredClone({ ...canary.status }) as CanaryStatus;
  const plan: CanaryPassPlan = {
    status, actions: [], hooks: [], events: [], consumed: [],
    needs: { confirmRollout: false, confirmTrafficIncrease: false, confirmPromotion: false, rollback: false, analysis: false },
  };
  const phase = status.phase ?? 'Initializing';
  const setPhase = (next: CanaryPhase): void => {
    if (status.phase !== next) status.lastTransitionTime = input.now;
    status.phase = next;
  };
  const event = (message: string, type: 'Normal' | 'Warning' = 'Normal'): void => { plan.events.push({ type, message }); };
  const routesNow = (): CanaryRoutes => ({ primaryWeight: totalWeight - (status.canaryWeight ?? 0), canaryWeight: status.canaryWeight ?? 0, mirrored: false });
  const resetRun = (): void => {
    status.canaryWeight = 0;
    status.failedChecks = 0;
    status.iterations = 0;
  };

  if (canary.spec.suspend === true) return plan;

  const manual = input.manual ?? noManualRequests;
  const consume = (annotation: string): void => {
    if (!plan.consumed.includes(annotation)) plan.consumed.push(annotation);
  };
  // Requests the phase gives nothing to do are removed, with a word why, so they do not linger to surprise a later release.
  const ignore = (request: string, annotation: string): void => {
    consume(annotation);
    event(`Ignored ${request} request for ${name}: it is ${phase}`, 'Warning');
  };
  if (manual.abort && !releasePhases.includes(phase)) ignore('abort', canaryAbortAnnotation);
  if (manual.promote !== undefined && !releasePhases.includes(phase)) ignore('promote', canaryPromoteAnnotation);
  if (manual.retry && phase !== 'Failed') ignore('retry', canaryRetryAnnotation);
  const abort = manual.abort && releasePhases.includes(phase);
  const promote = releasePhases.includes(phase) ? manual.promote : undefined;
  if (manual.paused && !abort) return plan;

  // Initialisation: a primary serving the target's template, all traffic on it, the target scaled to zero.
  if (phase === 'Initializing' || input.primary === undefined) {
    plan.actions.push({ type: 'syncPrimary' });
    plan.routes = { primaryWeight: totalWeight, canaryWeight: 0, mirrored: false };
    if (input.primary?.state !== 'ready') {
      setPhase('Initializing');
      return plan;
    }
    plan.actions.push({ type: 'scaleTarget', to: 'zero' });
    setPhase('Initialized');
    resetRun();
    status.lastAppliedSpec = input.fingerprint;
    status.lastPromotedSpec = input.fingerprint;
    event(`Initialization done! ${name}`);
    return plan;
  }

  const newRelease = input.fingerprint !== status.lastAppliedSpec;
  const active = activePhases.includes(phase);

  if (!active) {
    if (abort) {
      // A release waiting for confirm-rollout, aborted: it never started; it is recorded as failed so it does not.
      consume(canaryAbortAnnotation);
      event(`Rolling back ${name} abort requested`, 'Warning');
      status.lastAppliedSpec = input.fingerprint;
      setPhase('Failed');
      return plan;
    }
    const retry = manual.retry && phase === 'Failed';
    if (retry) consume(canaryRetryAnnotation);
    if ((!newRelease && !retry) || input.fingerprint === status.lastPromotedSpec) {
      // Nothing new (a release equal to the promoted one is not a release).
      if (newRelease) status.lastAppliedSpec = input.fingerprint;
      return plan;
    }
    plan.needs.confirmRollout = true;
    if (promote === 'step') consume(canaryPromoteAnnotation);
    if (promote === undefined && input.gates.confirmRollout === false) {
      if (phase !== 'Waiting') event(`Halt ${name} advancement waiting for approval confirm-rollout`, 'Warning');
      setPhase('Waiting');
      return plan;
    }
    event(retry && !newRelease ? `Retry requested! Scaling up ${name}` : `New revision detected! Scaling up ${name}`);
    plan.actions.push({ type: 'scaleTarget', to: 'up' });
    status.lastAppliedSpec = input.fingerprint;
    resetRun();
    setPhase('Progressing');
    plan.routes = { primaryWeight: totalWeight, canaryWeight: 0, mirrored: false };
    return plan;
  }

  // A newer release while one runs: back to the primary and start over.
  if (newRelease && (phase === 'Progressing' || phase === 'WaitingPromotion')) {
    event(`New revision detected! Restarting analysis for ${name}`);
    status.lastAppliedSpec = input.fingerprint;
    resetRun();
    setPhase('Progressing');
    plan.routes = { primaryWeight: totalWeight, canaryWeight: 0, mirrored: false };
    return plan;
  }

  const rollback = (reason: string): CanaryPassPlan => {
    event(reason, 'Warning');
    event(`Canary failed! Scaling down ${name}`, 'Warning');
    plan.routes = { primaryWeight: totalWeight, canaryWeight: 0, mirrored: false };
    plan.actions.push({ type: 'scaleTarget', to: 'zero' });
    status.canaryWeight = 0;
    setPhase('Failed');
    plan.hooks.push('post-rollout');
    return plan;
  };

  if (phase === 'Promoting') {
    // The primary was given the release when promotion began; traffic moves onto it only once it runs it (until
    // then the canary is the only copy of the release that is up).
    plan.actions.push({ type: 'syncPrimary' });
    if (input.primary.state !== 'ready') return plan;
    if ((canary.spec.analysis.stepWeightPromotion ?? 0) > 0 && !input.analysisDue) return plan;
    const weights = promotionPrimaryWeights(canary, status.canaryWeight ?? 0);
    const primaryWeight = weights[0] ?? totalWeight;
    plan.routes = { primaryWeight, canaryWeight: totalWeight - primaryWeight, mirrored: false };
    status.canaryWeight = totalWeight - primaryWeight;
    if (primaryWeight >= totalWeight) {
      event('Routing all traffic to primary');
      setPhase('Finalising');
    } else {
      event(`Advance ${name} primary weight ${String(primaryWeight)}`);
    }
    return plan;
  }
  if (phase === 'Finalising') {
    plan.actions.push({ type: 'syncPrimary' });
    if (input.primary.state !== 'ready') return plan;
    plan.actions.push({ type: 'scaleTarget', to: 'zero' });
    status.canaryWeight = 0;
    status.lastPromotedSpec = status.lastAppliedSpec ?? input.fingerprint;
    event(`Promotion completed! Scaling down ${name}`);
    setPhase('Succeeded');
    plan.hooks.push('post-rollout');
    return plan;
  }

  // Progressing or WaitingPromotion.
  plan.needs.rollback = true;
  if (abort) {
    consume(canaryAbortAnnotation);
    return rollback(`Rolling back ${name} abort requested`);
  }
  if (input.gates.rollback === true) return rollback(`Rolling back ${name} manual webhook invoked`);
  if (input.target.state === 'stuck') return rollback(`Rolling back ${name} progress deadline exceeded ${input.target.message}`);
  if (canary.spec.skipAnalysis === true) {
    event(`Advance ${name} canary analysis skipped`);
    setPhase('Promoting');
    return plan;
  }
  if (promote === 'full') {
    consume(canaryPromoteAnnotation);
    event(`Advance ${name} promotion requested`);
    return promoteIfConfirmed(plan, input, name, setPhase, undefined, true);
  }
  if (input.target.state !== 'ready') return plan;

  // A `promote` (step) request counts as this pass's analysis having passed and its gates open.
  const stepped = promote === 'step';
  plan.needs.analysis = !stepped;
  const analysis = stepped ? {} : input.analysis;
  if (stepped) consume(canaryPromoteAnnotation);
  else if (!input.analysisDue || analysis === undefined) return plan;
  else if ((status.canaryWeight ?? 0) === 0 && (status.iterations ?? 0) === 0) event(`Starting canary analysis for ${canary.spec.targetRef.name}.${canary.metadata.namespace ?? ''}`);
  if (analysis?.failure !== undefined) {
    status.failedChecks = (status.failedChecks ?? 0) + 1;
    event(analysis.failure, 'Warning');
    if (status.failedChecks >= analysisThreshold(canary)) return rollback(`Rolling back ${name} failed checks threshold reached ${String(status.failedChecks)}`);
    return plan;
  }

  const strategy = canaryStrategy(canary);
  if (strategy !== 'canary') {
    // Blue-green and A/B: count the iterations, then all traffic to the canary (blue-green) and promotion.
    const done = (status.iterations ?? 0) >= (canary.spec.analysis.iterations ?? 0);
    if (!done) {
      // A/B: the requests the match selects all go to the canary while it is analysed (the rest stay on the primary).
      if (strategy === 'abTesting') plan.routes = { primaryWeight: 0, canaryWeight: totalWeight, mirrored: false };
      status.iterations = (status.iterations ?? 0) + 1;
      event(`Advance ${name} canary iteration ${String(status.iterations)}/${String(canary.spec.analysis.iterations ?? 0)}`);
      return plan;
    }
    return promoteIfConfirmed(plan, input, name, setPhase, strategy === 'blueGreen' ? { primaryWeight: 0, canaryWeight: totalWeight, mirrored: false } : undefined, stepped);
  }

  const next = advance(canary, routesNow());
  if (next === 'promote') return promoteIfConfirmed(plan, input, name, setPhase, undefined, stepped);
  plan.needs.confirmTrafficIncrease = !stepped;
  if (!stepped && input.gates.confirmTrafficIncrease === false) return plan;
  plan.routes = next;
  status.canaryWeight = next.canaryWeight;
  event(next.mirrored ? `Advance ${name} mirroring requests to the canary` : `Advance ${name} canary weight ${String(next.canaryWeight)}`);
  return plan;
}

/** To Promoting, unless a confirm-promotion hook refuses (`requested`: a person's promote passes the gate). */
function promoteIfConfirmed(plan: CanaryPassPlan, input: CanaryPassInput, name: string, setPhase: (p: CanaryPhase) => void, routes: CanaryRoutes | undefined, requested: boolean): CanaryPassPlan {
  plan.needs.confirmPromotion = !requested;
  if (!requested && input.gates.confirmPromotion === false) {
    if (plan.status.phase !== 'WaitingPromotion') plan.events.push({ type: 'Warning', message: `Halt ${name} advancement waiting for promotion approval` });
    setPhase('WaitingPromotion');
    return plan;
  }
  if (routes !== undefined) plan.routes = routes;
  plan.actions.push({ type: 'syncPrimary' });
  plan.events.push({ type: 'Normal', message: `Copying ${input.canary.spec.targetRef.name}.${input.canary.metadata.namespace ?? ''} template spec to ${input.canary.spec.targetRef.name}-primary.${input.canary.metadata.namespace ?? ''}` });
  setPhase('Promoting');
  return plan;
}

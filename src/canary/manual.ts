/**
 * Manual control of a Canary, which Flagger lacks: promote (skip the analysis the release waits for, or with `full`
 * every remaining step), abort (roll back now), retry (run a failed release again without changing its template) and
 * pause (hold where it is). The requests are annotations of Aviary's own (src/api/labels.ts), so they work on
 * aviary.dev and flagger.app Canaries alike and a GitOps apply of the spec does not undo them.
 *
 * Two halves, both pure: what a person's command writes (the decisions below, refused with the reason when the
 * Canary's phase gives the request nothing to do), and what the controller reads (`manualRequests`, used by plan.ts,
 * which also says when a request was acted on so the controller removes it).
 */
import type { Canary } from '../api/canary.ts';
import { canaryAbortAnnotation, canaryPauseAnnotation, canaryPromoteAnnotation, canaryRetryAnnotation } from '../api/labels.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { ActionRefused } from '../rollout/actions.ts';

/** What the controller reads from a Canary's annotations. */
export interface ManualRequests {
  paused: boolean;
  /** `step`: the analysis (or gate) the release waits for counts as passed once; `full`: promote now. */
  promote?: 'step' | 'full';
  abort: boolean;
  retry: boolean;
}

export const noManualRequests: ManualRequests = { paused: false, abort: false, retry: false };

const isSet = (value: string | undefined): boolean => value !== undefined && value !== 'false';

export function manualRequests(canary: DeepReadonly<Canary>): ManualRequests {
  const annotations = canary.metadata.annotations ?? {};
  const promote = annotations[canaryPromoteAnnotation];
  return {
    paused: isSet(annotations[canaryPauseAnnotation]),
    ...(promote === undefined ? {} : { promote: promote === 'full' ? 'full' : 'step' }),
    abort: isSet(annotations[canaryAbortAnnotation]),
    retry: isSet(annotations[canaryRetryAnnotation]),
  };
}

/** The annotations a command sets (a string) or removes (null), and its one-line confirmation. */
export interface CanaryActionPlan {
  annotations: Record<string, string | null>;
  message: string;
}

/** Phases in which a release is under way and can be promoted or aborted. */
const releasePhases: readonly string[] = ['Waiting', 'Progressing', 'WaitingPromotion'];

const nameOf = (canary: DeepReadonly<Canary>): string => canary.metadata.name ?? '';
const phaseOf = (canary: DeepReadonly<Canary>): string => canary.status?.phase ?? 'Initializing';

export function promoteCanaryAction(canary: DeepReadonly<Canary>, options: { full?: boolean } = {}): CanaryActionPlan {
  const name = nameOf(canary);
  const phase = phaseOf(canary);
  const paused = manualRequests(canary).paused;
  if (!paused && !releasePhases.includes(phase)) {
    throw new ActionRefused(`canary '${name}' is ${phase} with no release waiting: there is nothing to promote (a release is promoted while Waiting, Progressing or WaitingPromotion)`);
  }
  const annotations: Record<string, string | null> = { [canaryPauseAnnotation]: null };
  if (releasePhases.includes(phase)) annotations[canaryPromoteAnnotation] = options.full === true ? 'full' : 'step';
  const what = options.full === true ? 'promoted fully: remaining steps, gates and analyses skipped' : 'promoted: the analysis or gate it waits for is passed once';
  const message = releasePhases.includes(phase) ? `canary '${name}' ${what}${paused ? ' (and unpaused)' : ''}` : `canary '${name}' unpaused`;
  return { annotations, message };
}

export function abortCanaryAction(canary: DeepReadonly<Canary>): CanaryActionPlan {
  const name = nameOf(canary);
  const phase = phaseOf(canary);
  if (!releasePhases.includes(phase)) {
    throw new ActionRefused(`canary '${name}' is ${phase}: only a release that is Waiting, Progressing or WaitingPromotion can be aborted${phase === 'Promoting' || phase === 'Finalising' ? ' (the primary already runs the new release)' : ''}`);
  }
  return { annotations: { [canaryAbortAnnotation]: 'true' }, message: `canary '${name}' aborted: traffic goes back to the primary and the canary scales to zero` };
}

export function retryCanaryAction(canary: DeepReadonly<Canary>): CanaryActionPlan {
  const name = nameOf(canary);
  const phase = phaseOf(canary);
  if (phase !== 'Failed') throw new ActionRefused(`canary '${name}' is ${phase}, not Failed: there is nothing to retry`);
  return { annotations: { [canaryRetryAnnotation]: 'true' }, message: `canary '${name}' retried: its release runs again from the first step` };
}

export function pauseCanaryAction(canary: DeepReadonly<Canary>): CanaryActionPlan {
  const name = nameOf(canary);
  if (manualRequests(canary).paused) throw new ActionRefused(`canary '${name}' is already paused (${canaryPauseAnnotation}): \`promote canary/${name}\` resumes it`);
  return { annotations: { [canaryPauseAnnotation]: 'true' }, message: `canary '${name}' paused: no step, analysis or new release starts until \`promote canary/${name}\`` };
}

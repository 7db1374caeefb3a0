import type { Rollout } from '../api/rollout.ts';
import { promoteAction } from '../rollout/actions.ts';
import { sendPatch } from '../rollout/patch.ts';
import { thaw, type DeepReadonly } from '../runtime/objects.ts';
import type { KubeClient } from '../runtime/rest.ts';
import { stepNumber } from './render.ts';

type RolloutLike = Rollout | DeepReadonly<Rollout>;

export interface IndefinitePause {
  /** Identifies this pause, so one pause is promoted once even while the cache still shows it. */
  key: string;
  /** For people: `step 4/6 (pause until promoted)` or `blue-green pause before promotion`. */
  description: string;
}

/**
 * The pause the Rollout waits in that only a promote ends: a canary `pause: {}` step, or the blue-green pause
 * when autoPromotionEnabled is false. Timed pauses end by themselves and manual pauses (spec.paused) are the
 * user's, so neither counts.
 */
export function indefinitePause(rollout: RolloutLike): IndefinitePause | undefined {
  const status = rollout.status ?? {};
  if (status.observedGeneration !== String(rollout.metadata.generation ?? '')) return undefined;
  const conditions = status.pauseConditions ?? [];
  const canary = rollout.spec.strategy?.canary;
  const blueGreen = rollout.spec.strategy?.blueGreen;
  const hash = status.currentPodHash ?? '';
  const canaryPause = conditions.find((c) => c.reason === 'CanaryPauseStep');
  if (canary !== undefined && canaryPause !== undefined) {
    const steps = canary.steps ?? [];
    const index = status.currentStepIndex ?? 0;
    const step = steps[index];
    if (step?.pause === undefined || step.pause.duration !== undefined) return undefined;
    return { key: `${hash}/step-${index}/${canaryPause.startTime}`, description: `step ${stepNumber(index, steps.length)} (pause until promoted)` };
  }
  const blueGreenPause = conditions.find((c) => c.reason === 'BlueGreenPause');
  const timed = blueGreen?.autoPromotionEnabled !== false && (blueGreen?.autoPromotionSeconds ?? 0) > 0;
  if (blueGreen !== undefined && blueGreenPause !== undefined && !timed) {
    return { key: `${hash}/bluegreen/${blueGreenPause.startTime}`, description: 'blue-green pause before promotion' };
  }
  return undefined;
}

/**
 * Promote, as `aviary promote` does (src/rollout/actions.ts): the pause conditions cleared through the status
 * subresource, and spec.paused lifted when set. The controller sees the pause it set lifted and moves on.
 */
export async function promote(client: KubeClient, rollout: RolloutLike, signal?: AbortSignal): Promise<void> {
  const current = thaw<Rollout>(rollout);
  const { patches } = promoteAction({ ...current, apiVersion: current.apiVersion ?? 'aviary.dev/v1alpha1' });
  for (const patch of patches) await sendPatch(client, current, patch, signal);
}

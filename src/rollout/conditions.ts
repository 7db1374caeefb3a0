import type { RolloutCondition, RolloutConditionType } from '../api/rollout.ts';

export interface ConditionUpdate {
  type: RolloutConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Sets a condition, keeping timestamps when nothing about it changed — so a steady state writes nothing.
 * lastTransitionTime moves when the status flips; lastUpdateTime when status, reason or message change.
 */
export function setCondition(conditions: readonly RolloutCondition[], update: ConditionUpdate, now: string): RolloutCondition[] {
  const existing = conditions.find((c) => c.type === update.type);
  const others = conditions.filter((c) => c.type !== update.type);
  if (existing !== undefined && existing.status === update.status && existing.reason === update.reason && existing.message === update.message) {
    return conditions.slice();
  }
  const transitioned = existing === undefined || existing.status !== update.status;
  return [
    ...others,
    {
      ...update,
      lastUpdateTime: now,
      lastTransitionTime: transitioned ? now : existing.lastTransitionTime,
    },
  ];
}

export function removeCondition(conditions: readonly RolloutCondition[], type: RolloutConditionType): RolloutCondition[] {
  return conditions.filter((c) => c.type !== type);
}

export function getCondition(conditions: readonly RolloutCondition[] | undefined, type: RolloutConditionType): RolloutCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

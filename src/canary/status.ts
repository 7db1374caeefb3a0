/**
 * The parts of a Canary's status Flagger keeps beside the phase, decided purely: the `Promoted` condition of each
 * phase (status, reason = the phase, Flagger's message), `lastTransitionTime` moved by every change of phase, weight,
 * iterations or failed checks (Flagger moves it in each of those setters, and the analysis interval counts from it),
 * and Aviary's own `Invalid` condition, which names what keeps a Canary from running.
 */
import type { Canary, CanaryCondition, CanaryStatus } from '../api/canary.ts';
import type { DeepReadonly } from '../runtime/objects.ts';

export const promotedCondition = 'Promoted';
/** Aviary's condition for a Canary held by a problem that names its field (Flagger only logs such problems). */
export const invalidCondition = 'Invalid';

function promotedOf(phase: string, targetKind: string): { status: 'True' | 'False' | 'Unknown'; message: string } {
  switch (phase) {
    case 'Initialized': return { status: 'True', message: `${targetKind} initialization completed.` };
    case 'Waiting':
    case 'WaitingPromotion': return { status: 'Unknown', message: 'Waiting for approval.' };
    case 'Progressing': return { status: 'Unknown', message: 'New revision detected, progressing canary analysis.' };
    case 'Promoting': return { status: 'Unknown', message: 'Canary analysis completed, starting primary rolling update.' };
    case 'Finalising': return { status: 'Unknown', message: 'Canary analysis completed, routing all traffic to primary.' };
    case 'Succeeded': return { status: 'True', message: 'Canary analysis completed successfully, promotion finished.' };
    case 'Failed': return { status: 'False', message: `Canary analysis failed, ${targetKind} scaled to zero.` };
    default: return { status: 'Unknown', message: `New ${targetKind} detected, starting initialization.` };
  }
}

function upsert(conditions: readonly CanaryCondition[], next: CanaryCondition): CanaryCondition[] {
  const current = conditions.find((c) => c.type === next.type);
  if (current !== undefined && current.status === next.status && current.reason === next.reason && current.message === next.message) return [...conditions];
  const transition = current !== undefined && current.status === next.status ? current.lastTransitionTime : next.lastTransitionTime;
  const updated = { ...next, ...(transition === undefined ? {} : { lastTransitionTime: transition }) };
  return current === undefined ? [...conditions, updated] : conditions.map((c) => (c.type === next.type ? updated : c));
}

/** The status after a pass: `planned` with its transition time and conditions brought up to date. */
export function finishStatus(canary: DeepReadonly<Canary>, planned: CanaryStatus, now: string): CanaryStatus {
  const before = canary.status ?? {};
  const status: CanaryStatus = { ...planned };
  const moved = before.phase !== status.phase || before.canaryWeight !== status.canaryWeight
    || before.iterations !== status.iterations || before.failedChecks !== status.failedChecks;
  if (moved) status.lastTransitionTime = now;
  const phase = status.phase ?? 'Initializing';
  const promoted = promotedOf(phase, canary.spec.targetRef.kind);
  let conditions = upsert(status.conditions ?? [], { type: promotedCondition, status: promoted.status, reason: phase, message: promoted.message, lastUpdateTime: now, lastTransitionTime: now });
  conditions = conditions.filter((c) => c.type !== invalidCondition);
  status.conditions = conditions;
  return status;
}

/** The status of a Canary held by problems: everything as it was, plus the Invalid condition naming them. */
export function invalidStatus(canary: DeepReadonly<Canary>, message: string, now: string): CanaryStatus {
  const status = structuredClone(canary.status ?? {}) as CanaryStatus;
  status.conditions = upsert(status.conditions ?? [], { type: invalidCondition, status: 'True', reason: 'InvalidSpec', message, lastUpdateTime: now, lastTransitionTime: now });
  return status;
}

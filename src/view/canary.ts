/**
 * A Canary as people read it: a row of `aviary list canaries`, the one line `aviary status canary/NAME` prints on each
 * change, and the outcome that decides its exit code. Pure: from the Canary and, when known, the fingerprint of the
 * release its target carries now (src/canary/release.ts) — with it, a Succeeded left by the previous release is
 * never reported as the new release's result.
 */
import type { Canary } from '../api/canary.ts';
import { analysisThreshold, canaryStrategy } from '../canary/analysis-settings.ts';
import { manualRequests } from '../canary/manual.ts';
import { isAviaryFingerprint } from '../canary/release.ts';
import { invalidCondition, promotedCondition } from '../canary/status.ts';

export interface CanaryRow {
  namespace: string;
  name: string;
  /** The API group the Canary is served in (aviary.dev, flagger.app). */
  group: string;
  /** `Deployment/podinfo`. */
  target: string;
  strategy: 'canary' | 'blue-green' | 'a/b';
  phase: string;
  weight: number;
  failedChecks: number;
  threshold: number;
  iterations: number;
  /** A person paused it (aviary.dev/paused) or spec.suspend holds it. */
  paused: boolean;
  /** The Invalid condition's message (what keeps it from running), else the Promoted condition's. */
  message?: string;
  lastTransitionTime?: string;
  createdAt?: string;
}

const strategies = { canary: 'canary', blueGreen: 'blue-green', abTesting: 'a/b' } as const;

export function canaryRow(canary: Canary): CanaryRow {
  const status = canary.status ?? {};
  const apiVersion = canary.apiVersion ?? '';
  const conditions = status.conditions ?? [];
  const invalid = conditions.find((c) => c.type === invalidCondition && c.status === 'True');
  const message = invalid?.message ?? conditions.find((c) => c.type === promotedCondition)?.message;
  return {
    namespace: canary.metadata.namespace ?? '',
    name: canary.metadata.name ?? '',
    group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : apiVersion,
    target: `${canary.spec.targetRef.kind}/${canary.spec.targetRef.name}`,
    strategy: strategies[canaryStrategy(canary)],
    phase: invalid === undefined ? status.phase ?? 'Initializing' : 'Invalid',
    weight: status.canaryWeight ?? 0,
    failedChecks: status.failedChecks ?? 0,
    threshold: analysisThreshold(canary),
    iterations: status.iterations ?? 0,
    paused: canary.spec.suspend === true || manualRequests(canary).paused,
    ...(message === undefined ? {} : { message }),
    ...(status.lastTransitionTime === undefined ? {} : { lastTransitionTime: status.lastTransitionTime }),
    ...(canary.metadata.creationTimestamp === undefined ? {} : { createdAt: canary.metadata.creationTimestamp }),
  };
}

/**
 * Where a wait for the Canary ends: `succeeded` (Succeeded, or Initialized for a first release), `failed` (Failed,
 * or Invalid), `waiting` (at a confirm-rollout or confirm-promotion gate), `paused`; undefined while it runs. A
 * finished phase counts only for the release the target carries now (`release`, when given).
 */
/** The status speaks of another release than `release` (the target's now); unknown (false) for Flagger's fingerprints. */
function noticedOther(canary: Canary, release: string | undefined): boolean {
  const applied = canary.status?.lastAppliedSpec;
  return release !== undefined && isAviaryFingerprint(applied) && applied !== release;
}

export type CanaryOutcome = 'succeeded' | 'failed' | 'waiting' | 'paused' | undefined;

export function canaryOutcome(canary: Canary, release?: string): CanaryOutcome {
  const row = canaryRow(canary);
  if (row.phase === 'Invalid') return 'failed';
  const current = !noticedOther(canary, release);
  if (row.paused) return 'paused';
  if ((row.phase === 'Succeeded' || row.phase === 'Initialized') && current) return 'succeeded';
  if (row.phase === 'Failed' && current) return 'failed';
  if (row.phase === 'Waiting' || row.phase === 'WaitingPromotion') return 'waiting';
  return undefined;
}

/** `Progressing - weight 20, failed checks 0/2`, `Succeeded - Canary analysis completed successfully, ...`. */
export function canaryStatusLine(canary: Canary, release?: string): string {
  const row = canaryRow(canary);
  const paused = row.paused ? ' (paused)' : '';
  if (noticedOther(canary, release) && row.phase !== 'Invalid') {
    return `${row.phase}${paused} - the controller has not noticed the target's new release yet`;
  }
  if (row.phase === 'Progressing' || row.phase === 'WaitingPromotion') {
    const progress = row.strategy === 'canary' ? `weight ${String(row.weight)}` : `iteration ${String(row.iterations)}/${String(canary.spec.analysis.iterations ?? 0)}`;
    return `${row.phase}${paused} - ${progress}, failed checks ${String(row.failedChecks)}/${String(row.threshold)}`;
  }
  return `${row.phase}${paused}${row.message === undefined ? '' : ` - ${row.message}`}`;
}

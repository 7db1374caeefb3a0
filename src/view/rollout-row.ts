/**
 * A Rollout as one row of a list: the columns of `kubectl argo rollouts list rollouts` (strategy, status, step,
 * set weight, replica counts), plus its group, images and age. Pure: computed from the Rollout alone.
 */
import type { Rollout } from '../api/rollout.ts';
import { currentSetWeight, rolloutPhase, stepCount, strategyOf, type Phase, type Strategy } from './rollout.ts';

export interface RolloutRow {
  namespace: string;
  name: string;
  /** The API group the Rollout is served in (aviary.dev, argoproj.io). */
  group: string;
  strategy: Strategy;
  status: Phase;
  message?: string;
  /** "done/total" for a canary with steps. */
  step?: string;
  setWeight?: number;
  ready: number;
  desired: number;
  upToDate: number;
  available: number;
  images: string[];
  createdAt?: string;
}

export function rolloutRow(rollout: Rollout): RolloutRow {
  const status = rollout.status ?? {};
  const { phase, message } = rolloutPhase(rollout);
  const step = stepCount(rollout);
  const apiVersion = rollout.apiVersion ?? '';
  return {
    namespace: rollout.metadata.namespace ?? '',
    name: rollout.metadata.name ?? '',
    group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : apiVersion,
    strategy: strategyOf(rollout),
    status: phase,
    ...(message === undefined ? {} : { message }),
    ...(step === undefined ? {} : { step }),
    ...(rollout.spec.strategy?.canary !== undefined ? { setWeight: currentSetWeight(rollout) } : {}),
    ready: status.readyReplicas ?? 0,
    desired: rollout.spec.replicas ?? 1,
    upToDate: status.updatedReplicas ?? 0,
    available: status.availableReplicas ?? 0,
    images: ((rollout.spec.template?.spec as { containers?: { image?: string }[] } | undefined)?.containers ?? []).map((c) => c.image ?? ''),
    ...(rollout.metadata.creationTimestamp === undefined ? {} : { createdAt: rollout.metadata.creationTimestamp }),
  };
}

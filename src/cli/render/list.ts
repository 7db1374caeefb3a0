/**
 * `aviary list rollouts`: one row per Rollout with kubectl-argo-rollouts' columns (NAME STRATEGY STATUS STEP
 * SET-WEIGHT READY DESIRED UP-TO-DATE AVAILABLE), NAMESPACE first with -A, and AGE, MESSAGE, IMAGES with -o wide.
 */
import type { Rollout } from '../../api/rollout.ts';
import { currentSetWeight, rolloutPhase, type Phase } from './rollout-info.ts';
import { age, columns, fitLine, type Style } from './text.ts';

export interface RolloutRow {
  namespace: string;
  name: string;
  /** The API group the Rollout is served in (aviary.dev, argoproj.io). */
  group: string;
  strategy: 'Canary' | 'BlueGreen' | 'None';
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
  const canary = rollout.spec.strategy?.canary;
  const steps = canary?.steps ?? [];
  const apiVersion = rollout.apiVersion ?? '';
  return {
    namespace: rollout.metadata.namespace ?? '',
    name: rollout.metadata.name ?? '',
    group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : apiVersion,
    strategy: canary !== undefined ? 'Canary' : rollout.spec.strategy?.blueGreen !== undefined ? 'BlueGreen' : 'None',
    status: phase,
    ...(message === undefined ? {} : { message }),
    ...(canary !== undefined && steps.length > 0 ? { step: `${Math.min(status.currentStepIndex ?? 0, steps.length)}/${steps.length}` } : {}),
    ...(canary !== undefined ? { setWeight: currentSetWeight(rollout) } : {}),
    ready: status.readyReplicas ?? 0,
    desired: rollout.spec.replicas ?? 1,
    upToDate: status.updatedReplicas ?? 0,
    available: status.availableReplicas ?? 0,
    images: ((rollout.spec.template?.spec as { containers?: { image?: string }[] } | undefined)?.containers ?? []).map((c) => c.image ?? ''),
    ...(rollout.metadata.creationTimestamp === undefined ? {} : { createdAt: rollout.metadata.creationTimestamp }),
  };
}

export function phaseColor(phase: Phase, s: Style): (text: string) => string {
  switch (phase) {
    case 'Healthy': return s.green;
    case 'Degraded': return s.red;
    case 'Paused': return s.yellow;
    case 'Progressing': return s.blue;
  }
}

export interface ListOptions {
  style: Style;
  now: Date;
  allNamespaces: boolean;
  wide: boolean;
  /** Show the API group of each row (when the rows come from more than one group). */
  showGroup: boolean;
  width?: number;
}

/** The table, header first; sorted by namespace, then name. */
export function renderList(rows: readonly RolloutRow[], o: ListOptions): string[] {
  const header = [
    ...(o.allNamespaces ? ['NAMESPACE'] : []), 'NAME', ...(o.showGroup ? ['GROUP'] : []), 'STRATEGY', 'STATUS', 'STEP', 'SET-WEIGHT', 'READY', 'DESIRED', 'UP-TO-DATE', 'AVAILABLE',
    ...(o.wide ? ['AGE', 'IMAGES', 'MESSAGE'] : []),
  ];
  const sorted = [...rows].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.group.localeCompare(b.group));
  const body = sorted.map((r) => [
    ...(o.allNamespaces ? [r.namespace] : []), r.name, ...(o.showGroup ? [r.group] : []), r.strategy, phaseColor(r.status, o.style)(r.status),
    r.step ?? '-', r.setWeight === undefined ? '-' : String(r.setWeight), `${r.ready}/${r.desired}`, String(r.desired), String(r.upToDate), String(r.available),
    ...(o.wide ? [age(r.createdAt, o.now), r.images.join(','), r.message ?? ''] : []),
  ]);
  const lines = columns([header, ...body]);
  const width = o.width ?? 0;
  return width > 0 ? lines.map((l) => fitLine(l, width)) : lines;
}

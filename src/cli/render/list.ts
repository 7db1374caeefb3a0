/**
 * `aviary list rollouts`: one row per Rollout with kubectl-argo-rollouts' columns (NAME STRATEGY STATUS STEP
 * SET-WEIGHT READY DESIRED UP-TO-DATE AVAILABLE), NAMESPACE first with -A, and AGE, MESSAGE, IMAGES with -o wide.
 * The rows are src/view/rollout-row.ts's read model; this is their terminal text.
 */
import type { RolloutRow } from '../../view/rollout-row.ts';
import type { Phase } from '../../view/rollout.ts';
import { age, columns, fitLine, type Style } from './text.ts';

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

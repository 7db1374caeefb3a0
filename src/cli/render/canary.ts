/**
 * Canaries on the terminal: `aviary list canaries` (the columns of `kubectl get canaries`: STATUS, WEIGHT,
 * FAILEDCHECKS, LASTTRANSITIONTIME as an age, plus TARGET and STRATEGY) and `aviary get canary` (the Canary, its
 * workloads and its recent Events). The rows are src/view/canary.ts's read model; this is their text.
 */
import type { DaemonSet, Deployment, Event } from '../../api/kubernetes.ts';
import type { TargetWorkload } from '../../canary/desired.ts';
import { canaryStatusLine, type CanaryRow } from '../../view/canary.ts';
import type { Canary } from '../../api/canary.ts';
import type { ListOptions } from './list.ts';
import { age, columns, fitLine, type Style } from './text.ts';

export function canaryPhaseColor(phase: string, s: Style): (text: string) => string {
  if (phase === 'Succeeded' || phase === 'Initialized') return s.green;
  if (phase === 'Failed' || phase === 'Invalid') return s.red;
  if (phase === 'Waiting' || phase === 'WaitingPromotion') return s.yellow;
  return s.blue;
}

export function renderCanaryList(rows: readonly CanaryRow[], o: ListOptions): string[] {
  const header = [...(o.allNamespaces ? ['NAMESPACE'] : []), 'NAME', ...(o.showGroup ? ['GROUP'] : []), 'TARGET', 'STRATEGY', 'STATUS', 'WEIGHT', 'FAILEDCHECKS', 'LASTTRANSITION', ...(o.wide ? ['AGE', 'MESSAGE'] : [])];
  const sorted = [...rows].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.group.localeCompare(b.group));
  const body = sorted.map((r) => [
    ...(o.allNamespaces ? [r.namespace] : []), r.name, ...(o.showGroup ? [r.group] : []), r.target, r.strategy,
    canaryPhaseColor(r.phase, o.style)(r.paused ? `${r.phase} (paused)` : r.phase), String(r.weight), `${String(r.failedChecks)}/${String(r.threshold)}`,
    r.lastTransitionTime === undefined ? '-' : age(r.lastTransitionTime, o.now),
    ...(o.wide ? [age(r.createdAt, o.now), r.message ?? ''] : []),
  ]);
  return columns([header, ...body]).map((line) => (o.width === undefined || o.width <= 0 ? line : fitLine(line, o.width)));
}

function workloadLine(workload: TargetWorkload | undefined, name: string): string {
  if (workload === undefined) return `${name}  (not found)`;
  const daemonSet = workload.kind === 'DaemonSet' ? (workload as DaemonSet).status : undefined;
  const deployment: Deployment = workload;
  const ready = daemonSet === undefined ? deployment.status?.readyReplicas ?? 0 : daemonSet.numberReady;
  const desired = daemonSet === undefined ? deployment.spec?.replicas ?? 1 : daemonSet.desiredNumberScheduled;
  return `${name}  ${String(ready)}/${String(desired)} ready`;
}

export interface CanaryView {
  canary: Canary;
  row: CanaryRow;
  target?: TargetWorkload | undefined;
  primary?: TargetWorkload | undefined;
  release?: string | undefined;
  events: readonly Event[];
}

export function renderCanary(view: CanaryView, o: { style: Style; now: Date; events?: number }): string[] {
  const { row, canary } = view;
  const s = o.style;
  const analysis = canary.spec.analysis;
  const steps = row.strategy === 'canary'
    ? (analysis.stepWeights === undefined ? `stepWeight ${String(analysis.stepWeight ?? 0)}, maxWeight ${String(analysis.maxWeight ?? 100)}` : `stepWeights ${analysis.stepWeights.join(',')}`)
    : `iterations ${String(analysis.iterations ?? 0)}`;
  const field = (name: string, value: string): string => `${s.dim(name.padEnd(17))}${value}`;
  const lines = [
    field('Name:', row.name),
    field('Namespace:', row.namespace),
    field('Group:', row.group),
    field('Target:', row.target),
    field('Provider:', canary.spec.provider ?? '(controller default)'),
    field('Strategy:', `${row.strategy} (${steps}, interval ${analysis.interval ?? '60s'}, threshold ${String(row.threshold)})`),
    field('Status:', canaryPhaseColor(row.phase, s)(canaryStatusLine(canary, view.release))),
    field('Last transition:', row.lastTransitionTime === undefined ? '-' : `${age(row.lastTransitionTime, o.now)} ago`),
    field('Primary:', workloadLine(view.primary, `${canary.spec.targetRef.name}-primary`)),
    field('Canary:', workloadLine(view.target, canary.spec.targetRef.name)),
  ];
  const events = view.events.slice(-(o.events ?? 10));
  if (events.length > 0) {
    lines.push(s.dim('Events:'));
    const rows = events.map((e) => [`  ${age(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp, o.now)}`, e.type === 'Warning' ? s.yellow('Warning') : 'Normal', e.message ?? '']);
    lines.push(...columns(rows));
  }
  return lines;
}

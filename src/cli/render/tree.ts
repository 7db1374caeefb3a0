/**
 * `aviary get rollout`: the header (status, strategy, step, weights, images, replicas) and the tree of revisions →
 * ReplicaSets → pods (and analysis runs → jobs), laid out as kubectl-argo-rollouts users know it. A pure function of
 * the read model (src/view/rollout.ts), the clock and the terminal width.
 */
import type { AnalysisRunInfo, Phase, ReplicaSetInfo, RolloutInfo, Tag } from '../../view/rollout.ts';
import { age, columns, fitLine, humanDuration, visibleWidth, type Style } from './text.ts';

export const icons = {
  rollout: '⟳',
  revision: '#',
  replicaSet: '⧉',
  pod: '□',
  analysisRun: 'α',
  job: '⊞',
  ok: '✔',
  bad: '✖',
  progressing: '◌',
  waiting: '◷',
  paused: '॥',
  warning: '⚠',
  unknown: '?',
  neutral: '•',
} as const;

/** The icon of a phase or status word, coloured. */
export function statusIcon(status: string, s: Style): string {
  switch (status) {
    case 'Healthy':
    case 'Successful':
    case 'Completed':
      return s.green(icons.ok);
    case 'Running':
      return s.green(icons.ok);
    case 'Progressing':
    case 'ContainerCreating':
    case 'PodInitializing':
    case 'NotReady':
      return s.blue(icons.progressing);
    case 'Pending':
      return s.yellow(icons.waiting);
    case 'Paused':
      return s.yellow(icons.paused);
    case 'ScaledDown':
    case 'Terminating':
      return icons.neutral;
    case 'Inconclusive':
    case 'Unknown':
      return s.yellow(icons.unknown);
    case 'Error':
      return s.red(icons.warning);
    default:
      return status.startsWith('Init:') && /^Init:\d+\/\d+$/.test(status) ? s.blue(icons.progressing) : s.red(icons.bad);
  }
}

export function phaseText(phase: Phase, s: Style): string {
  return `${statusIcon(phase, s)} ${phase}`;
}

export function tagColor(tag: Tag, s: Style): (text: string) => string {
  switch (tag) {
    case 'stable':
    case 'active':
      return s.green;
    case 'canary':
      return s.yellow;
    case 'preview':
      return s.blue;
  }
}

export interface TreeOptions {
  style: Style;
  now: Date;
  /** Terminal columns; lines are fitted to it (0: no limit). */
  width?: number;
}

type Row = [name: string, kind: string, status: string, age: string, info: string];

function replicaSetRows(rs: ReplicaSetInfo, prefix: string, childPrefix: string, o: TreeOptions): Row[] {
  const s = o.style;
  const tag = rs.tags.find((t) => t !== 'stable') ?? rs.tags[0];
  const name = tag === undefined ? rs.name : tagColor(tag, s)(rs.name);
  const info = rs.tags.map((t) => tagColor(t, s)(t));
  if (rs.scaleDownDeadline !== undefined) {
    const left = Date.parse(rs.scaleDownDeadline) - o.now.getTime();
    info.push(`delay:${Number.isNaN(left) ? '?' : left <= 0 ? 'passed' : humanDuration(left)}`);
  }
  const rows: Row[] = [[`${prefix}${icons.replicaSet} ${name}`, 'ReplicaSet', `${statusIcon(rs.status, s)} ${rs.status}`, age(rs.createdAt, o.now), info.join(',')]];
  rs.pods.forEach((pod, i) => {
    const last = i === rs.pods.length - 1;
    const podInfo = [`ready:${pod.ready}`, ...(pod.restarts > 0 ? [`restarts:${pod.restarts}`] : [])].join(',');
    const status = pod.status === 'Running' && !/^(\d+)\/\1$/.test(pod.ready) ? `${s.blue(icons.progressing)} Running` : `${statusIcon(pod.status, s)} ${pod.status}`;
    rows.push([`${childPrefix}${last ? '└──' : '├──'}${icons.pod} ${pod.name}`, 'Pod', status, age(pod.createdAt, o.now), podInfo]);
  });
  return rows;
}

function analysisRunRows(run: AnalysisRunInfo, prefix: string, childPrefix: string, o: TreeOptions): Row[] {
  const s = o.style;
  // A running pod is fine; a running analysis or Job has not decided yet.
  const runIcon = (status: string): string => (status === 'Running' ? s.blue(icons.progressing) : statusIcon(status, s));
  const counts = [
    run.successful > 0 ? `${s.green(icons.ok)} ${run.successful}` : '',
    run.failed > 0 ? `${s.red(icons.bad)} ${run.failed}` : '',
    run.inconclusive > 0 ? `${s.yellow(icons.unknown)} ${run.inconclusive}` : '',
    run.error > 0 ? `${s.red(icons.warning)} ${run.error}` : '',
  ].filter((c) => c !== '');
  const rows: Row[] = [[`${prefix}${icons.analysisRun} ${run.name}`, 'AnalysisRun', `${runIcon(run.status)} ${run.status}`, age(run.createdAt, o.now), counts.join(',')]];
  run.jobs.forEach((job, i) => {
    rows.push([`${childPrefix}${i === run.jobs.length - 1 ? '└──' : '├──'}${icons.job} ${job.name}`, 'Job', `${runIcon(job.status)} ${job.status}`, age(job.createdAt, o.now), '']);
  });
  return rows;
}

/** The tree as rows: the Rollout, then each revision (newest first) with its ReplicaSets and analysis runs. */
export function treeRows(info: RolloutInfo, o: TreeOptions): Row[] {
  const rows: Row[] = [[`${icons.rollout} ${info.name}`, 'Rollout', phaseText(info.phase, o.style), age(info.createdAt, o.now), '']];
  info.revisions.forEach((rev, i) => {
    const lastRevision = i === info.revisions.length - 1;
    const [branch, indent] = lastRevision ? ['└──', '   '] : ['├──', '│  '];
    rows.push([`${branch}${icons.revision} revision:${rev.revision}`, '', '', '', '']);
    const children = [...rev.replicaSets.map((rs) => ({ rs })), ...rev.analysisRuns.map((run) => ({ run }))];
    children.forEach((child, j) => {
      const last = j === children.length - 1;
      const prefix = `${indent}${last ? '└──' : '├──'}`;
      const childPrefix = `${indent}${last ? '   ' : '│  '}`;
      rows.push(...('rs' in child ? replicaSetRows(child.rs, prefix, childPrefix, o) : analysisRunRows(child.run, prefix, childPrefix, o)));
    });
  });
  return rows;
}

const label = (text: string): string => text.padEnd(17);

/** The header block, kubectl-argo-rollouts' layout, with the current step described in words. */
export function headerLines(info: RolloutInfo, o: TreeOptions): string[] {
  const s = o.style;
  const lines = [`${label('Name:')}${info.name}`, `${label('Namespace:')}${info.namespace}`, `${label('Status:')}${phaseText(info.phase, s)}`];
  if (info.message !== undefined) lines.push(`${label('Message:')}${info.message}`);
  lines.push(`${label('Strategy:')}${info.strategy}`);
  if (info.strategy === 'Canary') {
    if (info.step !== undefined) lines.push(`${label('  Step:')}${info.step}${info.stepDetail === undefined ? '' : s.dim(` · ${info.stepDetail}`)}`);
    lines.push(`${label('  SetWeight:')}${info.setWeight ?? 0}`, `${label('  ActualWeight:')}${info.actualWeight ?? 0}`);
  }
  info.images.forEach((image, i) => {
    const tags = image.tags.map((t) => tagColor(t, s)(t)).join(', ');
    lines.push(`${label(i === 0 ? 'Images:' : '')}${image.image}${tags === '' ? '' : ` (${tags})`}`);
  });
  const r = info.replicas;
  lines.push('Replicas:', `${label('  Desired:')}${r.desired}`, `${label('  Current:')}${r.current}`, `${label('  Updated:')}${r.updated}`, `${label('  Ready:')}${r.ready}`, `${label('  Available:')}${r.available}`);
  return lines;
}

/**
 * The whole view as lines. On a narrow terminal the KIND column goes first (the icons say the kind), then the status
 * words (the icons stay), and only then are lines cut at the edge — so nothing wraps and a live view can redraw in
 * place.
 */
export function renderRollout(info: RolloutInfo, o: TreeOptions): string[] {
  const width = o.width ?? 0;
  const rows = treeRows(info, o);
  const iconOnly = (cell: string): string => (cell.includes(' ') ? cell.slice(0, cell.indexOf(' ')) : cell);
  const layouts: (() => string[])[] = [
    () => columns([['NAME', 'KIND', 'STATUS', 'AGE', 'INFO'], ...rows]),
    () => columns([['NAME', 'STATUS', 'AGE', 'INFO'], ...rows.map(([name, , status, a, extra]) => [name, status, a, extra])]),
    () => columns([['NAME', '', 'AGE', 'INFO'], ...rows.map(([name, , status, a, extra]) => [name, iconOnly(status), a, extra])]),
  ];
  let table: string[] = [];
  for (const layout of layouts) {
    table = layout();
    if (width <= 0 || !table.some((l) => visibleWidth(l) > width)) break;
  }
  const lines = [...headerLines(info, o), '', ...table];
  return width > 0 ? lines.map((l) => fitLine(l, width)) : lines;
}

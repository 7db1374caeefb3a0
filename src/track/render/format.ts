import pc from 'picocolors';
import type { ResourceResult, StatusEvent, TrackEvent, TrackResult } from '../events.ts';
import { logPrefix } from '../logs.ts';
import { formatDuration } from '../model.ts';
import type { PodView } from '../rules/types.ts';

export interface Colors {
  red: (s: string) => string;
  green: (s: string) => string;
  yellow: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
  cyan: (s: string) => string;
}

export const noColors: Colors = { red: String, green: String, yellow: String, dim: String, bold: String, cyan: String };
export const colors: Colors = { red: pc.red, green: pc.green, yellow: pc.yellow, dim: pc.dim, bold: pc.bold, cyan: pc.cyan };

const stateWord = (state: string, c: Colors): string => {
  switch (state) {
    case 'ready': return c.green('ready');
    case 'failed': return c.red('failed');
    case 'paused': return c.yellow('paused');
    default: return c.cyan(state);
  }
};

/** `replicas 3 · up-to-date 1 · available 0 · old 3`, the counts a person checks first. */
export function replicasText(e: Pick<StatusEvent, 'replicas' | 'details'>): string {
  const parts: string[] = [];
  const r = e.replicas;
  if (r !== undefined) {
    parts.push(`replicas ${r.desired}`);
    if (r.updated !== undefined) parts.push(`up-to-date ${r.updated}`);
    if (r.available !== undefined) parts.push(`available ${r.available}`);
    if (r.old !== undefined && r.old > 0) parts.push(`old ${r.old}`);
  }
  for (const [k, v] of Object.entries(e.details ?? {})) parts.push(`${k} ${v}`);
  return parts.join(' · ');
}

export function podLine(p: PodView, c: Colors): string {
  const [ready = 0, total = 0] = p.ready.split('/').map(Number);
  const mark = p.revision === 'old' ? c.dim('·') : ready === total && total > 0 ? c.green('✔') : p.status === 'Running' || p.status === 'Pending' || p.status === 'ContainerCreating' ? c.cyan('…') : c.red('✖');
  const text = `${mark} po/${p.name}  ${p.ready}  ${p.status}${p.restarts > 0 ? `  restarts ${p.restarts}` : ''}${p.revision === 'old' ? '  (old revision)' : ''}`;
  return p.revision === 'old' ? c.dim(text) : text;
}

/** One line for a status change in plain output. */
export function statusLine(e: StatusEvent, c: Colors): string {
  const counts = replicasText(e);
  const rev = e.revision === undefined ? '' : c.dim(` rev ${e.revision}`);
  const tracked = e.pods.filter((p) => p.revision === 'tracked');
  const notReady = tracked.filter((p) => { const [r, t] = p.ready.split('/'); return r !== t || p.status !== 'Running'; });
  const pods = tracked.length > 0 || e.pods.length > 0
    ? ` · pods ${tracked.length - notReady.length}/${tracked.length} ready${e.pods.length > tracked.length ? `, ${e.pods.length - tracked.length} old` : ''}`
    : '';
  const waiting = e.waitingFor.length > 0 ? ` — waiting for ${e.waitingFor.join(', ')}` : '';
  const reasons = e.reasons.length > 0 ? ` (${e.reasons.join('; ')})` : '';
  const notReadyText = notReady.slice(0, 3).map((p) => `po/${p.name} ${p.status}`).join(', ');
  return `${c.bold(e.resource)} ${stateWord(e.state, c)}${rev}${counts === '' ? '' : ` · ${counts}`}${pods}${waiting}${reasons}${notReadyText === '' || e.state === 'ready' ? '' : c.dim(` [${notReadyText}${notReady.length > 3 ? ', …' : ''}]`)}`;
}

/** The line for any event in plain (non-terminal) output, or undefined for events not shown. */
export function eventLine(e: TrackEvent, c: Colors): string | undefined {
  switch (e.type) {
    case 'start':
      return c.dim(`tracking ${e.targets.join(', ')}`);
    case 'resolved': {
      const fence = Object.entries(e.fence).filter(([k]) => k !== 'startedAt').map(([k, v]) => `${k} ${String(v)}`).join(', ');
      return c.dim(`${e.resource} found in ${e.namespace === '' ? 'the cluster' : `namespace ${e.namespace}`}; tracking ${fence === '' ? 'its current state' : fence}${e.blocking ? '' : ' (non-blocking)'}${e.failMode === 'fail-fast' ? '' : ` (fail mode ${e.failMode})`}`);
    }
    case 'status':
      return statusLine(e, c);
    case 'k8s-event': {
      const kind = e.eventType === 'Warning' ? c.yellow(e.eventType) : c.dim(e.eventType);
      return `${e.resource} event ${e.object} ${kind} ${e.reason}: ${e.message}${e.count > 1 ? c.dim(` (x${e.count})`) : ''}`;
    }
    case 'log':
      return `${c.dim(logPrefix(e.resource, e.pod, e.container, e.previous))} ${e.line}`;
    case 'failure': {
      const allowance = e.count > e.allowed ? '' : c.dim(` (allowed: failure ${e.count} of ${e.allowed})`);
      return `${c.bold(e.resource)} ${c.red('ERROR')} ${e.object}: ${e.reason}: ${e.message}${allowance}`;
    }
    case 'notice':
      return `${e.resource === undefined ? '' : `${e.resource} `}${e.level === 'warning' ? c.yellow('warning') : c.dim('note')}: ${e.message}`;
    case 'ready':
      return `${c.bold(e.resource)} ${c.green('✔ ready')} after ${formatDuration(e.elapsedMs)}${e.reasons.length > 0 ? c.dim(` (${e.reasons.join('; ')})`) : ''}`;
    case 'failed':
      return `${c.bold(e.resource)} ${c.red('✖ failed')} after ${formatDuration(e.elapsedMs)}: ${e.reasons.join('; ')}`;
    case 'paused':
      return `${c.bold(e.resource)} ${c.yellow('⏸ paused')}: ${e.reasons.join('; ')}`;
    case 'done':
      return undefined;
  }
}

const outcomeMark = (r: ResourceResult, c: Colors): string => {
  switch (r.outcome) {
    case 'ready': return c.green('✔');
    case 'failed': return c.red('✖');
    case 'timeout': return c.red('⧗');
    case 'paused': return c.yellow('⏸');
    case 'ignored': return c.yellow('✖');
    case 'unfinished': return c.dim('…');
  }
};

/** The final summary: what became ready, what failed and why, with the last log lines of failing containers. */
export function summaryText(result: TrackResult, c: Colors): string {
  const lines: string[] = [];
  lines.push(c.bold(`Summary (${formatDuration(result.durationMs)})`));
  const width = Math.max(0, ...result.resources.map((r) => r.resource.length));
  for (const r of result.resources) {
    const when = r.elapsedMs === undefined ? '' : ` after ${formatDuration(r.elapsedMs)}`;
    const rev = r.revision === undefined ? '' : c.dim(` (revision ${r.revision})`);
    let what: string;
    switch (r.outcome) {
      case 'ready': what = `ready${when}${rev}`; break;
      case 'failed': what = `failed${when}: ${r.reasons.join('; ')}`; break;
      case 'ignored': what = `failed${when} (ignored by its fail mode): ${r.reasons.join('; ')}`; break;
      case 'timeout': what = `not ready in time${r.reasons.length > 0 ? `: ${r.reasons.join('; ')}` : ''}${r.waitingFor.length > 0 ? ` — waiting for ${r.waitingFor.join(', ')}` : ''}`; break;
      case 'paused': what = `paused: ${r.reasons.join('; ')}`; break;
      case 'unfinished': what = `${r.blocking ? 'unfinished' : 'not waited for (non-blocking)'}${r.waitingFor.length > 0 ? ` — waiting for ${r.waitingFor.join(', ')}` : ''}`; break;
    }
    lines.push(`  ${outcomeMark(r, c)} ${r.resource.padEnd(width)}  ${what}`);
    if (r.outcome === 'failed' || r.outcome === 'ignored' || r.outcome === 'timeout') {
      const said = r.reasons.join('\n');
      for (const f of r.failures.slice(-5)) {
        if (!said.includes(f.message)) lines.push(c.dim(`      ${f.object}: ${f.reason}: ${f.message}`));
      }
    }
    for (const l of r.logs) {
      const title = `${l.pod} ${l.container}${l.previous ? ' (previous run)' : ''}`;
      if (l.lines.length === 0) {
        lines.push(c.dim(`      last log lines of po/${title}: unavailable (${l.unavailable ?? 'no output'})`));
        continue;
      }
      lines.push(c.dim(`      last log lines of po/${title}:`));
      for (const line of l.lines) lines.push(`        ${c.dim('|')} ${line}`);
    }
  }
  const verdict = result.outcome === 'ready' ? c.green(result.message) : result.outcome === 'paused' ? c.yellow(result.message) : c.red(result.message);
  lines.push(`${c.bold('Result:')} ${result.outcome} — ${verdict}`);
  return lines.join('\n');
}

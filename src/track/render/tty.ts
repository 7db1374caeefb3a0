import type { StatusEvent, TrackEvent, TrackResult } from '../events.ts';
import { formatDuration } from '../model.ts';
import { eventLine, podLine, replicasText, summaryText, type Colors } from './format.ts';

// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;]*m/g;

/** Cuts a line to the terminal width, so the live block never wraps (wrapping would break redrawing in place). */
export function fit(line: string, columns: number): string {
  const plain = line.replace(ansi, '');
  if (plain.length <= columns) return line;
  return `${plain.slice(0, Math.max(0, columns - 1))}…`;
}

interface Entry {
  status?: StatusEvent;
  verdict?: string;
}

/**
 * The terminal view: events, logs and failures scroll; below them a live block shows each resource (replicas, pods of
 * the tracked revision, what it waits for), redrawn in place. Drawing is coalesced to once per turn of the event loop.
 */
export class LiveRenderer {
  private readonly out: NodeJS.WriteStream;
  private readonly c: Colors;
  private readonly entries = new Map<string, Entry>();
  private pending: string[] = [];
  private drawn = 0;
  private scheduled = false;
  private readonly ticker: NodeJS.Timeout;
  private readonly startedAt = Date.now();

  constructor(out: NodeJS.WriteStream, c: Colors) {
    this.out = out;
    this.c = c;
    this.ticker = setInterval(() => { this.schedule(); }, 1000);
    this.ticker.unref();
  }

  handle(e: TrackEvent): void {
    if (e.type === 'status') {
      const entry = this.entries.get(e.resource) ?? {};
      entry.status = e;
      this.entries.set(e.resource, entry);
    } else if (e.type === 'resolved') {
      this.entries.set(e.resource, {});
      const line = eventLine(e, this.c);
      if (line !== undefined) this.pending.push(line);
    } else if (e.type === 'ready' || e.type === 'failed') {
      const entry = this.entries.get(e.resource) ?? {};
      entry.verdict = e.type;
      this.entries.set(e.resource, entry);
      const line = eventLine(e, this.c);
      if (line !== undefined) this.pending.push(line);
    } else if (e.type !== 'done' && e.type !== 'start') {
      const line = eventLine(e, this.c);
      if (line !== undefined) this.pending.push(line);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private block(): string[] {
    const c = this.c;
    const lines: string[] = [];
    for (const [name, entry] of this.entries) {
      const s = entry.status;
      if (entry.verdict === 'ready') {
        lines.push(`${c.green('✔')} ${c.bold(name)} ready`);
        continue;
      }
      if (entry.verdict === 'failed') {
        lines.push(`${c.red('✖')} ${c.bold(name)} failed`);
        continue;
      }
      if (s === undefined) {
        lines.push(`${c.cyan('…')} ${c.bold(name)} ${c.dim('starting watches')}`);
        continue;
      }
      const counts = replicasText(s);
      lines.push(`${s.state === 'paused' ? c.yellow('⏸') : c.cyan('…')} ${c.bold(name)} ${s.state}${s.revision === undefined ? '' : c.dim(` rev ${s.revision}`)}${counts === '' ? '' : ` · ${counts}`}`);
      const tracked = s.pods.filter((p) => p.revision === 'tracked');
      for (const p of tracked.slice(0, 8)) lines.push(`    ${podLine(p, c)}`);
      if (tracked.length > 8) lines.push(c.dim(`    … ${tracked.length - 8} more pods of this revision`));
      const old = s.pods.length - tracked.length;
      if (old > 0) lines.push(c.dim(`    · ${old} pod${old === 1 ? '' : 's'} of older revisions`));
      if (s.reasons.length > 0) lines.push(c.dim(`    ${s.reasons.join('; ')}`));
      if (s.waitingFor.length > 0) lines.push(`    ${c.dim('waiting for:')} ${s.waitingFor.join(', ')}`);
    }
    lines.push(c.dim(`  ${formatDuration(Date.now() - this.startedAt)} elapsed`));
    return lines;
  }

  private draw(final = false): void {
    const columns = this.out.columns > 0 ? this.out.columns : 120;
    let text = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
    for (const line of this.pending) text += `${line}\n`;
    this.pending = [];
    if (!final) {
      const block = this.block().map((l) => fit(l, columns));
      text += block.map((l) => `${l}\n`).join('');
      this.drawn = block.length;
    } else {
      this.drawn = 0;
    }
    this.out.write(text);
  }

  finish(result: TrackResult, summary = true): void {
    clearInterval(this.ticker);
    this.draw(true);
    if (summary) this.out.write(`${summaryText(result, this.c)}\n`);
  }
}

import { readSource } from '../read-source.ts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LineCounter, parseAllDocuments, visit } from 'yaml';
import { groupOfApiVersion } from '../../api/groups.ts';
import type { Rollout } from '../../api/rollout.ts';
import { durationText, InvalidRolloutError, planTimeline, TimelineError, type Timeline, type TimelineWait } from '../../rollout/timeline.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';

interface PlanFlags {
  filename: string;
  replicas?: number;
  output: 'text' | 'json';
}

/** The Rollouts of a manifest file, and what was left out (for a note on stderr). */
export interface ManifestRollouts {
  rollouts: Rollout[];
  skipped: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads every Rollout of a multi-document YAML (or JSON) text, also from `kind: List` items. Other kinds are
 * skipped, not refused, so the file a team applies can be planned as it is. Syntax errors name the line.
 */
export function rolloutsFromManifests(text: string, source: string): ManifestRollouts {
  const out: ManifestRollouts = { rollouts: [], skipped: [] };
  const collect = (obj: unknown, where: string): void => {
    if (obj === null || obj === undefined) return;
    if (!isRecord(obj)) throw new ExitError(`${where}: expected a Kubernetes object, found ${Array.isArray(obj) ? 'a list' : `a ${typeof obj}`}`, ExitCode.usage);
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    if (kind === 'List' && Array.isArray(obj.items)) {
      obj.items.forEach((item, i) => {
        collect(item, `${where}, item ${i + 1}`);
      });
      return;
    }
    if (kind === 'Rollout' && groupOfApiVersion(apiVersion) !== undefined) {
      out.rollouts.push(obj as Rollout);
      return;
    }
    const name = isRecord(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
    out.skipped.push(`${where}: ${kind === '' ? 'an object without kind' : `${kind}${name === '' ? '' : `/${name}`}`}${apiVersion === '' ? '' : ` (${apiVersion})`}`);
  };

  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  documents.forEach((doc, i) => {
    const where = documents.length > 1 ? `${source} (document ${i + 1})` : source;
    const [error] = doc.errors;
    if (error !== undefined) {
      const [first = '', ...frame] = error.message.split('\n');
      const position = error.linePos?.[0];
      const message = first.replace(/ at line \d+, column \d+:$/, '');
      throw new ExitError(`${source}:${position === undefined ? '' : `${position.line}:${position.col}:`} ${message}${frame.length > 0 ? `\n${frame.join('\n').trimEnd()}` : ''}`, ExitCode.usage);
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (cause) {
      // toJS fails on aliases without an anchor, and its error has no position: find the alias to name the line.
      let position = '';
      visit(doc, {
        Alias(_, node) {
          if (node.resolve(doc) !== undefined || node.range === undefined || node.range === null) return undefined;
          const { line, col } = lineCounter.linePos(node.range[0]);
          position = `${line}:${col}:`;
          return visit.BREAK;
        },
      });
      throw new ExitError(`${position === '' ? `${where}:` : `${source}:${position}`} ${cause instanceof Error ? cause.message : String(cause)}`, ExitCode.usage);
    }
    collect(value, where);
  });
  return out;
}

function waitText(wait: TimelineWait): string {
  switch (wait.kind) {
    case 'none': return '-';
    case 'duration': return durationText(wait.ms);
    case 'promote': return 'waits for promote';
  }
}

/** "30s", "1m30s (+ 2 manual promotions)": the soonest the update can finish, and what a person must do. */
export function minimumDurationText(t: Timeline): string {
  const manual = t.manualPromotions === 0 ? '' : ` (+ ${t.manualPromotions} manual promotion${t.manualPromotions === 1 ? '' : 's'})`;
  return `${durationText(t.minimumDurationMs)}${manual}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((r) => (r[column] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, column) => (column === r.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 3))).join('').trimEnd()).join('\n');
}

/** The timeline as a person reads it: a kubectl-style header, the table of rows, the minimum duration. */
export function renderTimeline(t: Timeline): string {
  const strategy = t.strategy === 'canary' ? `canary (${t.steps ?? 0} step${t.steps === 1 ? '' : 's'})` : 'blue-green';
  const header: [string, string][] = [['Name:', t.name]];
  if (t.namespace !== undefined) header.push(['Namespace:', t.namespace]);
  header.push(['Strategy:', strategy], ['Replicas:', String(t.replicas)]);
  for (const note of t.notes) header.push(['Note:', note]);
  const rows = [
    ['STEP', 'ACTION', ...t.columns.map((c) => c.toUpperCase()), 'WEIGHT', 'WAIT'],
    ...t.rows.map((r) => [
      r.step === undefined ? '-' : `${r.step}/${t.steps ?? 0}`,
      r.action,
      ...t.columns.map((c) => String(r.replicas[c] ?? 0)),
      `${r.weight}%`,
      waitText(r.wait),
    ]),
  ];
  return `${table(header)}\n\n${table(rows)}\n\nminimum duration: ${minimumDurationText(t)}\n`;
}

/** `-o json`: every plan of the file, in file order (see docs/plan.md for the fields). */
export function renderTimelinesJson(timelines: readonly Timeline[]): string {
  return `${JSON.stringify({ plans: timelines }, null, 2)}\n`;
}

/** Plans each Rollout; all invalid ones are reported together, so one run shows every mistake in the file. */
export function planTimelines(rollouts: readonly Rollout[], source: string, replicas?: number): Timeline[] {
  const timelines: Timeline[] = [];
  const invalid: string[] = [];
  for (const rollout of rollouts) {
    try {
      timelines.push(planTimeline(rollout, replicas === undefined ? {} : { replicas }));
    } catch (error) {
      if (error instanceof InvalidRolloutError) {
        invalid.push(`Rollout "${error.rolloutName}" is invalid:${error.issues.map((i) => `\n  ${i.field}: ${i.message}`).join('')}`);
      } else if (error instanceof TimelineError) {
        throw new ExitError(`${source}: cannot plan Rollout "${rollout.metadata.name ?? ''}": ${error.message}`, ExitCode.failed, { cause: error });
      } else {
        throw error;
      }
    }
  }
  if (invalid.length > 0) throw new ExitError(`${source}: ${invalid.join(`\n${source}: `)}`, ExitCode.usage);
  return timelines;
}


function replicaCount(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

export function planCommand(): Command {
  return new Command('plan')
    .description('Print the timeline of a Rollout update before it runs: steps, pods, weights, pauses (no cluster needed)')
    .requiredOption('-f, --filename <file>', 'manifest with one or more Rollouts ("-" for stdin); other kinds are skipped')
    .option('--replicas <n>', 'plan with this many replicas instead of spec.replicas', replicaCount)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExample:\n  aviary plan -f rollout.yaml --replicas 10')
    // addCommand does not pass the program's exitOverride down: without it, a bad flag would exit 1, not 64.
    .exitOverride()
    .action(async (flags: PlanFlags) => {
      const source = flags.filename === '-' ? 'stdin' : flags.filename;
      const { rollouts, skipped } = rolloutsFromManifests(await readSource(flags.filename), source);
      for (const what of skipped) process.stderr.write(`skipping ${what}: only Rollouts are planned\n`);
      if (rollouts.length === 0) throw new ExitError(`${source}: no Rollout found (apiVersion aviary.dev/v1alpha1 or argoproj.io/v1alpha1, kind Rollout)`, ExitCode.usage);
      const timelines = planTimelines(rollouts, source, flags.replicas);
      process.stdout.write(flags.output === 'json' ? renderTimelinesJson(timelines) : timelines.map(renderTimeline).join('\n'));
    });
}

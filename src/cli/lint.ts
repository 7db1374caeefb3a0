/**
 * `aviary lint`: checks the Rollouts of a manifest (multi-document YAML or JSON, `kind: List` too) before they are
 * applied, each finding with the file, line and column of the offending field:
 * - the schema the API server admits (types, ranges, one field per step, the CRD's CEL rules), and fields the API
 *   server would silently drop (a misspelt `setweight:` disappears on apply);
 * - the controller's semantic checks (src/rollout/validate.ts: selector/template labels, traffic-routing-only
 *   fields, ...), so lint and the controller's InvalidSpec never disagree — on Rollouts the schema admits, as in
 *   the cluster (fix the schema errors first);
 * - references to Services and AnalysisTemplates the file does not define: errors when the file defines objects of
 *   that kind (a typo, most likely), warnings when it defines none (they may already be in the cluster);
 * - AnalysisTemplates, ClusterAnalysisTemplates and AnalysisRuns: their schema, unknown fields, and the syntax of
 *   each metric's successCondition / failureCondition (an error the controller would otherwise report only at the
 *   first measurement, minutes into a release).
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { groupOfApiVersion } from '../api/groups.ts';
import type { Rollout, RolloutAnalysis } from '../api/rollout.ts';
import { unknownObjectFields, unknownRolloutFields, validateObjectSchema, validateRolloutSchema } from '../api/validate.ts';
import { compile, ExprSyntaxError } from '../analysis/expr/index.ts';
import { validateRollout } from '../rollout/validate.ts';

export interface LintFinding {
  severity: 'error' | 'warning';
  source: string;
  line?: number;
  column?: number;
  /** e.g. `Rollout "web"`; absent for findings about the file itself. */
  object?: string;
  /** Dotted path of the field, e.g. spec.strategy.canary.steps[1].setWeight. */
  path?: string;
  message: string;
}

export interface LintResult {
  findings: LintFinding[];
  rollouts: number;
  /** AnalysisTemplates, ClusterAnalysisTemplates and AnalysisRuns checked. */
  analysis: number;
}

const analysisKinds: ReadonlySet<string> = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun']);

type Segment = string | number;

/** `spec.steps[0]["odd/key"]` → ['spec', 'steps', 0, 'odd/key']. */
export function pathSegments(path: string): Segment[] {
  const out: Segment[] = [];
  const token = /\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let match: RegExpExecArray | null;
  while ((match = token.exec(path)) !== null) {
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[3] !== undefined) out.push(JSON.parse(match[3]) as string);
    if (token.lastIndex >= path.length) break;
  }
  return out;
}

/** Where a field is in the document: its key (or list item), or the nearest enclosing one that exists. */
function locate(doc: Document, base: readonly Segment[], path: string, lines: LineCounter): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0];
  for (const segment of [...base, ...pathSegments(path)]) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] } | undefined;
      if (item === undefined) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

interface Located {
  value: Record<string, unknown>;
  doc: Document;
  base: Segment[];
  where: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function analysisRefs(rollout: Rollout): { path: string; name: string; cluster: boolean }[] {
  const refs: { path: string; name: string; cluster: boolean }[] = [];
  const add = (analysis: RolloutAnalysis | undefined, path: string): void => {
    (analysis?.templates ?? []).forEach((t, i) => {
      if (t.templateName !== undefined && t.templateName !== '') refs.push({ path: `${path}.templates[${i}].templateName`, name: t.templateName, cluster: t.clusterScope === true });
    });
  };
  const canary = rollout.spec.strategy?.canary;
  add(canary?.analysis, 'spec.strategy.canary.analysis');
  (canary?.steps ?? []).forEach((step, i) => {
    add(step.analysis, `spec.strategy.canary.steps[${i}].analysis`);
    (step.experiment?.analyses ?? []).forEach((a, j) => {
      refs.push({ path: `spec.strategy.canary.steps[${i}].experiment.analyses[${j}].templateName`, name: a.templateName, cluster: a.clusterScope === true });
    });
  });
  const blueGreen = rollout.spec.strategy?.blueGreen;
  add(blueGreen?.prePromotionAnalysis, 'spec.strategy.blueGreen.prePromotionAnalysis');
  add(blueGreen?.postPromotionAnalysis, 'spec.strategy.blueGreen.postPromotionAnalysis');
  return refs;
}

function serviceRefs(rollout: Rollout): { path: string; name: string }[] {
  const { canary, blueGreen } = rollout.spec.strategy ?? {};
  const refs = [
    { path: 'spec.strategy.canary.canaryService', name: canary?.canaryService },
    { path: 'spec.strategy.canary.stableService', name: canary?.stableService },
    { path: 'spec.strategy.canary.pingPong.pingService', name: canary?.pingPong?.pingService },
    { path: 'spec.strategy.canary.pingPong.pongService', name: canary?.pingPong?.pongService },
    { path: 'spec.strategy.blueGreen.activeService', name: blueGreen?.activeService },
    { path: 'spec.strategy.blueGreen.previewService', name: blueGreen?.previewService },
  ];
  return refs.filter((r): r is { path: string; name: string } => r.name !== undefined && r.name !== '');
}

/** Lints every Rollout of a manifest text; `source` names it in findings. */
export function lintManifests(text: string, source: string): LintResult {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines });
  const findings: LintFinding[] = [];
  const objects: Located[] = [];
  documents.forEach((doc, i) => {
    const where = documents.length > 1 ? `document ${i + 1}` : '';
    for (const error of doc.errors) {
      const pos = error.linePos?.[0];
      findings.push({ severity: 'error', source, ...(pos === undefined ? {} : { line: pos.line, column: pos.col }), message: `invalid YAML: ${error.message.split('\n')[0] ?? ''}` });
    }
    if (doc.errors.length > 0) return;
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (error) {
      findings.push({ severity: 'error', source, message: `${where === '' ? '' : `${where}: `}${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    if (value === null || value === undefined) return;
    if (!isRecord(value)) {
      findings.push({ severity: 'error', source, ...(locate(doc, [], '', lines) ?? {}), message: `${where === '' ? 'the document' : where} is not a Kubernetes object` });
      return;
    }
    if (value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item, j) => {
        if (isRecord(item)) objects.push({ value: item, doc, base: ['items', j], where });
      });
    } else {
      objects.push({ value, doc, base: [], where });
    }
  });

  const kindOf = (o: Located): string => (typeof o.value.kind === 'string' ? o.value.kind : '');
  const nameOf = (o: Located): string => (isRecord(o.value.metadata) && typeof o.value.metadata.name === 'string' ? o.value.metadata.name : '');
  const services = new Set(objects.filter((o) => kindOf(o) === 'Service' && o.value.apiVersion === 'v1').map(nameOf));
  const templates = new Set(objects.filter((o) => kindOf(o) === 'AnalysisTemplate').map(nameOf));
  const clusterTemplates = new Set(objects.filter((o) => kindOf(o) === 'ClusterAnalysisTemplate').map(nameOf));
  const ours = (o: Located): boolean => typeof o.value.apiVersion === 'string' && groupOfApiVersion(o.value.apiVersion) !== undefined;
  const rollouts = objects.filter((o) => kindOf(o) === 'Rollout' && ours(o));
  const analysisObjects = objects.filter((o) => analysisKinds.has(kindOf(o)) && ours(o));

  for (const o of analysisObjects) {
    const object = `${kindOf(o)} "${nameOf(o) || '(no name)'}"`;
    const add = (path: string, message: string): void => {
      findings.push({ severity: 'error', source, ...(locate(o.doc, o.base, path, lines) ?? {}), object, ...(path === '' ? {} : { path }), message });
    };
    if (nameOf(o) === '') add('metadata.name', 'is required');
    const schema = validateObjectSchema(o.value);
    for (const issue of schema) add(issue.path, issue.message);
    for (const path of unknownObjectFields(o.value)) add(path, 'unknown field: the API server would drop it silently (misspelt?)');
    if (schema.length === 0) {
      for (const issue of conditionIssues(o.value)) add(issue.path, issue.message);
    }
  }

  for (const o of rollouts) {
    const object = `Rollout "${nameOf(o) || '(no name)'}"`;
    const add = (severity: LintFinding['severity'], path: string, message: string): void => {
      findings.push({ severity, source, ...(locate(o.doc, o.base, path, lines) ?? {}), object, ...(path === '' ? {} : { path }), message });
    };
    if (nameOf(o) === '') add('error', 'metadata.name', 'is required');
    const schema = validateRolloutSchema(o.value);
    for (const issue of schema) add('error', issue.path, issue.message);
    for (const path of unknownRolloutFields(o.value)) add('error', path, 'unknown field: the API server would drop it silently (misspelt?)');

    const rollout = o.value as unknown as Rollout;
    const referenced = serviceRefs(rollout);
    // Without any Service in the file, referenced Services are assumed to be in the cluster (a warning below).
    const known = services.size > 0 ? services : new Set(referenced.map((r) => r.name));
    // As in the cluster, the semantic checks see only objects the schema admits: on values of the wrong type they
    // would report consequences of the schema errors, not new problems.
    if (schema.length === 0) {
      for (const issue of validateRollout(rollout, known)) add('error', issue.field, issue.message);
    }
    if (services.size === 0) {
      for (const ref of referenced) add('warning', ref.path, `Service "${ref.name}" is not defined in this file; it must exist in the Rollout's namespace`);
    }
    const anyTemplates = templates.size + clusterTemplates.size > 0;
    for (const ref of analysisRefs(rollout)) {
      if ((ref.cluster ? clusterTemplates : templates).has(ref.name)) continue;
      const kind = ref.cluster ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
      if (anyTemplates) add('error', ref.path, `${kind} "${ref.name}" is not defined in this file`);
      else add('warning', ref.path, `${kind} "${ref.name}" is not defined in this file; it must exist in the cluster`);
    }
  }
  findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { findings, rollouts: rollouts.length, analysis: analysisObjects.length };
}

/** Syntax errors in the metrics' conditions; conditions with `{{args.…}}` are checked once resolved, in a run. */
function conditionIssues(obj: Record<string, unknown>): { path: string; message: string }[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  const issues: { path: string; message: string }[] = [];
  metrics.forEach((metric, i) => {
    if (!isRecord(metric)) return;
    for (const field of ['successCondition', 'failureCondition'] as const) {
      const source = metric[field];
      if (typeof source !== 'string' || source.trim() === '' || source.includes('{{')) continue;
      try {
        compile(source);
      } catch (error) {
        if (!(error instanceof ExprSyntaxError)) throw error;
        issues.push({ path: `spec.metrics[${String(i)}].${field}`, message: error.message });
      }
    }
  });
  return issues;
}

/** `file:line:col: error: Rollout "web": spec.replicas: Expected integer` */
export function findingLine(f: LintFinding): string {
  const position = f.line === undefined ? '' : `:${f.line}:${f.column ?? 1}`;
  const subject = [f.object, f.path].filter((p) => p !== undefined && p !== '').join(': ');
  return `${f.source}${position}: ${f.severity}: ${subject === '' ? '' : `${subject}: `}${f.message}`;
}

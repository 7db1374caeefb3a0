/**
 * From a Rollout's analysis reference (`steps[].analysis`, `canary.analysis`, `blueGreen.pre/postPromotionAnalysis`)
 * to the spec of the AnalysisRun that carries it out. Pure: templates come in as maps, the Rollout and the pod
 * template hashes as values, so the Rollout planner and `aviary plan` resolve the same way.
 *
 * What it does, as Argo Rollouts does:
 * - templates are looked up by name (AnalysisTemplates in the Rollout's namespace, ClusterAnalysisTemplates with
 *   `clusterScope: true`), nested `spec.templates` followed recursively; a template reached twice counts once;
 * - metrics are concatenated, AnalysisTemplates first, then ClusterAnalysisTemplates; two metrics of one name are
 *   an error;
 * - template arguments are combined (the same name with two different values is an error; a value fills an
 *   argument declared without one), then the Rollout's arguments fill the template arguments of the same name;
 *   an argument left with no value and no valueFrom is an error;
 * - Rollout-side `valueFrom` is resolved here: `podTemplateHashValue: Stable|Latest`, `fieldRef` on the Rollout;
 * - `dryRun` and `measurementRetention` rules of the Rollout and of the templates are combined; a metric named by
 *   two rules of one kind is an error.
 *
 * Differences, on purpose: a cycle of nested templates is an error naming the chain (Argo recurses until the stack
 * overflows), and an error says which template brought in what.
 */
import type {
  AnalysisRunSpec,
  AnalysisTemplate,
  AnalysisTemplateRef,
  Argument,
  ClusterAnalysisTemplate,
  Metric,
} from '../api/analysis.ts';
import type { AnalysisRunArgument, DryRun, MeasurementRetention, Rollout, RolloutAnalysis } from '../api/rollout.ts';

/** The templates a Rollout may reference. */
export interface TemplateCatalog {
  /** AnalysisTemplates of the Rollout's namespace, by name. */
  templates: ReadonlyMap<string, AnalysisTemplate>;
  /** ClusterAnalysisTemplates, by name. */
  clusterTemplates: ReadonlyMap<string, ClusterAnalysisTemplate>;
}

/** What Rollout-side argument values are taken from. */
export interface ArgumentSources {
  /** The Rollout as stored (fieldRef paths address it, status included). */
  rollout: Rollout;
  /** Pod template hash of the stable ReplicaSet (podTemplateHashValue: Stable). */
  stableHash: string;
  /** Pod template hash of the ReplicaSet being released (podTemplateHashValue: Latest). */
  latestHash: string;
}

/** A problem with an analysis reference; `field` is relative to the RolloutAnalysis (e.g. `templates[1]`). */
export interface AnalysisIssue {
  field: string;
  message: string;
}

export type AnalysisResolution = { ok: true; spec: AnalysisRunSpec } | { ok: false; issue: AnalysisIssue };

type TemplateKind = 'AnalysisTemplate' | 'ClusterAnalysisTemplate';

/** A reference to a template, from a Rollout (RolloutAnalysisTemplate) or nested in a template (AnalysisTemplateRef). */
type TemplateRef = Pick<AnalysisTemplateRef, 'clusterScope'> & { templateName?: string | undefined };

interface FoundTemplate {
  kind: TemplateKind;
  name: string;
  template: AnalysisTemplate;
}

class ResolutionError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'ResolutionError';
    this.field = field;
  }
}

/** `AnalysisTemplate "name"`: how messages name a template. */
function describe(kind: TemplateKind, name: string): string {
  return `${kind} "${name}"`;
}

/** The key of a template in templateKeys(): `AnalysisTemplate/name` or `ClusterAnalysisTemplate/name`. */
export function templateKey(kind: TemplateKind, name: string): string {
  return `${kind}/${name}`;
}

function kindOf(ref: TemplateRef): TemplateKind {
  return ref.clusterScope === true ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
}

function lookup(catalog: TemplateCatalog, kind: TemplateKind, name: string): AnalysisTemplate | undefined {
  return kind === 'AnalysisTemplate' ? catalog.templates.get(name) : catalog.clusterTemplates.get(name);
}

/**
 * Every template reachable from the references, nested ones included, in the order Argo flattens them
 * (AnalysisTemplates first, then ClusterAnalysisTemplates, each in depth-first order). Throws a ResolutionError
 * for a missing template or a cycle.
 */
function collectTemplates(refs: readonly TemplateRef[], catalog: TemplateCatalog): FoundTemplate[] {
  const found: FoundTemplate[] = [];
  const done = new Set<string>();
  const visit = (kind: TemplateKind, name: string, chain: readonly string[], field: string): void => {
    const key = templateKey(kind, name);
    if (chain.includes(key)) {
      const loop = [...chain.slice(chain.indexOf(key)), key].map(describeKey);
      throw new ResolutionError(field, `nested templates form a cycle: ${loop.join(' → ')}`);
    }
    if (done.has(key)) return;
    const template = lookup(catalog, kind, name);
    if (template === undefined) {
      const via = chain.length === 0 ? '' : ` (referenced by ${describeKey(chain[chain.length - 1] ?? '')})`;
      throw new ResolutionError(field, `${describe(kind, name)} not found${via}`);
    }
    done.add(key);
    found.push({ kind, name, template });
    for (const nested of template.spec.templates ?? []) visit(kindOf(nested), nested.templateName, [...chain, key], field);
  };
  refs.forEach((ref, i) => {
    const name = ref.templateName ?? '';
    if (name === '') throw new ResolutionError(`templates[${i}].templateName`, 'required: the name of an AnalysisTemplate (or, with clusterScope, a ClusterAnalysisTemplate)');
    visit(kindOf(ref), name, [], `templates[${i}]`);
  });
  return [...found.filter((t) => t.kind === 'AnalysisTemplate'), ...found.filter((t) => t.kind === 'ClusterAnalysisTemplate')];
}

function describeKey(key: string): string {
  const slash = key.indexOf('/');
  return describe(key.slice(0, slash) as TemplateKind, key.slice(slash + 1));
}

/**
 * The keys (templateKey) of every template the references reach, including ones that do not exist (yet): a Rollout
 * that waits for a missing template must be looked at again when it appears.
 */
export function templateKeys(refs: readonly TemplateRef[], catalog: TemplateCatalog): Set<string> {
  const keys = new Set<string>();
  const visit = (kind: TemplateKind, name: string): void => {
    const key = templateKey(kind, name);
    if (keys.has(key)) return;
    keys.add(key);
    for (const nested of lookup(catalog, kind, name)?.spec.templates ?? []) visit(kindOf(nested), nested.templateName);
  };
  for (const ref of refs) if ((ref.templateName ?? '') !== '') visit(kindOf(ref), ref.templateName ?? '');
  return keys;
}

function flattenMetrics(found: readonly FoundTemplate[]): Metric[] {
  const owner = new Map<string, string>();
  const metrics: Metric[] = [];
  for (const { kind, name, template } of found) {
    for (const metric of template.spec.metrics ?? []) {
      const first = owner.get(metric.name);
      if (first !== undefined) {
        throw new ResolutionError('templates', `metric "${metric.name}" is defined by both ${first} and ${describe(kind, name)}; metric names must be unique across the templates of one analysis`);
      }
      owner.set(metric.name, describe(kind, name));
      metrics.push(structuredClone(metric));
    }
  }
  return metrics;
}

/** Template arguments combined: one entry per name, a value winning over none, two different values an error. */
function flattenArgs(found: readonly FoundTemplate[]): { args: Argument[]; declaredBy: Map<string, string> } {
  const args: Argument[] = [];
  const declaredBy = new Map<string, string>();
  for (const { kind, name, template } of found) {
    for (const arg of template.spec.args ?? []) {
      const index = args.findIndex((a) => a.name === arg.name);
      const previous = args[index];
      if (previous === undefined) {
        args.push(structuredClone(arg));
        declaredBy.set(arg.name, describe(kind, name));
        continue;
      }
      if (previous.value !== undefined && arg.value !== undefined && previous.value !== arg.value) {
        throw new ResolutionError('templates', `argument "${arg.name}" has two values: "${previous.value}" in ${declaredBy.get(arg.name) ?? '?'} and "${arg.value}" in ${describe(kind, name)}`);
      }
      if (previous.value === undefined && previous.valueFrom === undefined) {
        args[index] = structuredClone(arg);
        declaredBy.set(arg.name, describe(kind, name));
      }
    }
  }
  return { args, declaredBy };
}

/** Rollout arguments with their valueFrom resolved to plain values; arguments with neither are left out. */
function rolloutArgumentValues(args: readonly AnalysisRunArgument[], sources: ArgumentSources): Map<string, string> {
  const values = new Map<string, string>();
  args.forEach((arg, i) => {
    const { valueFrom } = arg;
    if (valueFrom?.podTemplateHashValue !== undefined) {
      values.set(arg.name, valueFrom.podTemplateHashValue === 'Latest' ? sources.latestHash : sources.stableHash);
    } else if (valueFrom?.fieldRef !== undefined) {
      const field = `args[${i}].valueFrom.fieldRef.fieldPath`;
      try {
        values.set(arg.name, rolloutFieldValue(sources.rollout, valueFrom.fieldRef.fieldPath));
      } catch (error) {
        throw new ResolutionError(field, error instanceof Error ? error.message : String(error));
      }
    } else if (arg.value !== undefined) {
      values.set(arg.name, arg.value);
    }
  });
  return values;
}

function mergeRules<T extends DryRun | MeasurementRetention>(what: string, field: string, rollout: readonly T[], found: readonly FoundTemplate[], pick: (t: AnalysisTemplate) => readonly T[] | undefined): T[] {
  const rules: T[] = rollout.map((r) => structuredClone(r));
  const origin = new Map<string, string>(rollout.map((r) => [r.metricName, 'the Rollout']));
  for (const { kind, name, template } of found) {
    for (const rule of pick(template) ?? []) {
      const first = origin.get(rule.metricName);
      if (first !== undefined) {
        throw new ResolutionError(field, `two ${what} rules for metric "${rule.metricName}": in ${first} and in ${describe(kind, name)}`);
      }
      origin.set(rule.metricName, describe(kind, name));
      rules.push(structuredClone(rule));
    }
  }
  return rules;
}

/**
 * The AnalysisRun spec for one analysis reference of a Rollout, or the issue that prevents it (the field is
 * relative to the reference, e.g. `templates[0]` or `args[1].valueFrom.fieldRef.fieldPath`).
 */
export function resolveRolloutAnalysis(analysis: RolloutAnalysis, catalog: TemplateCatalog, sources: ArgumentSources): AnalysisResolution {
  try {
    const refs = analysis.templates ?? [];
    if (refs.length === 0) throw new ResolutionError('templates', 'required: at least one template to run');
    const found = collectTemplates(refs, catalog);
    const metrics = flattenMetrics(found);
    if (metrics.length === 0) throw new ResolutionError('templates', `the templates define no metric (${found.map((t) => describe(t.kind, t.name)).join(', ')})`);
    const { args, declaredBy } = flattenArgs(found);
    const given = rolloutArgumentValues(analysis.args ?? [], sources);
    const merged = args.map((arg): Argument => {
      const value = given.get(arg.name);
      // A value from the Rollout replaces the template's valueFrom: a run argument may not carry both.
      return value === undefined ? arg : { name: arg.name, value };
    });
    const unresolved = merged.find((a) => a.value === undefined && a.valueFrom === undefined);
    if (unresolved !== undefined) {
      throw new ResolutionError('args', `argument "${unresolved.name}" of ${declaredBy.get(unresolved.name) ?? 'a template'} has no value: give it one in the Rollout's args`);
    }
    const dryRun = mergeRules('dryRun', 'dryRun', analysis.dryRun ?? [], found, (t) => t.spec.dryRun);
    const measurementRetention = mergeRules('measurementRetention', 'measurementRetention', analysis.measurementRetention ?? [], found, (t) => t.spec.measurementRetention);
    const spec: AnalysisRunSpec = { metrics };
    if (merged.length > 0) spec.args = merged;
    if (dryRun.length > 0) spec.dryRun = dryRun;
    if (measurementRetention.length > 0) spec.measurementRetention = measurementRetention;
    return { ok: true, spec };
  } catch (error) {
    if (error instanceof ResolutionError) return { ok: false, issue: { field: error.field, message: error.message } };
    throw error;
  }
}

/** `labels['app']`, `annotations["a.b/c"]`: a map key in brackets, quoted. */
const subscript = /^(labels|annotations)\[(?:'([^']*)'|"([^"]*)")\]$/;

/**
 * The value of a field of the Rollout as text. `metadata.*` follows the Kubernetes downward API (name, namespace,
 * uid, labels['k'], annotations['k'], where a missing key gives ""); any other path (`spec.template.spec.containers[0].image`,
 * `status.stableRS`) walks the object and must end at a string, number or boolean.
 */
export function rolloutFieldValue(rollout: Rollout, fieldPath: string): string {
  if (fieldPath.startsWith('metadata.')) {
    const rest = fieldPath.slice('metadata.'.length);
    const { metadata } = rollout;
    if (rest === 'name') return metadata.name ?? '';
    if (rest === 'namespace') return metadata.namespace ?? '';
    if (rest === 'uid') return metadata.uid ?? '';
    const match = subscript.exec(rest);
    if (match !== null) {
      const map = match[1] === 'labels' ? metadata.labels : metadata.annotations;
      return map?.[match[2] ?? match[3] ?? ''] ?? '';
    }
    throw new Error(`unsupported fieldPath "${fieldPath}": metadata supports name, namespace, uid, labels['key'] and annotations['key']`);
  }
  const sections = fieldPath.split(/[.[\]]+/).filter((s) => s !== '');
  if (sections.length === 0) throw new Error('fieldPath is empty');
  let node: unknown = rollout;
  for (const section of sections) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(section)) throw new Error(`fieldPath "${fieldPath}": "${section}" is not an index of a list`);
      const index = Number(section);
      if (index >= node.length) throw new Error(`fieldPath "${fieldPath}": index ${index} is out of range (the list has ${node.length} items)`);
      node = node[index];
    } else if (typeof node === 'object' && node !== null) {
      node = Object.hasOwn(node, section) ? (node as Record<string, unknown>)[section] : undefined;
    } else {
      node = undefined;
    }
    if (node === undefined || node === null) throw new Error(`fieldPath "${fieldPath}" does not exist in the Rollout`);
  }
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  throw new Error(`fieldPath "${fieldPath}" must end at a string, number or boolean, not at ${Array.isArray(node) ? 'a list' : 'an object'}`);
}

/**
 * Schema validation for objects of Aviary's kinds, outside the API server: `aviary lint` checks manifests with
 * it, and the controller turns its findings into an InvalidSpec condition. It applies the same schema as the CRD,
 * including the CEL rules (through their JavaScript twins), so a manifest that passes here is admitted by the API
 * server, and the reverse.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { AnalysisRunSchema, AnalysisTemplateSchema, ClusterAnalysisTemplateSchema } from './analysis.ts';
import { RolloutSchema } from './rollout.ts';
import { isRecord, isTransitionRule, ruleCheck, type CelRule } from './schema-helpers.ts';

export interface SchemaIssue {
  /** Dotted path of the offending field, e.g. `spec.strategy.canary.steps[0].setWeight`; '' for the object itself. */
  path: string;
  message: string;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Appends one path segment: `.name`, `[3]` for list items, `["odd/key"]` for keys that are not identifiers. */
export function joinPath(base: string, segment: string | number): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  if (!identifier.test(segment)) return `${base}[${JSON.stringify(segment)}]`;
  return base === '' ? segment : `${base}.${segment}`;
}

/** Turns a JSON pointer (`/spec/steps/0/setWeight`) into a dotted path, reading `root` to tell list indexes apart. */
export function pointerToPath(pointer: string, root: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(segment)) {
      const index = Number(segment);
      path = joinPath(path, index);
      current = current[index];
    } else {
      path = joinPath(path, segment);
      current = isRecord(current) ? current[segment] : undefined;
    }
  }
  return path;
}

/** Removes object properties whose value is null, as the API server does before validating a custom resource. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = dropNulls(item);
  return out;
}

function messageOf(type: ValueErrorType, schema: TSchema, fallback: string): string {
  if (type === ValueErrorType.ObjectRequiredProperty) return 'is required';
  const custom = (schema as { errorMessage?: unknown }).errorMessage;
  return typeof custom === 'string' ? custom : fallback;
}

/**
 * `x-kubernetes-list-type: map` lists: the API server refuses two items with the same key values. Reported at the
 * later item's key (its only key) or the item itself (several keys).
 */
function listMapDuplicates(node: Record<string, unknown>, items: unknown[], path: string, out: SchemaIssue[]): void {
  const keys = node['x-kubernetes-list-map-keys'];
  if (node['x-kubernetes-list-type'] !== 'map' || !Array.isArray(keys)) return;
  const names = keys.filter((key): key is string => typeof key === 'string');
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    if (!isRecord(item)) return;
    const identity = JSON.stringify(names.map((key) => item[key]));
    const first = firstIndex.get(identity);
    if (first === undefined) {
      firstIndex.set(identity, index);
      return;
    }
    const [only] = names;
    const at = joinPath(path, index);
    out.push({
      path: names.length === 1 && only !== undefined ? joinPath(at, only) : at,
      message: `duplicate ${names.join('/')}: item ${String(first)} has the same`,
    });
  });
}

/** Walks schema and value together and runs the JavaScript twin of every CEL rule met on the way. */
function ruleIssues(schema: TSchema, value: unknown, oldValue: unknown, path: string, out: SchemaIssue[]): void {
  if (value === undefined) return;
  const node = schema as TSchema & Record<string, unknown>;
  const rules = node['x-kubernetes-validations'] as CelRule[] | undefined;
  for (const { rule, message } of rules ?? []) {
    if (isTransitionRule(rule) && oldValue === undefined) continue;
    const check = ruleCheck(rule);
    if (check === undefined) continue;
    let outcome: boolean | string[];
    try {
      outcome = check(value, oldValue);
    } catch {
      outcome = true;
    }
    if (outcome === false) out.push({ path, message });
    if (Array.isArray(outcome)) {
      for (const relative of outcome) {
        out.push({ path: path === '' ? relative : relative.startsWith('[') ? path + relative : `${path}.${relative}`, message });
      }
    }
  }
  switch (node[Kind]) {
    case 'Object': {
      if (!isRecord(value)) return;
      const properties = (node.properties ?? {}) as Record<string, TSchema>;
      for (const [name, property] of Object.entries(properties)) {
        ruleIssues(property, value[name], isRecord(oldValue) ? oldValue[name] : undefined, joinPath(path, name), out);
      }
      return;
    }
    case 'Record': {
      if (!isRecord(value)) return;
      const [item] = Object.values((node.patternProperties ?? {}) as Record<string, TSchema>);
      if (item === undefined) return;
      for (const [key, entry] of Object.entries(value)) {
        ruleIssues(item, entry, isRecord(oldValue) ? oldValue[key] : undefined, joinPath(path, key), out);
      }
      return;
    }
    case 'Array': {
      if (!Array.isArray(value)) return;
      listMapDuplicates(node, value, path, out);
      // List items are not matched with the old list's items, so no transition rules.
      value.forEach((item, index) => {
        ruleIssues(node.items as TSchema, item, undefined, joinPath(path, index), out);
      });
      return;
    }
    default:
      return;
  }
}

/**
 * Validates `value` against a kind's schema: structure, types and ranges (TypeBox) and the CEL rules. Transition
 * rules (those comparing with the previous object, like selector immutability) run only when `oldValue` is given.
 * Returns one issue per offending path, in schema order; an empty list means valid.
 */
export function validateAgainstSchema(schema: TSchema, value: unknown, oldValue?: unknown): SchemaIssue[] {
  const subject = dropNulls(value);
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, subject)) {
    const path = pointerToPath(error.path, subject);
    if (seen.has(path)) continue;
    seen.add(path);
    issues.push({ path, message: messageOf(error.type, error.schema, error.message) });
  }
  const ruleFindings: SchemaIssue[] = [];
  ruleIssues(schema, subject, oldValue === undefined ? undefined : dropNulls(oldValue), '', ruleFindings);
  const reported = new Set(issues.map((issue) => issue.path));
  for (const issue of ruleFindings) {
    // One issue per path for type errors; several rules may fail on one node, each is reported once.
    const key = `${issue.path}\u0000${issue.message}`;
    if (reported.has(issue.path) || seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

/**
 * Validates a Rollout (of any group) the way the API server would admit it. Pass the stored object as `oldObj`
 * to also check update rules (the selector is immutable).
 */
export function validateRolloutSchema(obj: unknown, oldObj?: unknown): SchemaIssue[] {
  return validateAgainstSchema(RolloutSchema, obj, oldObj);
}

/**
 * Fields present in `value` that the schema does not know. The API server drops them silently (pruning), so a
 * linter should warn: a misspelt `bluegreen:` or `setweight:` otherwise just disappears.
 */
export function unknownFields(schema: TSchema, value: unknown, path = ''): string[] {
  const node = schema as TSchema & Record<string, unknown>;
  if (node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true) return [];
  switch (node[Kind]) {
    case 'Object': {
      if (!isRecord(value)) return [];
      const properties = (node.properties ?? {}) as Record<string, TSchema>;
      return Object.entries(value).flatMap(([key, item]) => {
        const property = properties[key];
        const itemPath = joinPath(path, key);
        return property === undefined ? [itemPath] : unknownFields(property, item, itemPath);
      });
    }
    case 'Record': {
      if (!isRecord(value)) return [];
      const [item] = Object.values((node.patternProperties ?? {}) as Record<string, TSchema>);
      if (item === undefined) return [];
      return Object.entries(value).flatMap(([key, entry]) => unknownFields(item, entry, joinPath(path, key)));
    }
    case 'Array':
      if (!Array.isArray(value)) return [];
      return value.flatMap((item, index) => unknownFields(node.items as TSchema, item, joinPath(path, index)));
    default:
      return [];
  }
}

/** Unknown fields of a Rollout (see unknownFields). Root metadata is checked loosely: only spec and status count. */
export function unknownRolloutFields(obj: unknown): string[] {
  if (!isRecord(obj)) return [];
  const { metadata: _metadata, ...rest } = obj;
  return unknownFields(RolloutSchema, rest);
}

/** Validates an AnalysisTemplate (of any group) the way the API server would admit it. */
export function validateAnalysisTemplateSchema(obj: unknown): SchemaIssue[] {
  return validateAgainstSchema(AnalysisTemplateSchema, obj);
}

/** Validates a ClusterAnalysisTemplate (of any group) the way the API server would admit it. */
export function validateClusterAnalysisTemplateSchema(obj: unknown): SchemaIssue[] {
  return validateAgainstSchema(ClusterAnalysisTemplateSchema, obj);
}

/** Validates an AnalysisRun (of any group), status included, the way the API server would admit it. */
export function validateAnalysisRunSchema(obj: unknown): SchemaIssue[] {
  return validateAgainstSchema(AnalysisRunSchema, obj);
}

/** The schemas of Aviary's kinds by `kind` (the same in every group serving it). */
const schemasByKind: ReadonlyMap<string, TSchema> = new Map<string, TSchema>([
  ['Rollout', RolloutSchema],
  ['AnalysisTemplate', AnalysisTemplateSchema],
  ['ClusterAnalysisTemplate', ClusterAnalysisTemplateSchema],
  ['AnalysisRun', AnalysisRunSchema],
]);

/** The schema of one of Aviary's kinds, or undefined for any other kind. */
export function schemaOfKind(kind: unknown): TSchema | undefined {
  return typeof kind === 'string' ? schemasByKind.get(kind) : undefined;
}

/**
 * Validates an object of any of Aviary's kinds, chosen by its `kind` field; an object of another kind gets one issue
 * at `kind` naming the kinds known.
 */
export function validateObjectSchema(obj: unknown, oldObj?: unknown): SchemaIssue[] {
  const kind: unknown = isRecord(obj) ? obj.kind : undefined;
  const schema = schemaOfKind(kind);
  if (schema === undefined) {
    const known = [...schemasByKind.keys()].join(', ');
    return [{ path: 'kind', message: `${JSON.stringify(kind ?? null)} is not one of Aviary's kinds (${known})` }];
  }
  return validateAgainstSchema(schema, obj, oldObj);
}

/** Unknown fields (see unknownFields) of an object of any of Aviary's kinds; root metadata is checked loosely. */
export function unknownObjectFields(obj: unknown): string[] {
  if (!isRecord(obj)) return [];
  const schema = schemaOfKind(obj.kind);
  if (schema === undefined) return [];
  const { metadata: _metadata, ...rest } = obj;
  return unknownFields(schema, rest);
}

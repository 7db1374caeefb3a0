/**
 * Arguments of an AnalysisRun and the `{{args.<name>}}` placeholders in its metrics.
 *
 * Values come from `value`, `valueFrom.secretKeyRef` (a Secret in the run's own namespace — never another, so a run
 * cannot read secrets its author could not) or `valueFrom.fieldRef` (a field of the AnalysisRun itself: the Rollout
 * side resolves its own fieldRefs before it creates a run). An argument with neither is required.
 */
import type { AnalysisRun, Argument, Metric } from '../../api/analysis.ts';

export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentError';
  }
}

export interface ResolvedArgs {
  values: ReadonlyMap<string, string>;
  /** Values read from Secrets: kept out of anything the run writes (status, events, logs). */
  secrets: ReadonlySet<string>;
}

export interface ArgSources {
  /** A key of a Secret in the run's namespace, undefined when the Secret or the key is absent. */
  readSecret(name: string, key: string): Promise<string | undefined>;
}

/** Every argument's value; throws ArgumentError naming the argument for a missing value, Secret or field. */
export async function resolveArgs(run: AnalysisRun, sources: ArgSources): Promise<ResolvedArgs> {
  const values = new Map<string, string>();
  const secrets = new Set<string>();
  for (const arg of run.spec.args ?? []) {
    const value = await argValue(run, arg, sources);
    values.set(arg.name, value.value);
    if (value.secret && value.value !== '') secrets.add(value.value);
  }
  return { values, secrets };
}

async function argValue(run: AnalysisRun, arg: Argument, sources: ArgSources): Promise<{ value: string; secret: boolean }> {
  if (arg.value !== undefined) return { value: arg.value, secret: false };
  const secretRef = arg.valueFrom?.secretKeyRef;
  if (secretRef !== undefined) {
    const value = await sources.readSecret(secretRef.name, secretRef.key);
    if (value === undefined) {
      throw new ArgumentError(`args[${arg.name}].valueFrom.secretKeyRef: key "${secretRef.key}" of Secret "${secretRef.name}" not found in namespace ${run.metadata.namespace ?? ''}`);
    }
    return { value, secret: true };
  }
  const fieldRef = arg.valueFrom?.fieldRef;
  if (fieldRef !== undefined) {
    const value = fieldValue(run, fieldRef.fieldPath);
    if (value === undefined) throw new ArgumentError(`args[${arg.name}].valueFrom.fieldRef: the AnalysisRun has no field ${fieldRef.fieldPath}`);
    return { value, secret: false };
  }
  throw new ArgumentError(`args[${arg.name}]: a value is required (the argument has no value and no valueFrom)`);
}

/**
 * A field of an object by a path such as `metadata.name`, `metadata.labels['app']` or `spec.args[0].value`; scalars
 * only. Own properties only: the path comes from users.
 */
export function fieldValue(object: unknown, path: string): string | undefined {
  const parts = [...path.matchAll(/([^.[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[(\d+)\]/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  let current: unknown = object;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return undefined;
}

const placeholder = /\{\{\s*args\.([^}\s]+)\s*\}\}/g;

/**
 * The metric with every `{{args.x}}` in its strings replaced. Throws ArgumentError naming the metric, the field and
 * the argument for a placeholder without a value.
 */
export function substituteArgs(metric: Metric, values: ReadonlyMap<string, string>): Metric {
  const substitute = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      return value.replace(placeholder, (_match, name: string) => {
        const resolved = values.get(name);
        if (resolved === undefined) {
          throw new ArgumentError(`metrics[${metric.name}].${path}: {{args.${name}}} has no value (the run has no argument "${name}")`);
        }
        return resolved;
      });
    }
    if (Array.isArray(value)) return value.map((item: unknown, i) => substitute(item, `${path}[${String(i)}]`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = substitute(item, path === '' ? key : `${path}.${key}`);
      return out;
    }
    return value;
  };
  return substitute(metric, '') as Metric;
}

/** The text with every secret value replaced, for messages that leave the controller. */
export function redact(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('*****');
  return out;
}

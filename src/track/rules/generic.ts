import { parse } from 'yaml';
import { evaluateJsonPath, JsonPathError, parseJsonPath } from '../jsonpath.ts';
import type { Condition, KObject } from '../model.ts';
import type { Observed, Status } from './types.ts';

/** One test in a user rule: a condition (type, status, optional reason) or a JSON path with a comparison. */
export interface Matcher {
  condition?: string;
  status?: string;
  reason?: string;
  path?: string;
  equals?: string | number | boolean;
  in?: (string | number | boolean)[];
  exists?: boolean;
  matches?: string;
}

/** A user rule for one kind: every `ready` matcher must hold; any `failed` matcher that holds fails the resource. */
export interface UserRule {
  kind: string;
  group?: string;
  ready?: Matcher[];
  failed?: Matcher[];
  /** Wait for status.observedGeneration to reach the generation when the resource has that field (default true). */
  observedGeneration?: boolean;
}

interface CompiledMatcher {
  text: string;
  test: (obj: KObject) => boolean;
}

export interface CompiledRule {
  kind: string;
  group?: string;
  ready: CompiledMatcher[];
  failed: CompiledMatcher[];
  observedGeneration: boolean;
}

export class RuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleError';
  }
}

function conditions(obj: KObject): Condition[] {
  const st = obj.status;
  if (st === null || typeof st !== 'object') return [];
  const list = (st as { conditions?: unknown }).conditions;
  return Array.isArray(list) ? (list as Condition[]) : [];
}

/** Rule files are user input: values may be numbers or booleans where strings are expected. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function compileMatcher(raw: unknown, where: string): CompiledMatcher {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RuleError(`${where}: a matcher must be an object`);
  const m = raw as Record<string, unknown>;
  if (m.condition !== undefined) {
    const type = text(m.condition);
    const want = m.status === undefined ? 'True' : text(m.status);
    const reason = m.reason === undefined ? undefined : text(m.reason);
    return {
      text: `condition ${type}=${want}${reason === undefined ? '' : ` (reason ${reason})`}`,
      test: (obj) => conditions(obj).some((c) => c.type === type && c.status === want && (reason === undefined || c.reason === reason)),
    };
  }
  if (m.path !== undefined) {
    const path = text(m.path);
    let steps: ReturnType<typeof parseJsonPath>;
    try {
      steps = parseJsonPath(path);
    } catch (error) {
      throw new RuleError(`${where}: ${error instanceof JsonPathError ? error.message : String(error)}`);
    }
    let regex: RegExp | undefined;
    if (m.matches !== undefined) {
      try {
        regex = new RegExp(text(m.matches));
      } catch {
        throw new RuleError(`${where}: invalid regular expression ${text(m.matches)}`);
      }
    }
    if (m.in !== undefined && !Array.isArray(m.in)) throw new RuleError(`${where}: "in" must be a list`);
    const values = (m.in as unknown[] | undefined)?.map(text);
    const equals = m.equals === undefined ? undefined : text(m.equals);
    const exists = m.exists === undefined ? undefined : m.exists === true;
    if (equals === undefined && values === undefined && regex === undefined && exists === undefined) {
      throw new RuleError(`${where}: a path matcher needs one of equals, in, matches, exists`);
    }
    const description = equals !== undefined ? `${path} == ${equals}` : values !== undefined ? `${path} in [${values.join(', ')}]` : regex !== undefined ? `${path} =~ /${regex.source}/` : `${path} ${exists === true ? 'exists' : 'absent'}`;
    return {
      text: description,
      test: (obj) => {
        const found = evaluateJsonPath(obj, steps).filter((v) => v !== null);
        if (exists !== undefined && equals === undefined && values === undefined && regex === undefined) return exists ? found.length > 0 : found.length === 0;
        return found.some((v) => {
          const s = text(v);
          return (equals === undefined || s === equals) && (values === undefined || values.includes(s)) && (regex === undefined || regex.test(s));
        });
      },
    };
  }
  throw new RuleError(`${where}: a matcher needs "condition" or "path"`);
}

export function compileRules(rules: UserRule[]): CompiledRule[] {
  return rules.map((r, i) => {
    const where = `rule ${i + 1}`;
    if (typeof r !== 'object' || (r as unknown) === null || typeof r.kind !== 'string' || r.kind === '') throw new RuleError(`${where}: "kind" is required`);
    if (r.ready !== undefined && !Array.isArray(r.ready)) throw new RuleError(`${where}: "ready" must be a list`);
    if (r.failed !== undefined && !Array.isArray(r.failed)) throw new RuleError(`${where}: "failed" must be a list`);
    const ready = (r.ready ?? []).map((m, j) => compileMatcher(m, `${where} (${r.kind}) ready[${j}]`));
    const failed = (r.failed ?? []).map((m, j) => compileMatcher(m, `${where} (${r.kind}) failed[${j}]`));
    if (ready.length === 0 && failed.length === 0) throw new RuleError(`${where} (${r.kind}): give "ready" and/or "failed" matchers`);
    const compiled: CompiledRule = { kind: r.kind, ready, failed, observedGeneration: r.observedGeneration !== false };
    if (r.group !== undefined) compiled.group = r.group;
    return compiled;
  });
}

/** Parses a rules file (YAML or JSON): `{rules: [...]}` or a bare list. */
export function parseRulesFile(text: string): CompiledRule[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new RuleError(`the rules file is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) throw new RuleError('the rules file must hold a list of rules, or {rules: [...]}');
  return compileRules(list as UserRule[]);
}

export function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

export function findUserRule(rules: CompiledRule[], obj: KObject): CompiledRule | undefined {
  const group = groupOf(obj.apiVersion);
  return rules.find((r) => (r.kind === '*' || r.kind === obj.kind) && (r.group === undefined || r.group === group));
}

/** Kinds with nothing to wait for: existing is being ready. */
const statusless = new Set([
  'ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'NetworkPolicy',
  'PriorityClass', 'StorageClass', 'LimitRange', 'ResourceQuota', 'Endpoints', 'EndpointSlice', 'Service', 'Ingress',
  'IngressClass', 'PodTemplate', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'Lease',
]);

const readyConditions = ['Ready', 'Available', 'Succeeded', 'Established', 'Complete', 'Healthy'];
const failedConditions = ['Stalled', 'Failed'];
const readyPhases = new Set(['Running', 'Active', 'Ready', 'Succeeded', 'Bound', 'Available', 'Healthy', 'Complete', 'Completed', 'Established', 'Deployed', 'Synced']);
const failedPhases = new Set(['Failed', 'Error', 'Degraded', 'Lost', 'Unhealthy', 'Aborted', 'Rejected']);

export interface GenericFence {
  generation: number;
}

export function genericFence(obj: KObject): GenericFence {
  return { generation: obj.metadata?.generation ?? 0 };
}

function observedGenerationOf(obj: KObject): number | undefined {
  const st = obj.status;
  if (st === null || typeof st !== 'object') return undefined;
  const g = (st as { observedGeneration?: unknown }).observedGeneration;
  const n = typeof g === 'number' ? g : typeof g === 'string' && /^\d+$/.test(g) ? Number(g) : undefined;
  return n;
}

function phaseOf(obj: KObject): string | undefined {
  const st = obj.status;
  if (st === null || typeof st !== 'object') return undefined;
  const p = (st as { phase?: unknown }).phase;
  return typeof p === 'string' ? p : undefined;
}

const describe = (c: Condition): string => `${c.type ?? '?'}=${c.status ?? '?'}${c.reason === undefined ? '' : ` (${c.reason}${c.message === undefined || c.message === '' ? '' : `: ${c.message}`})`}`;

/**
 * Any other resource: the user's rule for its kind when there is one, otherwise the usual conventions — status
 * conditions (Ready, Available, Succeeded, ... and Stalled/Failed), phase words, observedGeneration. A resource that
 * no rule speaks for is reported as such and never called ready.
 */
export function genericRule(observed: Observed<KObject>, fence: GenericFence, rules: CompiledRule[]): Status {
  const obj = observed.object;
  const status: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [], problems: [], ruleMatched: true };
  const generation = Math.max(fence.generation, obj.metadata?.generation ?? 0);
  const observedGeneration = observedGenerationOf(obj);
  status.revision = String(generation);
  const behind = observedGeneration !== undefined && observedGeneration < generation;

  const user = findUserRule(rules, obj);
  if (user !== undefined) {
    if (user.observedGeneration && behind) {
      status.waitingFor.push(`the controller to observe generation ${generation} (observed ${observedGeneration})`);
      return status;
    }
    const failed = user.failed.find((m) => m.test(obj));
    if (failed !== undefined) return { ...status, state: 'failed', reasons: [`rule matched: ${failed.text}`] };
    const unmet = user.ready.filter((m) => !m.test(obj));
    if (user.ready.length > 0 && unmet.length === 0) return { ...status, state: 'ready' };
    status.waitingFor.push(...unmet.map((m) => m.text));
    return status;
  }

  if (obj.kind !== undefined && statusless.has(obj.kind)) return { ...status, state: 'ready', reasons: ['exists (nothing to wait for)'] };
  if (behind) {
    status.waitingFor.push(`the controller to observe generation ${generation} (observed ${observedGeneration})`);
    return status;
  }
  const conds = conditions(obj);
  for (const type of failedConditions) {
    const c = conds.find((x) => x.type === type && x.status === 'True');
    if (c !== undefined) return { ...status, state: 'failed', reasons: [describe(c)] };
  }
  const reconciling = conds.find((x) => x.type === 'Reconciling' && x.status === 'True');
  if (reconciling !== undefined) {
    status.waitingFor.push(`reconciling${reconciling.message === undefined ? '' : `: ${reconciling.message}`}`);
    return status;
  }
  for (const type of readyConditions) {
    const c = conds.find((x) => x.type === type);
    if (c === undefined) continue;
    if (c.status === 'True') return { ...status, state: 'ready' };
    status.waitingFor.push(describe(c));
    return status;
  }
  const phase = phaseOf(obj);
  if (phase !== undefined) {
    if (readyPhases.has(phase)) return { ...status, state: 'ready' };
    if (failedPhases.has(phase)) return { ...status, state: 'failed', reasons: [`phase ${phase}`] };
    status.waitingFor.push(`phase ${phase}`);
    return status;
  }
  status.ruleMatched = false;
  status.waitingFor.push('no readiness rule matched (no Ready/Available/Succeeded condition, no status.phase); add one with --rules or make the resource non-blocking');
  return status;
}

/**
 * A small, sandboxed JSONPath for readiness rules: `.status.phase`, `{.status.conditions[?(@.type=="Ready")].status}`,
 * `.items[0]`, `.a[*].b`, `['dotted.key']`. No scripts, no function calls, no prototype access: only own properties of
 * parsed JSON are read.
 */

type Step =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: string | number | boolean | null };

export class JsonPathError extends Error {
  constructor(expr: string, why: string) {
    super(`invalid JSON path "${expr}": ${why}`);
    this.name = 'JsonPathError';
  }
}

function parseLiteral(text: string, expr: string): string | number | boolean | null {
  const t = text.trim();
  if (/^"(?:[^"\\]|\\.)*"$/.test(t) || /^'(?:[^'\\]|\\.)*'$/.test(t)) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new JsonPathError(expr, `unsupported value ${t}`);
}

export function parseJsonPath(expr: string): Step[] {
  let s = expr.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '.') {
      const m = /^[A-Za-z0-9_\-$]+/.exec(s.slice(i + 1));
      if (m === null) throw new JsonPathError(expr, `expected a name at ${i + 1}`);
      steps.push({ kind: 'key', key: m[0] });
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const end = findClose(s, i, expr);
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ kind: 'key', key: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const m = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+)$/.exec(inner.slice(2, -1).trim());
        if (m === null) throw new JsonPathError(expr, `unsupported filter ${inner}`);
        steps.push({ kind: 'filter', path: (m[1] ?? '').split('.').slice(1), op: m[2] === '!=' ? '!=' : '==', value: parseLiteral(m[3] ?? '', expr) });
      } else throw new JsonPathError(expr, `unsupported selector [${inner}]`);
    } else {
      throw new JsonPathError(expr, `unexpected "${ch ?? ''}" at ${i}`);
    }
  }
  return steps;
}

function findClose(s: string, open: number, expr: string): number {
  let quote: string | undefined;
  for (let j = open + 1; j < s.length; j++) {
    const c = s[j];
    if (quote !== undefined) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ']') return j;
  }
  throw new JsonPathError(expr, 'unclosed [');
}

function own(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Every value the path selects (an empty list when nothing matches). */
export function evaluateJsonPath(root: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      switch (step.kind) {
        case 'key': {
          const x = own(v, step.key);
          if (x !== undefined) next.push(x);
          break;
        }
        case 'index':
          if (Array.isArray(v)) {
            const x: unknown = v[step.index < 0 ? v.length + step.index : step.index];
            if (x !== undefined) next.push(x);
          }
          break;
        case 'all':
          if (Array.isArray(v)) next.push(...(v as unknown[]));
          else if (v !== null && typeof v === 'object') next.push(...Object.values(v as Record<string, unknown>));
          break;
        case 'filter':
          if (Array.isArray(v)) {
            for (const item of v as unknown[]) {
              let x: unknown = item;
              for (const k of step.path) x = own(x, k);
              const scalar = typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
              const equal = x === step.value || (scalar !== undefined && scalar === String(step.value));
              if (step.op === '==' ? equal : !equal) next.push(item);
            }
          }
          break;
      }
    }
    current = next;
  }
  return current;
}

/**
 * Time expressions for Prometheus range queries (`rangeQuery.start` / `end`), e.g. `now() - duration("1h")`. The
 * same grammar as conditions, with a small value domain of its own: times and durations.
 *
 * Supported: `now()`; `duration("1h30m")` (Go duration syntax: a sequence of decimal numbers with units ns, us, µs,
 * ms, s, m, h, an optional sign, or "0"); `date("2024-05-01T12:00:00Z")` (RFC 3339); `time ± duration`,
 * `duration ± duration`, `time - time` (a duration), unary `-duration`, and parentheses. The result must be a time.
 * Times have millisecond precision (JavaScript Dates), so durations finer than that are rounded.
 */
import type { Node } from './ast.ts';
import { ExprEvalError } from './errors.ts';
import { compile } from './expression.ts';

type TimeValue =
  | { readonly kind: 'time'; readonly ms: number }
  | { readonly kind: 'duration'; readonly ns: bigint };

const unitNanoseconds: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n],
  ['μs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const maxDuration = 2n ** 63n - 1n;

/** Parses a Go duration string into nanoseconds; throws with Go's wording on bad input. */
export function parseDuration(text: string): bigint {
  const fail = (reason: string): never => {
    throw new Error(`${reason} in duration ${JSON.stringify(text)}`);
  };
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') fail('invalid syntax');
  let total = 0n;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(rest);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2] ?? '';
    const unit = match?.[3] ?? '';
    if (match === null || (whole === '' && fraction === '')) return fail('invalid syntax');
    if (unit === '') return fail('missing unit');
    const scale = unitNanoseconds.get(unit) ?? fail(`unknown unit ${JSON.stringify(unit)}`);
    let value = BigInt(whole === '' ? '0' : whole) * scale;
    if (fraction !== '') {
      // Exact decimal scaling, truncated toward zero as Go does.
      value += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    }
    total += value;
    if (total > maxDuration) fail('overflow');
    rest = rest.slice(match[0].length);
  }
  return negative ? -total : total;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

class TimeEvaluator {
  private readonly source: string;
  private readonly now: Date;

  constructor(source: string, now: Date) {
    this.source = source;
    this.now = now;
  }

  private fail(message: string, node: Node): never {
    throw new ExprEvalError(message, this.source, { offset: node.offset });
  }

  evaluate(node: Node): TimeValue {
    switch (node.kind) {
      case 'call':
        return this.call(node);
      case 'unary': {
        const operand = this.evaluate(node.operand);
        if (operand.kind === 'duration' && (node.operator === '-' || node.operator === '+')) {
          return node.operator === '-' ? { kind: 'duration', ns: -operand.ns } : operand;
        }
        return this.fail(`operator "${node.operator}" is not defined on ${operand.kind}`, node);
      }
      case 'binary': {
        const left = this.evaluate(node.left);
        const right = this.evaluate(node.right);
        return this.combine(node, left, right);
      }
      default:
        return this.fail(
          'a time expression may only use now(), duration("..."), date("..."), "+", "-" and parentheses', node,
        );
    }
  }

  private call(node: Extract<Node, { kind: 'call' }>): TimeValue {
    const text = (): string => {
      const [arg] = node.args;
      if (node.args.length !== 1 || arg?.kind !== 'string') return this.fail(`${node.name} expects one string argument`, node);
      return arg.value;
    };
    switch (node.name) {
      case 'now':
        if (node.args.length !== 0) this.fail('now expects no arguments', node);
        return { kind: 'time', ms: this.now.getTime() };
      case 'duration':
        try {
          return { kind: 'duration', ns: parseDuration(text()) };
        } catch (error) {
          if (error instanceof ExprEvalError) throw error;
          return this.fail(`duration: ${(error as Error).message}`, node);
        }
      case 'date': {
        const value = text();
        const ms = rfc3339.test(value) ? Date.parse(value) : Number.NaN;
        if (Number.isNaN(ms)) this.fail(`date: ${JSON.stringify(value)} is not an RFC 3339 time`, node);
        return { kind: 'time', ms };
      }
      default:
        return this.fail(`function "${node.name}" is not allowed in a time expression`, node);
    }
  }

  private combine(node: Extract<Node, { kind: 'binary' }>, left: TimeValue, right: TimeValue): TimeValue {
    const op = node.operator;
    if (op === '+' || op === '-') {
      const sign = op === '+' ? 1n : -1n;
      if (left.kind === 'time' && right.kind === 'duration') {
        return { kind: 'time', ms: left.ms + Number(sign * right.ns) / 1e6 };
      }
      if (op === '+' && left.kind === 'duration' && right.kind === 'time') {
        return { kind: 'time', ms: right.ms + Number(left.ns) / 1e6 };
      }
      if (left.kind === 'duration' && right.kind === 'duration') return { kind: 'duration', ns: left.ns + sign * right.ns };
      if (op === '-' && left.kind === 'time' && right.kind === 'time') {
        return { kind: 'duration', ns: BigInt(Math.round(left.ms - right.ms)) * 1_000_000n };
      }
    }
    return this.fail(`operator "${op}" is not defined on ${left.kind} and ${right.kind}`, node);
  }
}

/**
 * Evaluates a range-query time expression at `now`. Throws ExprSyntaxError for bad syntax and ExprEvalError for
 * anything outside the subset or a result that is not a time.
 */
export function evaluateTime(source: string, now: Date): Date {
  const compiled = compile(source);
  const value = new TimeEvaluator(source, now).evaluate(compiled.root);
  if (value.kind !== 'time') {
    throw new ExprEvalError(`a time expression must return a time, got ${value.kind}`, source, { offset: 0 });
  }
  const date = new Date(Math.round(value.ms));
  if (Number.isNaN(date.getTime())) throw new ExprEvalError('time is out of range', source, { offset: 0 });
  return date;
}

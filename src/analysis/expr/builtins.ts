/**
 * The functions an expression may call, and nothing else: a whitelist looked up in a Map (never an object, so no
 * inherited name like `constructor` can resolve). Argo Rollouts' environment (`asInt`, `asFloat`, `isNaN`, `isInf`,
 * `isNil`, `default`) sits next to expr-lang's pure builtins. The collection builtins that take a predicate are in
 * the evaluator, which owns scopes.
 */
import type { Budget } from './budget.ts';
import { EvalFault } from './errors.ts';
import { int64 } from './operators.ts';
import { elements, isNil, isNumber, mapGet, mapKeys, typeName, type ExprMap } from './values.ts';

export interface CallContext {
  readonly budget: Budget;
  /**
   * The analysis result when the environment defines `result`: Argo's `isNil(x)` and `default(x, d)` look at the
   * whole result, whatever `x` is.
   */
  readonly wholeResult: { readonly value: unknown } | undefined;
}

interface Builtin {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly call: (args: readonly unknown[], context: CallContext) => unknown;
}

function argument(args: readonly unknown[], index: number): unknown {
  return args[index];
}

function expectString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new EvalFault(`${name}: expected a string, got ${typeName(value)}`);
  return value;
}

function expectArray(name: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new EvalFault(`${name}: expected an array, got ${typeName(value)}`);
  return value;
}

function expectMap(name: string, value: unknown): ExprMap {
  if (typeName(value) !== 'map') throw new EvalFault(`${name}: expected a map, got ${typeName(value)}`);
  return value as ExprMap;
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** Go's conversion of a float to int64, refusing what Go would leave undefined. */
function truncate(name: string, value: number): bigint {
  if (!Number.isFinite(value)) throw new EvalFault(`${name}: cannot convert ${String(value)} to an int`);
  const result = BigInt(Math.trunc(value));
  if (result < int64Min || result > int64Max) throw new EvalFault(`${name}: ${String(value)} is out of the int range`);
  return result;
}

/** strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, nothing else. */
function parseInteger(name: string, text: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) throw new EvalFault(`${name}: cannot parse ${JSON.stringify(text)} as an int`);
  const value = BigInt(text);
  if (value < int64Min || value > int64Max) throw new EvalFault(`${name}: ${JSON.stringify(text)} is out of the int range`);
  return value;
}

/** strconv.ParseFloat(s, 64) for decimal notation and the named values Inf, Infinity and NaN. */
function parseFloat64(name: string, text: string): number {
  const named = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (named !== null) {
    if ((named[2] ?? '').toLowerCase() === 'nan') return Number.NaN;
    return named[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(text) || text.includes('_')) {
    throw new EvalFault(`${name}: cannot parse ${JSON.stringify(text)} as a float`);
  }
  const value = Number(text);
  if (!Number.isFinite(value)) throw new EvalFault(`${name}: ${JSON.stringify(text)} is out of the float range`);
  return value;
}

function numbersOf(name: string, args: readonly unknown[], budget: Budget): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  const add = (value: unknown, nested: boolean): void => {
    budget.charge(1);
    if (isNumber(value)) out.push(value);
    else if (!nested && Array.isArray(value)) for (const item of elements(value)) add(item, true);
    else throw new EvalFault(`${name}: expected numbers or an array of numbers, got ${typeName(value)}`);
  };
  for (const arg of args) add(arg, false);
  return out;
}

/** Go's shortest %v rendering of a float64: exponent form below 1e-4 and from 1e6 up, two-digit exponents. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** fmt's %v, which expr-lang's `string()` uses: `[1 2]` for arrays, `map[a:1]` (sorted keys) for maps. */
function formatValue(value: unknown, budget: Budget, depth: number): string {
  budget.charge(1);
  budget.checkDepth(depth);
  switch (typeName(value)) {
    case 'nil':
      return '<nil>';
    case 'float':
      return formatFloat(value as number);
    case 'array':
      return `[${elements(value as readonly unknown[]).map((item) => formatValue(item, budget, depth + 1)).join(' ')}]`;
    case 'map': {
      const map = value as ExprMap;
      const keys = mapKeys(map).sort();
      return `map[${keys.map((key) => `${key}:${formatValue(mapGet(map, key), budget, depth + 1)}`).join(' ')}]`;
    }
    default:
      return String(value);
  }
}

function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

function toFloatRounded(name: string, value: unknown, round: (x: number) => number): number {
  if (isNumber(value)) return round(Number(value));
  throw new EvalFault(`${name}: expected a number, got ${typeName(value)}`);
}

function pickExtreme(name: string, args: readonly unknown[], budget: Budget, wantLarger: boolean): unknown {
  const numbers = numbersOf(name, args, budget);
  let best: number | bigint | undefined;
  for (const candidate of numbers) {
    if (best === undefined || (wantLarger ? Number(candidate) > Number(best) : Number(candidate) < Number(best))) best = candidate;
  }
  if (best === undefined) throw new EvalFault(`${name}: needs at least one number`);
  return best;
}

function one(call: (value: unknown, context: CallContext) => unknown): Builtin {
  return { minArgs: 1, maxArgs: 1, call: (args, context) => call(argument(args, 0), context) };
}

const nilCheck = (value: unknown, context: CallContext): boolean =>
  isNil(context.wholeResult === undefined ? value : context.wholeResult.value);

export const builtins: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['len', one((value, { budget }) => {
    switch (typeName(value)) {
      case 'string':
        budget.chargeText((value as string).length);
        // Characters, not UTF-16 code units: "é" has length 1.
        return BigInt([...(value as string)].length);
      case 'array':
        return BigInt((value as readonly unknown[]).length);
      case 'map':
        return BigInt(mapKeys(value as ExprMap).length);
      default:
        throw new EvalFault(`len: expected a string, array or map, got ${typeName(value)}`);
    }
  })],
  ['abs', one((value) => {
    if (typeof value === 'bigint') return int64(value < 0n ? -value : value);
    if (typeof value === 'number') return Math.abs(value);
    throw new EvalFault(`abs: expected a number, got ${typeName(value)}`);
  })],
  ['ceil', one((value) => toFloatRounded('ceil', value, Math.ceil))],
  ['floor', one((value) => toFloatRounded('floor', value, Math.floor))],
  ['round', one((value) => toFloatRounded('round', value, roundHalfAway))],
  ['int', one((value) => {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number') return truncate('int', value);
    if (typeof value === 'string') return parseInteger('int', value);
    throw new EvalFault(`int: cannot convert ${typeName(value)}`);
  })],
  ['float', one((value) => {
    if (isNumber(value)) return Number(value);
    if (typeof value === 'string') return parseFloat64('float', value);
    throw new EvalFault(`float: cannot convert ${typeName(value)}`);
  })],
  ['string', one((value, { budget }) => {
    const text = formatValue(value, budget, 0);
    budget.checkString(text.length);
    return text;
  })],
  ['max', { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY, call: (args, { budget }) => pickExtreme('max', args, budget, true) }],
  ['min', { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY, call: (args, { budget }) => pickExtreme('min', args, budget, false) }],
  ['mean', { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY, call: (args, { budget }) => {
    const numbers = numbersOf('mean', args, budget);
    if (numbers.length === 0) return 0;
    return numbers.reduce<number>((total, n) => total + Number(n), 0) / numbers.length;
  } }],
  ['median', { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY, call: (args, { budget }) => {
    const numbers = numbersOf('median', args, budget).map(Number).sort((x, y) => x - y);
    budget.charge(Math.ceil(numbers.length * Math.log2(numbers.length + 1)));
    if (numbers.length === 0) return 0;
    const middle = Math.floor(numbers.length / 2);
    const upper = numbers[middle] ?? 0;
    return numbers.length % 2 === 1 ? upper : ((numbers[middle - 1] ?? 0) + upper) / 2;
  } }],
  ['first', one((value) => (isNil(value) ? null : expectArray('first', value)[0] ?? null))],
  ['last', one((value) => (isNil(value) ? null : expectArray('last', value).at(-1) ?? null))],
  ['keys', one((value, { budget }) => {
    const keys = mapKeys(expectMap('keys', value));
    budget.checkArray(keys.length);
    return keys;
  })],
  ['values', one((value, { budget }) => {
    const map = expectMap('values', value);
    const keys = mapKeys(map);
    budget.checkArray(keys.length);
    return keys.map((key) => mapGet(map, key));
  })],
  ['lower', one((value, { budget }) => {
    const text = expectString('lower', value);
    budget.chargeText(text.length);
    return text.toLowerCase();
  })],
  ['upper', one((value, { budget }) => {
    const text = expectString('upper', value);
    budget.chargeText(text.length);
    return text.toUpperCase();
  })],
  ['trim', { minArgs: 1, maxArgs: 2, call: (args, { budget }) => {
    const text = expectString('trim', argument(args, 0));
    budget.chargeText(text.length);
    if (args.length === 1) return text.trim();
    const cut = new Set(expectString('trim', argument(args, 1)));
    const chars = [...text];
    let start = 0;
    let end = chars.length;
    while (start < end && cut.has(chars[start] ?? '')) start++;
    while (end > start && cut.has(chars[end - 1] ?? '')) end--;
    return chars.slice(start, end).join('');
  } }],
  ['type', one((value) => typeName(value))],
  // Argo Rollouts' analysis environment.
  ['asInt', one((value) => {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number') return truncate('asInt', value);
    if (typeof value === 'string') return parseInteger('asInt', value);
    throw new EvalFault(`asInt: not supported on ${typeName(value)}`);
  })],
  ['asFloat', one((value) => {
    if (isNumber(value)) return Number(value);
    if (typeof value === 'string') return parseFloat64('asFloat', value);
    throw new EvalFault(`asFloat: not supported on ${typeName(value)}`);
  })],
  ['isNaN', one((value) => {
    if (typeof value === 'number') return Number.isNaN(value);
    if (typeof value === 'bigint') return false;
    throw new EvalFault(`isNaN: expected a number, got ${typeName(value)}`);
  })],
  ['isInf', one((value) => {
    if (typeof value === 'number') return !Number.isFinite(value) && !Number.isNaN(value);
    if (typeof value === 'bigint') return false;
    throw new EvalFault(`isInf: expected a number, got ${typeName(value)}`);
  })],
  ['isNil', one(nilCheck)],
  ['default', { minArgs: 2, maxArgs: 2, call: (args, context) => {
    const subject = context.wholeResult === undefined ? argument(args, 0) : context.wholeResult.value;
    return isNil(subject) ? argument(args, 1) : subject;
  } }],
]);

/** Calls a whitelisted function after checking how many arguments it got. */
export function callBuiltin(name: string, args: readonly unknown[], context: CallContext): unknown {
  const builtin = builtins.get(name);
  if (builtin === undefined) throw new EvalFault(`function "${name}" is not allowed`);
  if (args.length < builtin.minArgs || args.length > builtin.maxArgs) {
    const expected = builtin.minArgs === builtin.maxArgs
      ? String(builtin.minArgs)
      : builtin.maxArgs === Number.POSITIVE_INFINITY ? `at least ${builtin.minArgs}` : `${builtin.minArgs} to ${builtin.maxArgs}`;
    const plural = expected === '1' || expected === 'at least 1' ? '' : 's';
    throw new EvalFault(`${name}: expected ${expected} argument${plural}, got ${args.length}`);
  }
  return builtin.call(args, context);
}

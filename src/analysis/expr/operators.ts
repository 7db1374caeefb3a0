/**
 * Unary and binary operators with expr-lang's semantics: int op int stays an int (wrapping at 64 bits as Go does),
 * a float on either side gives a float, `/` and `**` always give a float, `%` takes ints only, `+` also joins strings,
 * comparisons take two numbers or two strings, `in` looks into arrays (by equality) and maps (by key), and `..`
 * builds a range of ints. The logical operators and `??` short-circuit, so they live in the evaluator.
 */
import type { BinaryOperator, UnaryOperator } from './ast.ts';
import type { Budget } from './budget.ts';
import { EvalFault } from './errors.ts';
import { regexMatches } from './regex.ts';
import { checkName, equal, isNumber, typeName } from './values.ts';

export function int64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

function notDefined(operator: string, ...operands: unknown[]): EvalFault {
  const types = operands.map((operand) => typeName(operand));
  return new EvalFault(`operator "${operator}" is not defined on ${types.join(' and ')}`);
}

export function applyUnary(operator: UnaryOperator, operand: unknown): unknown {
  switch (operator) {
    case '-':
      if (typeof operand === 'bigint') return int64(-operand);
      if (typeof operand === 'number') return -operand;
      throw notDefined('-', operand);
    case '+':
      if (isNumber(operand)) return operand;
      throw notDefined('+', operand);
    case 'not':
    case '!':
      if (typeof operand === 'boolean') return !operand;
      throw notDefined(operator, operand);
  }
}

type Arithmetic = (a: bigint, b: bigint) => bigint;

const integerOps: Readonly<Record<'+' | '-' | '*', Arithmetic>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
};

const floatOps: Readonly<Record<'+' | '-' | '*', (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
};

function arithmetic(operator: '+' | '-' | '*', a: unknown, b: unknown, budget: Budget): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return int64(integerOps[operator](a, b));
  if (isNumber(a) && isNumber(b)) return floatOps[operator](Number(a), Number(b));
  if (operator === '+' && typeof a === 'string' && typeof b === 'string') {
    budget.checkString(a.length + b.length);
    budget.chargeText(a.length + b.length);
    return a + b;
  }
  throw notDefined(operator, a, b);
}

function compare(operator: '<' | '>' | '<=' | '>=', a: unknown, b: unknown, budget: Budget): boolean {
  let order: number;
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    order = a < b ? -1 : a > b ? 1 : 0;
  } else if (isNumber(a) && isNumber(b)) {
    const x = Number(a);
    const y = Number(b);
    // NaN is unordered: every comparison with it is false, as in Go.
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
    order = x < y ? -1 : x > y ? 1 : 0;
  } else if (typeof a === 'string' && typeof b === 'string') {
    budget.chargeText(Math.min(a.length, b.length));
    order = a < b ? -1 : a > b ? 1 : 0;
  } else {
    throw new EvalFault(`cannot compare ${typeName(a)} with ${typeName(b)} (operator "${operator}")`);
  }
  switch (operator) {
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

function contained(needle: unknown, haystack: unknown, budget: Budget): boolean {
  const type = typeName(haystack);
  switch (type) {
    case 'nil':
      return false;
    case 'array': {
      const array = haystack as readonly unknown[];
      for (let i = 0; i < array.length; i++) {
        if (equal(needle, Object.getOwnPropertyDescriptor(array, i)?.value, budget)) return true;
      }
      return false;
    }
    case 'map': {
      if (typeof needle !== 'string') throw new EvalFault(`cannot look up a ${typeName(needle)} key in a map`);
      checkName(needle);
      return Object.getOwnPropertyDescriptor(haystack, needle)?.enumerable === true;
    }
    default:
      throw new EvalFault(`operator "in" is not defined on ${type}`);
  }
}

function strings(operator: string, a: unknown, b: unknown, budget: Budget): [string, string] {
  if (typeof a !== 'string' || typeof b !== 'string') throw notDefined(operator, a, b);
  budget.chargeText(a.length);
  return [a, b];
}

function range(a: unknown, b: unknown, budget: Budget): bigint[] {
  if (typeof a !== 'bigint' || typeof b !== 'bigint') throw notDefined('..', a, b);
  const size = b - a + 1n;
  if (size <= 0n) return [];
  budget.checkArray(size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size));
  const out: bigint[] = [];
  for (let value = a; value <= b; value++) out.push(value);
  return out;
}

/** Every binary operator but `and`, `or` and `??`, whose right side is evaluated only when needed. */
export function applyBinary(operator: BinaryOperator, a: unknown, b: unknown, budget: Budget): unknown {
  switch (operator) {
    case '+':
    case '-':
    case '*':
      return arithmetic(operator, a, b, budget);
    case '/':
      if (isNumber(a) && isNumber(b)) return Number(a) / Number(b);
      throw notDefined('/', a, b);
    case '%':
      if (typeof a === 'bigint' && typeof b === 'bigint') {
        if (b === 0n) throw new EvalFault('integer divide by zero');
        return int64(a % b);
      }
      throw new EvalFault(`operator "%" needs two ints, got ${typeName(a)} and ${typeName(b)}`);
    case '**':
    case '^':
      if (isNumber(a) && isNumber(b)) return Math.pow(Number(a), Number(b));
      throw notDefined(operator, a, b);
    case '==':
      return equal(a, b, budget);
    case '!=':
      return !equal(a, b, budget);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(operator, a, b, budget);
    case 'in':
      return contained(a, b, budget);
    case 'contains': {
      const [text, part] = strings(operator, a, b, budget);
      return text.includes(part);
    }
    case 'startsWith': {
      const [text, part] = strings(operator, a, b, budget);
      return text.startsWith(part);
    }
    case 'endsWith': {
      const [text, part] = strings(operator, a, b, budget);
      return text.endsWith(part);
    }
    case 'matches': {
      if (typeof a !== 'string' || typeof b !== 'string') throw notDefined(operator, a, b);
      return regexMatches(b, a, budget);
    }
    case '..':
      return range(a, b, budget);
    case 'and':
    case '&&':
    case 'or':
    case '||':
    case '??':
      throw new EvalFault(`operator "${operator}" must be evaluated lazily`);
  }
}

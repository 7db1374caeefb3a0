/**
 * Random and hostile expressions against random data, from a fixed seed so a failure reproduces. Every case must
 * end in a value, an ExprSyntaxError or an ExprEvalError — never another exception — within the step limit, and
 * nothing may leak out of the sandbox: no function in a result, no change to the built-in prototypes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, ExprEvalError, ExprSyntaxError, run, type EvalLimits } from './index.ts';
import { DEFAULT_EVAL_LIMITS } from './budget.ts';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

const hostileNames = ['constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', 'map', 'call', 'apply', 'bind'];
const names = ['result', 'x', 'nope', ...hostileNames];
const props = ['a', 'b', 'ok', 'Values', 'successRate', '0', ...hostileNames];
const binary = ['+', '-', '*', '/', '%', '**', '^', '==', '!=', '<', '>', '<=', '>=', 'and', 'or', '&&', '||', 'in', 'not in',
  'contains', 'startsWith', 'endsWith', 'matches', '..', '??'];
const unary = ['-', '+', '!', 'not '];
const predicates = ['all', 'any', 'none', 'one', 'filter', 'map', 'count', 'sum', 'find', 'findIndex', 'findLast', 'findLastIndex'];
const functions = ['len', 'abs', 'ceil', 'floor', 'round', 'int', 'float', 'string', 'max', 'min', 'mean', 'median', 'first',
  'last', 'keys', 'values', 'lower', 'upper', 'trim', 'type', 'asInt', 'asFloat', 'isNaN', 'isInf', 'isNil', 'default',
  'eval', 'system', 'constructor', 'toString', 'require'];
const leaves = ['0', '1', '-1', '2', '0.5', '1e308', '9223372036854775807', '0x7fffffffffffffff', 'true', 'false', 'nil',
  '""', '"a"', '"constructor"', '"__proto__"', '"(a+)+$"', '"^.*$"', '`raw`', '[]', '{}', 'result', 'result[0]',
  'result.a', 'result?.b', '1..3', '[1, 2, 3]', '{a: 1}'];
const soup = [...binary, ...unary, ...leaves, ...names, ...predicates, ...functions, '(', ')', '[', ']', '{', '}', ',', ':',
  '?', '?.', '.', '#', '#index', '#acc', '|', '//', '/*', '*/', '"', "'", '`', '\\', '\u0000', '😀', 'é', '=', ';', '@', '$'];

function predicateBody(random: Random, depth: number): string {
  const inner = random.pick(['#', '#index', '.a', '#.Values', expression(random, depth)]);
  const body = random.chance(0.5) ? `${inner} ${random.pick(binary)} ${expression(random, depth)}` : inner;
  return random.chance(0.5) ? `{${body}}` : body;
}

function expression(random: Random, depth: number): string {
  if (depth <= 0 || random.chance(0.25)) return random.pick(leaves);
  const sub = (): string => expression(random, depth - 1);
  switch (random.int(14)) {
    case 0:
    case 1:
      return `${sub()} ${random.pick(binary)} ${sub()}`;
    case 2:
      return `(${sub()})`;
    case 3:
      return `${random.pick(unary)}${sub()}`;
    case 4:
      return `${sub()} ? ${sub()} : ${sub()}`;
    case 5:
      return `${random.pick(predicates)}(${sub()}, ${predicateBody(random, depth - 1)})`;
    case 6:
      return `${random.pick(functions)}(${Array.from({ length: random.int(3) }, sub).join(', ')})`;
    case 7:
      return `${sub()}${random.pick(['.', '?.'])}${random.pick(props)}`;
    case 8:
      return `${sub()}[${sub()}]`;
    case 9:
      return `[${Array.from({ length: random.int(4) }, sub).join(', ')}]`;
    case 10:
      return `{${random.pick(props)}: ${sub()}, (${sub()}): ${sub()}}`;
    case 11:
      return `${sub()}[${random.chance(0.5) ? sub() : ''}:${random.chance(0.5) ? sub() : ''}]`;
    case 12:
      return `${sub()} | ${random.pick(predicates)}(${predicateBody(random, depth - 1)})`;
    default:
      return random.pick(names);
  }
}

function tokenSoup(random: Random): string {
  const length = 1 + random.int(25);
  return Array.from({ length }, () => random.pick(soup)).join(random.chance(0.7) ? ' ' : '');
}

function jsonValue(random: Random, depth: number): unknown {
  switch (depth <= 0 ? random.int(4) : random.int(7)) {
    case 0:
      return random.pick([0, 1, -2.5, 0.95, Number.NaN, Number.POSITIVE_INFINITY, 1e308]);
    case 1:
      return random.pick(['', 'a', 'constructor', '42', '1.5', 'NaN']);
    case 2:
      return random.pick([true, false]);
    case 3:
      return null;
    case 4:
    case 5:
      return Array.from({ length: random.int(5) }, () => jsonValue(random, depth - 1));
    default:
      return Object.fromEntries(random.pick([['a', 'b'], ['ok', 'Values'], ['successRate']]).map((key) => [key, jsonValue(random, depth - 1)]));
  }
}

/** Deeply nested and own-`__proto__` data, which a careless evaluator would mishandle. */
function hostileData(random: Random): unknown {
  switch (random.int(4)) {
    case 0:
      return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "a": [1, 2]}');
    case 1: {
      let nested: unknown = 1;
      for (let i = 0; i < 5000; i++) nested = [nested];
      return nested;
    }
    case 2:
      return Array.from({ length: 20_000 }, (_, i) => i);
    default:
      return 'x'.repeat(50_000);
  }
}

interface Outcome {
  readonly kind: 'value' | 'syntax' | 'eval';
  readonly limit?: string | undefined;
}

function assertInert(value: unknown, depth = 0): void {
  assert.notEqual(typeof value, 'function');
  assert.notEqual(typeof value, 'symbol');
  if (depth > 100 || value === null || typeof value !== 'object') return;
  for (const child of Object.values(value)) assertInert(child, depth + 1);
}

function check(source: string, variables: Record<string, unknown>, limits: EvalLimits): Outcome {
  let compiled;
  try {
    compiled = compile(source);
  } catch (error) {
    assert.ok(error instanceof ExprSyntaxError, `compile(${JSON.stringify(source)}) threw ${String(error)}`);
    assert.ok(error.column >= 1 && error.column <= [...source].length + 1, `column ${error.column} for ${source}`);
    return { kind: 'syntax' };
  }
  try {
    const { value, steps } = run(compiled, variables, { limits });
    assert.ok(steps > 0 && steps <= limits.maxSteps, `${steps} steps for ${source}`);
    assertInert(value);
    return { kind: 'value' };
  } catch (error) {
    assert.ok(error instanceof ExprEvalError, `evaluating ${JSON.stringify(source)} threw ${String(error)}`);
    assert.ok(error.steps !== undefined && error.steps <= limits.maxSteps, `${String(error.steps)} steps for ${source}`);
    return { kind: 'eval', limit: error.limit };
  }
}

function prototypeSnapshot(): string {
  const shapes = [Object.prototype, Array.prototype, String.prototype, Function.prototype, Number.prototype, Boolean.prototype];
  return JSON.stringify(shapes.map((proto) => Object.getOwnPropertyNames(proto).sort()));
}

describe('fuzz', () => {
  const before = prototypeSnapshot();
  const limits: EvalLimits = { ...DEFAULT_EVAL_LIMITS, maxSteps: 20_000 };

  it('random token soup never escapes the error types', () => {
    const random = new Random(0xa71a7);
    const counts = { value: 0, syntax: 0, eval: 0 };
    for (let i = 0; i < 2500; i++) {
      counts[check(tokenSoup(random), { result: jsonValue(random, 3), x: 1 }, limits).kind]++;
    }
    assert.ok(counts.syntax > 1000, JSON.stringify(counts));
    assert.ok(counts.value + counts.eval > 50, JSON.stringify(counts));
  });

  it('random well-formed expressions evaluate or fail cleanly', () => {
    const random = new Random(0xc0ffee);
    const counts = { value: 0, syntax: 0, eval: 0 };
    for (let i = 0; i < 2500; i++) {
      const result = random.chance(0.1) ? hostileData(random) : jsonValue(random, 3);
      counts[check(expression(random, 4), { result, x: random.pick([1, 'x', null]) }, limits).kind]++;
    }
    // The generator produces mostly valid syntax: both outcomes of evaluation must be well represented.
    assert.ok(counts.value > 300 && counts.eval > 300, JSON.stringify(counts));
  });

  it('hostile expressions are stopped by a limit, not by the machine', () => {
    const deep = (open: string, close: string, n: number): string => `${open.repeat(n)}1${close.repeat(n)}`;
    const hostile: readonly (readonly [source: string, expected: Outcome['kind'], limit?: string])[] = [
      [deep('(', ')', 5000), 'syntax'],
      [deep('[', ']', 5000), 'syntax'],
      [deep('-', '', 5000), 'syntax'],
      [deep('!', '', 100_000), 'syntax'],
      [`${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`, 'syntax'],
      [`${'len('.repeat(3000)}1${')'.repeat(3000)}`, 'syntax'],
      [Array.from({ length: 5000 }, () => 'result').join('.'), 'syntax'],
      [`"${'a'.repeat(200_000)}"`, 'value'],
      ['1..9223372036854775807', 'eval', 'arrayLength'],
      ['len(-9223372036854775807..9223372036854775807)', 'eval', 'arrayLength'],
      ['map(1..10000, map(1..10000, #))', 'eval', 'steps'],
      ['map(1..1000, map(1..1000, map(1..1000, #)))', 'eval', 'steps'],
      ['none(1..10000, {any(1..10000, {# == 0})})', 'eval', 'steps'],
      ['count(1..10000, {# in 1..10000})', 'eval', 'steps'],
      ['filter(1..10000, {len(string(1..1000)) > 0})', 'eval', 'steps'],
      ['map(1..10000, "x" + "y") == map(1..10000, "x" + "y")', 'eval', 'steps'],
      ['result == result', 'eval', 'depth'],
      ['string(result)', 'eval', 'depth'],
      ['result', 'eval', 'depth'],
      [`"${'a'.repeat(40)}b" matches "^(a+)+$"`, 'value'],
      [`"${'a'.repeat(200_000)}" matches "(a|aa)*c"`, 'eval', 'steps'],
      ['"x" matches "((a{1000}){1000}){1000}"', 'eval'],
      [`${Array.from({ length: 40 }, () => '"abcdefghij"').join(' + ')} + ${Array.from({ length: 40 }, () => '"abcdefghij"').join(' + ')}`, 'value'],
      ['result.__proto__.polluted', 'eval'],
      ['{__proto__: {polluted: true}}', 'eval'],
      ['filter([{}], {#.constructor.prototype.polluted = true})', 'syntax'],
    ];
    let nested: unknown = 1;
    for (let i = 0; i < 5000; i++) nested = [nested];
    for (const [source, expected, limit] of hostile) {
      const outcome = check(source, { result: nested }, DEFAULT_EVAL_LIMITS);
      assert.equal(outcome.kind, expected, `${source.slice(0, 80)}: ${JSON.stringify(outcome)}`);
      if (limit !== undefined) assert.equal(outcome.limit, limit, source.slice(0, 80));
    }
  });

  it('huge input data is walked only as far as the steps allow', () => {
    const result = Array.from({ length: 1_000_000 }, () => 0.5);
    assert.deepEqual(check('all(result, # < 1)', { result }, DEFAULT_EVAL_LIMITS), { kind: 'eval', limit: 'steps' });
    assert.deepEqual(check('len(result) > 0 && result[-1] < 1', { result }, DEFAULT_EVAL_LIMITS), { kind: 'value' });
    assert.deepEqual(check('1 in result', { result }, DEFAULT_EVAL_LIMITS), { kind: 'eval', limit: 'steps' });
  });

  it('leaves the built-in prototypes untouched', () => {
    assert.equal(prototypeSnapshot(), before);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(([] as unknown as Record<string, unknown>)['polluted'], undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, evaluate, ExprEvalError, run } from './index.ts';

type Row = readonly [source: string, expected: unknown, variables?: Record<string, unknown>];

function table(title: string, rows: readonly Row[]): void {
  describe(title, () => {
    for (const [source, expected, variables] of rows) {
      it(`${source} → ${JSON.stringify(expected)}`, () => {
        assert.deepEqual(evaluate(compile(source), variables ?? {}), expected);
      });
    }
  });
}

function failures(title: string, rows: readonly (readonly [source: string, message: RegExp, variables?: Record<string, unknown>])[]): void {
  describe(title, () => {
    for (const [source, message, variables] of rows) {
      it(`${source} fails with ${String(message)}`, () => {
        assert.throws(() => evaluate(compile(source), variables ?? {}), (error: unknown) => {
          assert.ok(error instanceof ExprEvalError, `expected ExprEvalError, got ${String(error)}`);
          assert.match(error.message, message);
          return true;
        });
      });
    }
  });
}

table('literals', [
  ['true', true],
  ['false', false],
  ['nil', null],
  ['42', 42],
  ['0x2A', 42],
  ['0o52', 42],
  ['0b101010', 42],
  ['1_000_000', 1_000_000],
  ['0.5', 0.5],
  ['.5', 0.5],
  ['1e3', 1000],
  ['2.5e-3', 0.0025],
  ['"double"', 'double'],
  ["'single'", 'single'],
  ['"tab\\there"', 'tab\there'],
  ["'it\\'s'", "it's"],
  ['"\\u00e9\\x41\\101"', 'éAA'],
  ['`raw \\n string`', 'raw \\n string'],
  ['[1, "a", nil, [true]]', [1, 'a', null, [true]]],
  ['[1, 2,]', [1, 2]],
  ['{a: 1, "b c": 2, 3: 4, ("d" + "e"): 5}', { a: 1, 'b c': 2, '3': 4, de: 5 }],
  ['/* comment */ 1 // trailing', 1],
]);

table('ints and floats stay apart as in expr-lang', [
  ['type(1)', 'int'],
  ['type(1.0)', 'float'],
  ['type(1 + 1)', 'int'],
  ['type(1 + 1.0)', 'float'],
  ['type(4 / 2)', 'float'],
  ['type(2 ** 2)', 'float'],
  ['type(7 % 2)', 'int'],
  ['type(len("ab"))', 'int'],
  ['type(result)', 'float', { result: 3 }],
  ['type(asInt(result))', 'int', { result: 3.7 }],
  ['type(1..2)', 'array'],
  ['type({})', 'map'],
  ['type(nil)', 'nil'],
  ['type("")', 'string'],
  ['type(true)', 'bool'],
]);

table('arithmetic', [
  ['1 + 2', 3],
  ['5 - 7', -2],
  ['3 * 4', 12],
  ['7 / 2', 3.5],
  ['1 / 0', Number.POSITIVE_INFINITY],
  ['7 % 3', 1],
  ['-7 % 3', -1],
  ['2 ** 10', 1024],
  ['2 ^ 3', 8],
  ['0.1 + 0.2 > 0.3', true],
  ['-(3)', -3],
  ['+3', 3],
  ['"ab" + "cd"', 'abcd'],
  ['9223372036854775807 + 1', -9223372036854775808],
]);

table('precedence and associativity', [
  ['1 + 2 * 3', 7],
  ['(1 + 2) * 3', 9],
  ['10 - 2 - 3', 5],
  ['100 / 10 / 5', 2],
  ['2 ** 3 ** 2', 512],
  ['-2 ** 2', -4],
  ['2 * 3 ** 2', 18],
  ['1 + 2 == 3', true],
  ['true or false and false', true],
  ['(true or false) and false', false],
  ['not true and false', false],
  ['not (true and false)', true],
  ['!true == false', true],
  ['1..3 == [1, 2, 3]', true],
  ['1 + 1..3', [2, 3]],
  ['"a" + "b" in ["ab"]', true],
  ['true ? 1 : 2 + 3', 1],
  ['false ? 1 : 2 + 3', 5],
  ['false ? 1 : false ? 2 : 3', 3],
  ['1 < 2 ? "yes" : "no"', 'yes'],
  ['true ?: 3', true],
  ['false ?: 3', 3],
  ['5 < nil ?? 6', true],
  ['1 + (nil ?? 2)', 3],
  ['1 < 2 < 3', true],
  ['3 > 2 > 2', false],
  ['1 < 2 == true', false],
]);

table('comparison and equality', [
  ['1 == 1.0', true],
  ['1 != 2', true],
  ['"a" == "a"', true],
  ['1 == "1"', false],
  ['nil == nil', true],
  ['nil == false', false],
  ['[1, 2] == [1, 2.0]', true],
  ['[1, 2] == [2, 1]', false],
  ['{a: [1]} == {a: [1]}', true],
  ['{a: 1} == {a: 1, b: 2}', false],
  ['2 > 1.5', true],
  ['1 >= 1', true],
  ['1 <= 0.5', false],
  ['"abc" < "abd"', true],
  ['"b" > "abc"', true],
  ['result < 1', false, { result: Number.NaN }],
  ['result == result', false, { result: Number.NaN }],
]);

table('logic, short-circuit included', [
  ['true and true', true],
  ['true && false', false],
  ['false or true', true],
  ['false || false', false],
  ['not false', true],
  ['!true', false],
  ['false and result.missing.field', false, { result: {} }],
  ['true or result.missing.field', true, { result: {} }],
]);

table('membership and string operators', [
  ['2 in [1, 2, 3]', true],
  ['2.0 in [1, 2, 3]', true],
  ['4 in [1, 2, 3]', false],
  ['4 not in [1, 2, 3]', true],
  ['"a" in {a: 1}', true],
  ['"b" in {a: 1}', false],
  ['"b" not in {a: 1}', true],
  ['"x" in nil', false],
  ['"ok" in result', true, { result: { ok: false } }],
  ['"hello" contains "ell"', true],
  ['"hello" not contains "z"', true],
  ['"hello" startsWith "he"', true],
  ['"hello" endsWith "lo"', true],
  ['"hello" not startsWith "lo"', true],
  ['"v1.2.3" matches "^v\\\\d+\\\\.\\\\d+"', true],
  ['"abc" not matches "^b"', true],
]);

table('member access, indexing, slices and optional chaining', [
  ['result.a.b', 1, { result: { a: { b: 1 } } }],
  ['result["a"]["b"]', 1, { result: { a: { b: 1 } } }],
  ['result.missing', null, { result: { a: 1 } }],
  ['result[0]', 10, { result: [10, 20, 30] }],
  ['result[-1]', 30, { result: [10, 20, 30] }],
  ['result[1.9]', 20, { result: [10, 20, 30] }],
  ['result[1:]', [20, 30], { result: [10, 20, 30] }],
  ['result[:2]', [10, 20], { result: [10, 20, 30] }],
  ['result[1:-1]', [20], { result: [10, 20, 30] }],
  ['result[:]', [10, 20, 30], { result: [10, 20, 30] }],
  ['result[5:9]', [], { result: [10, 20, 30] }],
  ['"héllo"[1]', 'é'],
  ['"héllo"[1:3]', 'él'],
  ['result?.a', null, { result: null }],
  ['result?.a.b.c', null, { result: null }],
  ['result?.[0]', null, { result: null }],
  ['result.a?.b', null, { result: { a: null } }],
  ['result?.a ?? "fallback"', 'fallback', { result: null }],
  ['result.a ?? 0', 0, { result: {} }],
  ['result.a ?? 0', false, { result: { a: false } }],
  ['result.not', 1, { result: { not: 1 } }],
  ['result.in', 2, { result: { in: 2 } }],
  ['{a: {b: 5}}.a.b', 5],
  ['[[1, 2], [3]][0][1]', 2],
]);

table('ranges and pipes', [
  ['1..3', [1, 2, 3]],
  ['3..1', []],
  ['-1..1', [-1, 0, 1]],
  ['len(1..100)', 100],
  ['result | len()', 3, { result: [1, 2, 3] }],
  ['result | filter(# > 1) | len()', 2, { result: [1, 2, 3] }],
  ['[1, 2, 3] | map(# * 10)', [10, 20, 30]],
  ['[true, false, true] | count()', 2],
  ['5 in 1..10', true],
]);

table('predicates with # closures', [
  ['all([1, 2, 3], {# > 0})', true],
  ['all([1, 2, 3], # > 1)', false],
  ['all([], # > 1)', true],
  ['any([1, 2, 3], # > 2)', true],
  ['any([], # > 2)', false],
  ['none([1, 2, 3], # > 3)', true],
  ['none([1, 2, 3], # == 2)', false],
  ['one([1, 2, 3], # == 2)', true],
  ['one([1, 2, 2], # == 2)', false],
  ['one([], true)', false],
  ['filter([1, 2, 3, 4], # % 2 == 0)', [2, 4]],
  ['map([1, 2, 3], {# * 2})', [2, 4, 6]],
  ['map([1, 2], #index)', [0, 1]],
  ['count([1, 2, 3], # > 1)', 2],
  ['count([true, false, true])', 2],
  ['find([1, 2, 3, 4], # > 2)', 3],
  ['find([1, 2], # > 5)', null],
  ['findIndex([1, 2, 3, 4], # > 2)', 2],
  ['findLast([1, 2, 3, 4], # > 2)', 4],
  ['findLastIndex([1, 2, 3, 4], # > 5)', -1],
  ['sum([1, 2, 3])', 6],
  ['sum([1, 2.5])', 3.5],
  ['sum(result, .v)', 5, { result: [{ v: 2 }, { v: 3 }] }],
  ['filter(result, .a > 1)', [{ a: 2 }], { result: [{ a: 1 }, { a: 2 }] }],
  ['map(result, #.name)', ['x', 'y'], { result: [{ name: 'x' }, { name: 'y' }] }],
  ['all(result, {any(#.Values, {# > 1})})', true, { result: [{ Values: [0, 2] }, { Values: [3] }] }],
  ['map([[1, 2], [3]], {len(#)})', [2, 1]],
  ['map([1, 2], {map([10, 20], {#})})', [[10, 20], [10, 20]]],
]);

table('builtins', [
  ['len("héllo")', 5],
  ['len([1, 2])', 2],
  ['len({a: 1, b: 2})', 2],
  ['abs(-3)', 3],
  ['abs(-2.5)', 2.5],
  ['ceil(1.2)', 2],
  ['floor(-1.2)', -2],
  ['round(2.5)', 3],
  ['round(-2.5)', -3],
  ['int(3.9)', 3],
  ['int("-12")', -12],
  ['float("1.5")', 1.5],
  ['float(2)', 2],
  ['string(12)', '12'],
  ['string(0.5)', '0.5'],
  ['string(1000000.0)', '1e+06'],
  ['string(0.00001)', '1e-05'],
  ['string(true)', 'true'],
  ['string(nil)', '<nil>'],
  ['string([1, "a"])', '[1 a]'],
  ['string({b: 1, a: 2})', 'map[a:2 b:1]'],
  ['max(1, 5, 3)', 5],
  ['max([1, 7], 3)', 7],
  ['min(4, 2.5)', 2.5],
  ['mean([1, 2, 3, 4])', 2.5],
  ['mean([])', 0],
  ['median([5, 1, 3])', 3],
  ['median([4, 1, 3, 2])', 2.5],
  ['first([1, 2])', 1],
  ['first([])', null],
  ['last([1, 2])', 2],
  ['keys({a: 1, b: 2})', ['a', 'b']],
  ['values({a: 1, b: 2})', [1, 2]],
  ['lower("AbC")', 'abc'],
  ['upper("AbC")', 'ABC'],
  ['trim("  x  ")', 'x'],
  ['trim("__x__", "_")', 'x'],
]);

table("Argo Rollouts' environment", [
  ['asInt("42")', 42],
  ['asInt("-7")', -7],
  ['asInt(4.9)', 4],
  ['asInt(result)', 12, { result: '12' }],
  ['asFloat("4.25")', 4.25],
  ['asFloat("1e3")', 1000],
  ['asFloat(3)', 3],
  ['isNaN(asFloat("NaN"))', true],
  ['isNaN(1.5)', false],
  ['isNaN(result)', true, { result: Number.NaN }],
  ['isInf(asFloat("-Inf"))', true],
  ['isInf(result)', true, { result: Number.POSITIVE_INFINITY }],
  ['isInf(1)', false],
  // isNil and default look at the whole result, whatever their first argument, as Argo's do.
  ['isNil(result)', true, { result: null }],
  ['isNil(result)', false, { result: [] }],
  ['isNil(1)', true, { result: null }],
  ['default(result, 0)', 0, { result: null }],
  ['default(result, 0)', 4.5, { result: 4.5 }],
  ['default(nil, 7)', 3, { result: 3 }],
  // Without a `result` variable they look at their argument.
  ['isNil(nil)', true],
  ['default(nil, 7)', 7],
  ['default(1, 7)', 1],
]);

failures('type and domain errors', [
  ['"a" < 1', /^cannot compare string with int \(operator "<"\)$/],
  ['nil > 1', /^cannot compare nil with int/],
  ['"a" + 1', /^operator "\+" is not defined on string and int$/],
  ['7.0 % 2', /^operator "%" needs two ints, got float and int$/],
  ['7 % 0', /^integer divide by zero$/],
  ['-"a"', /^operator "-" is not defined on string$/],
  ['not 1', /^operator "not" is not defined on int$/],
  ['1 and true', /^operator "and" needs bool operands, got int$/],
  ['false || "x"', /^operator "\|\|" needs bool operands, got string$/],
  ['1 ? 2 : 3', /^condition of "\?:" must be a bool, got int$/],
  ['1 in "abc"', /^operator "in" is not defined on string$/],
  ['1 in {a: 1}', /^cannot look up a int key in a map$/],
  ['1 contains "a"', /^operator "contains" is not defined on int and string$/],
  ['1.5..3', /^operator "\.\." is not defined on float and int$/],
  ['[1][1]', /^index out of range: 1 \(length is 1\)$/],
  ['[1]["a"]', /^cannot fetch "a" from array$/],
  ['{a: 1}[0]', /^map key must be a string, got int$/],
  ['nil.a', /^cannot fetch "a" from nil$/],
  ['result.a.b', /^cannot fetch "b" from nil$/, { result: {} }],
  ['(1).a', /^cannot fetch "a" from int$/],
  ['nil[0]', /^cannot fetch int 0 from nil$/],
  ['(1)[{}]', /^cannot fetch map from int$/],
  ['"a"[{a: 1}]', /^string index must be an integer, got map$/],
  ['true[0:1]', /^cannot slice bool$/],
  ['all(nil, # > 1)', /^all: expected an array, got nil$/],
  ['all([1, 2], 1)', /^all: the predicate must return a bool, got int$/],
  ['count([1])', /^count: expected bools, got int$/],
  ['sum(["a"])', /^sum: expected numbers, got string$/],
  ['len(1)', /^len: expected a string, array or map, got int$/],
  ['len(1, 2)', /^len: expected 1 argument, got 2$/],
  ['default(1)', /^default: expected 2 arguments, got 1$/],
  ['max()', /^max: expected at least 1 argument, got 0$/],
  ['asInt("4.2")', /^asInt: cannot parse "4\.2" as an int$/],
  ['asInt(true)', /^asInt: not supported on bool$/],
  ['asInt("99999999999999999999")', /out of the int range/],
  ['asFloat("abc")', /^asFloat: cannot parse "abc" as a float$/],
  ['asFloat("1e400")', /out of the float range/],
  ['isNaN("x")', /^isNaN: expected a number, got string$/],
  ['int(result)', /^int: cannot convert NaN to an int$/, { result: Number.NaN }],
  ['keys([1])', /^keys: expected a map, got array$/],
  ['lower(1)', /^lower: expected a string, got int$/],
  ['foo', /^unknown name "foo"$/],
  ['foo + 1', /^unknown name "foo"$/],
  ['len', /^"len" is a function; call it as len\(\.\.\.\)$/],
  ['system("ls")', /^function "system" is not allowed$/],
  ['result(1)', /^"result" is not a function$/, { result: 1 }],
  ['[1].foo()', /^method calls are not supported/],
  ['map([1], #acc)', /^unknown pointer "#acc"$/],
]);

describe('evaluation errors', () => {
  it('point at the operator that failed', () => {
    assert.throws(() => evaluate(compile('result.a < "x"'), { result: { a: 1 } }), (error: unknown) => {
      assert.ok(error instanceof ExprEvalError);
      assert.equal(error.column, 10);
      assert.equal(error.snippet, 'result.a < "x"\n         ^');
      return true;
    });
  });

  it('point at an unknown name', () => {
    assert.throws(() => evaluate(compile('1 + missing'), {}), { name: 'ExprEvalError', column: 5 });
  });

  it('rejects variables that are not a plain object', () => {
    assert.throws(() => evaluate(compile('1'), [] as unknown as Record<string, unknown>), TypeError);
  });

  it('rejects a source that is not a string', () => {
    assert.throws(() => compile(42 as unknown as string), { name: 'TypeError', message: 'expression must be a string, got number' });
  });
});

describe('run', () => {
  it('reports the steps taken, which grow with the data walked', () => {
    const small = run(compile('all(result, # > 0)'), { result: [1, 2] });
    const large = run(compile('all(result, # > 0)'), { result: Array.from({ length: 200 }, () => 1) });
    assert.equal(small.value, true);
    assert.ok(small.steps > 0);
    assert.ok(large.steps > small.steps * 50, `${large.steps} vs ${small.steps}`);
  });

  it('returns ints as numbers and created maps as ordinary objects', () => {
    const { value } = run(compile('{a: 1, b: [2]}'));
    assert.deepEqual(value, { a: 1, b: [2] });
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
  });

  it('can be run again: a compiled expression is immutable', () => {
    const compiled = compile('result * 2');
    assert.ok(Object.isFrozen(compiled) && Object.isFrozen(compiled.root));
    assert.equal(evaluate(compiled, { result: 2 }), 4);
    assert.equal(evaluate(compiled, { result: 5 }), 10);
  });
});

describe('run-time limits', () => {
  const limited = (source: string, limits: Record<string, number>, variables: Record<string, unknown> = {}): ExprEvalError => {
    let caught: unknown;
    try {
      run(compile(source), variables, { limits });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ExprEvalError, `expected ExprEvalError, got ${String(caught)}`);
    return caught;
  };

  it('bounds the length of created strings', () => {
    const error = limited('"abcd" + "efgh"', { maxStringLength: 6 });
    assert.equal(error.limit, 'stringLength');
    assert.equal(error.message, 'string of 8 characters exceeds the limit of 6');
    assert.equal(evaluate(compile('"abc" + "def"'), {}, { limits: { maxStringLength: 6 } }), 'abcdef');
  });

  it('bounds the size of created arrays, ranges and maps', () => {
    assert.equal(limited('1..11', { maxArrayLength: 10 }).message, 'collection of 11 elements exceeds the limit of 10');
    assert.equal(limited('map(result, #)', { maxArrayLength: 3 }, { result: [1, 2, 3, 4] }).limit, 'arrayLength');
    assert.equal(limited('[1, 2, 3]', { maxArrayLength: 2 }).limit, 'arrayLength');
    assert.equal(limited('{a: 1, b: 2, c: 3}', { maxArrayLength: 2 }).limit, 'arrayLength');
    assert.deepEqual(evaluate(compile('1..10'), {}, { limits: { maxArrayLength: 10 } }), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('bounds the steps, reporting how many were taken', () => {
    const error = limited('map(1..100, # * 2)', { maxSteps: 150 });
    assert.equal(error.limit, 'steps');
    assert.ok(error.steps !== undefined && error.steps <= 150 && error.steps > 100, String(error.steps));
  });

  it('bounds the depth of values walked', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 10; i++) nested = [nested];
    assert.equal(limited('result == result', { maxValueDepth: 5 }, { result: nested }).limit, 'depth');
    assert.equal(evaluate(compile('result == result'), { result: nested }), true);
  });
});

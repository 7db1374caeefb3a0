import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, ExprSyntaxError } from './index.ts';

describe('syntax errors point at the column', () => {
  const rows: readonly (readonly [source: string, reason: string, column: number])[] = [
    ['result[0] >= )', 'unexpected ")"', 14],
    ['1 +', 'unexpected end of expression', 4],
    ['(1 + 2', 'unexpected end of expression', 7],
    ['1 2', 'unexpected "2"', 3],
    ['"abc', 'string literal not terminated', 1],
    ['`abc', 'string literal not terminated', 1],
    ['"a\\qb"', 'invalid escape in string literal', 3],
    ['1 @ 2', 'unrecognized character "@"', 3],
    ['a = 1', 'unrecognized character "="', 3],
    ['1 & 2', 'unrecognized character "&"', 3],
    ['', 'empty expression', 1],
    ['   ', 'empty expression', 4],
    ['/* open', 'unclosed comment', 1],
    ['12abc', 'bad number syntax "12a"', 1],
    ['0x', 'invalid integer literal "0x"', 1],
    ['99999999999999999999', 'integer literal is too large', 1],
    ['1e999', 'float literal is too large', 1],
    ['[1, 2', 'unexpected end of expression', 6],
    ['{a 1}', 'unexpected "1"', 4],
    ['{[1]: 2}', 'a map key must be a quoted string, a number, a name, or an expression in parentheses (found "[")', 2],
    ['result.', 'expected a property name', 8],
    ['result.1', 'unexpected ".1"', 7],
    ['# > 1', 'cannot use "#" or ".field" outside a predicate', 1],
    ['.a > 1', 'cannot use "#" or ".field" outside a predicate', 1],
    ['all(result)', 'all expects a predicate as its second argument', 11],
    ['all()', 'all expects an array and a predicate', 5],
    ['all(result, {# > 1)', 'unexpected ")"', 19],
    ['nil ?? 1 + 2', 'operator "+" and "??" cannot be mixed without parentheses', 10],
    ['1 not 2', 'unexpected "not"', 3],
    ['true ? 1', 'unexpected end of expression', 9],
    ['x | 1', 'expected a function name after "|"', 5],
    ['x | f', 'expected "(" after "f"', 6],
    ['let x = 1; x', 'unrecognized character "="', 7],
  ];
  for (const [source, reason, column] of rows) {
    it(`${JSON.stringify(source)}: ${reason} at column ${column}`, () => {
      assert.throws(() => compile(source), (error: unknown) => {
        assert.ok(error instanceof ExprSyntaxError, `expected ExprSyntaxError, got ${String(error)}`);
        assert.equal(error.reason, reason);
        assert.equal(error.column, column);
        assert.equal(error.message, `${reason} at column ${column}`);
        return true;
      });
    });
  }

  it('shows the source with a caret under the problem', () => {
    assert.throws(() => compile('result[0] >= )'), (error: unknown) => {
      assert.ok(error instanceof ExprSyntaxError);
      assert.equal(error.snippet, 'result[0] >= )\n             ^');
      assert.equal(error.source, 'result[0] >= )');
      return true;
    });
  });

  it('names line and column in a multi-line condition', () => {
    assert.throws(() => compile('result.ok &&\n  result.rate > )'), (error: unknown) => {
      assert.ok(error instanceof ExprSyntaxError);
      assert.equal(error.message, 'unexpected ")" at line 2, column 17');
      assert.deepEqual(error.position, { offset: 29, line: 2, column: 17 });
      assert.equal(error.snippet, '  result.rate > )\n                ^');
      return true;
    });
  });

  it('counts columns in characters, not UTF-16 units', () => {
    assert.throws(() => compile('"😀" + )'), { column: 7 });
  });
});

describe('size limits', () => {
  it('refuses more nodes than the limit', () => {
    const source = Array.from({ length: 600 }, () => '1').join(' + ');
    assert.throws(() => compile(source), (error: unknown) => {
      assert.ok(error instanceof ExprSyntaxError);
      assert.match(error.message, /^expression is too large \(more than 1000 nodes\) at column \d+$/);
      return true;
    });
    assert.equal(compile(source, { maxNodes: 2000 }).nodeCount, 1199);
  });

  it('refuses deep nesting before the stack is at risk', () => {
    const deep = `${'('.repeat(200)}1${')'.repeat(200)}`;
    assert.throws(() => compile(deep), { name: 'ExprSyntaxError', message: /nested too deeply \(more than 64 levels\)/ });
    assert.equal(compile(`${'('.repeat(30)}1${')'.repeat(30)}`).nodeCount, 1);
  });

  it('refuses long right-associative chains', () => {
    assert.throws(() => compile(Array.from({ length: 100 }, () => '2').join(' ** ')), /nested too deeply/);
  });

  it('accepts long left-associative chains within the node budget', () => {
    assert.equal(compile(Array.from({ length: 400 }, () => 'true').join(' and ')).nodeCount, 799);
  });
});

describe('accepted forms', () => {
  const sources = [
    'result[0] >= 0.95',
    'all(result, # < 1000)',
    'all(result, {# < 1000})',
    'all(result, {# < 1000},)',
    'count(result)',
    'count(result, # > 1)',
    'result?.a?.[0]',
    'a ?: b',
    'x not in y and y not contains z',
    'result\n  | filter(# > 1)\n  | len() > 0',
    '{a: 1, b: 2,}',
    '[]',
    '{}',
    'f()',
    'f(1, 2,)',
    '1..3',
    '1.5',
    '1.',
    'x.matches',
  ];
  for (const source of sources) {
    it(`compiles ${JSON.stringify(source)}`, () => {
      const compiled = compile(source);
      assert.equal(compiled.source, source);
      assert.ok(compiled.nodeCount >= 1);
    });
  }
});

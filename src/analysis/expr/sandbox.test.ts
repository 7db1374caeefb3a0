import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, evaluate, ExprError, ExprEvalError, ExprSyntaxError } from './index.ts';

function refuses(source: string, message: RegExp, variables: Record<string, unknown> = {}): void {
  assert.throws(() => evaluate(compile(source), variables), (error: unknown) => {
    assert.ok(error instanceof ExprEvalError, `expected ExprEvalError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('prototype names are refused everywhere', () => {
  const result = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "prototype": 2, "ok": 3}') as Record<string, unknown>;
  // JSON.parse makes these own keys: they are refused even so.
  assert.ok(Object.hasOwn(result, '__proto__'));
  const sources = [
    'result.constructor',
    'result.__proto__',
    'result.prototype',
    'result["constructor"]',
    'result["__proto__"]',
    'result["proto" + "type"]',
    'result?.constructor',
    'result.ok.constructor',
    '[].constructor',
    '"".constructor',
    '(1).constructor',
    'nil?.constructor',
    'constructor',
    '__proto__',
    '"constructor" in result',
    '"__proto__" in {}',
    '{__proto__: 1}',
    '{"constructor": 1}',
    '{("__pro" + "to__"): {polluted: true}}',
    'map([result], #.constructor)',
    'filter([result], .__proto__ != nil)',
    'constructor(1)',
    'result.constructor.constructor("return process")',
  ];
  for (const source of sources) {
    it(`refuses ${source}`, () => {
      refuses(source, /^access to "(__proto__|constructor|prototype)" is not allowed$/, { result });
    });
  }
});

describe('no JavaScript property, method or global is reachable', () => {
  it('reads inherited names of a map as missing keys, never as functions', () => {
    for (const name of ['toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__']) {
      assert.equal(evaluate(compile(`result.${name}`), { result: {} }), null, name);
      assert.equal(evaluate(compile(`result["${name}"]`), { result: {} }), null, name);
      assert.equal(evaluate(compile(`"${name}" in result`), { result: {} }), false, name);
    }
  });

  it('does not expose array or string properties', () => {
    refuses('[].map', /^cannot fetch "map" from array$/);
    refuses('[1, 2].length', /^cannot fetch "length" from array$/);
    refuses('"".length', /^cannot fetch "length" from string$/);
    refuses('"abc".toUpperCase', /^cannot fetch "toUpperCase" from string$/);
    refuses('result.length', /^cannot fetch "length" from array$/, { result: [1] });
  });

  it('refuses method calls', () => {
    refuses('result.toString()', /^method calls are not supported \("toString\(\.\.\.\)"\)/, { result: {} });
    refuses('"abc".toUpperCase()', /^method calls are not supported/);
    refuses('[3, 1].sort()', /^method calls are not supported/);
  });

  it('resolves names only to variables and whitelisted functions', () => {
    for (const name of ['globalThis', 'process', 'require', 'eval', 'Function', 'Object', 'this', 'window', 'toString']) {
      refuses(name, /^unknown name /);
    }
    for (const name of ['eval', 'require', 'Function', 'setTimeout', 'fetch', 'system', 'hasOwnProperty', 'toString']) {
      refuses(`${name}("1")`, new RegExp(`^function "${name}" is not allowed$`));
    }
  });

  it('cannot build functions: there is no syntax for them', () => {
    for (const source of ['() => 1', 'function() {}', 'x => x', 'new Function("")', 'result.constructor.constructor("")()']) {
      assert.throws(() => evaluate(compile(source), {}), (error: unknown) => error instanceof ExprError, source);
    }
    // Backticks are raw strings, not templates.
    assert.equal(evaluate(compile('`${process}`'), {}), '${process}');
  });

  it('refuses JavaScript values that are not plain JSON', () => {
    class Custom {
      readonly secret = 1;
    }
    const values: Record<string, unknown> = {
      fn: () => 1,
      date: new Date(0),
      custom: new Custom(),
      map: new Map([['a', 1]]),
      symbol: Symbol('s'),
      regexp: /x/,
    };
    for (const [name, value] of Object.entries(values)) {
      assert.throws(() => evaluate(compile('result.a'), { result: value }), ExprEvalError, name);
      assert.throws(() => evaluate(compile('result == 1'), { result: value }), ExprEvalError, name);
      assert.throws(() => evaluate(compile('result'), { result: value }), ExprEvalError, name);
    }
  });

  it('never runs a getter of the data', () => {
    let calls = 0;
    const result = Object.defineProperty({}, 'x', { enumerable: true, get: () => (calls++, 1) });
    refuses('result.x', /^property "x" is not plain data$/, { result });
    refuses('len(values(result))', /^property "x" is not plain data$/, { result });
    assert.equal(calls, 0);
  });

  it('ignores non-enumerable properties', () => {
    const result = Object.defineProperty({}, 'hidden', { enumerable: false, value: 1 });
    assert.equal(evaluate(compile('result.hidden'), { result }), null);
    assert.equal(evaluate(compile('len(result)'), { result }), 0);
  });

  it('creates maps without a prototype chain and leaves Object.prototype alone', () => {
    const value = evaluate(compile('{a: {toString: 1, valueOf: 2}}'), {}) as Record<string, Record<string, unknown>>;
    assert.deepEqual(value, { a: { toString: 1, valueOf: 2 } });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getOwnPropertyNames(Object.prototype).includes('polluted'), false);
  });

  it('a compile error is not an evaluation error', () => {
    assert.throws(() => compile('result.'), ExprSyntaxError);
  });
});

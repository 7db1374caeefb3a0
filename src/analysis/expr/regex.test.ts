import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Budget, DEFAULT_EVAL_LIMITS } from './budget.ts';
import { EvalFault } from './errors.ts';
import { regexMatches } from './regex.ts';

function matches(pattern: string, text: string): boolean {
  return regexMatches(pattern, text, new Budget(DEFAULT_EVAL_LIMITS));
}

describe('matches: RE2 syntax, unanchored search', () => {
  const rows: readonly (readonly [pattern: string, text: string, expected: boolean])[] = [
    ['abc', 'xxabcxx', true],
    ['^abc', 'xxabc', false],
    ['abc$', 'xxabc', true],
    ['^$', '', true],
    ['a.c', 'abc', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['^a*$', 'aaaa', true],
    ['^a+$', '', false],
    ['^ab?c$', 'ac', true],
    ['^a{2,3}$', 'aaaa', false],
    ['^a{2,}$', 'aaaa', true],
    ['^a{2}$', 'aa', true],
    ['^(ab)+$', 'ababab', true],
    ['^(?:ab|cd)+$', 'abcdab', true],
    ['^(?P<word>\\w+)$', 'hello_1', true],
    ['^(?<word>\\w+)$', 'hello world', false],
    ['^(cat|dog)s?$', 'dogs', true],
    ['^[a-c]+$', 'abccba', true],
    ['^[^a-c]+$', 'xyz', true],
    ['^[^a-c]+$', 'xaz', false],
    ['^[\\d.]+$', '1.2.3', true],
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^[[:^digit:]]+$', 'abc1', false],
    ['^\\d{3}-\\d{4}$', '555-1234', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['\\bfoo\\b', 'afoob', false],
    ['\\Bfoo', 'afoo', true],
    ['^\\s+$', ' \t\n', true],
    ['^\\S+$', 'ab c', false],
    ['^\\W$', '-', true],
    ['(?i)^hello$', 'HeLLo', true],
    ['^(?i:he)llo$', 'HEllo', true],
    ['^(?i:he)llo$', 'HELLO', false],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['\\Aab\\z', 'ab', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\PL+$', '123', true],
    ['^\\x{263a}$', '☺', true],
    ['^\\x41$', 'A', true],
    ['^a\\.b$', 'a.b', true],
    ['^a\\.b$', 'axb', false],
    ['^[\\n]$', '\n', true],
    ['^[\\x{3b1}-\\x{3c9}]+$', 'αω', true],
    ['^😀+$', '😀😀', true],
    ['^a|b$', 'xb', true],
    ['x*', '', true],
    ['^(a|ab)(c|bcd)(d*)$', 'abcd', true],
    ['5\\d\\d', 'status 503', true],
  ];
  for (const [pattern, text, expected] of rows) {
    it(`${JSON.stringify(text)} matches ${JSON.stringify(pattern)}: ${expected}`, () => {
      assert.equal(matches(pattern, text), expected);
    });
  }

  const invalid: readonly (readonly [pattern: string, reason: RegExp])[] = [
    ['(', /missing \)/],
    [')', /unexpected \)/],
    ['[a', /missing \]/],
    ['*a', /missing argument to repetition operator/],
    ['a**', /bad repetition operator/],
    ['a{1001}', /invalid repeat count/],
    ['a{3,2}', /invalid repeat count/],
    ['(?=a)', /lookaround is not supported/],
    ['(?!a)', /lookaround is not supported/],
    ['\\1', /invalid escape \\1/],
    ['\\k', /invalid escape \\k/],
    ['[z-a]', /invalid character class range/],
    ['[[:nope:]]', /invalid character class/],
    ['\\p{NotAScript}', /unknown character class/],
    ['\\', /trailing backslash/],
    ['((a{1000}){1000}){1000}', /pattern is too large/],
  ];
  for (const [pattern, reason] of invalid) {
    it(`rejects ${JSON.stringify(pattern)}`, () => {
      assert.throws(() => matches(pattern, 'a'), (error: unknown) => {
        assert.ok(error instanceof EvalFault);
        assert.match(error.message, /^invalid regular expression: /);
        assert.match(error.message, reason);
        return true;
      });
    });
  }
});

describe('matches runs in linear time', () => {
  it('catastrophic backtracking patterns take steps linear in the input', () => {
    const steps = (length: number): number => {
      const budget = new Budget(DEFAULT_EVAL_LIMITS);
      assert.equal(regexMatches('^(a+)+$', `${'a'.repeat(length)}b`, budget), false);
      return budget.steps;
    };
    const short = steps(100);
    const long = steps(1000);
    assert.ok(long < short * 12, `steps grew from ${short} to ${long}`);
  });

  it('is bounded by the step budget', () => {
    const budget = new Budget({ ...DEFAULT_EVAL_LIMITS, maxSteps: 500 });
    assert.throws(() => regexMatches('(x+x+)+y', 'x'.repeat(5000), budget), { name: 'EvalFault', limit: 'steps' });
  });
});

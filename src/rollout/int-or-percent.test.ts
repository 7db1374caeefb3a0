import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blueGreenMaxUnavailable,
  canaryFenceposts,
  fencepostsBothZero,
  IntOrPercentError,
  parseIntOrPercent,
  resolveFenceposts,
  resolveIntOrPercent,
  type IntOrPercent,
  type IntOrString,
} from './int-or-percent.ts';

describe('parseIntOrPercent', () => {
  const valid: [IntOrString, IntOrPercent][] = [
    [0, { kind: 'int', value: 0 }],
    [3, { kind: 'int', value: 3 }],
    [250, { kind: 'int', value: 250 }],
    ['25%', { kind: 'percent', value: 25 }],
    ['0%', { kind: 'percent', value: 0 }],
    ['100%', { kind: 'percent', value: 100 }],
    ['200%', { kind: 'percent', value: 200 }],
    ['007%', { kind: 'percent', value: 7 }],
    // A bare numeric string is a percentage, as in Argo's replica math.
    ['3', { kind: 'percent', value: 3 }],
    ['0', { kind: 'percent', value: 0 }],
  ];
  for (const [input, expected] of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseIntOrPercent(input), expected);
    });
  }

  const invalid: unknown[] = [
    'abc%', 'abc', '', '%', '-1', '-10%', ' 25%', '25% ', '25 %', '1.5%', '1%0', '25%%', '0x10', '1e3',
    -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, null, true, '99999999999999999999%',
  ];
  for (const input of invalid) {
    it(`rejects ${typeof input === 'string' ? JSON.stringify(input) : String(input)}`, () => {
      assert.throws(() => parseIntOrPercent(input as IntOrString, 'spec.strategy.canary.maxSurge'), (error: unknown) => {
        assert.ok(error instanceof IntOrPercentError);
        assert.match(error.message, /^spec\.strategy\.canary\.maxSurge: invalid value /);
        assert.equal(error.field, 'spec.strategy.canary.maxSurge');
        assert.equal(error.value, input);
        return true;
      });
    });
  }

  it('quotes the offending string in the message', () => {
    assert.throws(() => parseIntOrPercent('abc%'), { message: /invalid value "abc%": expected a non-negative integer/ });
    assert.throws(() => parseIntOrPercent(-3), { message: /invalid value -3:/ });
  });
});

describe('resolveIntOrPercent', () => {
  const rows: [IntOrString, number, boolean, number][] = [
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 4, true, 1],
    ['25%', 4, false, 1],
    ['25%', 1, true, 1],
    ['25%', 1, false, 0],
    ['33%', 3, true, 1],
    ['33%', 3, false, 0],
    ['50%', 3, true, 2],
    ['50%', 3, false, 1],
    ['100%', 7, true, 7],
    ['200%', 3, true, 6],
    ['0%', 10, true, 0],
    ['10%', 0, true, 0],
    ['3', 10, true, 1],
    [3, 10, true, 3],
    [3, 10, false, 3],
    [12, 10, false, 12],
    [0, 0, true, 0],
  ];
  for (const [value, total, roundUp, expected] of rows) {
    it(`${JSON.stringify(value)} of ${total} rounded ${roundUp ? 'up' : 'down'} is ${expected}`, () => {
      assert.equal(resolveIntOrPercent(value, total, roundUp), expected);
    });
  }

  it('rejects a bad total', () => {
    assert.throws(() => resolveIntOrPercent('25%', -1, true), RangeError);
    assert.throws(() => resolveIntOrPercent('25%', 1.5, true), RangeError);
  });
});

describe('resolveFenceposts', () => {
  const rows: [IntOrString | undefined, IntOrString | undefined, number, number, number][] = [
    [1, 0, 10, 1, 0],
    [0, 1, 10, 0, 1],
    [0, 0, 10, 0, 1],
    ['0%', '0%', 10, 0, 1],
    [undefined, undefined, 10, 0, 1],
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 1, 1, 0],
    ['10%', '10%', 5, 1, 0],
    ['5%', '5%', 10, 1, 0],
    ['0%', '5%', 10, 0, 1],
    ['0%', '50%', 3, 0, 1],
    [3, '20%', 10, 3, 2],
    ['100%', 0, 10, 10, 0],
    [2, 30, 10, 2, 30],
  ];
  for (const [surge, unavailable, desired, expectedSurge, expectedUnavailable] of rows) {
    it(`maxSurge ${JSON.stringify(surge)} / maxUnavailable ${JSON.stringify(unavailable)} of ${desired}`, () => {
      assert.deepEqual(resolveFenceposts(surge, unavailable, desired), {
        maxSurge: expectedSurge,
        maxUnavailable: expectedUnavailable,
      });
    });
  }

  it('names the field that is wrong', () => {
    assert.throws(() => resolveFenceposts('abc%', 0, 10), { message: /^maxSurge: invalid value "abc%"/ });
    assert.throws(() => resolveFenceposts(1, -2, 10), { message: /^maxUnavailable: invalid value -2/ });
  });
});

describe('canaryFenceposts', () => {
  const rows: [number, IntOrString | undefined, IntOrString | undefined, number, number][] = [
    [10, undefined, undefined, 3, 2],
    [4, undefined, undefined, 1, 1],
    [1, undefined, undefined, 1, 0],
    [0, undefined, undefined, 0, 0],
    [10, 1, 0, 1, 0],
    [10, 0, '5%', 0, 1],
    [4, 0, 10, 0, 4],
    [4, 2, '200%', 2, 4],
    [1, 0, 0, 0, 1],
    [5, '20%', undefined, 1, 1],
  ];
  for (const [replicas, surge, unavailable, expectedSurge, expectedUnavailable] of rows) {
    it(`${replicas} replicas, maxSurge ${JSON.stringify(surge)}, maxUnavailable ${JSON.stringify(unavailable)}`, () => {
      assert.deepEqual(canaryFenceposts(replicas, surge, unavailable), {
        maxSurge: expectedSurge,
        maxUnavailable: expectedUnavailable,
      });
    });
  }
});

describe('blueGreenMaxUnavailable', () => {
  const rows: [number, IntOrString | undefined, number][] = [
    [10, undefined, 2],
    [10, 0, 0],
    [10, '0%', 0],
    [3, '50%', 1],
    [1, undefined, 0],
    [0, undefined, 0],
    [5, 9, 5],
  ];
  for (const [replicas, unavailable, expected] of rows) {
    it(`${replicas} replicas, maxUnavailable ${JSON.stringify(unavailable)} → ${expected}`, () => {
      assert.equal(blueGreenMaxUnavailable(replicas, unavailable), expected);
    });
  }
});

describe('fencepostsBothZero', () => {
  const rows: [IntOrString | undefined, IntOrString | undefined, boolean][] = [
    [0, 0, true],
    ['0%', 0, true],
    ['0%', '0%', true],
    ['0', 0, true],
    [undefined, 0, false],
    [0, undefined, false],
    [1, 0, false],
    [0, '1%', false],
  ];
  for (const [surge, unavailable, expected] of rows) {
    it(`${JSON.stringify(surge)} / ${JSON.stringify(unavailable)} → ${expected}`, () => {
      assert.equal(fencepostsBothZero(surge, unavailable), expected);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  const valid: [string | number, number][] = [
    [30, 30_000], ['30', 30_000], ['30s', 30_000], ['1m30s', 90_000], ['1.5h', 5_400_000], ['250ms', 250], ['2h0m5s', 7_205_000], [' 10s ', 10_000], [0, 0],
  ];
  for (const [input, ms] of valid) it(`${JSON.stringify(input)} → ${ms} ms`, () => {
    assert.equal(parseDuration(input), ms);
  });
  const invalid: (string | number)[] = ['', '5x', 's', '10 s', '-5s', -1, Number.NaN, '1d'];
  for (const input of invalid) it(`rejects ${JSON.stringify(input)} and quotes it`, () => {
    assert.throws(() => parseDuration(input), /invalid duration/);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [[0, '0ms'], [999, '999ms'], [1000, '1s'], [90_000, '1m30s'], [3_600_000, '1h'], [3_661_000, '1h1m1s']];
  for (const [ms, text] of cases) it(`${ms} → ${text}`, () => {
    assert.equal(formatDuration(ms), text);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration, tryParseDuration } from './duration.ts';

describe('parseDuration: the one duration grammar', () => {
  const valid: [string | number, number][] = [
    // Bare numbers are seconds (Argo's int-or-string pause durations, kubedog's timeouts).
    [30, 30_000], [0, 0], [1.5, 1_500], ['30', 30_000], ['0', 0], [' 10 ', 10_000],
    // Go's time.ParseDuration syntax.
    ['30s', 30_000], ['500ms', 500], ['2s', 2_000], ['4m', 240_000], ['1h30m', 5_400_000], ['1m30s', 90_000],
    ['1.5h', 5_400_000], ['250ms', 250], ['2h0m5s', 7_205_000], [' 10s ', 10_000], ['0s', 0], ['.5s', 500],
    ['1.s', 1_000], ['1500us', 1.5], ['1500µs', 1.5], ['1500μs', 1.5], ['2000000ns', 2], ['1h1m1s1ms', 3_661_001],
    ['30m0s', 1_800_000],
  ];
  for (const [input, ms] of valid) it(`${JSON.stringify(input)} → ${ms} ms`, () => {
    assert.equal(parseDuration(input), ms);
    assert.equal(tryParseDuration(input), ms);
  });
  const invalid: (string | number)[] = [
    '', ' ', '5x', 's', '10 s', '1h 30m', '-5s', '+5s', -1, Number.NaN, Number.POSITIVE_INFINITY, '1d', '1.', '.5', '1e3',
    '30sec', 'm5', '1h30', 'Infinity', '0x10s',
    // A bare fraction of a second is refused as Argo Rollouts and the CRD pattern refuse it.
    '1.5', '0.5',
  ];
  for (const input of invalid) it(`rejects ${JSON.stringify(input)} and quotes it`, () => {
    assert.equal(tryParseDuration(input), undefined);
    assert.throws(() => parseDuration(input), /invalid duration/);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [[0, '0ms'], [999, '999ms'], [1000, '1s'], [90_000, '1m30s'], [3_600_000, '1h'], [3_661_000, '1h1m1s']];
  for (const [ms, text] of cases) it(`${ms} → ${text}`, () => {
    assert.equal(formatDuration(ms), text);
  });
});

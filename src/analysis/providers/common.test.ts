import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationMs, formatFloat, formatFloatList, formatJson, requireHttpUrl, toFloat } from './common.ts';
import { ProviderConfigError } from './provider.ts';

describe('formatFloat (Go strconv.FormatFloat(f, \'f\', -1, 64))', () => {
  const table: [number, string][] = [
    [0.95, '0.95'],
    [1, '1'],
    [-2.5, '-2.5'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [1e-7, '0.0000001'],
    [-1.5e-8, '-0.000000015'],
    [1e21, '1000000000000000000000'],
    [1.25e22, '12500000000000000000000'],
  ];
  for (const [value, text] of table) {
    it(`${String(value)} → ${text}`, () => {
      assert.equal(formatFloat(value), text);
    });
  }
  it('renders lists as Argo renders vectors', () => {
    assert.equal(formatFloatList([]), '[]');
    assert.equal(formatFloatList([1, NaN]), '[1,NaN]');
  });
});

describe('toFloat', () => {
  const table: [unknown, number | undefined][] = [
    ['0.5', 0.5],
    ['1e3', 1000],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    [7, 7],
    ['', undefined],
    ['abc', undefined],
    [null, undefined],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => {
      assert.equal(toFloat(input), expected);
    });
  }
  it('reads NaN', () => {
    assert.ok(Number.isNaN(toFloat('NaN')));
  });
});

describe('field helpers', () => {
  it('formats JSON values for measurements', () => {
    assert.equal(formatJson('text'), 'text');
    assert.equal(formatJson({ a: [1] }), '{"a":[1]}');
    assert.equal(formatJson(undefined), 'null');
  });
  it('parses durations and URLs or names the field', () => {
    assert.equal(durationMs('1m30s', 'f', 0), 90_000);
    assert.equal(durationMs(undefined, 'f', 5), 5);
    assert.throws(() => durationMs('soon', 'provider.x.interval', 0), (e: unknown) => e instanceof ProviderConfigError && e.field === 'provider.x.interval');
    assert.equal(requireHttpUrl('https://a.example/x', 'f').host, 'a.example');
    assert.throws(() => requireHttpUrl('a.example', 'provider.x.address'), /provider\.x\.address: is not an http\(s\) URL: "a\.example"/);
    assert.throws(() => requireHttpUrl(' ', 'provider.x.address'), /provider\.x\.address: is required/);
  });
});

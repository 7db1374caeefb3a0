import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMicroTime, formatTime, parseTime } from './time.ts';

describe('formatMicroTime', () => {
  it('always writes six fractional digits', () => {
    assert.equal(formatMicroTime(Date.UTC(2026, 10, 23, 8, 0, 0, 123)), '2026-11-23T08:00:00.123000Z');
    assert.equal(formatMicroTime(Date.UTC(2026, 10, 23, 8, 0, 0)), '2026-11-23T08:00:00.000000Z');
    assert.equal(formatMicroTime(Date.UTC(2026, 10, 23, 8, 0, 0, 123) + 0.456), '2026-11-23T08:00:00.123456Z');
    assert.equal(formatMicroTime(Date.UTC(2026, 10, 23, 8, 0, 0, 999) + 0.999), '2026-11-23T08:00:00.999999Z');
  });
});

describe('formatTime', () => {
  it('truncates to whole seconds', () => {
    assert.equal(formatTime(Date.UTC(2026, 10, 23, 8, 0, 1, 999)), '2026-11-23T08:00:01Z');
  });
});

describe('parseTime', () => {
  it('reads Time and MicroTime', () => {
    assert.equal(parseTime('2026-11-23T08:00:01Z'), Date.UTC(2026, 10, 23, 8, 0, 1));
    assert.equal(parseTime('2026-11-23T08:00:01.250000Z'), Date.UTC(2026, 10, 23, 8, 0, 1, 250));
    assert.equal(parseTime('2026-11-23T09:00:01+01:00'), Date.UTC(2026, 10, 23, 8, 0, 1));
  });

  it('keeps sub-millisecond digits', () => {
    const parsed = parseTime('2026-11-23T08:00:00.123456Z');
    assert.ok(parsed !== undefined && Math.abs(parsed - (Date.UTC(2026, 10, 23, 8, 0, 0, 123) + 0.456)) < 0.001);
  });

  it('round-trips MicroTime', () => {
    const text = '2026-11-23T08:00:00.123456Z';
    assert.equal(formatMicroTime(parseTime(text) ?? 0), text);
  });

  it('rejects malformed input', () => {
    for (const bad of ['', 'yesterday', '2026-11-23', '2026-11-23T08:00:00', '2026-11-23 08:00:00Z', null, undefined]) {
      assert.equal(parseTime(bad), undefined, String(bad));
    }
  });
});

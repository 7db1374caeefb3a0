import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateTime, ExprEvalError, ExprSyntaxError, parseDuration } from './index.ts';

const now = new Date('2024-05-01T12:00:00.000Z');

describe('evaluateTime', () => {
  const rows: readonly (readonly [source: string, expected: string])[] = [
    ['now()', '2024-05-01T12:00:00.000Z'],
    ['now() - duration("1h")', '2024-05-01T11:00:00.000Z'],
    ['now() - duration("5m")', '2024-05-01T11:55:00.000Z'],
    ['now() + duration("1h30m")', '2024-05-01T13:30:00.000Z'],
    ['duration("2h") + now()', '2024-05-01T14:00:00.000Z'],
    ['now() - (duration("1h") + duration("30m"))', '2024-05-01T10:30:00.000Z'],
    ['now() - duration("1h") - duration("1h")', '2024-05-01T10:00:00.000Z'],
    ['now() + -duration("1s")', '2024-05-01T11:59:59.000Z'],
    ['now() - duration("1.5h")', '2024-05-01T10:30:00.000Z'],
    ['now() - duration("250ms")', '2024-05-01T11:59:59.750Z'],
    ['date("2024-01-02T03:04:05Z")', '2024-01-02T03:04:05.000Z'],
    ['date("2024-01-02T03:04:05+02:00") + duration("1m")', '2024-01-02T01:05:05.000Z'],
    ['now() + (now() - date("2024-05-01T11:00:00Z"))', '2024-05-01T13:00:00.000Z'],
  ];
  for (const [source, expected] of rows) {
    it(`${source} → ${expected}`, () => {
      assert.equal(evaluateTime(source, now).toISOString(), expected);
    });
  }

  const failures: readonly (readonly [source: string, message: RegExp])[] = [
    ['duration("1h")', /^a time expression must return a time, got duration$/],
    ['now() + now()', /^operator "\+" is not defined on time and time$/],
    ['now() - 5', /^a time expression may only use now\(\), duration/],
    ['result', /^a time expression may only use/],
    ['duration("5")', /^duration: missing unit in duration "5"$/],
    ['duration("1d")', /^duration: unknown unit "d" in duration "1d"$/],
    ['duration(5)', /^duration expects one string argument$/],
    ['now(1)', /^now expects no arguments$/],
    ['date("yesterday")', /^date: "yesterday" is not an RFC 3339 time$/],
    ['exec("x")', /^function "exec" is not allowed in a time expression$/],
    ['-now()', /^operator "-" is not defined on time$/],
  ];
  for (const [source, message] of failures) {
    it(`${source} fails with ${String(message)}`, () => {
      assert.throws(() => evaluateTime(source, now), (error: unknown) => {
        assert.ok(error instanceof ExprEvalError, String(error));
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('reports syntax errors with their column', () => {
    assert.throws(() => evaluateTime('now() -', now), { name: 'ExprSyntaxError', column: 8 });
    assert.throws(() => evaluateTime('now(', now), ExprSyntaxError);
  });
});

describe('parseDuration (Go syntax)', () => {
  const rows: readonly (readonly [text: string, nanoseconds: bigint])[] = [
    ['0', 0n],
    ['1ns', 1n],
    ['1us', 1_000n],
    ['1µs', 1_000n],
    ['1.5s', 1_500_000_000n],
    ['.5s', 500_000_000n],
    ['1h2m3s', 3_723_000_000_000n],
    ['-5m', -300_000_000_000n],
    ['+2ms', 2_000_000n],
    ['2562047h', 9_223_369_200_000_000_000n],
  ];
  for (const [text, nanoseconds] of rows) {
    it(`${text} = ${nanoseconds}ns`, () => {
      assert.equal(parseDuration(text), nanoseconds);
    });
  }
  for (const text of ['', '5', 'h', '1x', '1.h2', '--1s', '3000000h', ' 1s']) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseDuration(text), /in duration/);
    });
  }
});

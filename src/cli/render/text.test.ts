import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { age, colorStyle, columns, fitLine, humanDuration, plainStyle, stripAnsi, styleFor, visibleWidth } from './text.ts';

describe('humanDuration: ages as kubectl prints them', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'], [-500, '0s'], [0, '0s'], [45 * s, '45s'], [119 * s, '119s'], [2 * m, '2m'], [3 * m + 20 * s, '3m20s'],
    [10 * m + 5 * s, '10m'], [179 * m, '179m'], [3 * h, '3h'], [5 * h + 30 * m, '5h30m'], [8 * h + 30 * m, '8h'], [47 * h, '47h'],
    [3 * d + 4 * h, '3d4h'], [40 * d, '40d'], [2 * 365 * d + 30 * d, '2y30d'], [9 * 365 * d, '9y'],
  ];
  for (const [ms, text] of cases) it(`${ms} ms → ${text}`, () => { assert.equal(humanDuration(ms), text); });

  it('age of a timestamp; a missing or unreadable one is <unknown>', () => {
    const now = new Date('2026-01-01T00:10:00Z');
    assert.equal(age('2026-01-01T00:00:00Z', now), '10m');
    assert.equal(age(undefined, now), '<unknown>');
    assert.equal(age('yesterday', now), '<unknown>');
  });
});

describe('terminal text', () => {
  it('colour codes take no room; wide characters take two cells', () => {
    assert.equal(visibleWidth(colorStyle.green('ok')), 2);
    assert.equal(visibleWidth('日本'), 4);
    assert.equal(visibleWidth('└──⧉ web'), 8);
  });

  it('fitLine cuts to the width with an ellipsis and keeps colour codes whole', () => {
    assert.equal(fitLine('abcdef', 10), 'abcdef');
    assert.equal(fitLine('abcdef', 4), 'abc…');
    const cut = fitLine(`${colorStyle.red('abcdef')}xyz`, 5);
    assert.equal(stripAnsi(cut), 'abcd…');
    assert.ok(cut.startsWith('\x1b[31m') && cut.endsWith('\x1b[0m'), JSON.stringify(cut));
  });

  it('columns align by visible width and do not pad the last column', () => {
    assert.deepEqual(columns([['NAME', 'STATUS'], [colorStyle.green('web'), 'Healthy'], ['longer-name', 'x']]).map(stripAnsi), ['NAME         STATUS', 'web          Healthy', 'longer-name  x']);
  });

  it('colour follows --no-color, NO_COLOR, FORCE_COLOR, TERM=dumb and whether output is a terminal', () => {
    const tty = { isTTY: true };
    assert.equal(styleFor(tty, {}, {}), colorStyle);
    assert.equal(styleFor(tty, { noColor: true }, {}), plainStyle);
    assert.equal(styleFor(tty, {}, { NO_COLOR: '1' }), plainStyle);
    assert.equal(styleFor(tty, {}, { TERM: 'dumb' }), plainStyle);
    assert.equal(styleFor({ isTTY: false }, {}, {}), plainStyle);
    assert.equal(styleFor({ isTTY: false }, {}, { FORCE_COLOR: '1' }), colorStyle);
    assert.equal(styleFor(tty, {}, { FORCE_COLOR: '0' }), colorStyle);
  });
});

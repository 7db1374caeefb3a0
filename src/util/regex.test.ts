import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeRegExp } from './regex.ts';

describe('escapeRegExp', () => {
  it('matches the text literally', () => {
    const text = 'a.b*c+(d)[e]{f}|g^h$i\\j?';
    assert.equal(escapeRegExp('web.v2'), 'web\\.v2');
    assert.ok(new RegExp(`^${escapeRegExp(text)}$`).test(text));
    assert.ok(!new RegExp(`^${escapeRegExp('a.b')}$`).test('axb'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePatch } from './merge-patch.ts';

describe('mergePatch', () => {
  const cases: [string, unknown, unknown, unknown][] = [
    ['equal objects', { a: 1, b: { c: [1] } }, { a: 1, b: { c: [1] } }, undefined],
    ['changed scalar', { a: 1 }, { a: 2 }, { a: 2 }],
    ['removed member', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['undefined member counts as removed', { a: 1, b: 2 }, { a: 1, b: undefined }, { b: null }],
    ['nested change', { s: { x: 1, y: 2 } }, { s: { x: 1, y: 3 } }, { s: { y: 3 } }],
    ['arrays are replaced whole', { l: [1, 2] }, { l: [1] }, { l: [1] }],
    ['added member', {}, { a: { b: 1 } }, { a: { b: 1 } }],
    ['object replaced by scalar', { a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
  ];
  for (const [name, from, to, expected] of cases) {
    it(name, () => {
      assert.deepEqual(mergePatch(from, to), expected);
    });
  }
});

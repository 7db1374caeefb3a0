import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMergePatch, mergePatch } from './merge-patch.ts';

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

describe('applyMergePatch', () => {
  const rows: { name: string; target: unknown; patch: unknown; result: unknown }[] = [
    { name: 'sets nested members', target: { a: { b: 1 } }, patch: { a: { c: 2 } }, result: { a: { b: 1, c: 2 } } },
    { name: 'null removes', target: { a: 1, b: 2 }, patch: { a: null }, result: { b: 2 } },
    { name: 'arrays are replaced whole', target: { a: [1, 2] }, patch: { a: [3] }, result: { a: [3] } },
    { name: 'a non-object target becomes an object', target: 'x', patch: { a: 1 }, result: { a: 1 } },
  ];
  for (const row of rows) it(row.name, () => { assert.deepEqual(applyMergePatch(row.target, row.patch), row.result); });
});

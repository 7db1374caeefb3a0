import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, fnv1a32, podTemplateHash } from './hash.ts';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } };

describe('podTemplateHash', () => {
  it('is stable and uses only the safe alphabet', () => {
    const hash = podTemplateHash(template);
    assert.equal(hash, podTemplateHash(structuredClone(template)));
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('ignores the order in which keys were written', () => {
    const reordered = { spec: { containers: [{ image: 'nginx:1', name: 'web' }] }, metadata: { labels: { app: 'web' } } };
    assert.equal(podTemplateHash(reordered), podTemplateHash(template));
  });

  const cases: [string, unknown, number][] = [
    ['another image', { ...template, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } }, 0],
    ['a collision count', template, 1],
    ['another collision count', template, 2],
  ];
  for (const [name, other, collisions] of cases) {
    it(`changes with ${name}`, () => {
      assert.notEqual(podTemplateHash(other, collisions), podTemplateHash(template));
    });
  }

  it('keeps array order significant', () => {
    assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
  });

  // Published FNV-1a 32-bit test vectors.
  const vectors: [string, number][] = [['', 0x811c9dc5], ['a', 0xe40c292c], ['foobar', 0xbf9cf968]];
  for (const [input, expected] of vectors) {
    it(`fnv1a32(${JSON.stringify(input)}) = 0x${expected.toString(16)}`, () => {
      assert.equal(fnv1a32(Buffer.from(input)), expected);
    });
  }

  it('feeds data in pieces', () => {
    assert.equal(fnv1a32(Buffer.from('bar'), fnv1a32(Buffer.from('foo'))), fnv1a32(Buffer.from('foobar')));
  });
});

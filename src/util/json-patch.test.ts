import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch, JsonPatchError, pointer } from './json-patch.ts';

describe('applyJsonPatch', () => {
  const route = { spec: { rules: [{ backendRefs: [{ name: 'stable', weight: 100 }, { name: 'canary', weight: 0 }] }] } };

  const cases: { name: string; ops: Parameters<typeof applyJsonPatch>[1]; want?: unknown; error?: RegExp }[] = [
    {
      name: 'test then replace a weight',
      ops: [{ op: 'test', path: '/spec/rules/0/backendRefs/1/name', value: 'canary' }, { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 30 }],
      want: { spec: { rules: [{ backendRefs: [{ name: 'stable', weight: 100 }, { name: 'canary', weight: 30 }] }] } },
    },
    { name: 'a failed test refuses the whole patch', ops: [{ op: 'test', path: '/spec/rules/0/backendRefs/1/name', value: 'other' }], error: /expected "other", found "canary"/ },
    {
      name: 'add to the end of a list and remove from it',
      ops: [{ op: 'add', path: '/spec/rules/-', value: { name: 'header' } }, { op: 'remove', path: '/spec/rules/0' }],
      want: { spec: { rules: [{ name: 'header' }] } },
    },
    { name: 'replace of a missing member', ops: [{ op: 'replace', path: '/spec/missing', value: 1 }], error: /no such member/ },
    { name: 'index out of range', ops: [{ op: 'remove', path: '/spec/rules/3' }], error: /out of range/ },
    { name: 'a path through nothing', ops: [{ op: 'add', path: '/status/parents/0', value: 1 }], error: /status does not exist/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error !== undefined) {
        assert.throws(() => applyJsonPatch(route, c.ops), (e: unknown) => e instanceof JsonPatchError && c.error?.test(e.message) === true);
      } else {
        assert.deepEqual(applyJsonPatch(route, c.ops), c.want);
      }
    });
  }

  it('never changes its input', () => {
    const before = structuredClone(route);
    applyJsonPatch(route, [{ op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 1 }]);
    assert.deepEqual(route, before);
  });

  it('escapes pointer tokens', () => {
    assert.equal(pointer('metadata', 'annotations', 'aviary.dev/x~y'), '/metadata/annotations/aviary.dev~1x~0y');
    assert.deepEqual(applyJsonPatch({ a: {} }, [{ op: 'add', path: pointer('a', 'b/c'), value: 1 }]), { a: { 'b/c': 1 } });
  });
});

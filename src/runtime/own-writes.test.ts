import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnWrites } from './own-writes.ts';

describe('OwnWrites', () => {
  const cases: { name: string; writes: [string | undefined, string | undefined][]; cached: string | undefined; elapsedMs: number; pending: boolean }[] = [
    { name: 'the cache still holds the replaced version', writes: [['10', '11']], cached: '10', elapsedMs: 0, pending: true },
    { name: 'the cache has the written version', writes: [['10', '11']], cached: '11', elapsedMs: 0, pending: false },
    { name: 'someone else wrote since', writes: [['10', '11']], cached: '12', elapsedMs: 0, pending: false },
    { name: 'a write that changed nothing is never waited for', writes: [['10', '10']], cached: '10', elapsedMs: 0, pending: false },
    { name: 'a write without versions is not remembered', writes: [[undefined, '11']], cached: undefined, elapsedMs: 0, pending: false },
    { name: 'patience runs out (a lost event)', writes: [['10', '11']], cached: '10', elapsedMs: 5000, pending: false },
    { name: 'the last write counts', writes: [['10', '11'], ['11', '12']], cached: '11', elapsedMs: 0, pending: true },
    { name: 'writes in a row: the version before the first is stale too', writes: [['10', '11'], ['11', '12']], cached: '10', elapsedMs: 0, pending: true },
    { name: 'writes in a row: the cache has the last one', writes: [['10', '11'], ['11', '12']], cached: '12', elapsedMs: 0, pending: false },
    { name: 'a write not following the previous one starts over', writes: [['10', '11'], ['20', '21']], cached: '10', elapsedMs: 0, pending: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let now = 0;
      const writes = new OwnWrites({ patienceMs: 5000, now: () => now });
      for (const [from, to] of c.writes) writes.wrote('ns/a', from, to);
      now = c.elapsedMs;
      assert.equal(writes.pending('ns/a', c.cached), c.pending);
      assert.equal(writes.pending('ns/b', c.cached), false, 'other keys are unaffected');
    });
  }

  it('forgets a key once it is no longer pending, and on request', () => {
    const writes = new OwnWrites();
    writes.wrote('ns/a', '1', '2');
    writes.wrote('ns/b', '1', '2');
    assert.equal(writes.pending('ns/a', '2'), false);
    writes.forget('ns/b');
    assert.equal(writes.size, 0);
  });
});

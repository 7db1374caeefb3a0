import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.ts';
import { ItemExponentialBackoff } from './backoff.ts';
import { WorkQueue } from './workqueue.ts';

function newQueue(clock = new FakeClock()): { queue: WorkQueue; clock: FakeClock } {
  return { queue: new WorkQueue({ clock, rateLimiter: new ItemExponentialBackoff({ baseDelayMs: 5, maxDelayMs: 1000 }) }), clock };
}

/** get() for an item that must already be queued: fails instead of hanging. */
async function take(queue: WorkQueue): Promise<string | undefined> {
  assert.ok(queue.len() > 0 || queue.isShuttingDown(), 'queue is empty');
  return queue.get();
}

describe('WorkQueue', () => {
  it('hands items out in FIFO order', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    queue.add('c');
    assert.equal(await take(queue), 'a');
    assert.equal(await take(queue), 'b');
    assert.equal(await take(queue), 'c');
    assert.equal(queue.len(), 0);
  });

  it('de-duplicates items that are queued', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.len(), 2);
    assert.equal(await take(queue), 'a');
    assert.equal(await take(queue), 'b');
    assert.equal(queue.len(), 0);
  });

  it('never hands the same item to two workers; an add while processing requeues it after done()', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const first = await take(queue);
    assert.equal(first, 'a');
    queue.add('a');
    queue.add('a');
    assert.equal(queue.len(), 0, 'an item being processed is not queued again');
    queue.done('a');
    assert.equal(queue.len(), 1, 'after done() the dirty item is queued exactly once');
    assert.equal(await take(queue), 'a');
    queue.done('a');
    assert.equal(queue.len(), 0);
  });

  it('done() without a pending add does not requeue', async () => {
    const { queue } = newQueue();
    queue.add('a');
    await take(queue);
    queue.done('a');
    assert.equal(queue.len(), 0);
    assert.equal(queue.processingLen(), 0);
  });

  it('wakes a waiting worker when an item arrives', async () => {
    const { queue } = newQueue();
    const pending = queue.get();
    queue.add('x');
    assert.equal(await pending, 'x');
    assert.equal(queue.processingLen(), 1);
  });

  it('hands one item to one of several waiting workers only', async () => {
    const { queue } = newQueue();
    const w1 = queue.get();
    const w2 = queue.get();
    queue.add('x');
    assert.equal(await w1, 'x');
    queue.add('x');
    queue.shutDown();
    assert.equal(await w2, undefined, 'the second worker does not get x while the first processes it');
  });

  it('addAfter queues the item when the delay has passed', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 100);
    assert.equal(queue.len(), 0);
    assert.equal(queue.delayedLen(), 1);
    clock.advance(99);
    assert.equal(queue.len(), 0);
    clock.advance(1);
    assert.equal(queue.len(), 1);
    assert.equal(queue.delayedLen(), 0);
    assert.equal(await take(queue), 'a');
  });

  it('addAfter: the earliest deadline wins when an item is re-added', () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 100);
    queue.addAfter('a', 500);
    clock.advance(100);
    assert.equal(queue.len(), 1, 'a later deadline does not postpone the item');
    const { queue: q2, clock: c2 } = newQueue();
    q2.addAfter('a', 500);
    q2.addAfter('a', 100);
    c2.advance(100);
    assert.equal(q2.len(), 1, 'an earlier deadline moves the item forward');
    c2.advance(1000);
    assert.equal(q2.len(), 1, 'the superseded deadline does not add it again');
  });

  it('addAfter with a zero or negative delay adds at once', () => {
    const { queue } = newQueue();
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    assert.equal(queue.len(), 2);
  });

  it('delayed items come out in deadline order', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('c', 300);
    queue.addAfter('a', 100);
    queue.addAfter('b', 200);
    clock.advance(1000);
    assert.deepEqual([await take(queue), await take(queue), await take(queue)], ['a', 'b', 'c']);
  });

  it('keeps one timer scheduled for many delayed items', () => {
    const { queue, clock } = newQueue();
    for (let i = 0; i < 100; i++) queue.addAfter(`k${i}`, 1000 + i);
    assert.equal(clock.pendingTimers(), 1);
    clock.advance(2000);
    assert.equal(queue.len(), 100);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('a delayed item that is queued meanwhile is not duplicated when its timer fires', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('a', 100);
    queue.add('a');
    clock.advance(100);
    assert.equal(queue.len(), 1);
    assert.equal(await take(queue), 'a');
  });

  it('addRateLimited backs off exponentially per item; forget resets', () => {
    const { queue, clock } = newQueue();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = clock.now();
      queue.addRateLimited('a');
      while (queue.len() === 0) clock.advance(1);
      delays.push(clock.now() - start);
      void queue.get();
      queue.done('a');
    }
    assert.deepEqual(delays, [5, 10, 20, 40, 80]);
    assert.equal(queue.numRequeues('a'), 5);
    assert.equal(queue.numRequeues('b'), 0, 'backoff is per item');
    queue.forget('a');
    assert.equal(queue.numRequeues('a'), 0);
  });

  it('shutDown lets workers drain queued items, then get() resolves undefined', async () => {
    const { queue, clock } = newQueue();
    queue.add('a');
    queue.add('b');
    queue.addAfter('later', 10);
    queue.shutDown();
    queue.add('c');
    clock.advance(100);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
    assert.equal(await queue.get(), undefined, 'no new or delayed items after shutdown');
    assert.equal(clock.pendingTimers(), 0);
  });

  it('shutDown releases waiting workers', async () => {
    const { queue } = newQueue();
    const waiting = [queue.get(), queue.get()];
    queue.shutDown();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
  });

  it('shutDownWithDrain waits for items being processed', async () => {
    const { queue } = newQueue();
    queue.add('a');
    await take(queue);
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    await Promise.resolve();
    assert.equal(drained, false);
    queue.done('a');
    await drain;
    assert.equal(drained, true);
  });

  it('reports adds and depth to metrics hooks', async () => {
    const clock = new FakeClock();
    const seen = { adds: 0, depth: [] as number[], retries: 0, latency: [] as number[] };
    const queue = new WorkQueue({
      clock,
      metrics: {
        add: () => seen.adds++,
        depth: (n) => seen.depth.push(n),
        retry: () => seen.retries++,
        queueLatency: (s) => seen.latency.push(s),
      },
    });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    clock.advance(250);
    await take(queue);
    queue.addRateLimited('a');
    assert.equal(seen.adds, 2, 'duplicates are not counted');
    assert.deepEqual(seen.depth, [1, 2, 1]);
    assert.equal(seen.retries, 1);
    assert.deepEqual(seen.latency, [0.25]);
  });

  it('keeps FIFO order across many items (head compaction)', async () => {
    const { queue } = newQueue();
    for (let i = 0; i < 5000; i++) queue.add(`k${i}`);
    for (let i = 0; i < 5000; i++) {
      const item = await take(queue);
      assert.equal(item, `k${i}`);
      if (i % 3 === 0) queue.add(`again${i}`);
    }
    assert.equal(queue.len(), 1667);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, ItemExponentialBackoff, exponentialDelay } from './backoff.ts';

describe('ItemExponentialBackoff', () => {
  it('doubles from the base delay per failure and caps at the maximum', () => {
    const limiter = new ItemExponentialBackoff({ baseDelayMs: 5, maxDelayMs: 10_000 });
    const delays = Array.from({ length: 14 }, () => limiter.when('a'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10_000, 10_000, 10_000]);
    assert.equal(limiter.numRequeues('a'), 14);
  });

  it('uses 5 ms and 10 s by default', () => {
    const limiter = new ItemExponentialBackoff();
    assert.equal(limiter.baseDelayMs, 5);
    assert.equal(limiter.maxDelayMs, 10_000);
  });

  it('tracks items separately and forget() starts over', () => {
    const limiter = new ItemExponentialBackoff({ baseDelayMs: 1, maxDelayMs: 100 });
    limiter.when('a');
    limiter.when('a');
    assert.equal(limiter.when('b'), 1);
    assert.equal(limiter.when('a'), 4);
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
    assert.equal(limiter.when('a'), 1);
  });

  it('rejects a maximum below the base', () => {
    assert.throws(() => new ItemExponentialBackoff({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
  });

  it('does not overflow for huge attempt counts', () => {
    assert.equal(exponentialDelay(5, 10_000, 5000), 10_000);
    assert.equal(exponentialDelay(5, 10_000, 1023), 10_000);
  });
});

describe('Backoff', () => {
  it('grows exponentially with jitter inside [d, d * (1 + jitter)] and resets', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 1 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [150, 300, 600, 1000, 1000]);
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.next(), 150);
  });

  it('without jitter returns the plain delay', () => {
    const backoff = new Backoff({ initialMs: 10, maxMs: 40, jitter: 0 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next()], [10, 20, 40, 40]);
  });
});

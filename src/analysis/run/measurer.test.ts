import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Measurer } from './measurer.ts';

describe('Measurer', () => {
  it('runs one task per metric at a time, hands finished measurements over once, and keeps their exact finish time', async () => {
    const woken: string[] = [];
    const measurer = new Measurer({ onFinished: (key) => woken.push(key) });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const work = async (): Promise<{ metric: string; measurement: { phase: 'Successful'; finishedAt: string } }> => {
      calls++;
      await gate;
      return { metric: 'm', measurement: { phase: 'Successful', finishedAt: '2026-11-23T10:00:00Z' } };
    };
    measurer.start('ns/run', 'm', work);
    measurer.start('ns/run', 'm', work);
    assert.equal(calls, 1, 'a second start while one is in flight does nothing');
    assert.deepEqual([...measurer.busy('ns/run')], ['m']);
    const before = Date.now();
    release();
    await measurer.drain();
    assert.deepEqual(woken, ['ns/run']);
    assert.equal(measurer.take('ns/run').length, 1);
    assert.equal(measurer.take('ns/run').length, 0);
    const finished = measurer.finishedAt('ns/run').get('m');
    assert.ok(finished !== undefined && finished >= before && finished <= Date.now());
    measurer.forget('ns/run');
    assert.equal(measurer.finishedAt('ns/run').size, 0);
  });
});

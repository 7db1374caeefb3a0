import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../runtime/logger.ts';
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

  it('logs a task that rejects with its run and metric, drops its result and frees the metric', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    const woken: string[] = [];
    const measurer = new Measurer({ onFinished: (key) => woken.push(key), logger: createLogger({ level: 'info', pretty: false, destination: stream }) });
    measurer.start('ns/run', 'error-rate', () => Promise.reject(new Error('provider bug')));
    await measurer.drain();
    assert.deepEqual(
      lines.map((line) => ({ level: line.level, run: line.run, metric: line.metric, error: (line.err as { message?: string } | undefined)?.message })),
      [{ level: 50, run: 'ns/run', metric: 'error-rate', error: 'provider bug' }],
    );
    assert.deepEqual(woken, [], 'nothing to record, so the run is not woken');
    assert.equal(measurer.take('ns/run').length, 0);
    assert.equal(measurer.busy('ns/run').size, 0, 'the metric can be measured again');
  });
});

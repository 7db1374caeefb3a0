import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick, setTimeout as delay } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { Controller, StopRequest } from './controller.ts';
import { createLogger, type Logger } from './logger.ts';
import { RuntimeMetrics } from './metrics.ts';
import { TerminalError, type ReconcileResult, type Reconciler } from './reconcile.ts';

class Recorder implements Reconciler {
  calls: string[] = [];
  running = new Map<string, number>();
  maxConcurrentPerKey = 0;
  readonly behave: (key: string, attempt: number, signal: AbortSignal) => Promise<ReconcileResult>;
  constructor(behave: (key: string, attempt: number, signal: AbortSignal) => Promise<ReconcileResult>) {
    this.behave = behave;
  }
  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const attempt = this.calls.filter((k) => k === key).length;
    this.calls.push(key);
    const now = (this.running.get(key) ?? 0) + 1;
    this.running.set(key, now);
    this.maxConcurrentPerKey = Math.max(this.maxConcurrentPerKey, now);
    try {
      return await this.behave(key, attempt, signal);
    } finally {
      this.running.set(key, (this.running.get(key) ?? 1) - 1);
    }
  }
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(2);
  }
}

async function started(controller: Controller): Promise<{ stop: (drainMs?: number) => Promise<void> }> {
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await tick();
  assert.ok(controller.isRunning());
  return {
    stop: async (drainMs = 1000) => {
      abort.abort(new StopRequest('test', drainMs));
      await running;
    },
  };
}

/** A JSON logger at debug level whose lines the test reads back. */
function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', pretty: false, destination: stream });
  return { logger, lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const pinoLevel = { warn: 40, error: 50 } as const;

describe('Controller', () => {
  it('reconciles enqueued keys and records metrics', async () => {
    const registry = new Registry();
    const metrics = RuntimeMetrics.for(registry);
    const reconciler = new Recorder(() => Promise.resolve({}));
    const controller = new Controller({ name: 'demo', reconciler, metrics });
    const { stop } = await started(controller);
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await until(() => reconciler.calls.length === 2);
    await stop();
    assert.deepEqual(reconciler.calls.sort(), ['ns/a', 'ns/b']);
    const text = await registry.metrics();
    assert.match(text, /aviary_reconcile_duration_seconds_count\{controller="demo"\} 2/);
    assert.match(text, /aviary_workqueue_adds_total\{name="demo"\} 2/);
    assert.match(text, /aviary_reconcile_total\{controller="demo",result="success"\} 2/);
  });

  it('retries failures with backoff until they succeed', async () => {
    const reconciler = new Recorder((_key, attempt) => (attempt < 3 ? Promise.reject(new Error('conflict')) : Promise.resolve({})));
    const registry = new Registry();
    const controller = new Controller({ name: 'retry', reconciler, backoff: { baseDelayMs: 1, maxDelayMs: 5 }, metrics: RuntimeMetrics.for(registry) });
    const { stop } = await started(controller);
    controller.enqueue('k');
    await until(() => reconciler.calls.length === 4);
    await delay(30);
    await stop();
    assert.equal(reconciler.calls.length, 4, 'no retry after success');
    assert.match(await registry.metrics(), /aviary_reconcile_errors_total\{controller="retry"\} 3/);
  });

  it('logs every failed reconcile as a warning with its key, controller, attempt and error', async () => {
    const reconciler = new Recorder((key, attempt) => (attempt < 3 ? Promise.reject(new Error(`conflict ${String(attempt + 1)} of ${key}`)) : Promise.resolve({})));
    const log = capturingLogger();
    const controller = new Controller({ name: 'noisy', reconciler, backoff: { baseDelayMs: 1, maxDelayMs: 5 }, logger: log.logger });
    const { stop } = await started(controller);
    controller.enqueue('ns/a');
    await until(() => reconciler.calls.length === 4 && reconciler.running.get('ns/a') === 0);
    await stop();
    const failures = log.lines().filter((line) => line.msg === 'reconcile failed; retrying with backoff');
    assert.deepEqual(
      failures.map((line) => ({ level: line.level, key: line.key, controller: line.controller, attempt: line.attempt, error: (line.err as { message?: string } | undefined)?.message })),
      [1, 2, 3].map((attempt) => ({ level: pinoLevel.warn, key: 'ns/a', controller: 'noisy', attempt, error: `conflict ${String(attempt)} of ns/a` })),
      'the first failure is logged at the same level as the later ones',
    );
  });

  it('logs a terminal error at error level with its key and attempt', async () => {
    const reconciler = new Recorder((_key, attempt) => Promise.reject(attempt === 0 ? new Error('conflict') : new TerminalError('spec.replicas: must be >= 0')));
    const log = capturingLogger();
    const controller = new Controller({ name: 'strict', reconciler, backoff: { baseDelayMs: 1, maxDelayMs: 1 }, logger: log.logger });
    const { stop } = await started(controller);
    controller.enqueue('ns/b');
    await until(() => log.lines().some((line) => line.level === pinoLevel.error));
    await stop();
    const lines = log.lines().filter((line) => line.key === 'ns/b');
    assert.deepEqual(
      lines.map((line) => ({ level: line.level, controller: line.controller, attempt: line.attempt, error: (line.err as { message?: string } | undefined)?.message })),
      [
        { level: pinoLevel.warn, controller: 'strict', attempt: 1, error: 'conflict' },
        { level: pinoLevel.error, controller: 'strict', attempt: 2, error: 'spec.replicas: must be >= 0' },
      ],
    );
  });

  it('does not retry a TerminalError (also when wrapped as a cause)', async () => {
    const reconciler = new Recorder((key) =>
      Promise.reject(key === 'direct' ? new TerminalError('invalid spec') : new Error('outer', { cause: new TerminalError('inner') })),
    );
    const controller = new Controller({ name: 'terminal', reconciler, backoff: { baseDelayMs: 1, maxDelayMs: 1 } });
    const { stop } = await started(controller);
    controller.enqueue('direct');
    controller.enqueue('wrapped');
    await until(() => reconciler.calls.length === 2);
    await delay(30);
    await stop();
    assert.equal(reconciler.calls.length, 2);
  });

  it('requeues after requeueAfter', async () => {
    const reconciler = new Recorder((_key, attempt) => Promise.resolve(attempt === 0 ? { requeueAfter: 20 } : {}));
    const controller = new Controller({ name: 'timer', reconciler });
    const { stop } = await started(controller);
    const t0 = Date.now();
    controller.enqueue('k');
    await until(() => reconciler.calls.length === 2);
    assert.ok(Date.now() - t0 >= 15, 'the second reconcile waits for the delay');
    await stop();
  });

  it('never reconciles one key on two workers at once, and does not lose changes made meanwhile', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reconciler = new Recorder(async (_key, attempt) => {
      if (attempt === 0) await gate;
      return {};
    });
    const controller = new Controller({ name: 'exclusive', reconciler, workers: 4 });
    const { stop } = await started(controller);
    controller.enqueue('k');
    await until(() => reconciler.calls.length === 1);
    controller.enqueue('k');
    controller.enqueue('k');
    await delay(20);
    assert.equal(reconciler.calls.length, 1, 'the key waits while it is being reconciled');
    release();
    await until(() => reconciler.calls.length === 2);
    await delay(20);
    await stop();
    assert.equal(reconciler.calls.length, 2, 'the adds during processing collapse into one more reconcile');
    assert.equal(reconciler.maxConcurrentPerKey, 1);
  });

  it('on stop lets in-flight reconciles finish within the drain timeout', async () => {
    let finished = false;
    const reconciler = new Recorder(async () => {
      await delay(30);
      finished = true;
      return {};
    });
    const controller = new Controller({ name: 'drain', reconciler });
    const { stop } = await started(controller);
    controller.enqueue('k');
    await until(() => reconciler.calls.length === 1);
    await stop(1000);
    assert.equal(finished, true);
    assert.equal(controller.isRunning(), false);
  });

  it('aborts in-flight reconciles after the drain timeout and does not retry them', async () => {
    let sawAbort = false;
    const reconciler = new Recorder(
      (_key, _attempt, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('aborted'));
          });
        }),
    );
    const controller = new Controller({ name: 'abort', reconciler });
    const { stop } = await started(controller);
    controller.enqueue('k');
    await until(() => reconciler.calls.length === 1);
    await stop(10);
    assert.equal(sawAbort, true);
    assert.equal(reconciler.calls.length, 1);
  });

  it('ignores keys while stopped and can run again', async () => {
    const reconciler = new Recorder(() => Promise.resolve({}));
    const controller = new Controller({ name: 'restart', reconciler });
    controller.enqueue('before');
    const first = await started(controller);
    await first.stop();
    controller.enqueue('between');
    const second = await started(controller);
    controller.enqueue('after');
    await until(() => reconciler.calls.length === 1);
    await second.stop();
    assert.deepEqual(reconciler.calls, ['after']);
  });
});

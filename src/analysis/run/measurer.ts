/**
 * Measurements run detached from reconciles: a reconcile starts them and returns at once, and a finished
 * measurement is handed to the next reconcile of its run, which records it in status. So a slow or hanging
 * provider holds neither a worker nor any other run; its own timeout (and the cap here) bounds it.
 */
import { silentLogger, type Logger } from '../../runtime/logger.ts';
import type { FinishedMeasurement } from './plan.ts';

export interface MeasurerOptions {
  /** Called when a measurement of the run finished: enqueue the run. */
  onFinished: (runKey: string) => void;
  /** Measurements in flight across all runs; more wait for a slot. Default 256. */
  maxInFlight?: number;
  /** Where a task that broke its contract (rejected) is reported. Default: silent. */
  logger?: Logger;
}

interface Task {
  runKey: string;
  metric: string;
  work: () => Promise<FinishedMeasurement | undefined>;
}

export class Measurer {
  readonly #onFinished: (runKey: string) => void;
  readonly #maxInFlight: number;
  readonly #logger: Logger;
  /** Metric names with a task queued or running, per run. */
  readonly #busy = new Map<string, Set<string>>();
  readonly #finished = new Map<string, FinishedMeasurement[]>();
  /** Per run and metric, when its last measurement finished, to the millisecond (status times are whole seconds). */
  readonly #finishedAtMs = new Map<string, Map<string, number>>();
  readonly #waiting: Task[] = [];
  readonly #running = new Set<Promise<void>>();

  constructor(options: MeasurerOptions) {
    this.#onFinished = options.onFinished;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 256);
    this.#logger = options.logger ?? silentLogger();
  }

  busy(runKey: string): ReadonlySet<string> {
    return this.#busy.get(runKey) ?? new Set();
  }

  /**
   * Starts a measurement of a metric unless one is in flight. `work` never rejects by contract (failures are Error
   * measurements); undefined means nothing new to record (e.g. a resumed measurement still running, unchanged).
   */
  start(runKey: string, metric: string, work: () => Promise<FinishedMeasurement | undefined>): void {
    let busy = this.#busy.get(runKey);
    if (busy?.has(metric) === true) return;
    if (busy === undefined) {
      busy = new Set();
      this.#busy.set(runKey, busy);
    }
    busy.add(metric);
    const task = { runKey, metric, work };
    if (this.#running.size < this.#maxInFlight) this.#run(task);
    else this.#waiting.push(task);
  }

  /** The measurements finished for a run since the last call, oldest first. */
  take(runKey: string): FinishedMeasurement[] {
    const finished = this.#finished.get(runKey) ?? [];
    this.#finished.delete(runKey);
    return finished;
  }

  /** Puts back measurements a reconcile took but could not record (its status write failed). */
  restore(runKey: string, finished: readonly FinishedMeasurement[]): void {
    if (finished.length === 0) return;
    this.#finished.set(runKey, [...finished, ...(this.#finished.get(runKey) ?? [])]);
  }

  /** When each metric's last measurement finished, in epoch ms, as far as this process saw it. */
  finishedAt(runKey: string): ReadonlyMap<string, number> {
    return this.#finishedAtMs.get(runKey) ?? new Map();
  }

  /** Drops what is known about a run that was deleted or completed; its tasks in flight finish unrecorded. */
  forget(runKey: string): void {
    this.#finished.delete(runKey);
    this.#finishedAtMs.delete(runKey);
    this.#busy.delete(runKey);
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      if (this.#waiting[i]?.runKey === runKey) this.#waiting.splice(i, 1);
    }
  }

  inFlight(): number {
    return this.#running.size;
  }

  /** Waits for every measurement in flight (shutdown and tests). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  #run(task: Task): void {
    const running = (async () => {
      let result: FinishedMeasurement | undefined;
      try {
        // work() records failures as Error measurements; a rejection here is a bug. It is dropped rather than crashing
        // the controller, and logged with its run and metric so the bug is seen; the metric is free to be measured again.
        result = await task.work().catch((error: unknown) => {
          this.#logger.error({ run: task.runKey, metric: task.metric, err: error }, 'measurement task failed unexpectedly; its result is dropped');
          return undefined;
        });
      } finally {
        const busy = this.#busy.get(task.runKey);
        // A forgotten run (deleted meanwhile) no longer has a busy set: its result is dropped.
        if (busy?.delete(task.metric) === true) {
          if (result !== undefined) {
            this.#finished.set(task.runKey, [...(this.#finished.get(task.runKey) ?? []), result]);
            if (result.measurement.finishedAt !== undefined) {
              const times = this.#finishedAtMs.get(task.runKey) ?? new Map<string, number>();
              times.set(task.metric, Date.now());
              this.#finishedAtMs.set(task.runKey, times);
            }
            this.#onFinished(task.runKey);
          }
        }
      }
    })().finally(() => {
      this.#running.delete(running);
      const next = this.#waiting.shift();
      if (next !== undefined) this.#run(next);
    });
    this.#running.add(running);
  }
}

/**
 * Undo steps of a benchmark run (stop the controller it started, delete its namespaces), run at the end, on an
 * error, and on Ctrl-C, in reverse order of registration.
 */
export class Cleanup {
  #steps: { what: string; fn: () => Promise<unknown> }[] = [];
  #running: Promise<void> | undefined;

  constructor() {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`\n${signal}: cleaning up (again to exit at once)\n`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void this.run().finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  add(what: string, fn: () => Promise<unknown>): () => Promise<void> {
    const step = { what, fn };
    this.#steps.push(step);
    // Running a step early removes it from the list.
    return async () => {
      this.#steps = this.#steps.filter((s) => s !== step);
      await fn();
    };
  }

  /** Runs (and forgets) every registered step; the instance can be used again afterwards. */
  run(): Promise<void> {
    this.#running ??= (async () => {
      const steps = this.#steps.reverse();
      this.#steps = [];
      for (const step of steps) {
        try {
          await step.fn();
        } catch (error) {
          process.stderr.write(`cleanup: ${step.what} failed: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}

/**
 * Machine-readable output (-o json / -o yaml) and the live-or-once printing shared by the viewing commands.
 */

export async function printData(data: unknown, format: 'json' | 'yaml'): Promise<void> {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const { stringify } = await import('yaml');
  process.stdout.write(stringify(data));
}

/** Ctrl-C (SIGINT) or SIGTERM, caught from the moment this is called until dispose(). */
export interface Interrupt {
  readonly interrupted: Promise<'interrupted'>;
  /** Aborted on the interrupt, for waits that take a signal. */
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Starts catching Ctrl-C. Call it before a watch starts, so a Ctrl-C that comes while the first lists load still
 * ends the command cleanly; dispose() gives the signals back (a second Ctrl-C during clean-up then ends the process).
 */
export function catchInterrupt(): Interrupt {
  const abort = new AbortController();
  let interrupt = (): void => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    interrupt = (): void => {
      abort.abort(new Error('interrupted'));
      resolve('interrupted');
    };
  });
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return {
    interrupted,
    signal: abort.signal,
    dispose: () => {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    },
  };
}

/** Waits for `done` or the interrupt, then runs `stop`; says which came first. */
export async function untilInterrupted(interrupt: Interrupt, done: Promise<void>, stop: () => Promise<void>): Promise<'interrupted' | 'done'> {
  try {
    return await Promise.race([interrupt.interrupted, done.then(() => 'done' as const)]);
  } finally {
    interrupt.dispose();
    await stop();
  }
}


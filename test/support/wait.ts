import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Called when the wait times out; its text is appended to the error so a failing test shows what it saw. */
  explain?: () => Promise<string>;
}

/**
 * Waits until `check` returns a value other than undefined/false and returns it. Errors thrown by `check` count
 * as "not yet" (objects that do not exist yet), and the last one is reported on timeout.
 */
export async function waitFor<T>(description: string, check: () => Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) break;
    await sleep(options.intervalMs ?? 100);
  }
  const seen = options.explain === undefined ? '' : `\n${await options.explain()}`;
  const cause = lastError === undefined ? '' : ` (last error: ${describeError(lastError)})`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}${seen}`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

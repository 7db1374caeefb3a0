/**
 * The reconcile contract, after controller-runtime: reconcile(key) brings the object named by key to its desired
 * state and says when to look again. Time-based waits (pauses, analysis intervals) are requeueAfter, never sleeps.
 */

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds (even if nothing changes). */
  requeueAfter?: number;
}

export interface Reconciler {
  /**
   * key is "namespace/name" (or "name" for cluster-scoped objects). The signal aborts when the controller stops or
   * loses leadership: pass it to every API call. Throwing retries the key with exponential backoff, except for a
   * TerminalError, which is logged and not retried until the object changes.
   */
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult>;
}

/** An error that retrying cannot fix (e.g. an invalid spec): logged and counted, but the key is not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** True if the error or any error in its cause chain is a TerminalError. */
export function isTerminalError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 16; current = current.cause, depth++) {
    if (current instanceof TerminalError) return true;
  }
  return false;
}

/** Nothing more to do until the object changes. */
export const done: ReconcileResult = Object.freeze({});

export function requeueAfter(ms: number): ReconcileResult {
  return { requeueAfter: ms };
}

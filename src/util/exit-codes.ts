/**
 * Exit codes shared by every Aviary command, so scripts can branch on them the same way everywhere.
 * 64 follows sysexits.h (EX_USAGE).
 */
export const ExitCode = {
  success: 0,
  failed: 1,
  timeout: 2,
  paused: 3,
  notFound: 4,
  usage: 64,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeHelp = `Exit codes:
  0   success (ready / Healthy)
  1   failed (Degraded, aborted, a resource failed)
  2   timeout
  3   paused (with --fail-on-pause)
  4   not found
  64  usage or configuration error`;

/**
 * An error meant for a person: the message says what to do, the code (the process's exit code when it reaches the CLI)
 * says what happened. It lives below the CLI so that the local cluster, the demo and the installer can fail the same way.
 */
export class ExitError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.failed, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

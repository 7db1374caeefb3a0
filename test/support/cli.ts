/**
 * The `aviary` program run as a person (or CI) runs it: a child process, stdout not a terminal, no colours; its
 * exit code and output, and an assertion that prints all of them when the code is not the one expected.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const aviaryBin = fileURLToPath(new URL('../../bin/aviary', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runAviary(args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(aviaryBin, [...args], { env: { ...process.env, NO_COLOR: '1', ...options.env }, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** Asserts the exit code and, when given, that stdout (exit 0) or stderr (otherwise) matches. */
export function expectRun(run: CliRun, code: number, output?: RegExp): void {
  const text = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
  assert.equal(run.code, code, text);
  if (output !== undefined) assert.match(code === 0 ? run.stdout : run.stderr, output, text);
}

/**
 * Runs one Rollout action from the command line: connect with the kubeconfig flags, perform the action
 * (src/rollout/perform.ts: read, decide, patch, retry on conflicts), print the one-line confirmation. Refusals and
 * conflicts exit 1 with the reason, a missing Rollout or Deployment exits 4.
 */
import type { Command } from 'commander';
import { performAction, ActionRequestFailed, type ActionResult, type Decide, type PerformOptions } from '../rollout/perform.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { kubeFlags } from './flags.ts';
import { apiFailure, connect } from './kube.ts';

export type ActionOptions = Pick<PerformOptions, 'reads' | 'waitObservedMs'>;

/** The confirmation to print for a done action; the ExitError for any other outcome. */
export function confirmationOf(result: ActionResult): string {
  switch (result.outcome) {
    case 'done': return result.message;
    case 'not-found': throw new ExitError(result.message, ExitCode.notFound);
    case 'refused':
    case 'conflict': throw new ExitError(result.message, ExitCode.failed);
  }
}

/** Performs the action on the named Rollout and prints the confirmation. */
export async function runAction(command: Command, name: string, decide: Decide, options: ActionOptions = {}): Promise<void> {
  const kube = connect(kubeFlags(command));
  try {
    const result = await performAction(kube.client, { namespace: kube.namespace, name, groups: kube.groups }, decide, options);
    process.stdout.write(`${confirmationOf(result)}\n`);
  } catch (error) {
    if (error instanceof ActionRequestFailed) throw apiFailure(kube, error.operation, error.cause);
    throw error;
  } finally {
    kube.client.close();
  }
}

/** Runs an action on each named Rollout in turn; stops at the first failure (its exit code is the command's). */
export async function runActionOnEach(command: Command, names: readonly string[], decide: Decide, options: ActionOptions = {}): Promise<void> {
  for (const name of names) await runAction(command, name, decide, options);
}

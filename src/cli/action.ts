/**
 * Runs one action from the command line on a Rollout or a Canary: connect with the kubeconfig flags, perform the
 * action (src/rollout/perform.ts and src/canary/perform.ts: read, decide, patch, retry on conflicts), print the
 * one-line confirmation. Refusals and conflicts exit 1 with the reason, a missing object exits 4.
 *
 * A target is `NAME` (a Rollout, else a Canary of that name), `rollout/NAME` or `canary/NAME`.
 */
import type { Command } from 'commander';
import type { Canary } from '../api/canary.ts';
import type { CanaryActionPlan } from '../canary/manual.ts';
import { neitherFoundMessage, performCanaryAction } from '../canary/perform.ts';
import { performAction, ActionRequestFailed, type ActionResult, type Decide, type PerformOptions } from '../rollout/perform.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { kubeFlags } from './flags.ts';
import { apiFailure, connect } from './kube.ts';

export type ActionOptions = Pick<PerformOptions, 'reads' | 'waitObservedMs'>;

/** The confirmation to print for a done action; the ExitError for any other outcome. */
export function confirmationOf(result: Pick<ActionResult, 'outcome' | 'message'>): string {
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

export type TargetKind = 'rollout' | 'canary';

const kindWords: Readonly<Record<string, TargetKind>> = {
  rollout: 'rollout', rollouts: 'rollout', ro: 'rollout',
  canary: 'canary', canaries: 'canary',
};

/** `NAME`, `rollout/NAME` or `canary/NAME` (plural and short kind words too). */
export function parseTarget(text: string): { kind?: TargetKind; name: string } {
  const slash = text.indexOf('/');
  if (slash < 0) return { name: text };
  const word = text.slice(0, slash).toLowerCase();
  const kind = kindWords[word];
  const name = text.slice(slash + 1);
  if (kind === undefined) throw new ExitError(`"${text}": the kind before "/" must be rollout or canary, got "${word}"`, ExitCode.usage);
  if (name === '') throw new ExitError(`"${text}": name the ${kind} after "/"`, ExitCode.usage);
  return { kind, name };
}

/** A kind word on its own (`retry rollout NAME`, `promote canary NAME`), or undefined. */
export const kindWord = (text: string): TargetKind | undefined => kindWords[text.toLowerCase()];

export interface TargetDecisions {
  rollout: Decide;
  canary: (canary: Canary) => CanaryActionPlan;
}

/** Performs the action on a Rollout or a Canary named by `target` and prints the confirmation. */
export async function runTargetAction(command: Command, target: string, decide: TargetDecisions, options: ActionOptions = {}, kind?: TargetKind): Promise<void> {
  const parsed = parseTarget(target);
  const wanted = parsed.kind ?? kind;
  const kube = connect(kubeFlags(command));
  const ref = { namespace: kube.namespace, name: parsed.name, groups: kube.groups };
  let operation = `${wanted ?? 'rollout'} ${parsed.name}`;
  try {
    let result: Pick<ActionResult, 'outcome' | 'message'> | undefined;
    let rolloutMissing: string | undefined;
    if (wanted !== 'canary') {
      result = await performAction(kube.client, ref, decide.rollout, options);
      if (wanted === undefined && result.outcome === 'not-found' && result.message.startsWith('rollout ')) {
        rolloutMissing = result.message;
        result = undefined;
      }
    }
    if (result === undefined) {
      operation = `canary ${parsed.name}`;
      result = await performCanaryAction(kube.client, ref, decide.canary);
      if (rolloutMissing !== undefined && result.outcome === 'not-found') throw new ExitError(neitherFoundMessage(rolloutMissing, ref), ExitCode.notFound);
    }
    process.stdout.write(`${confirmationOf(result)}\n`);
  } catch (error) {
    if (error instanceof ActionRequestFailed) throw apiFailure(kube, error.operation, error.cause);
    if (error instanceof ExitError) throw error;
    throw apiFailure(kube, operation, error);
  } finally {
    kube.client.close();
  }
}

/** Runs the action on each target in turn; stops at the first failure (its exit code is the command's). */
export async function runTargetActionOnEach(command: Command, targets: readonly string[], decide: TargetDecisions, options: ActionOptions = {}, kind?: TargetKind): Promise<void> {
  for (const target of targets) await runTargetAction(command, target, decide, options, kind);
}

/**
 * Runs one Rollout action: read the Rollout, let the pure decision in src/rollout/actions.ts produce the patches
 * (or refuse), send them, print the one-line confirmation. A patch that meets a concurrent change (409 Conflict,
 * or a failed JSON-patch test) is decided again on the fresh object, a few times.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { Command } from 'commander';
import type { Rollout } from '../api/rollout.ts';
import { ActionRefused, type ActionPlan } from '../rollout/actions.ts';
import { isApiError, resourcePath } from '../runtime/rest.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { kubeFlags } from './flags.ts';
import { apiFailure, connect, getRollout, notFound, rolloutPath, type CliKube, type FoundRollout } from './kube.ts';
import { patchPath, sendPatch } from './patch.ts';

export type Decide = (found: FoundRollout, kube: CliKube) => ActionPlan | Promise<ActionPlan>;

export interface ActionOptions {
  /** Wait (up to this long) for the controller to observe the latest spec before deciding. */
  waitObservedMs?: number;
}

const observed = (rollout: Rollout): boolean => rollout.status?.observedGeneration === String(rollout.metadata.generation ?? '');

/**
 * A Rollout just changed (say, `set image` a moment ago) still shows the status of the previous spec: wait for the
 * controller to catch up, by watching the object (not polling), for at most `ms`. Returns the newest object seen.
 */
export async function waitObserved(kube: CliKube, found: FoundRollout, ms: number): Promise<FoundRollout> {
  if (ms <= 0 || observed(found.rollout)) return found;
  const name = found.rollout.metadata.name ?? '';
  const abort = new AbortController();
  const timer = setTimeout(() => { abort.abort(new Error('timeout')); }, ms);
  let latest = found;
  try {
    await kube.client.watch<Rollout>({
      path: rolloutPath(found.group, kube.namespace),
      query: { fieldSelector: `metadata.name=${name}`, resourceVersion: found.rollout.metadata.resourceVersion, timeoutSeconds: Math.ceil(ms / 1000) },
      signal: abort.signal,
    }, (event) => {
      if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
      latest = { ...found, rollout: event.object };
      if (observed(event.object)) abort.abort(new Error('observed'));
    });
  } catch (error) {
    // Ending the watch by abort (observed, or out of time) is the normal way out; anything else is reported.
    if (!abort.signal.aborted) throw apiFailure(kube, `watch rollout ${name}`, error);
  } finally {
    clearTimeout(timer);
  }
  return latest;
}

/** Sends the patches in order. A conflict is returned (to decide again); other failures are CliErrors. */
async function send(kube: CliKube, found: FoundRollout, plan: ActionPlan): Promise<'done' | 'conflict'> {
  // The namespace the Rollout was found in, whatever the object says (it always says the same).
  const rollout = { ...found.rollout, metadata: { ...found.rollout.metadata, namespace: kube.namespace } };
  for (const patch of plan.patches) {
    const path = patchPath(rollout, patch);
    try {
      await sendPatch(kube.client, rollout, patch);
    } catch (error) {
      if (isApiError(error, 409) || (patch.type === 'json' && isApiError(error, 422) && /test/i.test(error.message))) return 'conflict';
      if (isApiError(error, 404)) {
        if (patch.target === 'workload') throw new ExitError(`the Deployment '${found.rollout.spec.workloadRef?.name ?? ''}' named by spec.workloadRef of rollout '${found.rollout.metadata.name ?? ''}' was not found`, ExitCode.notFound);
        throw notFound(kube, found.rollout.metadata.name ?? '');
      }
      throw apiFailure(kube, `patch ${path}`, error);
    }
  }
  return 'done';
}

/** Reads the Rollout, decides, patches; prints the confirmation. Refusals exit 1 with the reason. */
export async function runAction(command: Command, name: string, decide: Decide, options: ActionOptions = {}): Promise<void> {
  const kube = connect(kubeFlags(command));
  try {
    for (let attempt = 1; ; attempt++) {
      const found = await waitObserved(kube, await getRollout(kube, name), options.waitObservedMs ?? 0);
      let plan: ActionPlan;
      try {
        plan = await decide(found, kube);
      } catch (error) {
        if (error instanceof ActionRefused) throw new ExitError(error.message, ExitCode.failed, { cause: error });
        throw error;
      }
      if ((await send(kube, found, plan)) === 'done') {
        process.stdout.write(`${plan.message}\n`);
        return;
      }
      if (attempt >= 5) throw new ExitError(`rollout '${name}' kept changing while it was being patched (5 attempts); try again`, ExitCode.failed);
    }
  } finally {
    kube.client.close();
  }
}

/** Runs an action on each named Rollout in turn; stops at the first failure (its exit code is the command's). */
export async function runActionOnEach(command: Command, names: readonly string[], decide: Decide, options: ActionOptions = {}): Promise<void> {
  for (const name of names) await runAction(command, name, decide, options);
}

/** The Deployment named by spec.workloadRef, when there is one (undefined if it does not exist). */
export async function workloadOf(kube: CliKube, rollout: Rollout): Promise<V1Deployment | undefined> {
  const ref = rollout.spec.workloadRef;
  if (ref === undefined) return undefined;
  try {
    return await kube.client.get(resourcePath(ref.apiVersion ?? 'apps/v1', 'deployments', kube.namespace, ref.name ?? ''));
  } catch (error) {
    if (isApiError(error, 404)) return undefined;
    throw apiFailure(kube, `get deployment ${ref.name ?? ''}`, error);
  }
}

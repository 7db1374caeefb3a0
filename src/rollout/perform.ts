/**
 * Performs one Rollout action against the API server, with no terminal I/O: read the Rollout (and what the decision
 * needs besides it), let a pure decision (src/rollout/actions.ts) produce the patches or refuse, send them, and say
 * how it went as a value. The CLI prints that value; a dashboard can answer a request with it.
 *
 * A patch that meets a concurrent change (409 Conflict, or a failed JSON-patch test) is decided again on the fresh
 * object, a few times. Failures of the API server are thrown as ActionRequestFailed, naming the request.
 */
import type { ApiGroup } from '../api/groups.ts';
import type { Deployment, ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';
import { isApiError, resourcePath, type KubeClient } from '../runtime/rest.ts';
import { ActionRefused, type ActionPatch, type ActionPlan } from './actions.ts';
import { patchPath, sendPatch } from './patch.ts';
import { findRollout, rolloutNotFoundMessage, rolloutPath, selectorText, type FoundRollout, type RolloutRef } from './ref.ts';

/** What a decision sees: the Rollout as it is now, and the objects it asked to read. */
export interface ActionInputs {
  rollout: Rollout;
  group: ApiGroup;
  /** With `reads.replicaSets`: the ReplicaSets the Rollout's selector matches (empty otherwise). */
  replicaSets: readonly ReplicaSet[];
  /** With `reads.workload`: the Deployment spec.workloadRef names, when there is one and it exists. */
  workload?: Deployment;
}

/** The pure decision: the patches to send, or an ActionRefused saying why the action makes no sense now. */
export type Decide = (inputs: ActionInputs) => ActionPlan;

export interface PerformOptions {
  /** What the decision reads besides the Rollout. */
  reads?: { replicaSets?: boolean; workload?: boolean };
  /** Wait (up to this long) for the controller to observe the latest spec before deciding. */
  waitObservedMs?: number;
  /** Decisions made before giving up on a Rollout that keeps changing (default 5). */
  maxAttempts?: number;
  signal?: AbortSignal;
}

export type ActionResult =
  /** The patches were sent (none, when the object already was as asked); `message` is the one-line confirmation. */
  | { outcome: 'done'; message: string; patches: readonly ActionPatch[]; found: FoundRollout }
  /** The action makes no sense in the Rollout's state; `message` says why and what would. */
  | { outcome: 'refused'; message: string }
  /** The Rollout (or the Deployment its spec.workloadRef names) does not exist. */
  | { outcome: 'not-found'; message: string }
  /** The Rollout changed under every attempt. */
  | { outcome: 'conflict'; message: string };

/** A request to the API server failed; `operation` says which ("get rollout web", "patch /apis/..."). */
export class ActionRequestFailed extends Error {
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ActionRequestFailed';
    this.operation = operation;
  }
}

export const isObserved = (rollout: Rollout): boolean => rollout.status?.observedGeneration === String(rollout.metadata.generation ?? '');

/** The decision on these inputs, or the refusal as a result; other errors are bugs and thrown. */
export function decideOn(decide: Decide, inputs: ActionInputs): ActionPlan | ActionResult {
  try {
    return decide(inputs);
  } catch (error) {
    if (error instanceof ActionRefused) return { outcome: 'refused', message: error.message };
    throw error;
  }
}

/**
 * What a failed patch means: a conflict (decide again on the fresh object), a missing object, or a failure. A JSON
 * patch whose `test` operation fails is a conflict too: the list it tested was changed by someone else.
 */
export function patchFailure(error: unknown, patch: ActionPatch): 'conflict' | 'not-found' | 'failed' {
  if (isApiError(error, 409) || (patch.type === 'json' && isApiError(error, 422) && /test/i.test(error.message))) return 'conflict';
  if (isApiError(error, 404)) return 'not-found';
  return 'failed';
}

/** The message for a patch that found its object gone: the Rollout, or the Deployment its workloadRef names. */
export function missingTargetMessage(ref: RolloutRef, rollout: Rollout, patch: ActionPatch): string {
  if (patch.target === 'workload') return `the Deployment '${rollout.spec.workloadRef?.name ?? ''}' named by spec.workloadRef of rollout '${rollout.metadata.name ?? ''}' was not found`;
  return rolloutNotFoundMessage(ref);
}

/**
 * A Rollout just changed (say, `set image` a moment ago) still shows the status of the previous spec: wait for the
 * controller to catch up, by watching the object (not polling), for at most `ms`. Returns the newest object seen.
 */
export async function waitObserved(client: KubeClient, ref: RolloutRef, found: FoundRollout, ms: number): Promise<FoundRollout> {
  if (ms <= 0 || isObserved(found.rollout)) return found;
  const name = found.rollout.metadata.name ?? '';
  const abort = new AbortController();
  const timer = setTimeout(() => { abort.abort(new Error('timeout')); }, ms);
  let latest = found;
  try {
    await client.watch<Rollout>({
      path: rolloutPath(found.group, ref.namespace),
      query: { fieldSelector: `metadata.name=${name}`, resourceVersion: found.rollout.metadata.resourceVersion, timeoutSeconds: Math.ceil(ms / 1000) },
      signal: abort.signal,
    }, (event) => {
      if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
      latest = { ...found, rollout: event.object };
      if (isObserved(event.object)) abort.abort(new Error('observed'));
    });
  } catch (error) {
    // Ending the watch by abort (observed, or out of time) is the normal way out; anything else is reported.
    if (!abort.signal.aborted) throw new ActionRequestFailed(`watch rollout ${name}`, error);
  } finally {
    clearTimeout(timer);
  }
  return latest;
}

async function readReplicaSets(client: KubeClient, namespace: string, rollout: Rollout, signal?: AbortSignal): Promise<ReplicaSet[]> {
  const selector = selectorText(rollout);
  try {
    return (await client.get<{ items?: ReplicaSet[] }>(resourcePath('apps/v1', 'replicasets', namespace), selector === undefined ? undefined : { labelSelector: selector }, signal)).items ?? [];
  } catch (error) {
    if (isApiError(error, 404)) return [];
    throw new ActionRequestFailed('list replicasets', error);
  }
}

/** The Deployment named by spec.workloadRef, when there is one (undefined if it does not exist). */
async function readWorkload(client: KubeClient, namespace: string, rollout: Rollout, signal?: AbortSignal): Promise<Deployment | undefined> {
  const ref = rollout.spec.workloadRef;
  if (ref === undefined) return undefined;
  try {
    return await client.get<Deployment>(resourcePath(ref.apiVersion ?? 'apps/v1', 'deployments', namespace, ref.name ?? ''), undefined, signal);
  } catch (error) {
    if (isApiError(error, 404)) return undefined;
    throw new ActionRequestFailed(`get deployment ${ref.name ?? ''}`, error);
  }
}

async function inputsOf(client: KubeClient, ref: RolloutRef, found: FoundRollout, options: PerformOptions): Promise<ActionInputs> {
  const { rollout } = found;
  const replicaSets = options.reads?.replicaSets === true ? await readReplicaSets(client, ref.namespace, rollout, options.signal) : [];
  const workload = options.reads?.workload === true ? await readWorkload(client, ref.namespace, rollout, options.signal) : undefined;
  return { rollout, group: found.group, replicaSets, ...(workload === undefined ? {} : { workload }) };
}

/** Sends the patches in order; a conflict or a missing object ends it early. */
async function send(client: KubeClient, ref: RolloutRef, found: FoundRollout, plan: ActionPlan, signal?: AbortSignal): Promise<'done' | 'conflict' | ActionResult> {
  // The namespace the Rollout was found in, whatever the object says (it always says the same).
  const rollout = { ...found.rollout, metadata: { ...found.rollout.metadata, namespace: ref.namespace } };
  for (const patch of plan.patches) {
    try {
      await sendPatch(client, rollout, patch, signal);
    } catch (error) {
      switch (patchFailure(error, patch)) {
        case 'conflict': return 'conflict';
        case 'not-found': return { outcome: 'not-found', message: missingTargetMessage(ref, found.rollout, patch) };
        case 'failed': throw new ActionRequestFailed(`patch ${patchPath(rollout, patch)}`, error);
      }
    }
  }
  return 'done';
}

/** Reads the Rollout, decides, patches — again on a conflict — and says how it went. */
export async function performAction(client: KubeClient, ref: RolloutRef, decide: Decide, options: PerformOptions = {}): Promise<ActionResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let found: FoundRollout | undefined;
    try {
      found = await findRollout(client, ref, options.signal);
    } catch (error) {
      throw new ActionRequestFailed(`get rollout ${ref.name}`, error);
    }
    if (found === undefined) return { outcome: 'not-found', message: rolloutNotFoundMessage(ref) };
    found = await waitObserved(client, ref, found, options.waitObservedMs ?? 0);
    const plan = decideOn(decide, await inputsOf(client, ref, found, options));
    if ('outcome' in plan) return plan;
    const sent = await send(client, ref, found, plan, options.signal);
    if (sent === 'done') return { outcome: 'done', message: plan.message, patches: plan.patches, found };
    if (sent !== 'conflict') return sent;
    if (attempt >= maxAttempts) return { outcome: 'conflict', message: `rollout '${ref.name}' kept changing while it was being patched (${maxAttempts} attempts); try again` };
  }
}

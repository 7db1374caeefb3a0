/**
 * `spec.revertOnDeletion`, as Flagger: a Canary that asks for it carries Flagger's finalizer (the same name, so a
 * Canary moved between Flagger and Aviary keeps working); when it is deleted, the target is scaled back up to the
 * primary's size, and once it is ready the apex Service selects it again — and, unlike Flagger, is released from the
 * Canary's ownership so it outlives it — before the finalizer goes and the garbage collector takes the rest (the
 * primary, its Services, config copies, HPA and route). Decided purely here; the controller applies it.
 */
import type { Canary, CanaryStatus } from '../api/canary.ts';
import type { Service } from '../api/kubernetes.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import type { ObjectWrite } from '../traffic/writes.ts';
import { releasedApexService, scaleTarget, type TargetWorkload } from './desired.ts';
import type { SelectorLabel } from './primary.ts';

export const canaryFinalizer = 'finalizer.flagger.app';

export type FinalizerDecision =
  /** Nothing to do about finalization: the Canary's passes run as usual. */
  | { type: 'none' }
  /** Being deleted without our finalizer: nothing to revert, no pass to run. */
  | { type: 'deleting' }
  /** The finalizer set (revertOnDeletion asked for) or removed (opted out). */
  | { type: 'finalizers'; finalizers: string[] }
  /** Reverting: these writes, this status and Events; `done` removes the finalizer afterwards. */
  | { type: 'revert'; writes: ObjectWrite[]; status: CanaryStatus; events: string[]; done: boolean };

export interface RevertObservation {
  target: DeepReadonly<TargetWorkload> | undefined;
  primary: DeepReadonly<TargetWorkload> | undefined;
  label: SelectorLabel | undefined;
  apex: DeepReadonly<Service> | undefined;
  /** The target runs all its pods, ready. */
  targetReady: boolean;
  now: string;
}

export function finalizerDecision(canary: DeepReadonly<Canary>, observed: RevertObservation): FinalizerDecision {
  const finalizers = [...(canary.metadata.finalizers ?? [])];
  const ours = finalizers.includes(canaryFinalizer);
  const wanted = canary.spec.revertOnDeletion === true;
  if (canary.metadata.deletionTimestamp === undefined) {
    if (wanted && !ours) return { type: 'finalizers', finalizers: [...finalizers, canaryFinalizer] };
    if (!wanted && ours) return { type: 'finalizers', finalizers: finalizers.filter((f) => f !== canaryFinalizer) };
    return { type: 'none' };
  }
  if (!ours) return { type: 'deleting' };

  const name = `${canary.metadata.name ?? ''}.${canary.metadata.namespace ?? ''}`;
  const status: CanaryStatus = structuredClone({ ...canary.status }) as CanaryStatus;
  const events: string[] = [];
  if (status.phase !== 'Terminating' && status.phase !== 'Terminated') {
    status.phase = 'Terminating';
    status.lastTransitionTime = observed.now;
    events.push(`Terminating canary ${name}`);
  }
  const { target, label } = observed;
  // Without a target (or one Flagger could not label) there is nothing to hand traffic back to.
  if (target === undefined || label === undefined) return { type: 'revert', writes: [], status, events: [...events, `Terminated canary ${name}`], done: true };
  const scale = scaleTarget({ target, primary: observed.primary }, 'up');
  if (scale.length > 0 || !observed.targetReady) return { type: 'revert', writes: scale, status, events, done: false };
  status.phase = 'Terminated';
  return { type: 'revert', writes: releasedApexService(canary, label, observed.apex), status, events: [...events, `Terminated canary ${name}`], done: true };
}

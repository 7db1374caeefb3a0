import { isOwnedBy, type ControllerRevision, type DaemonSet, type Pod } from '../model.ts';
import { controllerEventProblems, judgePods } from './pod.ts';
import type { Observed, Status } from './types.ts';
import { controllerRevisionHashLabel } from '../../api/labels.ts';

export interface DaemonSetFence {
  generation: number;
}

export function daemonSetFence(ds: DaemonSet): DaemonSetFence {
  return { generation: ds.metadata?.generation ?? 0 };
}


/**
 * The hash of the DaemonSet's newest ControllerRevision: its pods of the current template carry it as
 * `controller-revision-hash` (DaemonSet status has no update-revision field, unlike StatefulSet).
 */
export function currentRevisionHash(ds: DaemonSet, revisions: ControllerRevision[]): string | undefined {
  let best: ControllerRevision | undefined;
  for (const r of revisions) {
    if (!isOwnedBy(r, ds.metadata?.uid)) continue;
    if (best === undefined || (r.revision ?? 0) > (best.revision ?? 0)) best = r;
  }
  if (best === undefined) return undefined;
  const label = best.metadata?.labels?.[controllerRevisionHashLabel];
  if (label !== undefined) return label;
  // The revision's name is `<daemonset>-<hash>`.
  const prefix = `${ds.metadata?.name ?? ''}-`;
  const name = best.metadata?.name ?? '';
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

/**
 * A DaemonSet is ready when the controller has seen the tracked generation and every node that should run it runs an
 * available pod of the current template. With OnDelete, old pods stay until deleted and the tracker says so.
 */
export function daemonSetRule(observed: Observed<DaemonSet> & { revisions: ControllerRevision[] }, fence: DaemonSetFence): Status {
  const ds = observed.object;
  const generation = Math.max(fence.generation, ds.metadata?.generation ?? 0);
  const st = ds.status ?? {};
  const observedGeneration = st.observedGeneration ?? 0;
  const caughtUp = observedGeneration >= generation;
  const onDelete = ds.spec?.updateStrategy?.type === 'OnDelete';
  const hash = caughtUp ? currentRevisionHash(ds, observed.revisions) : undefined;
  const status: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [], problems: [] };
  if (hash !== undefined) status.revision = hash;
  const desired = st.desiredNumberScheduled ?? 0;
  const updated = st.updatedNumberScheduled ?? 0;
  const available = st.numberAvailable ?? 0;
  status.replicas = { desired, updated, ready: st.numberReady ?? 0, available, old: Math.max(0, (st.currentNumberScheduled ?? 0) - updated) };

  const isTracked = (pod: Pod): boolean => {
    if (!caughtUp) return false;
    if (hash !== undefined) return pod.metadata?.labels?.[controllerRevisionHashLabel] === hash;
    // Without access to ControllerRevisions, fall back to the template generation the controller stamps on pods.
    return pod.metadata?.labels?.['pod-template-generation'] === String(generation);
  };
  const judged = judgePods(observed.pods, isTracked, observed);
  status.pods = judged.views.map((v) => v.view);
  if (judged.recheckAt !== undefined) status.recheckAt = judged.recheckAt;

  if (!caughtUp) {
    status.waitingFor.push(`the controller to observe generation ${generation} (observed ${observedGeneration})`);
    return status;
  }
  status.problems = judged.problems;
  if (ds.metadata?.uid !== undefined) {
    status.problems.push(...controllerEventProblems(observed.events, new Set([ds.metadata.uid]), () => `ds/${ds.metadata?.name ?? ''}`, observed.detection.since));
  }
  if (desired === 0) status.reasons.push('no node matches the DaemonSet (desiredNumberScheduled is 0)');
  if (updated < desired) {
    status.waitingFor.push(onDelete
      ? `updated ${updated}/${desired} — OnDelete strategy: pods of the old revision are replaced only when deleted`
      : `updated ${updated}/${desired}`);
  }
  if (available < desired) status.waitingFor.push(`available ${available}/${desired}`);
  if ((st.numberMisscheduled ?? 0) > 0) status.reasons.push(`${st.numberMisscheduled ?? 0} pod(s) run on nodes they should not`);
  if (status.waitingFor.length === 0) status.state = 'ready';
  return status;
}

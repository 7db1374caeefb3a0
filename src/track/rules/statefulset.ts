import type { Pod, StatefulSet } from '../model.ts';
import { controllerEventProblems, isPodReady, judgePods } from './pod.ts';
import type { Observed, Status } from './types.ts';
import { controllerRevisionHashLabel } from '../../api/labels.ts';

export interface StatefulSetFence {
  generation: number;
}

export function statefulSetFence(s: StatefulSet): StatefulSetFence {
  return { generation: s.metadata?.generation ?? 0 };
}


/** The ordinal at the end of a StatefulSet pod's name (`db-2` → 2). */
export function ordinal(pod: Pod): number {
  const m = /-(\d+)$/.exec(pod.metadata?.name ?? '');
  return m === null ? -1 : Number(m[1]);
}

/**
 * A StatefulSet is ready when the controller has seen the tracked generation and every pod that the update strategy
 * moves to the update revision runs it and is ready: with RollingUpdate and a partition P, pods with ordinal ≥ P (the
 * rest stay on the current revision by design); with OnDelete, every pod, since the controller replaces a pod only
 * when someone deletes it — the tracker says so rather than calling the old revision ready.
 */
export function statefulSetRule(observed: Observed<StatefulSet>, fence: StatefulSetFence): Status {
  const s = observed.object;
  const generation = Math.max(fence.generation, s.metadata?.generation ?? 0);
  const desired = s.spec?.replicas ?? 1;
  const st = s.status ?? {};
  const observedGeneration = st.observedGeneration ?? 0;
  const caughtUp = observedGeneration >= generation;
  const updateRevision = caughtUp ? st.updateRevision : undefined;
  const onDelete = s.spec?.updateStrategy?.type === 'OnDelete';
  const partition = onDelete ? 0 : Math.min(desired, Math.max(0, s.spec?.updateStrategy?.rollingUpdate?.partition ?? 0));
  const status: Status = { state: 'progressing', reasons: [], waitingFor: [], pods: [], problems: [] };
  if (updateRevision !== undefined) status.revision = updateRevision;

  const isTracked = (pod: Pod): boolean => updateRevision !== undefined && pod.metadata?.labels?.[controllerRevisionHashLabel] === updateRevision;
  const judged = judgePods(observed.pods, isTracked, observed);
  status.pods = judged.views.map((v) => v.view);
  if (judged.recheckAt !== undefined) status.recheckAt = judged.recheckAt;
  const updated = st.updatedReplicas ?? 0;
  const ready = st.readyReplicas ?? 0;
  const available = st.availableReplicas ?? ready;
  status.replicas = { desired, updated, ready, available, old: Math.max(0, (st.replicas ?? 0) - updated) };

  if (!caughtUp) {
    status.waitingFor.push(`the controller to observe generation ${generation} (observed ${observedGeneration})`);
    return status;
  }
  status.problems = judged.problems;
  if (s.metadata?.uid !== undefined) {
    status.problems.push(...controllerEventProblems(observed.events, new Set([s.metadata.uid]), () => `sts/${s.metadata?.name ?? ''}`, observed.detection.since));
  }
  if (updateRevision === undefined) {
    status.waitingFor.push('the update revision');
    return status;
  }

  const mustUpdate = desired - partition;
  const readyUpdated = judged.tracked.filter((p) => isPodReady(p) && p.metadata?.deletionTimestamp === undefined && ordinal(p) >= partition).length;
  if (partition > 0) status.reasons.push(`partition ${partition}: pods with ordinal < ${partition} stay on revision ${st.currentRevision ?? '?'}`);
  if (updated < mustUpdate) {
    if (onDelete) {
      const old = desired - updated;
      status.waitingFor.push(`updated ${updated}/${desired} — OnDelete strategy: ${old} pod${old === 1 ? '' : 's'} of the old revision are replaced only when deleted`);
    } else {
      status.waitingFor.push(`updated ${updated}/${mustUpdate}`);
    }
  }
  if (readyUpdated < mustUpdate) status.waitingFor.push(`updated pods ready ${readyUpdated}/${mustUpdate}`);
  if (ready < desired) status.waitingFor.push(`ready ${ready}/${desired}`);
  else if (available < desired) status.waitingFor.push(`available ${available}/${desired}`);
  if (partition === 0 && !onDelete && updated >= desired && st.currentRevision !== undefined && st.currentRevision !== updateRevision) {
    status.waitingFor.push('the controller to finish the update (current revision ≠ update revision)');
  }
  if (status.waitingFor.length === 0) status.state = 'ready';
  return status;
}

import type { PlanContext } from './context.ts';
import type { PodView, ReplicaSetView } from './observed.ts';

/**
 * spec.restartAt: replaces every pod created before that time, at most `maxUnavailable` missing at once —
 * counting pods that are not ready, not yet created, or removed by a scale-down planned in the same pass
 * (evictions, so PodDisruptionBudgets are honoured) — stable pods first, then older revisions, the canary last,
 * so the version serving most traffic is refreshed first while the canary keeps running. Done when no pod older
 * than restartAt remains: status.restartedAt records it.
 */
export function planRestart(ctx: PlanContext, maxUnavailable: number): void {
  const restartAt = ctx.rollout.spec.restartAt;
  if (restartAt === undefined || restartAt === '' || ctx.status.restartedAt === restartAt) return;
  const at = Date.parse(restartAt);
  if (Number.isNaN(at)) return;
  if (at > ctx.now.getTime()) {
    ctx.requeueAfter(at - ctx.now.getTime());
    return;
  }
  const pods = ctx.observed.pods ?? [];
  const stale = pods.filter((p) => !p.deleting && Date.parse(p.createdAt) < at);
  if (stale.length === 0) {
    ctx.status.restartedAt = restartAt;
    ctx.event('Normal', 'RolloutRestarted', `Rollout restarted: all pods created before ${restartAt} were replaced`);
    return;
  }
  // At least one at a time, so maxUnavailable 0 still restarts (as Argo Rollouts).
  const allowed = Math.max(1, maxUnavailable);
  // A ReplicaSet's status lags its pods: an evicted pod leaves the pod watch before status.replicas drops, so what
  // exists and what is available are the lower of the two views.
  const podsOf = (v: ReplicaSetView): PodView[] => pods.filter((p) => p.hash === v.hash);
  // Terminating and unready pods count once, above; a pod that is gone altogether counts as missing.
  const unavailable = pods.filter((p) => p.deleting || !p.ready).length +
    ctx.views.reduce((n, v) => n + Math.max(0, v.current - Math.min(v.created, podsOf(v).length)), 0);
  // Scale-downs planned in this same pass take pods away too: a ReplicaSet keeps at most `current` of its
  // available pods (its controller deletes unready ones first), and only what is left above the floor may go.
  const availableAfterScaling = ctx.views.reduce((n, v) => n + Math.min(v.available, v.current, podsOf(v).filter((p) => p.ready && !p.deleting).length), 0);
  const budget = Math.min(allowed - unavailable, availableAfterScaling - (ctx.replicas - allowed));
  if (budget <= 0) return;
  const stableHash = ctx.status.stableRS;
  const rank = (p: PodView): number => (p.hash === stableHash ? 0 : p.hash === ctx.hash ? 2 : 1);
  const order = [...stale].sort((a, b) => rank(a) - rank(b) || a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  ctx.plan.evictPods.push(...order.slice(0, budget).map((p) => p.name));
}

import type { CanaryStep, CanaryStrategy, RolloutTrafficRouting, SetCanaryScale } from '../api/rollout.ts';
import type { HeaderRoute, MirrorRoute, ServiceTarget, TrafficIntent } from '../traffic/router.ts';
import type { PlanContext } from './context.ts';
import type { ReplicaSetView } from './observed.ts';
import { trafficRoutedCanaryReplicas, trafficRoutedReplicaCounts } from './replicas.ts';
import { scaleDownAfter } from './scale-down.ts';

/** Argo Rollouts' default: time for the routers' data planes to drop a version before its pods go. */
const defaultScaleDownDelaySeconds = 30;

/** The weight the routers were last told to give a version (status.canary.weights), 0 for any other version. */
export function recordedCanaryWeight(ctx: PlanContext, hash: string): number {
  const canary = ctx.previous.canary?.weights?.canary;
  return canary?.podTemplateHash === hash ? canary.weight : 0;
}

export function maxWeightOf(routing: RolloutTrafficRouting): number {
  return routing.maxTrafficWeight ?? 100;
}

/** The setCanaryScale in force at a step: the last one up to it; matchTrafficWeight (or none) sizes by weight. */
export function canaryScaleAt(steps: readonly CanaryStep[], index: number): SetCanaryScale | undefined {
  let scale: SetCanaryScale | undefined;
  for (const step of steps.slice(0, Math.min(index + 1, steps.length))) {
    if (step.setCanaryScale !== undefined) scale = step.setCanaryScale.matchTrafficWeight === true ? undefined : step.setCanaryScale;
  }
  return scale;
}

/**
 * The managed routes in force at step `index`: those of the steps up to it, later steps replacing earlier ones by
 * name (a step that also pauses holds its route while it waits, as in Argo Rollouts).
 */
export function managedRoutesAt(steps: readonly CanaryStep[], index: number): { headerRoutes: HeaderRoute[]; mirrorRoutes: MirrorRoute[] } {
  const headers = new Map<string, HeaderRoute>();
  const mirrors = new Map<string, MirrorRoute>();
  for (const step of steps.slice(0, Math.min(index + 1, steps.length))) {
    const header = step.setHeaderRoute;
    if (header?.name !== undefined) {
      if (header.match === undefined || header.match.length === 0) headers.delete(header.name);
      else headers.set(header.name, { name: header.name, match: header.match });
    }
    const mirror = step.setMirrorRoute;
    if (mirror !== undefined) {
      if (mirror.match === undefined) mirrors.delete(mirror.name);
      else mirrors.set(mirror.name, { name: mirror.name, match: mirror.match, percentage: mirror.percentage ?? 100 });
    }
  }
  return { headerRoutes: [...headers.values()], mirrorRoutes: [...mirrors.values()] };
}

interface RoutedState {
  /** The weight the steps want (maxWeight once they are all done; 0 when aborted). */
  desired: number;
  newRS: ReplicaSetView;
  stable: ReplicaSetView;
  scale: SetCanaryScale | undefined;
}

/**
 * Scales a traffic-routed canary and decides the weight the routers write in this pass. The canary gets
 * ceil(weight × replicas / maxWeight) pods (or what setCanaryScale says) and the stable keeps all of its pods
 * unless dynamicStableScale. Traffic never goes to pods that are not ready: a higher weight is written only once
 * the canary ReplicaSet is available at the size that weight needs; a lower one at once — on abort, 0 at once,
 * with the canary's pods kept for abortScaleDownDelaySeconds. Returns the intent for the routers.
 */
export function planRoutedCanary(ctx: PlanContext, canary: CanaryStrategy, routing: RolloutTrafficRouting, state: RoutedState): TrafficIntent {
  const { newRS, stable } = state;
  const maxWeight = maxWeightOf(routing);
  const aborted = ctx.status.abort === true;
  const releasing = stable !== newRS;
  const recorded = ctx.previous.canary?.weights?.canary;
  const recordedHere = recordedCanaryWeight(ctx, ctx.hash);
  // A canary of an earlier update still holding traffic keeps its Service until the weight has left it.
  const draining = recorded !== undefined && recorded.weight > 0 && recorded.podTemplateHash !== ctx.hash && recorded.podTemplateHash !== stable.hash ? recorded.podTemplateHash : undefined;

  const scaleReplicas = state.scale?.replicas ?? (state.scale?.weight === undefined ? undefined : Math.ceil((state.scale.weight * ctx.replicas) / 100));
  const counts = trafficRoutedReplicaCounts({
    replicas: ctx.replicas,
    weight: releasing ? state.desired : 0,
    maxWeight,
    canaryReplicas: releasing ? scaleReplicas : undefined,
    minPodsPerReplicaSet: canary.minPodsPerReplicaSet,
    dynamicStableScale: canary.dynamicStableScale,
    currentWeights: { canary: recordedHere, stable: maxWeight - recordedHere },
    aborted,
  });

  let weight = 0;
  if (releasing && !aborted && draining === undefined) {
    const needed = Math.min(counts.canary, trafficRoutedCanaryReplicas(ctx.replicas, state.desired, maxWeight, canary.minPodsPerReplicaSet));
    const ready = newRS.observed && newRS.available >= needed && serviceReady(ctx, canary.canaryService, newRS, needed);
    weight = ready ? state.desired : Math.min(state.desired, recordedHere);
  } else if (releasing && aborted && canary.dynamicStableScale === true && !(stable.observed && stable.available >= ctx.replicas)) {
    // With dynamicStableScale the stable may be too small to take the canary's share back yet.
    weight = recordedHere;
  }

  if (releasing) {
    if (aborted && counts.canary < newRS.current) {
      const delay = canary.abortScaleDownDelaySeconds ?? defaultScaleDownDelaySeconds;
      // 0 keeps the aborted canary running, as in Argo Rollouts.
      if (delay > 0) scaleDownAfter(ctx, newRS, delay);
    } else {
      ctx.scale(newRS, counts.canary);
    }
    ctx.scale(stable, counts.stable);
  } else {
    ctx.scale(newRS, ctx.replicas);
  }
  // Older versions leave after scaleDownDelaySeconds; beyond scaleDownDelayRevisionLimit (the newest first) at once.
  const delay = canary.scaleDownDelaySeconds ?? defaultScaleDownDelaySeconds;
  const older = ctx.views.filter((v) => v !== newRS && v !== stable && v.hash !== draining).sort((a, b) => b.revision - a.revision);
  let delayed = 0;
  for (const view of older) {
    const keep = view.current > 0 && (canary.scaleDownDelayRevisionLimit === undefined || delayed < canary.scaleDownDelayRevisionLimit);
    if (keep) delayed++;
    scaleDownAfter(ctx, view, keep ? delay : 0);
  }

  const stableHash = stable.hash;
  // Aborted, the canary Service goes back to the stable pods once no weight is left on the canary's.
  const canaryHash = draining ?? ((aborted && weight === 0) || !releasing ? stableHash : ctx.hash);
  const services: ServiceTarget[] = [];
  if (canary.stableService !== undefined) services.push({ service: canary.stableService, hash: stableHash });
  if (canary.canaryService !== undefined) services.push({ service: canary.canaryService, hash: canaryHash });
  const routes = canaryHash === stableHash || draining !== undefined ? { headerRoutes: [], mirrorRoutes: [] } : managedRoutesAt(canary.steps ?? [], ctx.status.currentStepIndex ?? 0);
  return {
    stableHash,
    canaryHash,
    weight: canaryHash === stableHash ? 0 : weight,
    maxWeight,
    ...weightedServices(canary),
    ...routes,
    services,
  };
}

/**
 * Whether the canary Service has `needed` ready endpoints on the canary's pods (its EndpointSlices): a gateway sends
 * a Service's share only to its endpoints, so a weight written before they exist is answered with errors. Without
 * observed endpoints (the simulation) nothing is gated here.
 */
function serviceReady(ctx: PlanContext, service: string | undefined, newRS: ReplicaSetView, needed: number): boolean {
  const endpoints = service === undefined ? undefined : ctx.traffic.endpoints?.get(service);
  if (endpoints === undefined) return true;
  return endpoints.filter((e) => e.ready && e.pod.startsWith(`${newRS.name}-`)).length >= needed;
}

/** The Services the routers weight between, as the intent names them. */
function weightedServices(canary: CanaryStrategy): Pick<TrafficIntent, 'canaryService' | 'stableService'> {
  return {
    ...(canary.canaryService === undefined ? {} : { canaryService: canary.canaryService }),
    ...(canary.stableService === undefined ? {} : { stableService: canary.stableService }),
  };
}

/** A setWeight step with traffic routing is done once the routers were told that weight and their objects carry it. */
export function routedWeightReached(ctx: PlanContext, canary: CanaryStrategy, routing: RolloutTrafficRouting, weight: number): boolean {
  if (recordedCanaryWeight(ctx, ctx.hash) !== weight) return false;
  const stableHash = ctx.stableRS?.hash ?? ctx.hash;
  return ctx.trafficCarries({
    stableHash, canaryHash: ctx.hash, weight, maxWeight: maxWeightOf(routing), headerRoutes: [], mirrorRoutes: [], services: [],
    ...weightedServices(canary),
  });
}

/** A setCanaryScale step is done once the canary ReplicaSet runs, available, the size it asks for. */
export function canaryScaleReached(ctx: PlanContext, newRS: ReplicaSetView, scale: SetCanaryScale, desiredWeight: number, maxWeight: number): boolean {
  const count = scale.replicas ?? (scale.weight === undefined ? trafficRoutedCanaryReplicas(ctx.replicas, desiredWeight, maxWeight) : Math.ceil((scale.weight * ctx.replicas) / 100));
  return newRS.observed && newRS.current === count && newRS.available >= count;
}

import type { Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { describeRef, jsonPatchWrites, observedObject, presenceProblem, routedObjectInformers, standInBackends, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { serviceWeights, splitsBetween, weightOperations, weightsCarried, type WeightedList } from './weighted-backends.ts';

const resource = { apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', plural: 'traefikservices' } as const;

interface TraefikServiceObject extends KubeObject {
  spec?: { weighted?: { services?: { name?: string; weight?: number }[] } };
}

/** The TraefikService the Rollout names (trafficRouting.traefik.weightedTraefikServiceName), in its namespace. */
export function traefikServiceRef(rollout: DeepReadonly<Rollout>): RoutedObjectRef | undefined {
  const name = rollout.spec.strategy?.canary?.trafficRouting?.traefik?.weightedTraefikServiceName;
  if (name === undefined || name === '') return undefined;
  return { resource, namespace: rollout.metadata.namespace ?? 'default', name };
}

function weighted(object: DeepReadonly<TraefikServiceObject>, intent: TrafficIntent): WeightedList[] {
  const entries = object.spec?.weighted?.services ?? [];
  return splitsBetween(entries, intent) ? [{ path: ['spec', 'weighted', 'services'], entries }] : [];
}

/**
 * The Traefik router, as Argo Rollouts' (group traefik.io): it owns the `weight` of the canary's and the stable's
 * entries in the TraefikService's spec.weighted.services, nothing else. Traefik has no header or mirror routes
 * for it, so validation refuses those steps.
 */
export function traefikRouter(ref: RoutedObjectRef): TrafficRouter {
  const lists = (observed: ObservedTraffic, intent: TrafficIntent): WeightedList[] => {
    const object = observedObject<TraefikServiceObject>(observed, ref);
    return object === undefined ? [] : weighted(object, intent);
  };
  return {
    name: 'traefik',
    problems(intent, observed): RouterProblem[] {
      const missing = presenceProblem(observed, ref);
      if (missing !== undefined) return [missing];
      if (lists(observed, intent).length > 0) return [];
      return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has no spec.weighted.services entries for both Service ${intent.canaryService ?? '?'} and Service ${intent.stableService ?? '?'}` }];
    },
    setWeight: (intent, observed) => jsonPatchWrites([ref], observed, () => weightOperations(lists(observed, intent), serviceWeights(intent))),
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: (intent, observed) => lists(observed, intent).length > 0 && weightsCarried(lists(observed, intent), serviceWeights(intent)),
    removeManagedRoutes: () => [],
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.traefik. */
export const traefik: RouterDefinition = {
  name: 'traefik',
  resources: [resource],
  appliesTo: (rollout) => traefikServiceRef(rollout) !== undefined,
  routerFor: (rollout) => {
    const ref = traefikServiceRef(rollout);
    if (ref === undefined) throw new Error('traefik router asked for a Rollout without trafficRouting.traefik');
    return traefikRouter(ref);
  },
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  standIns: (rollout) => {
    const ref = traefikServiceRef(rollout);
    return ref === undefined ? [] : [{ apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace }, spec: { weighted: { services: standInBackends(rollout) } } } as KubeObject];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], (rollout) => {
    const ref = traefikServiceRef(rollout);
    return ref === undefined ? [] : [ref];
  }),
};

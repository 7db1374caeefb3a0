import type { Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { boundRouter, refList, routedObjectInformers, standInBackends, type RoutedObjectRef } from './routed-objects.ts';
import type { RouterDefinition, TrafficRouter } from './router.ts';
import { weightedObjectsRouter } from './weighted-router.ts';

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

/**
 * The Traefik router, as Argo Rollouts' (group traefik.io): it owns the `weight` of the canary's and the stable's
 * entries in the TraefikService's spec.weighted.services, nothing else. Traefik has no header or mirror routes
 * for it, so validation refuses those steps.
 */
export function traefikRouter(ref: RoutedObjectRef): TrafficRouter {
  return weightedObjectsRouter<RoutedObjectRef, TraefikServiceObject>('traefik', [ref], {
    what: 'spec.weighted.services',
    lists: (object) => [{ path: ['spec', 'weighted', 'services'], entries: object.spec?.weighted?.services ?? [] }],
  });
}

/** Registry entry: Rollouts with trafficRouting.traefik. */
export const traefik: RouterDefinition = {
  name: 'traefik',
  resources: [resource],
  appliesTo: (rollout) => traefikServiceRef(rollout) !== undefined,
  routerFor: boundRouter(traefikServiceRef, traefikRouter, 'trafficRouting.traefik'),
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  standIns: (rollout) => {
    const ref = traefikServiceRef(rollout);
    return ref === undefined ? [] : [{ apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace }, spec: { weighted: { services: standInBackends(rollout) } } } as KubeObject];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], refList(traefikServiceRef)),
};

import type { ApisixTrafficRouting, Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { describeRef, jsonPatchWrites, observedObject, presenceProblem, routedObjectInformers, standInServiceNames, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { serviceWeights, splitsBetween, weightOperations, weightsCarried, type WeightedList } from './weighted-backends.ts';

const resource = { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', plural: 'apisixroutes' } as const;

interface ApisixRouteObject extends KubeObject {
  spec?: { http?: { name?: string; backends?: { serviceName?: string; servicePort?: number | string; weight?: number }[] }[] };
}

function apisixConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<ApisixTrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.apisix;
}

/** The ApisixRoute (route.name) in the Rollout's namespace, and the http rules to weight (route.rules; all when none). */
export function apisixRouteRef(rollout: DeepReadonly<Rollout>): (RoutedObjectRef & { rules: readonly string[] }) | undefined {
  const route = apisixConfig(rollout)?.route;
  if (route === undefined) return undefined;
  return { resource, namespace: rollout.metadata.namespace ?? 'default', name: route.name, rules: route.rules ?? [] };
}

/**
 * The APISIX router, as Argo Rollouts': it owns the `weight` of the canary's and the stable's backends of the named
 * http rules of an ApisixRoute; other rules, plugins and fields stay. Header routes are not supported yet (the
 * steps are refused); APISIX reports nothing back, so weights are verified only on the object.
 */
export function apisixRouter(ref: RoutedObjectRef & { rules: readonly string[] }): TrafficRouter {
  const lists = (observed: ObservedTraffic): WeightedList[] => {
    const route = observedObject<ApisixRouteObject>(observed, ref);
    return (route?.spec?.http ?? []).flatMap((rule, index) => {
      if (ref.rules.length > 0 && (rule.name === undefined || !ref.rules.includes(rule.name))) return [];
      return [{ path: ['spec', 'http', index, 'backends'], nameAt: ['serviceName'], entries: (rule.backends ?? []).map((b) => ({ name: b.serviceName, weight: b.weight })) }];
    });
  };
  const split = (observed: ObservedTraffic, intent: TrafficIntent): WeightedList[] => lists(observed).filter((l) => splitsBetween(l.entries, intent));
  return {
    name: 'apisix',
    problems(intent, observed): RouterProblem[] {
      const missing = presenceProblem(observed, ref);
      if (missing !== undefined) return [missing];
      const route = observedObject<ApisixRouteObject>(observed, ref);
      const names = new Set((route?.spec?.http ?? []).map((r) => r.name));
      const absent = ref.rules.filter((r) => !names.has(r));
      if (absent.length > 0) return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has no http rule named ${absent.join(', ')}` }];
      if (split(observed, intent).length === 0) return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has no http rule with backends ${intent.canaryService ?? '?'} and ${intent.stableService ?? '?'}` }];
      return [];
    },
    setWeight: (intent, observed) => jsonPatchWrites([ref], observed, () => weightOperations(split(observed, intent), serviceWeights(intent))),
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: (intent, observed) => weightsCarried(split(observed, intent), serviceWeights(intent)),
    removeManagedRoutes: () => [],
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.apisix. */
export const apisix: RouterDefinition = {
  name: 'apisix',
  resources: [resource],
  appliesTo: (rollout) => apisixRouteRef(rollout) !== undefined,
  routerFor: (rollout) => {
    const ref = apisixRouteRef(rollout);
    if (ref === undefined) throw new Error('apisix router asked for a Rollout without trafficRouting.apisix.route');
    return apisixRouter(ref);
  },
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  specIssues: (rollout) => (apisixConfig(rollout) !== undefined && apisixRouteRef(rollout) === undefined
    ? [{ field: 'spec.strategy.canary.trafficRouting.apisix.route', message: 'required: the ApisixRoute whose backends Aviary weights' }] : []),
  standIns: (rollout) => {
    const ref = apisixRouteRef(rollout);
    if (ref === undefined) return [];
    const [stable, canary] = standInServiceNames(rollout);
    const names = ref.rules.length === 0 ? ['rule'] : ref.rules;
    return [{
      apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace },
      spec: { http: names.map((name) => ({ name, backends: [{ serviceName: stable, servicePort: 80, weight: 100 }, { serviceName: canary, servicePort: 80, weight: 0 }] })) },
    } as KubeObject];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], (rollout) => {
    const ref = apisixRouteRef(rollout);
    return ref === undefined ? [] : [ref];
  }),
};

import type { Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { boundRouter, describeRef, observedObject, presenceProblem, refList, routedObjectInformers, standInServiceNames, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { serviceWeights } from './weighted-backends.ts';
import type { ObjectWrite } from './writes.ts';

const resource = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses' } as const;
/** Skipper's per-Ingress weights of the backends of one path: {"<service>": weight, ...}, relative. */
export const backendWeightsAnnotation = 'zalando.org/backend-weights';

interface IngressObject extends KubeObject {
  spec?: { rules?: { http?: { paths?: { path?: string; backend?: { service?: { name?: string } } }[] } }[] };
}

export function skipperIngressRef(rollout: DeepReadonly<Rollout>): RoutedObjectRef | undefined {
  const config = rollout.spec.strategy?.canary?.trafficRouting?.skipper;
  return config === undefined ? undefined : { resource, namespace: rollout.metadata.namespace ?? 'default', name: config.ingress };
}

function weightsOf(ingress: DeepReadonly<IngressObject> | undefined): Record<string, number> | undefined {
  const value = ingress?.metadata?.annotations?.[backendWeightsAnnotation];
  if (value === undefined) return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, number> : undefined;
  } catch {
    return undefined;
  }
}

/** Whether some path of the Ingress is served by both Services: Skipper weights the backends of one path. */
function routesBoth(ingress: DeepReadonly<IngressObject>, intent: TrafficIntent): boolean {
  const byPath = new Map<string, Set<string | undefined>>();
  for (const rule of ingress.spec?.rules ?? []) {
    for (const p of rule.http?.paths ?? []) byPath.set(p.path ?? '/', (byPath.get(p.path ?? '/') ?? new Set()).add(p.backend?.service?.name));
  }
  return [...byPath.values()].some((names) => names.has(intent.canaryService) && names.has(intent.stableService));
}

/**
 * The Skipper router (Flagger has it; Argo has none): it owns the canary's and the stable's entries of the
 * Ingress's zalando.org/backend-weights annotation; entries for other Services, other annotations and the rules
 * stay. Unlike Flagger it weights the user's Ingress (whose path lists both Services) instead of generating a
 * copy. Skipper reports nothing back, so weights are verified on the object. No header or mirror routes.
 */
export function skipperRouter(ref: RoutedObjectRef): TrafficRouter {
  const want = (intent: TrafficIntent, observed: ObservedTraffic): Record<string, number> | undefined => {
    const current = weightsOf(observedObject<IngressObject>(observed, ref));
    return current === undefined ? undefined : { ...current, ...Object.fromEntries(serviceWeights(intent)) };
  };
  const carried = (intent: TrafficIntent, observed: ObservedTraffic): boolean => {
    const current = weightsOf(observedObject<IngressObject>(observed, ref)) ?? {};
    return [...serviceWeights(intent)].every(([service, weight]) => current[service] === weight);
  };
  return {
    name: 'skipper',
    problems(intent, observed): RouterProblem[] {
      const missing = presenceProblem(observed, ref);
      if (missing !== undefined) return [missing];
      const ingress = observedObject<IngressObject>(observed, ref);
      if (ingress === undefined) return [];
      if (weightsOf(ingress) === undefined) return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)}: annotation ${backendWeightsAnnotation} is not a JSON object of Service weights` }];
      if (!routesBoth(ingress, intent)) return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has no path served by both ${intent.canaryService ?? '?'} and ${intent.stableService ?? '?'}` }];
      return [];
    },
    setWeight(intent, observed): ObjectWrite[] {
      const weights = want(intent, observed);
      if (weights === undefined || carried(intent, observed)) return [];
      return [{ type: 'merge', target: targetOf(ref), patch: { metadata: { annotations: { [backendWeightsAnnotation]: JSON.stringify(weights) } } } }];
    },
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: carried,
    removeManagedRoutes: () => [],
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.skipper. */
export const skipper: RouterDefinition = {
  name: 'skipper',
  resources: [resource],
  appliesTo: (rollout) => skipperIngressRef(rollout) !== undefined,
  routerFor: boundRouter(skipperIngressRef, skipperRouter, 'trafficRouting.skipper'),
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  standIns: (rollout) => {
    const ref = skipperIngressRef(rollout);
    if (ref === undefined) return [];
    const [stable, canary] = standInServiceNames(rollout);
    const path = (name: string): unknown => ({ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } });
    return [{
      apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace },
      spec: { ingressClassName: 'skipper', rules: [{ http: { paths: [path(stable), path(canary)] } }] },
    } as KubeObject];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], refList(skipperIngressRef)),
};

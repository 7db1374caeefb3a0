import type { KumaTrafficRouting, Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { describeRef, jsonPatchWrites, observedObject, presenceProblem, routedObjectInformers, standInServiceNames, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { serviceWeights, weightedListsOf, weightOperations, weightsCarried, type WeightedList } from './weighted-backends.ts';

const resource = { apiVersion: 'kuma.io/v1alpha1', kind: 'MeshHTTPRoute', plural: 'meshhttproutes' } as const;

interface BackendRef { kind?: string; name?: string; namespace?: string; port?: number; weight?: number }
interface MeshHTTPRouteObject extends KubeObject {
  spec?: { to?: { rules?: { default?: { backendRefs?: BackendRef[] } }[] }[] };
}

function kumaConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<KumaTrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.kuma;
}

export function kumaRouteRef(rollout: DeepReadonly<Rollout>): RoutedObjectRef | undefined {
  const config = kumaConfig(rollout);
  return config === undefined ? undefined : { resource, namespace: rollout.metadata.namespace ?? 'default', name: config.meshHTTPRoute };
}

/**
 * A backendRef as a Service's name: a MeshService is named after its Service; a MeshServiceSubset or a legacy
 * service tag is `<service>_<namespace>_svc_<port>`, as Kuma names a Kubernetes Service.
 */
function serviceOf(ref: DeepReadonly<BackendRef>, namespace: string): string | undefined {
  const tag = /^(.+)_([^_]+)_svc_\d+$/.exec(ref.name ?? '');
  if (tag !== null) return tag[2] === namespace ? tag[1] : undefined;
  return ref.namespace === undefined || ref.namespace === namespace ? ref.name : undefined;
}

function lists(route: DeepReadonly<MeshHTTPRouteObject> | undefined, namespace: string): WeightedList[] {
  return (route?.spec?.to ?? []).flatMap((to, i) => (to.rules ?? []).map((rule, j): WeightedList => ({
    path: ['spec', 'to', i, 'rules', j, 'default', 'backendRefs'],
    entries: (rule.default?.backendRefs ?? []).map((b) => ({ name: serviceOf(b, namespace), stored: b.name, weight: b.weight })),
  })));
}

/**
 * The Kuma router (Flagger has it; Argo has none): it owns the `weight` of the canary's and the stable's backendRefs
 * in every rule of a MeshHTTPRoute that sends to both; matches, filters and other backends stay. Kuma reports
 * nothing back, so weights are verified on the object. No header or mirror routes yet.
 */
export function kumaRouter(ref: RoutedObjectRef): TrafficRouter {
  const split = (observed: ObservedTraffic, intent: TrafficIntent): ReturnType<typeof weightedListsOf> =>
    weightedListsOf(lists(observedObject<MeshHTTPRouteObject>(observed, ref), ref.namespace), intent, describeRef(ref), 'rule');
  return {
    name: 'kuma',
    problems(intent, observed): RouterProblem[] {
      const missing = presenceProblem(observed, ref);
      if (missing !== undefined) return [missing];
      const { problem } = split(observed, intent);
      return problem === undefined ? [] : [problem];
    },
    setWeight: (intent, observed) => jsonPatchWrites([ref], observed, () => weightOperations(split(observed, intent).lists, serviceWeights(intent))),
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: (intent, observed) => weightsCarried(split(observed, intent).lists, serviceWeights(intent)),
    removeManagedRoutes: () => [],
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.kuma. */
export const kuma: RouterDefinition = {
  name: 'kuma',
  resources: [resource],
  appliesTo: (rollout) => kumaConfig(rollout) !== undefined,
  routerFor: (rollout) => {
    const ref = kumaRouteRef(rollout);
    if (ref === undefined) throw new Error('kuma router asked for a Rollout without trafficRouting.kuma');
    return kumaRouter(ref);
  },
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  standIns: (rollout) => {
    const ref = kumaRouteRef(rollout);
    if (ref === undefined) return [];
    const [stable, canary] = standInServiceNames(rollout);
    return [{
      apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace },
      spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: stable }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { backendRefs: [{ kind: 'MeshService', name: stable, weight: 100 }, { kind: 'MeshService', name: canary, weight: 0 }] } }] }] },
    } as KubeObject];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], (rollout) => {
    const ref = kumaRouteRef(rollout);
    return ref === undefined ? [] : [ref];
  }),
};

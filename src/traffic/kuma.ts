import type { KumaTrafficRouting, Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { boundRouter, refList, routedObjectInformers, standInServiceNames, type RoutedObjectRef } from './routed-objects.ts';
import type { RouterDefinition, TrafficRouter } from './router.ts';
import type { WeightedList } from './weighted-backends.ts';
import { weightedObjectsRouter } from './weighted-router.ts';

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

/**
 * The Kuma router (Flagger has it; Argo has none): it owns the `weight` of the canary's and the stable's backendRefs
 * in every rule of a MeshHTTPRoute that sends to both; matches, filters and other backends stay. Kuma reports
 * nothing back, so weights are verified on the object. No header or mirror routes yet.
 */
export function kumaRouter(ref: RoutedObjectRef): TrafficRouter {
  return weightedObjectsRouter<RoutedObjectRef, MeshHTTPRouteObject>('kuma', [ref], {
    what: 'rule',
    lists: (route) => (route.spec?.to ?? []).flatMap((to, i) => (to.rules ?? []).map((rule, j): WeightedList => ({
      path: ['spec', 'to', i, 'rules', j, 'default', 'backendRefs'],
      entries: (rule.default?.backendRefs ?? []).map((b) => ({ name: serviceOf(b, ref.namespace), stored: b.name, weight: b.weight })),
    }))),
  });
}

/** Registry entry: Rollouts with trafficRouting.kuma. */
export const kuma: RouterDefinition = {
  name: 'kuma',
  resources: [resource],
  appliesTo: (rollout) => kumaConfig(rollout) !== undefined,
  routerFor: boundRouter(kumaRouteRef, kumaRouter, 'trafficRouting.kuma'),
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
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], refList(kumaRouteRef)),
};

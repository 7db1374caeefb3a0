import { podTemplateHashLabel } from '../api/labels.ts';
import type { AppMeshTrafficRouting, Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { boundRouter, jsonPatchWrites, servedKey, observedObject, routedObjectInformers, targetOf, type CachedObject, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { weightOperations, weightsCarried, type WeightedList } from './weighted-backends.ts';
import type { ObjectWrite } from './writes.ts';

const group = 'appmesh.k8s.aws/v1beta2';
const virtualServices = { apiVersion: group, kind: 'VirtualService', plural: 'virtualservices' } as const;
const virtualRouters = { apiVersion: group, kind: 'VirtualRouter', plural: 'virtualrouters' } as const;
const virtualNodes = { apiVersion: group, kind: 'VirtualNode', plural: 'virtualnodes' } as const;
/** The route kinds of a VirtualRouter, in the order a route is read (the first one it has counts). */
const routeKinds = ['httpRoute', 'tcpRoute', 'http2Route', 'grpcRoute'] as const;
/** What a virtual node selects while it has no version of its own: no pod carries it (as Argo writes it). */
const noCanary = 'canary-hash';

interface WeightedTarget { virtualNodeRef?: { name?: string; namespace?: string }; weight?: number }
type MeshRoute = { name?: string } & Partial<Record<(typeof routeKinds)[number], { action?: { weightedTargets?: WeightedTarget[] } }>>;
interface VirtualServiceObject extends KubeObject {
  spec?: { provider?: { virtualRouter?: { virtualRouterRef?: { name?: string; namespace?: string } } } };
}
interface VirtualRouterObject extends KubeObject { spec?: { routes?: MeshRoute[] } }
interface VirtualNodeObject extends KubeObject { spec?: { podSelector?: { matchLabels?: Record<string, string> } } }

function appMeshConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<AppMeshTrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.appMesh;
}

export interface AppMeshRefs {
  virtualService: RoutedObjectRef;
  /** Route names to weight; all routes when empty. */
  routes: readonly string[];
  canaryNode: RoutedObjectRef;
  stableNode: RoutedObjectRef;
}

export function appMeshRefs(rollout: DeepReadonly<Rollout>): AppMeshRefs | undefined {
  const config = appMeshConfig(rollout);
  if (config?.virtualService === undefined || config.virtualNodeGroup === undefined) return undefined;
  const namespace = rollout.metadata.namespace ?? 'default';
  return {
    virtualService: { resource: virtualServices, namespace, name: config.virtualService.name },
    routes: config.virtualService.routes ?? [],
    canaryNode: { resource: virtualNodes, namespace, name: config.virtualNodeGroup.canaryVirtualNodeRef.name },
    stableNode: { resource: virtualNodes, namespace, name: config.virtualNodeGroup.stableVirtualNodeRef.name },
  };
}

/** The VirtualRouter a VirtualService is provided by (in its namespace unless the ref names another). */
function routerRef(vs: DeepReadonly<VirtualServiceObject> | undefined, namespace: string): RoutedObjectRef | undefined {
  const ref = vs?.spec?.provider?.virtualRouter?.virtualRouterRef;
  if (ref?.name === undefined || ref.name === '') return undefined;
  return { resource: virtualRouters, namespace: ref.namespace ?? namespace, name: ref.name };
}

const routeSpec = (route: DeepReadonly<MeshRoute>): { kind: (typeof routeKinds)[number]; targets: readonly DeepReadonly<WeightedTarget>[] } | undefined => {
  const kind = routeKinds.find((k) => route[k] !== undefined);
  return kind === undefined ? undefined : { kind, targets: route[kind]?.action?.weightedTargets ?? [] };
};

/**
 * The AWS App Mesh router, as Argo Rollouts': it owns the `weight` of the canary's and the stable's virtual node in
 * the weightedTargets of the VirtualRouter behind the VirtualService (the named routes, else all), and the
 * `rollouts-pod-template-hash` in each virtual node's podSelector, so the canary node selects the canary's pods and
 * the stable node the stable's (written before the weights move). The mesh reports nothing back, so weights are
 * verified on the VirtualRouter only.
 */
export function appMeshRouter(refs: AppMeshRefs): TrafficRouter {
  const router = (observed: ObservedTraffic): RoutedObjectRef | undefined =>
    routerRef(observedObject<VirtualServiceObject>(observed, refs.virtualService), refs.virtualService.namespace);
  const weights = (intent: TrafficIntent): Map<string, number> =>
    new Map([[refs.stableNode.name, intent.maxWeight - intent.weight], [refs.canaryNode.name, intent.weight]]);
  const lists = (observed: ObservedTraffic): WeightedList[] => {
    const ref = router(observed);
    const vr = ref === undefined ? undefined : observedObject<VirtualRouterObject>(observed, ref);
    return (vr?.spec?.routes ?? []).flatMap((route, index): WeightedList[] => {
      const spec = routeSpec(route);
      if (spec === undefined || (refs.routes.length > 0 && !refs.routes.includes(route.name ?? ''))) return [];
      return [{
        path: ['spec', 'routes', index, spec.kind, 'action', 'weightedTargets'],
        nameAt: ['virtualNodeRef', 'name'],
        // A target in another namespace is another node, whatever its name.
        entries: spec.targets.map((t) => ({ name: (t.virtualNodeRef?.namespace ?? refs.canaryNode.namespace) === refs.canaryNode.namespace ? t.virtualNodeRef?.name : undefined, weight: t.weight })),
      }];
    });
  };
  const hashWrites = (intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[] => {
    const canaryHash = intent.canaryHash === '' || intent.canaryHash === intent.stableHash ? noCanary : intent.canaryHash;
    return ([[refs.stableNode, intent.stableHash], [refs.canaryNode, canaryHash]] as const).flatMap(([ref, hash]): ObjectWrite[] => {
      const node = observedObject<VirtualNodeObject>(observed, ref);
      if (node === undefined || node.spec?.podSelector?.matchLabels?.[podTemplateHashLabel] === hash) return [];
      return [{ type: 'merge', target: targetOf(ref), patch: { spec: { podSelector: { matchLabels: { [podTemplateHashLabel]: hash } } } } }];
    });
  };
  return {
    name: 'appMesh',
    problems(_intent, observed) {
      const notFound = (reason: string, what: string, ref: RoutedObjectRef): RouterProblem => ({ reason, message: `${what} \`${ref.name}\` not found in namespace \`${ref.namespace}\`` });
      const absent = [virtualServices, virtualRouters, virtualNodes].filter((r) => observed.absentKinds.has(servedKey(r)));
      if (absent.length > 0) return [{ reason: 'TrafficRoutingError', message: `${absent.map((r) => r.kind).join(', ')} (${group}) cannot be listed: install App Mesh's CRDs (or grant the controller get, list, watch and patch on them)` }];
      const vs = observedObject<VirtualServiceObject>(observed, refs.virtualService);
      if (vs === undefined) return [notFound('VirtualServiceNotFound', 'VirtualService', refs.virtualService)];
      const ref = routerRef(vs, refs.virtualService.namespace);
      if (ref === undefined) return [{ reason: 'TrafficRoutingError', message: `VirtualService ${refs.virtualService.namespace}/${refs.virtualService.name} is not associated with a virtual-router (spec.provider.virtualRouter.virtualRouterRef)` }];
      const problems: RouterProblem[] = [];
      const vr = observedObject<VirtualRouterObject>(observed, ref);
      if (vr === undefined) problems.push(notFound('VirtualRouterNotFound', 'VirtualRouter', ref));
      for (const node of [refs.stableNode, refs.canaryNode]) if (observedObject(observed, node) === undefined) problems.push(notFound('VirtualNodeNotFound', 'VirtualNode', node));
      if (vr === undefined) return problems;
      const routes = vr.spec?.routes ?? [];
      if (routes.length === 0) return [...problems, { reason: 'TrafficRoutingError', message: `No routes defined for AppMesh virtual-router ${ref.name}` }];
      const missing = refs.routes.filter((name) => !routes.some((r) => r.name === name));
      if (missing.length > 0) problems.push({ reason: 'TrafficRoutingError', message: `AppMesh virtual-router ${ref.name} has no route named ${missing.join(', ')}` });
      for (const route of routes) {
        const count = routeSpec(route)?.targets.length ?? 0;
        if (count !== 2) problems.push({ reason: 'TrafficRoutingError', message: `Invalid number of weightedTargets (${String(count)}) for AppMesh virtual-router ${ref.name} and route ${route.name ?? '?'}, expected 2` });
      }
      for (const list of lists(observed)) {
        const names = new Set(list.entries.map((e) => e.name));
        if (!names.has(refs.canaryNode.name) || !names.has(refs.stableNode.name)) {
          problems.push({ reason: 'TrafficRoutingError', message: `AppMesh virtual-router ${ref.name}: a route's weightedTargets lack virtual node ${refs.canaryNode.name} or ${refs.stableNode.name}` });
        }
      }
      return problems;
    },
    setWeight(intent, observed) {
      const ref = router(observed);
      const weighted = ref === undefined ? [] : jsonPatchWrites([ref], observed, () => weightOperations(lists(observed), weights(intent)));
      return [...hashWrites(intent, observed), ...weighted];
    },
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: (intent, observed) => weightsCarried(lists(observed), weights(intent)),
    removeManagedRoutes: () => [],
    finalize: () => [],
  };
}

/** Every object the router reads for a Rollout; the VirtualRouter only once its VirtualService is cached. */
function appMeshObjectRefs(rollout: DeepReadonly<Rollout>, cached: CachedObject): RoutedObjectRef[] {
  const refs = appMeshRefs(rollout);
  if (refs === undefined) return [];
  const router = routerRef(cached(refs.virtualService), refs.virtualService.namespace);
  return [refs.virtualService, refs.canaryNode, refs.stableNode, ...(router === undefined ? [] : [router])];
}

/** Registry entry: Rollouts with trafficRouting.appMesh. */
export const appMesh: RouterDefinition = {
  name: 'appMesh',
  resources: [{ ...virtualServices, readOnly: true }, virtualRouters, virtualNodes],
  appliesTo: (rollout) => appMeshConfig(rollout) !== undefined,
  routerFor: boundRouter(appMeshRefs, appMeshRouter, 'trafficRouting.appMesh.virtualService and virtualNodeGroup'),
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  specIssues: (rollout) => {
    const config = appMeshConfig(rollout);
    const base = 'spec.strategy.canary.trafficRouting.appMesh';
    if (config === undefined) return [];
    return [
      ...(config.virtualService === undefined ? [{ field: `${base}.virtualService`, message: 'must provide virtual-service: the App Mesh VirtualService whose VirtualRouter Aviary weights' }] : []),
      ...(config.virtualNodeGroup === undefined ? [{ field: `${base}.virtualNodeGroup`, message: 'must provide virtual-node group: the canary and stable VirtualNodes (canaryVirtualNodeRef, stableVirtualNodeRef)' }] : []),
    ];
  },
  standIns: (rollout) => {
    const refs = appMeshRefs(rollout);
    if (refs === undefined) return [];
    const { namespace } = refs.virtualService;
    const node = (ref: RoutedObjectRef): KubeObject => ({ apiVersion: group, kind: 'VirtualNode', metadata: { name: ref.name, namespace }, spec: { podSelector: { matchLabels: {} } } } as KubeObject);
    const names = refs.routes.length === 0 ? ['primary'] : refs.routes;
    return [
      { apiVersion: group, kind: 'VirtualService', metadata: { name: refs.virtualService.name, namespace }, spec: { provider: { virtualRouter: { virtualRouterRef: { name: `${refs.virtualService.name}-router` } } } } } as KubeObject,
      {
        apiVersion: group, kind: 'VirtualRouter', metadata: { name: `${refs.virtualService.name}-router`, namespace },
        spec: { routes: names.map((name) => ({ name, httpRoute: { action: { weightedTargets: [{ virtualNodeRef: { name: refs.stableNode.name }, weight: 100 }, { virtualNodeRef: { name: refs.canaryNode.name }, weight: 0 }] } } })) },
      } as KubeObject,
      node(refs.stableNode),
      node(refs.canaryNode),
    ];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [virtualServices, virtualRouters, virtualNodes], appMeshObjectRefs),
};

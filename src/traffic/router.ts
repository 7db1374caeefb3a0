import type { Service } from '../api/kubernetes.ts';
import type { HeaderRoutingMatch, Rollout, RouteMatch } from '../api/rollout.ts';
import type { Informer, InformerFactory } from '../runtime/informer.ts';
import { groupOf, type DeepReadonly, type KubeObject } from '../runtime/objects.ts';
import type { ObjectWrite } from './writes.ts';

/** A Service that should select the pods of one version (canary/stable, active/preview). */
export interface ServiceTarget {
  service: string;
  /** The version's pod template hash. */
  hash: string;
}

/** A managed route (setHeaderRoute): requests that match go to the canary. */
export interface HeaderRoute {
  name: string;
  match: HeaderRoutingMatch[];
}

/** A managed route (setMirrorRoute): a copy of `percentage` percent of the matching requests goes to the canary. */
export interface MirrorRoute {
  name: string;
  match: RouteMatch[];
  percentage: number;
}

/**
 * How traffic should be split once this pass is applied: what the release wants, not how a provider does it.
 * The canary and blue-green planners compute it purely from the observed objects; routers turn it into writes.
 */
export interface TrafficIntent {
  /** Pod template hash of the version most traffic goes to: the stable one (the active one in blue-green). */
  stableHash: string;
  /** Pod template hash of the version being released (canary, preview); equals stableHash when nothing is. */
  canaryHash: string;
  /** The canary's share of the traffic, in units of maxWeight (percent unless maxTrafficWeight is set). */
  weight: number;
  /** What the whole of the traffic weighs: trafficRouting.maxTrafficWeight, 100 unless set. */
  maxWeight: number;
  /** The Services routers weight between (spec.strategy.canary.canaryService / stableService). */
  canaryService?: string;
  stableService?: string;
  /** Header routes in force (setHeaderRoute steps), in the order they were set. */
  headerRoutes: HeaderRoute[];
  /** Mirror routes in force (setMirrorRoute steps). */
  mirrorRoutes: MirrorRoute[];
  /** Services that select exactly one version each. */
  services: ServiceTarget[];
}

/** What routers read: the release's namespace and owner, and the objects they route through, from their informers. */
export interface ObservedTraffic {
  namespace: string;
  /** Name of the object the routes belong to (the Rollout): recorded in managed-by annotations. */
  owner: string;
  /** The Services the release references, by name; missing ones are absent. */
  services: ReadonlyMap<string, Service>;
  /**
   * The endpoints of those Services (from their EndpointSlices) by Service name: which pods each one sends to and
   * whether they are ready. Absent when not observed (the simulation), which gates nothing.
   */
  endpoints?: ReadonlyMap<string, readonly ServiceEndpoint[]>;
  /** The routers' own objects (routes, TraefikServices, ...) by routedObjectKey; missing ones are absent. */
  objects: ReadonlyMap<string, DeepReadonly<KubeObject>>;
  /** Kinds a router reads that the API server does not serve (CRD not installed), as "Kind.group/version". */
  absentKinds: ReadonlySet<string>;
}

/** One endpoint of a Service: the pod behind it and whether it is ready to take traffic. */
export interface ServiceEndpoint {
  pod: string;
  ready: boolean;
}

/**
 * How ObservedTraffic.objects names an object: `HTTPRoute.gateway.networking.k8s.io default/web`. The group is part
 * of it because kinds repeat across providers (Istio's and App Mesh's VirtualService).
 */
export function routedObjectKey(apiVersion: string, kind: string, namespace: string, name: string): string {
  return `${kind}.${groupOf(apiVersion)} ${namespace}/${name}`;
}

/**
 * Why a router cannot act on a Rollout now (its object is missing or malformed, its CRD is not installed). The
 * Rollout then stays exactly where it is — no router writes, no step advances — until the problem is gone.
 */
export interface RouterProblem {
  /** Event reason, as the peers name it: TrafficRoutingError, HTTPRouteNotFound, ... */
  reason: string;
  /** Names the object and what is wrong with it. */
  message: string;
}

/**
 * One way of steering traffic between two versions (DESIGN.md's traffic router). Every method is pure: it compares
 * the intent with the observed objects and returns only the writes that differ — none in a steady state — so a
 * router is table-tested without a cluster and `aviary plan` can show what it would do. What a router cannot do
 * (a Service selector cannot route by header) it documents and returns no writes for; validation refuses the steps
 * that would need it.
 */
export interface TrafficRouter {
  readonly name: string;
  /** What keeps this router from carrying out any intent now; empty when it can act. */
  problems(intent: TrafficIntent, observed: ObservedTraffic): RouterProblem[];
  /** Writes that give the canary `intent.weight` percent of the traffic (and the stable version the rest). */
  setWeight(intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[];
  /** Writes that bring the managed header routes to `intent.headerRoutes`. */
  setHeaderRoute(intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[];
  /** Writes that bring the managed mirror routes to `intent.mirrorRoutes`. */
  setMirrorRoute(intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[];
  /**
   * Whether the observed objects carry the intent: true when they do, false while the provider has not caught up,
   * undefined when this router cannot tell (as Argo Rollouts' VerifyWeight returning nil).
   */
  verify(intent: TrafficIntent, observed: ObservedTraffic): boolean | undefined;
  /** Writes that remove every route this router added for the release (header and mirror routes). */
  removeManagedRoutes(observed: ObservedTraffic): ObjectWrite[];
  /** Writes once the release is complete (canary = stable): what the router leaves behind for the next one. */
  finalize(intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[];
}

/** An informer a router reads, with the keys (namespace/name) of its objects a Rollout references (a change enqueues those Rollouts). */
export interface RouterInformer {
  informer: Informer;
  referencedBy: (rollout: DeepReadonly<Rollout>) => readonly string[];
  /** The key a Rollout references the object by, when not its own namespace/name (an EndpointSlice: its Service's). */
  referenceKey?: (obj: DeepReadonly<KubeObject>) => string;
}

/** A router's informers, started on the controller's shared factory. */
export interface RouterInformers {
  watched: readonly RouterInformer[];
  /** What the router reads of one Rollout, copied out of the caches (the planner may keep it). */
  observe(rollout: DeepReadonly<Rollout>): Partial<ObservedTraffic>;
}

/** A router as the registry lists it: which Rollouts it serves and what it watches. */
export interface RouterDefinition {
  /** As rollout_info{traffic_router} names it: the trafficRouting field (gatewayAPI, traefik, ...). */
  readonly name: string;
  /** The Argo Rollouts plugin (trafficRouting.plugins key) whose configuration it reads as its own, if any. */
  readonly plugin?: string;
  /** The kinds it reads and patches (the controller's RBAC grants get, list, watch and patch on them, and `verbs`). */
  readonly resources: readonly { apiVersion: string; plural: string; verbs?: readonly string[]; readOnly?: boolean }[];
  /** Whether the Rollout's traffic goes through this router. */
  appliesTo(rollout: DeepReadonly<Rollout>): boolean;
  /** The router bound to the Rollout's configuration of it. */
  routerFor(rollout: DeepReadonly<Rollout>): TrafficRouter;
  /** Whether, as configured for the Rollout, it can carry setHeaderRoute and setMirrorRoute steps. */
  supports(rollout: DeepReadonly<Rollout>): { headerRoutes: boolean; mirrorRoutes: boolean };
  /**
   * Objects as the router expects to find them (each route splitting between the canary and stable Services):
   * `aviary plan` simulates a release without a cluster and puts these in its place.
   */
  standIns(rollout: DeepReadonly<Rollout>): KubeObject[];
  /**
   * Whether it splits traffic between canaryService and stableService (so both are required); default yes. Istio's
   * subset-level routing tells the versions apart by DestinationRule subsets instead.
   */
  weighsServices?(rollout: DeepReadonly<Rollout>): boolean;
  /** Problems with the Rollout's configuration of this router that the CRD schema cannot see, by field. */
  specIssues?(rollout: DeepReadonly<Rollout>): { field: string; message: string }[];
  informers(factory: InformerFactory, namespace: string | undefined): RouterInformers;
}

/**
 * The writes one router makes for an intent: weight, header and mirror routes, and — once the release is complete —
 * removal of its managed routes and its final state.
 */
export function routeTraffic(router: TrafficRouter, intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[] {
  if (intent.canaryHash === intent.stableHash) {
    return [...router.setWeight(intent, observed), ...router.removeManagedRoutes(observed), ...router.finalize(intent, observed)];
  }
  return [...router.setWeight(intent, observed), ...router.setHeaderRoute(intent, observed), ...router.setMirrorRoute(intent, observed)];
}

/** Merges what several routers observed of one Rollout (each contributes its own objects). */
export function mergeObserved(parts: readonly Partial<ObservedTraffic>[]): Pick<ObservedTraffic, 'services' | 'objects' | 'absentKinds' | 'endpoints'> {
  const services = new Map<string, Service>();
  const endpoints = new Map<string, readonly ServiceEndpoint[]>();
  const objects = new Map<string, DeepReadonly<KubeObject>>();
  const absentKinds = new Set<string>();
  for (const part of parts) {
    for (const [name, service] of part.services ?? []) services.set(name, service);
    for (const [key, object] of part.objects ?? []) objects.set(key, object);
    for (const kind of part.absentKinds ?? []) absentKinds.add(kind);
    for (const [service, list] of part.endpoints ?? []) endpoints.set(service, list);
  }
  return { services, objects, absentKinds, endpoints };
}

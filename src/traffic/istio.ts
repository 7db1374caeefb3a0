import type { HeaderRoutingMatch, IstioTrafficRouting, Rollout, StringMatch } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { describeRef, jsonPatchWrites, observedObject, presenceProblem, routedObjectInformers, type RoutedObjectRef } from './routed-objects.ts';
import { managedEntryOperations } from './managed-entries.ts';
import type { HeaderRoute, MirrorRoute, ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { serviceWeights, splitsBetween, weightOperations, type WeightedList } from './weighted-backends.ts';
import type { JsonPatchOperation, ObjectWrite } from './writes.ts';

const resource = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', plural: 'virtualservices' } as const;

interface Destination { host?: string; subset?: string; port?: { number?: number } }
interface HttpRoute {
  name?: string;
  match?: unknown[];
  route?: { destination?: Destination; weight?: number }[];
  mirror?: Destination;
  mirrorPercentage?: { value?: number };
}
interface VirtualServiceObject extends KubeObject {
  spec?: { hosts?: string[]; http?: HttpRoute[] };
}

/** A VirtualService the Rollout names, with the HTTP routes it weights (all of its only route when none are named). */
export interface IstioVirtualServiceRef extends RoutedObjectRef {
  routes: readonly string[];
}

function istioConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<IstioTrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.istio;
}

/** virtualService and virtualServices; a name `vsvc.namespace` names another namespace, as in Argo Rollouts. */
export function istioVirtualServices(rollout: DeepReadonly<Rollout>): IstioVirtualServiceRef[] {
  const config = istioConfig(rollout);
  if (config === undefined) return [];
  const own = rollout.metadata.namespace ?? 'default';
  return [...(config.virtualService === undefined ? [] : [config.virtualService]), ...(config.virtualServices ?? [])].map((vs) => {
    const [name = '', ...rest] = vs.name.split('.');
    return { resource, name, namespace: rest.length > 0 ? rest.join('.') : own, routes: vs.routes ?? [] };
  });
}

/** A destination host as a Service's short name: `web`, `web.shop` and `web.shop.svc.cluster.local` are all `web`. */
function serviceOf(host: string | undefined, namespace: string): string | undefined {
  if (host === undefined) return undefined;
  const [name, ns] = host.split('.');
  return ns === undefined || ns === namespace ? name : host;
}

/** The HTTP routes the router weights: the named ones, or the only one when none are named. */
function weightedRoutes(vs: DeepReadonly<VirtualServiceObject>, ref: IstioVirtualServiceRef, managed: ReadonlySet<string>): { index: number; route: DeepReadonly<HttpRoute> }[] {
  const http = (vs.spec?.http ?? []).map((route, index) => ({ index, route })).filter(({ route }) => route.name === undefined || !managed.has(route.name));
  if (ref.routes.length === 0) return http.length === 1 ? http : [];
  return http.filter(({ route }) => route.name !== undefined && ref.routes.includes(route.name));
}

function lists(vs: DeepReadonly<VirtualServiceObject>, ref: IstioVirtualServiceRef, managed: ReadonlySet<string>): WeightedList[] {
  return weightedRoutes(vs, ref, managed).map(({ index, route }) => ({
    path: ['spec', 'http', index, 'route'],
    nameAt: ['destination', 'host'],
    entries: (route.route ?? []).map((r) => ({ name: serviceOf(r.destination?.host, ref.namespace), stored: r.destination?.host, weight: r.weight })),
  }));
}

/**
 * The Istio router, host-level (Argo Rollouts' default mode): it owns the `weight` of the canary's and the stable's
 * destinations in the named HTTP routes of each VirtualService, and the HTTP routes named after managedRoutes, kept
 * first in spec.http so they take precedence (header routes to the canary; mirror routes answering from the
 * stable). Istio reports nothing back, so weights are not verified (as in Argo).
 */
export function istioRouter(refs: readonly IstioVirtualServiceRef[], managedRoutes: readonly string[]): TrafficRouter {
  const managed = new Set(managedRoutes);
  const each = (observed: ObservedTraffic, f: (ref: IstioVirtualServiceRef, vs: DeepReadonly<VirtualServiceObject>) => JsonPatchOperation[]): ObjectWrite[] =>
    jsonPatchWrites(refs, observed, f);
  return {
    name: 'istio',
    problems(intent, observed) {
      return refs.flatMap((ref): RouterProblem[] => {
        const missing = presenceProblem(observed, ref);
        if (missing !== undefined) return [missing];
        const vs = observedObject<VirtualServiceObject>(observed, ref);
        if (vs === undefined) return [];
        const names = new Set((vs.spec?.http ?? []).map((r) => r.name));
        const absent = ref.routes.filter((r) => !names.has(r));
        if (absent.length > 0) return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has no HTTP route named ${absent.join(', ')}` }];
        const found = lists(vs, ref, managed);
        if (found.length === 0) return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has ${String((vs.spec?.http ?? []).length)} HTTP routes: name the ones to weight in virtualService.routes` }];
        if (!found.every((list) => splitsBetween(list.entries, intent))) {
          return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)}: a weighted HTTP route lacks a destination host ${intent.canaryService ?? '?'} or ${intent.stableService ?? '?'}` }];
        }
        return [];
      });
    },
    setWeight: (intent, observed) => each(observed, (ref, vs) => weightOperations(lists(vs, ref, managed), serviceWeights(intent))),
    setHeaderRoute: (intent, observed) => each(observed, (ref, vs) => managedRouteOperations(vs, desiredManagedRoutes(vs, ref, intent, managed), managed)),
    // Header and mirror routes are written together by setHeaderRoute: both change spec.http, addressed by index.
    setMirrorRoute: () => [],
    verify: () => undefined,
    removeManagedRoutes: (observed) => each(observed, (_, vs) => managedRouteOperations(vs, [], managed)),
    finalize: () => [],
  };
}

function desiredManagedRoutes(vs: DeepReadonly<VirtualServiceObject>, ref: IstioVirtualServiceRef, intent: TrafficIntent, managed: ReadonlySet<string>): HttpRoute[] {
  const base = weightedRoutes(vs, ref, managed)[0]?.route;
  const destination = (service: string | undefined): Destination | undefined => {
    const found = base?.route?.find((r) => serviceOf(r.destination?.host, ref.namespace) === service)?.destination;
    return found === undefined ? undefined : (structuredClone(found));
  };
  const canary = destination(intent.canaryService);
  const stable = destination(intent.stableService);
  if (canary === undefined || stable === undefined) return [];
  const header = intent.headerRoutes.map((route: HeaderRoute): HttpRoute => ({
    name: route.name,
    match: [{ headers: Object.fromEntries(route.match.map((m: DeepReadonly<HeaderRoutingMatch>) => [m.headerName, stringMatch(m.headerValue)])) }],
    route: [{ destination: canary, weight: 100 }],
  }));
  const mirror = intent.mirrorRoutes.map((route: MirrorRoute): HttpRoute => ({
    name: route.name,
    match: route.match.map((m) => ({
      ...(m.method === undefined ? {} : { method: stringMatch(m.method) }),
      ...(m.path === undefined ? {} : { uri: stringMatch(m.path) }),
      ...(m.headers === undefined ? {} : { headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, stringMatch(v)])) }),
    })),
    route: [{ destination: stable, weight: 100 }],
    mirror: canary,
    mirrorPercentage: { value: route.percentage },
  }));
  return [...header, ...mirror];
}

function stringMatch(match: DeepReadonly<StringMatch>): Record<string, string> {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  return { regex: match.regex ?? '' };
}

/** The managed HTTP routes, kept first in spec.http. */
function managedRouteOperations(vs: DeepReadonly<VirtualServiceObject>, desired: readonly HttpRoute[], managed: ReadonlySet<string>): JsonPatchOperation[] {
  return managedEntryOperations<HttpRoute>({ path: ['spec', 'http'], entries: vs.spec?.http ?? [], nameOf: (r) => r.name, nameAt: ['name'] }, desired, managed);
}

/** Registry entry: Rollouts with trafficRouting.istio (host-level; subset-level with a DestinationRule is planned). */
export const istio: RouterDefinition = {
  name: 'istio',
  resources: [resource],
  appliesTo: (rollout) => istioConfig(rollout) !== undefined,
  routerFor: (rollout) => istioRouter(istioVirtualServices(rollout), (rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name)),
  supports: () => ({ headerRoutes: true, mirrorRoutes: true }),
  specIssues: (rollout) => {
    const config = istioConfig(rollout);
    const base = 'spec.strategy.canary.trafficRouting.istio';
    const issues: { field: string; message: string }[] = [];
    if (config?.virtualService === undefined && (config?.virtualServices ?? []).length === 0) issues.push({ field: `${base}.virtualService`, message: 'required: the VirtualService (virtualService or virtualServices) whose routes Aviary weights' });
    if (config?.destinationRule !== undefined) issues.push({ field: `${base}.destinationRule`, message: 'subset-level routing (destinationRule) is not supported yet by this controller; host-level routing is' });
    [config?.virtualService, ...(config?.virtualServices ?? [])].forEach((vs, i) => {
      if (vs === undefined) return;
      const field = config?.virtualService === vs ? `${base}.virtualService` : `${base}.virtualServices[${String(i - 1)}]`;
      if ((vs.tlsRoutes ?? []).length > 0 || (vs.tcpRoutes ?? []).length > 0) issues.push({ field, message: 'tlsRoutes and tcpRoutes are not supported yet by this controller; http routes are' });
    });
    return issues;
  },
  standIns: (rollout) => istioVirtualServices(rollout).map((ref): KubeObject => {
    const canary = rollout.spec.strategy?.canary;
    const route = [{ destination: { host: canary?.stableService ?? 'stable' }, weight: 100 }, { destination: { host: canary?.canaryService ?? 'canary' }, weight: 0 }];
    const names = ref.routes.length === 0 ? [undefined] : ref.routes;
    return { apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace }, spec: { http: names.map((name) => ({ ...(name === undefined ? {} : { name }), route })) } } as KubeObject;
  }),
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], istioVirtualServices),
};

import type { HeaderRoutingMatch, IstioTrafficRouting, Rollout, StringMatch } from '../api/rollout.ts';
import { managedByAnnotation, podTemplateHashLabel } from '../api/labels.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { pointer } from '../util/json-patch.ts';
import { describeRef, jsonPatchWrites, observedObject, presenceProblem, routedObjectInformers, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import { managedEntryOperations } from './managed-entries.ts';
import type { HeaderRoute, MirrorRoute, ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { weightOperations, type WeightedList } from './weighted-backends.ts';
import type { JsonPatchOperation, ObjectWrite } from './writes.ts';

const resource = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', plural: 'virtualservices' } as const;
const destinationRules = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', plural: 'destinationrules' } as const;

interface Destination { host?: string; subset?: string; port?: { number?: number } }
interface RouteDestination { destination?: Destination; weight?: number }
interface HttpRoute {
  name?: string;
  match?: unknown[];
  route?: RouteDestination[];
  mirror?: Destination;
  mirrorPercentage?: { value?: number };
}
/** A TLS or TCP route: matched by port (and SNI hosts), weighted like an HTTP route. */
interface L4Route { match?: { port?: number; sniHosts?: string[] }[]; route?: RouteDestination[] }
interface VirtualServiceObject extends KubeObject {
  spec?: { hosts?: string[]; http?: HttpRoute[]; tls?: L4Route[]; tcp?: L4Route[] };
}
interface DestinationRuleObject extends KubeObject {
  spec?: { host?: string; subsets?: { name?: string; labels?: Record<string, string> }[] };
}

/** A VirtualService the Rollout names, with the routes it weights (all of its only HTTP route when none are named). */
export interface IstioVirtualServiceRef extends RoutedObjectRef {
  routes: readonly string[];
  tlsRoutes: readonly { port?: number | undefined; sniHosts: readonly string[] }[];
  tcpRoutes: readonly { port?: number | undefined }[];
}

/** Subset-level routing: the DestinationRule whose subsets Aviary labels with the versions' pod template hashes. */
export interface IstioSubsets {
  ref: RoutedObjectRef;
  canary: string;
  stable: string;
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
    return {
      resource, name, namespace: rest.length > 0 ? rest.join('.') : own, routes: vs.routes ?? [],
      tlsRoutes: (vs.tlsRoutes ?? []).map((r) => ({ port: r.port, sniHosts: r.sniHosts ?? [] })),
      tcpRoutes: (vs.tcpRoutes ?? []).map((r) => ({ port: r.port })),
    };
  });
}

export function istioSubsets(rollout: DeepReadonly<Rollout>): IstioSubsets | undefined {
  const rule = istioConfig(rollout)?.destinationRule;
  if (rule === undefined) return undefined;
  return { ref: { resource: destinationRules, namespace: rollout.metadata.namespace ?? 'default', name: rule.name }, canary: rule.canarySubsetName, stable: rule.stableSubsetName };
}

/** A destination host as a Service's short name: `web`, `web.shop` and `web.shop.svc.cluster.local` are all `web`. */
function serviceOf(host: string | undefined, namespace: string): string | undefined {
  if (host === undefined) return undefined;
  const [name, ns] = host.split('.');
  return ns === undefined || ns === namespace ? name : host;
}

/**
 * What the router weights destinations by: the Services' names (host-level), or the DestinationRule's subset names
 * (subset-level, whatever the host).
 */
interface Targets {
  canary: string | undefined;
  stable: string | undefined;
  nameAt: readonly string[];
  nameOf: (destination: DeepReadonly<Destination> | undefined) => string | undefined;
  /** Stored value at nameAt, for the patch's test. */
  storedOf: (destination: DeepReadonly<Destination> | undefined) => string | undefined;
}

function targetsFor(intent: TrafficIntent, subsets: IstioSubsets | undefined, namespace: string): Targets {
  if (subsets !== undefined) {
    return { canary: subsets.canary, stable: subsets.stable, nameAt: ['destination', 'subset'], nameOf: (d) => d?.subset, storedOf: (d) => d?.subset };
  }
  return { canary: intent.canaryService, stable: intent.stableService, nameAt: ['destination', 'host'], nameOf: (d) => serviceOf(d?.host, namespace), storedOf: (d) => d?.host };
}

/** The HTTP routes the router weights: the named ones, or the only one when none are named. */
function weightedRoutes(vs: DeepReadonly<VirtualServiceObject>, ref: IstioVirtualServiceRef, managed: ReadonlySet<string>): { index: number; route: DeepReadonly<HttpRoute> }[] {
  const http = (vs.spec?.http ?? []).map((route, index) => ({ index, route })).filter(({ route }) => route.name === undefined || !managed.has(route.name));
  if (ref.routes.length === 0) return http.length === 1 ? http : [];
  return http.filter(({ route }) => route.name !== undefined && ref.routes.includes(route.name));
}

/** The port a TLS/TCP route matches on (0 for none), or undefined when its matches name several ports. */
function l4Port(route: DeepReadonly<L4Route>): number | undefined {
  const ports = new Set((route.match ?? []).map((m) => m.port ?? 0));
  if (ports.size > 1) return undefined;
  return [...ports][0] ?? 0;
}

/**
 * The TLS or TCP routes to weight, as Argo Rollouts selects them: those matching a configured port (and, for TLS,
 * exactly the configured SNI hosts), or the only one when none are configured.
 */
function weightedL4Routes(routes: readonly DeepReadonly<L4Route>[], wanted: readonly { port?: number | undefined; sniHosts?: readonly string[] }[]): number[] {
  if (wanted.length === 0) return routes.length === 1 ? [0] : [];
  return routes.flatMap((route, index) => {
    const port = l4Port(route);
    const hosts = new Set((route.match ?? []).flatMap((m) => m.sniHosts ?? []));
    const matches = wanted.some((w) => port === (w.port ?? 0) && (w.sniHosts === undefined || (w.sniHosts.length === hosts.size && w.sniHosts.every((h) => hosts.has(h)))));
    return matches ? [index] : [];
  });
}

function lists(vs: DeepReadonly<VirtualServiceObject>, ref: IstioVirtualServiceRef, managed: ReadonlySet<string>, targets: Targets): WeightedList[] {
  const list = (path: (string | number)[], route: readonly DeepReadonly<RouteDestination>[] | undefined): WeightedList => ({
    path, nameAt: targets.nameAt,
    entries: (route ?? []).map((r) => ({ name: targets.nameOf(r.destination), stored: targets.storedOf(r.destination), weight: r.weight })),
  });
  const tls = vs.spec?.tls ?? [];
  const tcp = vs.spec?.tcp ?? [];
  return [
    ...weightedRoutes(vs, ref, managed).map(({ index, route }) => list(['spec', 'http', index, 'route'], route.route)),
    ...weightedL4Routes(tls, ref.tlsRoutes).map((index) => list(['spec', 'tls', index, 'route'], tls[index]?.route)),
    ...weightedL4Routes(tcp, ref.tcpRoutes).map((index) => list(['spec', 'tcp', index, 'route'], tcp[index]?.route)),
  ];
}

function hasBoth(list: WeightedList, targets: Targets): boolean {
  const names = new Set(list.entries.map((e) => e.name));
  return targets.canary !== undefined && targets.stable !== undefined && names.has(targets.canary) && names.has(targets.stable);
}

function targetWeights(intent: TrafficIntent, targets: Targets): Map<string, number> {
  const weights = new Map<string, number>();
  if (targets.stable !== undefined) weights.set(targets.stable, intent.maxWeight - intent.weight);
  if (targets.canary !== undefined) weights.set(targets.canary, intent.weight);
  return weights;
}

function routeProblems(vs: DeepReadonly<VirtualServiceObject>, ref: IstioVirtualServiceRef, managed: ReadonlySet<string>, targets: Targets, subsetLevel: boolean): RouterProblem[] {
  const error = (message: string): RouterProblem => ({ reason: 'TrafficRoutingError', message: `${describeRef(ref)} ${message}` });
  const names = new Set((vs.spec?.http ?? []).map((r) => r.name));
  const absent = ref.routes.filter((r) => !names.has(r));
  if (absent.length > 0) return [error(`has no HTTP route named ${absent.join(', ')}`)];
  const http = (vs.spec?.http ?? []).filter((r) => r.name === undefined || !managed.has(r.name));
  if (ref.routes.length === 0 && http.length > 1) return [error(`has ${String(http.length)} HTTP routes: name the ones to weight in virtualService.routes`)];
  if (ref.tlsRoutes.length > 0 && weightedL4Routes(vs.spec?.tls ?? [], ref.tlsRoutes).length === 0) return [error('has no TLS route matching tlsRoutes (port and sniHosts)')];
  if (ref.tlsRoutes.length === 0 && (vs.spec?.tls ?? []).length > 1) return [error(`has ${String((vs.spec?.tls ?? []).length)} TLS routes: name the ones to weight in virtualService.tlsRoutes`)];
  if (ref.tcpRoutes.length > 0 && weightedL4Routes(vs.spec?.tcp ?? [], ref.tcpRoutes).length === 0) return [error('has no TCP route matching tcpRoutes (port)')];
  if (ref.tcpRoutes.length === 0 && (vs.spec?.tcp ?? []).length > 1) return [error(`has ${String((vs.spec?.tcp ?? []).length)} TCP routes: name the ones to weight in virtualService.tcpRoutes`)];
  const found = lists(vs, ref, managed, targets);
  if (found.length === 0) return [error('has no HTTP, TLS or TCP route to weight')];
  if (!found.every((list) => hasBoth(list, targets))) {
    const what = subsetLevel ? 'DestinationRule subset' : 'destination host';
    return [error(`has a weighted route that lacks a ${what} ${targets.canary ?? '?'} or ${targets.stable ?? '?'}`)];
  }
  return [];
}

/** The DestinationRule's canary and stable subsets labelled with their versions' hashes (only the label Aviary owns). */
function subsetOperations(rule: DeepReadonly<DestinationRuleObject>, subsets: IstioSubsets, intent: TrafficIntent): JsonPatchOperation[] {
  const want = new Map([[subsets.canary, intent.canaryHash], [subsets.stable, intent.stableHash]]);
  return (rule.spec?.subsets ?? []).flatMap((subset, index): JsonPatchOperation[] => {
    const hash = subset.name === undefined ? undefined : want.get(subset.name);
    if (hash === undefined || subset.labels?.[podTemplateHashLabel] === hash) return [];
    const test: JsonPatchOperation = { op: 'test', path: pointer('spec', 'subsets', index, 'name'), value: subset.name };
    if (subset.labels === undefined) return [test, { op: 'add', path: pointer('spec', 'subsets', index, 'labels'), value: { [podTemplateHashLabel]: hash } }];
    return [test, { op: 'add', path: pointer('spec', 'subsets', index, 'labels', podTemplateHashLabel), value: hash }];
  });
}

/**
 * The Istio router, as Argo Rollouts': it owns the `weight` of the canary's and the stable's destinations in the
 * named HTTP routes and the selected TLS/TCP routes of each VirtualService — host-level (destinations by Service
 * host) or subset-level (by DestinationRule subset, whose `rollouts-pod-template-hash` labels it keeps on the
 * versions, written before any weight) — and the HTTP routes named after managedRoutes, kept first in spec.http
 * so they take precedence (header routes to the canary; mirror routes answering from the stable). Istio reports
 * nothing back, so weights are not verified (as in Argo).
 */
export function istioRouter(refs: readonly IstioVirtualServiceRef[], managedRoutes: readonly string[], subsets?: IstioSubsets, owner?: string): TrafficRouter {
  const managed = new Set(managedRoutes);
  const each = (observed: ObservedTraffic, f: (ref: IstioVirtualServiceRef, vs: DeepReadonly<VirtualServiceObject>) => JsonPatchOperation[]): ObjectWrite[] =>
    jsonPatchWrites(refs, observed, f);
  const targets = (intent: TrafficIntent, ref: IstioVirtualServiceRef): Targets => targetsFor(intent, subsets, ref.namespace);
  const ruleWrites = (intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[] => {
    if (subsets === undefined) return [];
    const rule = observedObject<DestinationRuleObject>(observed, subsets.ref);
    if (rule === undefined) return [];
    const operations = subsetOperations(rule, subsets, intent);
    const annotated = owner === undefined || rule.metadata?.annotations?.[managedByAnnotation] === owner;
    if (!annotated) operations.push({ op: 'add', path: rule.metadata?.annotations === undefined ? '/metadata/annotations' : pointer('metadata', 'annotations', managedByAnnotation), value: rule.metadata?.annotations === undefined ? { [managedByAnnotation]: owner } : owner });
    if (operations.length === 0) return [];
    return [{
      type: 'json', target: targetOf(subsets.ref), patch: operations,
      event: { reason: 'UpdatedDestinationRule', message: `DestinationRule ${subsets.ref.name} subset updated (${subsets.canary}: ${intent.canaryHash}, ${subsets.stable}: ${intent.stableHash})` },
    }];
  };
  return {
    name: 'istio',
    problems(intent, observed) {
      const rule = subsets === undefined ? undefined : presenceProblem(observed, subsets.ref);
      const ruleProblems = rule === undefined ? [] : [rule.reason === 'DestinationRuleNotFound' ? { ...rule, message: `DestinationRule \`${subsets?.ref.name ?? ''}\` not found` } : rule];
      return [...ruleProblems, ...refs.flatMap((ref): RouterProblem[] => {
        const missing = presenceProblem(observed, ref);
        if (missing !== undefined) return [missing];
        const vs = observedObject<VirtualServiceObject>(observed, ref);
        return vs === undefined ? [] : routeProblems(vs, ref, managed, targets(intent, ref), subsets !== undefined);
      })];
    },
    setWeight: (intent, observed) => [
      ...ruleWrites(intent, observed),
      ...each(observed, (ref, vs) => weightOperations(lists(vs, ref, managed, targets(intent, ref)), targetWeights(intent, targets(intent, ref)))),
    ],
    setHeaderRoute: (intent, observed) => each(observed, (ref, vs) => managedRouteOperations(vs, desiredManagedRoutes(vs, ref, intent, managed, targets(intent, ref)), managed)),
    // Header and mirror routes are written together by setHeaderRoute: both change spec.http, addressed by index.
    setMirrorRoute: () => [],
    verify: () => undefined,
    removeManagedRoutes: (observed) => each(observed, (_, vs) => managedRouteOperations(vs, [], managed)),
    finalize: () => [],
  };
}

function desiredManagedRoutes(vs: DeepReadonly<VirtualServiceObject>, ref: IstioVirtualServiceRef, intent: TrafficIntent, managed: ReadonlySet<string>, targets: Targets): HttpRoute[] {
  const base = weightedRoutes(vs, ref, managed)[0]?.route;
  // The canary's and the stable's destinations as the weighted route has them (host, port, subset).
  const destination = (name: string | undefined): Destination | undefined => {
    const found = base?.route?.find((r) => targets.nameOf(r.destination) === name)?.destination;
    return found === undefined ? undefined : (structuredClone(found));
  };
  const canary = destination(targets.canary);
  const stable = destination(targets.stable);
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

/** Registry entry: Rollouts with trafficRouting.istio, host-level or (with a destinationRule) subset-level. */
export const istio: RouterDefinition = {
  name: 'istio',
  resources: [resource, destinationRules],
  appliesTo: (rollout) => istioConfig(rollout) !== undefined,
  routerFor: (rollout) => istioRouter(istioVirtualServices(rollout), (rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name), istioSubsets(rollout), rollout.metadata.name),
  supports: () => ({ headerRoutes: true, mirrorRoutes: true }),
  // Subset-level routing tells the versions apart by the DestinationRule's subsets, not by Services.
  weighsServices: (rollout) => istioSubsets(rollout) === undefined,
  specIssues: (rollout) => {
    const config = istioConfig(rollout);
    const base = 'spec.strategy.canary.trafficRouting.istio';
    const issues: { field: string; message: string }[] = [];
    if (config?.virtualService === undefined && (config?.virtualServices ?? []).length === 0) issues.push({ field: `${base}.virtualService`, message: 'required: the VirtualService (virtualService or virtualServices) whose routes Aviary weights' });
    const rule = config?.destinationRule;
    if (rule !== undefined && rule.canarySubsetName === rule.stableSubsetName) issues.push({ field: `${base}.destinationRule.stableSubsetName`, message: 'must differ from canarySubsetName' });
    return issues;
  },
  standIns: (rollout) => {
    const subsets = istioSubsets(rollout);
    const canary = rollout.spec.strategy?.canary;
    const host = canary?.stableService ?? rollout.metadata.name ?? 'web';
    const route = subsets === undefined
      ? [{ destination: { host: canary?.stableService ?? 'stable' }, weight: 100 }, { destination: { host: canary?.canaryService ?? 'canary' }, weight: 0 }]
      : [{ destination: { host, subset: subsets.stable }, weight: 100 }, { destination: { host, subset: subsets.canary }, weight: 0 }];
    const services = istioVirtualServices(rollout).map((ref): KubeObject => {
      const names = ref.routes.length === 0 ? [undefined] : ref.routes;
      return { apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace }, spec: { http: names.map((name) => ({ ...(name === undefined ? {} : { name }), route })) } } as KubeObject;
    });
    const rule = subsets === undefined ? [] : [{
      apiVersion: destinationRules.apiVersion, kind: destinationRules.kind, metadata: { name: subsets.ref.name, namespace: subsets.ref.namespace },
      spec: { host, subsets: [{ name: subsets.stable, labels: {} }, { name: subsets.canary, labels: {} }] },
    } as KubeObject];
    return [...services, ...rule];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource, destinationRules], (rollout) => {
    const subsets = istioSubsets(rollout);
    return [...istioVirtualServices(rollout), ...(subsets === undefined ? [] : [subsets.ref])];
  }),
};

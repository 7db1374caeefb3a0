import type { GatewayAPITrafficRouting, HeaderRoutingMatch, Rollout, RouteMatch, StringMatch } from '../api/rollout.ts';
import { GatewayAPITrafficRouting as GatewayAPISchema } from '../api/rollout.ts';
import { escapeRegExp } from '../util/regex.ts';
import { pluginConfigIssues, pluginShapedConfig, type PluginShapedRouter } from './plugin-config.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { pointer } from '../util/json-patch.ts';
import { containedIn, describeRef, jsonPatchWrites, observedObject, presenceProblem, routedObjectInformers, standInBackends, type RoutedObjectRef } from './routed-objects.ts';
import type { HeaderRoute, MirrorRoute, ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { serviceWeights, splitsBetween, weightOperations, weightsCarried, type WeightedList } from './weighted-backends.ts';
import type { JsonPatchOperation, ObjectWrite } from './writes.ts';

/** The Argo Rollouts plugin whose configuration, in compatibility mode, is honoured as the native gatewayAPI field. */
export const gatewayApiPluginName = 'argoproj-labs/gatewayAPI';

const group = 'gateway.networking.k8s.io';
const resources = {
  HTTPRoute: { apiVersion: `${group}/v1`, kind: 'HTTPRoute', plural: 'httproutes' },
  GRPCRoute: { apiVersion: `${group}/v1`, kind: 'GRPCRoute', plural: 'grpcroutes' },
  TCPRoute: { apiVersion: `${group}/v1alpha2`, kind: 'TCPRoute', plural: 'tcproutes' },
} as const;
type RouteKind = keyof typeof resources;

/** A route the Rollout weights, and whether its managed header and mirror rules go there (HTTPRoutes only). */
export interface GatewayRoute extends RoutedObjectRef {
  routeKind: RouteKind;
  managedRules: boolean;
}

interface BackendRef {
  name?: string;
  namespace?: string;
  kind?: string;
  group?: string;
  port?: number;
  weight?: number;
}
interface RouteRule {
  name?: string;
  matches?: HttpMatch[];
  filters?: unknown[];
  backendRefs?: BackendRef[];
}
interface HttpMatch {
  path?: { type?: string; value?: string };
  method?: string;
  headers?: { type?: string; name: string; value: string }[];
  queryParams?: unknown[];
}
interface RouteObject extends KubeObject {
  spec?: { rules?: RouteRule[] };
  status?: { parents?: { conditions?: { type?: string; status?: string; observedGeneration?: number }[] }[] };
}

const gatewayPlugin: PluginShapedRouter<'gatewayAPI'> = { field: 'gatewayAPI', plugin: gatewayApiPluginName, schema: GatewayAPISchema };

/** The gatewayAPI configuration: the native field, or the Argo plugin's config in its place. */
export function gatewayConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<GatewayAPITrafficRouting> | undefined {
  return pluginShapedConfig(rollout, gatewayPlugin);
}

/** Problems with the plugin's configuration, named by field (the native field is checked by the CRD schema). */
export function gatewayPluginIssues(rollout: DeepReadonly<Rollout>): { field: string; message: string }[] {
  return pluginConfigIssues(rollout, gatewayPlugin);
}

/** Every route the configuration names, in the order given (single fields first). */
export function gatewayRoutes(rollout: DeepReadonly<Rollout>): GatewayRoute[] {
  const config = gatewayConfig(rollout);
  if (config === undefined) return [];
  const namespace = config.namespace ?? rollout.metadata.namespace ?? 'default';
  const routes: GatewayRoute[] = [];
  const add = (routeKind: RouteKind, name: string | undefined, managedRules: boolean): void => {
    if (name === undefined || name === '') return;
    routes.push({ resource: resources[routeKind], namespace, name, routeKind, managedRules: managedRules && routeKind === 'HTTPRoute' });
  };
  add('HTTPRoute', config.httpRoute, true);
  for (const ref of config.httpRoutes ?? []) add('HTTPRoute', ref.name, ref.useHeaderRoutes === true);
  add('GRPCRoute', config.grpcRoute, false);
  for (const ref of config.grpcRoutes ?? []) add('GRPCRoute', ref.name, false);
  add('TCPRoute', config.tcpRoute, false);
  for (const ref of config.tcpRoutes ?? []) add('TCPRoute', ref.name, false);
  return routes;
}

/** The rules of a route that split between the canary and stable Services: the ones whose weights Aviary owns. */
function weightedLists(route: DeepReadonly<RouteObject>, intent: TrafficIntent, managed: ReadonlySet<string>): WeightedList[] {
  const serviceRef = isServiceRef(route);
  const lists: WeightedList[] = [];
  (route.spec?.rules ?? []).forEach((rule, index) => {
    if (rule.name !== undefined && managed.has(rule.name)) return;
    // Every backendRef keeps its position (the patch addresses entries by index); refs that are not Services of the
    // route's namespace have no name here, so they are never weighted.
    const entries = (rule.backendRefs ?? []).map((ref) => (serviceRef(ref) ? { name: ref.name, weight: ref.weight } : {}));
    if (splitsBetween(entries, intent)) lists.push({ path: ['spec', 'rules', index, 'backendRefs'], entries });
  });
  return lists;
}

/** A backendRef to a Service in the route's own namespace (the only kind the router weights). */
function isServiceRef(route: DeepReadonly<RouteObject>): (ref: DeepReadonly<BackendRef>) => boolean {
  return (ref) => (ref.kind ?? 'Service') === 'Service' && (ref.group ?? '') === '' && (ref.namespace ?? route.metadata?.namespace) === route.metadata?.namespace;
}

/**
 * The Gateway API router (an Aviary extension; Argo Rollouts has it only as a plugin, whose configuration is read
 * too). It owns the `weight` of the canary's and the stable's backendRefs in every rule that references both, and
 * the rules named after managedRoutes (header and mirror routes, HTTPRoutes only); every other rule, field and
 * annotation stays as its owner wrote it. Writes are JSON patches that test what they replace.
 */
export function gatewayApiRouter(routes: readonly GatewayRoute[], managedRoutes: readonly string[]): TrafficRouter {
  const managed = new Set(managedRoutes);
  const each = (observed: ObservedTraffic, f: (route: GatewayRoute, object: DeepReadonly<RouteObject>) => JsonPatchOperation[]): ObjectWrite[] =>
    jsonPatchWrites(routes, observed, f);
  return {
    name: 'gatewayAPI',
    problems(intent, observed) {
      const problems: RouterProblem[] = [];
      for (const route of routes) {
        const missing = presenceProblem(observed, route);
        if (missing !== undefined) {
          problems.push(missing);
          continue;
        }
        const object = observedObject<RouteObject>(observed, route);
        if (object !== undefined && weightedLists(object, intent, managed).length === 0) {
          problems.push({ reason: 'TrafficRoutingError', message: `${describeRef(route)} has no rule with backendRefs to both Service ${intent.canaryService ?? '?'} and Service ${intent.stableService ?? '?'}` });
        }
      }
      return problems;
    },
    setWeight: (intent, observed) => each(observed, (_, object) => weightOperations(weightedLists(object, intent, managed), serviceWeights(intent))),
    setHeaderRoute: (intent, observed) => each(observed, (route, object) => (route.managedRules ? managedRuleOperations(object, desiredManagedRules(object, intent), managed) : [])),
    // Header and mirror rules are written together by setHeaderRoute: both change one rules list, addressed by index.
    setMirrorRoute: () => [],
    verify(intent, observed) {
      return routes.every((route) => {
        const object = observedObject<RouteObject>(observed, route);
        return object !== undefined && weightsCarried(weightedLists(object, intent, managed), serviceWeights(intent)) && accepted(object);
      });
    },
    removeManagedRoutes: (observed) => each(observed, (route, object) => (route.managedRules ? managedRuleOperations(object, new Map(), managed) : [])),
    finalize: () => [],
  };
}

/** Every Gateway that took the route in has seen its latest spec (status.parents[].conditions Accepted). */
function accepted(route: DeepReadonly<RouteObject>): boolean {
  const generation = route.metadata?.generation ?? 0;
  return (route.status?.parents ?? []).every((parent) => {
    const condition = parent.conditions?.find((c) => c.type === 'Accepted');
    return condition === undefined || (condition.observedGeneration ?? generation) >= generation;
  });
}

/** The managed rules the intent wants on a route: header routes, then mirror routes, named after their managed route. */
function desiredManagedRules(route: DeepReadonly<RouteObject>, intent: TrafficIntent): Map<string, RouteRule> {
  const base = (route.spec?.rules ?? []).find((rule) => splitsBetween((rule.backendRefs ?? []).map((r) => ({ name: r.name })), intent));
  const backend = (service: string | undefined): BackendRef | undefined => {
    const ref = base?.backendRefs?.find((r) => r.name === service);
    return ref === undefined ? undefined : withoutWeight(ref);
  };
  const canary = backend(intent.canaryService);
  const stable = backend(intent.stableService);
  const rules = new Map<string, RouteRule>();
  if (canary === undefined || stable === undefined || intent.canaryHash === intent.stableHash) return rules;
  const baseMatches = base?.matches === undefined || base.matches.length === 0 ? [{}] : (base.matches as HttpMatch[]);
  for (const header of intent.headerRoutes) rules.set(header.name, headerRule(header, baseMatches, canary));
  for (const mirror of intent.mirrorRoutes) rules.set(mirror.name, mirrorRule(mirror, baseMatches, stable, canary));
  return rules;
}

function withoutWeight(ref: DeepReadonly<BackendRef>): BackendRef {
  const { weight: _weight, ...rest } = ref;
  return { ...rest };
}

/** A rule sending requests with the headers to the canary alone, within the paths the weighted rule serves. */
function headerRule(route: HeaderRoute, baseMatches: readonly HttpMatch[], canary: BackendRef): RouteRule {
  const headers = route.match.map(headerMatch);
  return { name: route.name, matches: baseMatches.map((m) => ({ ...structuredClone(m), headers: [...(m.headers ?? []), ...headers] })), backendRefs: [canary] };
}

/** A rule answering from the stable Service and mirroring `percentage` percent of the matching requests to the canary. */
function mirrorRule(route: MirrorRoute, baseMatches: readonly HttpMatch[], stable: BackendRef, canary: BackendRef): RouteRule {
  const matches = route.match.length === 0 ? baseMatches.map((m) => structuredClone(m)) : route.match.map(routeMatch);
  const mirrorRef: BackendRef = { name: canary.name ?? '', ...(canary.port === undefined ? {} : { port: canary.port }) };
  return {
    name: route.name,
    matches,
    filters: [{ type: 'RequestMirror', requestMirror: { backendRef: mirrorRef, percent: route.percentage } }],
    backendRefs: [stable],
  };
}

function headerMatch(match: DeepReadonly<HeaderRoutingMatch>): { type: string; name: string; value: string } {
  return { name: match.headerName, ...headerValueMatch(match.headerValue) };
}

/** Header matches are Exact or RegularExpression in Gateway API: a prefix becomes an anchored expression. */
function headerValueMatch(match: DeepReadonly<StringMatch>): { type: string; value: string } {
  const { type, value } = stringMatch(match);
  return type === 'Prefix' ? { type: 'RegularExpression', value: `^${escapeRegExp(value)}.*` } : { type, value };
}

function routeMatch(match: DeepReadonly<RouteMatch>): HttpMatch {
  const out: HttpMatch = {};
  if (match.path !== undefined) {
    const path = stringMatch(match.path);
    out.path = { type: path.type === 'Exact' ? 'Exact' : path.type === 'Prefix' ? 'PathPrefix' : 'RegularExpression', value: path.value };
  }
  if (match.method?.exact !== undefined) out.method = match.method.exact;
  const headers = Object.entries(match.headers ?? {}).map(([name, value]) => ({ name, ...headerValueMatch(value) }));
  if (headers.length > 0) out.headers = headers;
  return out;
}

/** Argo's StringMatch (exact | prefix | regex) as Gateway API match types. */
function stringMatch(match: DeepReadonly<StringMatch>): { type: string; value: string } {
  if (match.exact !== undefined) return { type: 'Exact', value: match.exact };
  if (match.prefix !== undefined) return { type: 'Prefix', value: match.prefix };
  return { type: 'RegularExpression', value: match.regex ?? '' };
}

/**
 * Brings the managed rules (named after managedRoutes) of a route to `desired`: changed ones replaced in place,
 * unwanted ones removed (from the back, so earlier indexes hold), new ones appended. Each replace or remove
 * tests the rule's name first.
 */
function managedRuleOperations(route: DeepReadonly<RouteObject>, desired: ReadonlyMap<string, RouteRule>, managed: ReadonlySet<string>): JsonPatchOperation[] {
  const rules = route.spec?.rules ?? [];
  const operations: JsonPatchOperation[] = [];
  const present = new Set<string>();
  const unwanted: { index: number; name: string }[] = [];
  rules.forEach((rule, index) => {
    if (rule.name === undefined || !managed.has(rule.name)) return;
    const want = desired.get(rule.name);
    present.add(rule.name);
    if (want === undefined) unwanted.push({ index, name: rule.name });
    else if (!containedIn(want, rule)) {
      operations.push({ op: 'test', path: pointer('spec', 'rules', index, 'name'), value: rule.name }, { op: 'replace', path: pointer('spec', 'rules', index), value: want });
    }
  });
  for (const [name, rule] of desired) if (!present.has(name)) operations.push({ op: 'add', path: '/spec/rules/-', value: rule });
  for (const { index, name } of unwanted.reverse()) {
    operations.push({ op: 'test', path: pointer('spec', 'rules', index, 'name'), value: name }, { op: 'remove', path: pointer('spec', 'rules', index) });
  }
  return operations;
}

/** Registry entry: Rollouts with the gatewayAPI field or the Argo plugin's configuration. */
export const gatewayApi: RouterDefinition = {
  name: 'gatewayAPI',
  plugin: gatewayApiPluginName,
  resources: Object.values(resources),
  appliesTo: (rollout) => gatewayConfig(rollout) !== undefined,
  routerFor: (rollout) => gatewayApiRouter(gatewayRoutes(rollout), (rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name)),
  supports: (rollout) => {
    const managed = gatewayRoutes(rollout).some((route) => route.managedRules);
    return { headerRoutes: managed, mirrorRoutes: managed };
  },
  specIssues: (rollout) => [...gatewayPluginIssues(rollout), ...managedRouteNameIssues(rollout)],
  standIns: (rollout) => gatewayRoutes(rollout).map((route): KubeObject => ({
    apiVersion: route.resource.apiVersion,
    kind: route.resource.kind,
    metadata: { name: route.name, namespace: route.namespace },
    spec: { rules: [{ backendRefs: standInBackends(rollout) }] },
  } as KubeObject)),
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, Object.values(resources), gatewayRoutes),
};

/** Managed routes become HTTPRoute rules of that name, so their names must be valid rule names. */
function managedRouteNameIssues(rollout: DeepReadonly<Rollout>): { field: string; message: string }[] {
  const ruleName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  return (rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).flatMap((route, i) =>
    ruleName.test(route.name) && route.name.length <= 253 ? [] : [{
      field: `spec.strategy.canary.trafficRouting.managedRoutes[${i}].name`,
      message: `"${route.name}" cannot name an HTTPRoute rule: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    }]);
}

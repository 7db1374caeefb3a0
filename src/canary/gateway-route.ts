/**
 * The HTTPRoute a Canary with the Gateway API provider routes through, generated as Flagger generates it: named after
 * the apex Service, attached to `service.gatewayRefs` with `service.hosts`, one rule matching `service.match` (or every
 * path) that weights `<apex>-primary` against `<apex>-canary`; with A/B `analysis.match`, that rule carries the A/B
 * conditions (and sends them to the canary) and a second rule keeps everyone else on the primary. Pure: the
 * executor applies it; `routes` is this pass's routing.
 */
import type { Canary } from '../api/canary.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { CanaryRoutes } from './analysis-settings.ts';
import { ownedByCanary } from './primary.ts';

interface StringMatch { exact?: string; prefix?: string; regex?: string }
/** The Istio-style request match Flagger's API takes in service.match and analysis.match. */
interface RequestMatch { uri?: StringMatch; method?: StringMatch; headers?: Record<string, StringMatch>; queryParams?: Record<string, StringMatch> }

interface HTTPRouteMatch {
  path?: { type: 'PathPrefix' | 'Exact' | 'RegularExpression'; value: string };
  method?: string;
  headers?: { name: string; type: 'Exact' | 'RegularExpression'; value: string }[];
  queryParams?: { name: string; type: 'Exact' | 'RegularExpression'; value: string }[];
}

/** A Canary whose matches or gateways the Gateway API cannot carry; the message names the field. */
export class RouteMatchError extends Error {
  override name = 'RouteMatchError';
}

/** Request matches as Gateway API matches; what Gateway API cannot express is an error naming the field. */
export function gatewayMatches(matches: readonly DeepReadonly<RequestMatch>[] | undefined, field: string): HTTPRouteMatch[] {
  return (matches ?? []).flatMap((m, i): HTTPRouteMatch[] => {
    const at = `${field}[${String(i)}]`;
    const match: HTTPRouteMatch = {};
    if (m.uri !== undefined) {
      if (m.uri.regex !== undefined && m.uri.regex !== '') match.path = { type: 'RegularExpression', value: m.uri.regex };
      else if (m.uri.exact !== undefined && m.uri.exact !== '') match.path = { type: 'Exact', value: m.uri.exact };
      else if (m.uri.prefix !== undefined && m.uri.prefix !== '') match.path = { type: 'PathPrefix', value: m.uri.prefix };
      else throw new RouteMatchError(`${at}.uri: Gateway API matches a path by exact, prefix or regex`);
    }
    if (m.method !== undefined) {
      if (m.method.exact === undefined || m.method.exact === '') throw new RouteMatchError(`${at}.method: Gateway API matches a method exactly`);
      match.method = m.method.exact;
    }
    const pairs = (kind: 'headers' | 'queryParams'): { name: string; type: 'Exact' | 'RegularExpression'; value: string }[] =>
      Object.entries(m[kind] ?? {}).map(([name, value]) => {
        if (value.exact !== undefined && value.exact !== '') return { name, type: 'Exact' as const, value: value.exact };
        if (value.regex !== undefined && value.regex !== '') return { name, type: 'RegularExpression' as const, value: value.regex };
        throw new RouteMatchError(`${at}.${kind}.${name}: Gateway API matches ${kind === 'headers' ? 'a header' : 'a query parameter'} by exact or regex`);
      });
    const headers = pairs('headers');
    const queryParams = pairs('queryParams');
    if (headers.length > 0) match.headers = headers;
    if (queryParams.length > 0) match.queryParams = queryParams;
    return Object.keys(match).length === 0 ? [] : [match];
  });
}

/** Every service match combined with every A/B condition (the A/B headers and query parameters replace the service's). */
function merged(analysis: readonly HTTPRouteMatch[], service: readonly HTTPRouteMatch[]): HTTPRouteMatch[] {
  if (analysis.length === 0) return [...service];
  return analysis.flatMap((a) => service.map((s) => ({
    ...structuredClone(s),
    ...(a.headers === undefined ? {} : { headers: a.headers }),
    ...(a.queryParams === undefined ? {} : { queryParams: a.queryParams }),
  })));
}

export function canaryHttpRoute(canary: DeepReadonly<Canary>, routes: CanaryRoutes): KubeObject {
  const svc = canary.spec.service;
  if ((svc.gatewayRefs ?? []).length === 0) throw new RouteMatchError('spec.service.gatewayRefs: required with the Gateway API provider: the Gateways the HTTPRoute attaches to');
  const apex = svc.name ?? canary.spec.targetRef.name;
  const serviceMatches = gatewayMatches(svc.match, 'spec.service.match');
  const matches = serviceMatches.length > 0 ? serviceMatches : [{ path: { type: 'PathPrefix' as const, value: '/' } }];
  const backend = (name: string, weight: number): Record<string, unknown> => ({ group: '', kind: 'Service', name, port: svc.port, weight });
  const abMatches = gatewayMatches(canary.spec.analysis.match, 'spec.analysis.match');
  const weighted: Record<string, unknown> = {
    matches: abMatches.length > 0 ? merged(abMatches, matches) : matches,
    backendRefs: [backend(`${apex}-primary`, routes.primaryWeight), backend(`${apex}-canary`, routes.canaryWeight)],
  };
  if (routes.mirrored && (canary.spec.analysis.iterations ?? 0) > 0) {
    weighted.filters = [{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: `${apex}-canary`, port: svc.port } } }];
  }
  const rules = abMatches.length > 0 ? [weighted, { matches, backendRefs: [backend(`${apex}-primary`, 100)] }] : [weighted];
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name: apex,
      namespace: canary.metadata.namespace ?? 'default',
      ...(svc.apex?.labels === undefined ? {} : { labels: { ...svc.apex.labels } }),
      ...(svc.apex?.annotations === undefined ? {} : { annotations: { ...svc.apex.annotations } }),
      ownerReferences: ownedByCanary(canary),
    },
    spec: {
      parentRefs: structuredClone(svc.gatewayRefs) as unknown[],
      ...((svc.hosts ?? []).length === 0 ? {} : { hostnames: [...(svc.hosts ?? [])] }),
      rules,
    },
  } as KubeObject;
}

import type { ApisixTrafficRouting, HeaderRoutingMatch, Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { escapeRegExp } from '../util/regex.ts';
import { containedIn, describeRef, jsonPatchWrites, observedObject, ownedByRollout, presenceProblem, routedObjectInformers, standInServiceNames, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import type { HeaderRoute, ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import type { ObjectWrite } from './writes.ts';
import { serviceWeights, splitsBetween, weightOperations, weightsCarried, type WeightedList } from './weighted-backends.ts';

const resource = { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', plural: 'apisixroutes' } as const;

interface ApisixBackend { serviceName?: string; servicePort?: number | string; weight?: number }
interface ApisixHttpRule {
  name?: string;
  priority?: number;
  match?: { exprs?: unknown[]; [field: string]: unknown };
  backends?: ApisixBackend[];
  [field: string]: unknown;
}
interface ApisixRouteObject extends KubeObject {
  spec?: { http?: ApisixHttpRule[] };
}
export const apisixFieldManager = 'aviary-apisix';

function apisixConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<ApisixTrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.apisix;
}

function managedRouteNames(rollout: DeepReadonly<Rollout>): string[] {
  return (rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name);
}

/** A header match as APISIX expressions on the request header: exact is Equal, regex and prefix are RegexMatch. */
function headerExprs(match: DeepReadonly<HeaderRoutingMatch>): { subject: { scope: 'Header'; name: string }; op: string; value: string }[] {
  const subject = { scope: 'Header' as const, name: match.headerName };
  const value = match.headerValue;
  return [
    ...(value.exact === undefined ? [] : [{ subject, op: 'Equal', value: value.exact }]),
    ...(value.regex === undefined ? [] : [{ subject, op: 'RegexMatch', value: value.regex }]),
    ...(value.prefix === undefined ? [] : [{ subject, op: 'RegexMatch', value: `^${escapeRegExp(value.prefix)}.*` }]),
  ];
}

/** The ApisixRoute (route.name) in the Rollout's namespace, and the http rules to weight (route.rules; all when none). */
export function apisixRouteRef(rollout: DeepReadonly<Rollout>): (RoutedObjectRef & { rules: readonly string[] }) | undefined {
  const route = apisixConfig(rollout)?.route;
  if (route === undefined) return undefined;
  return { resource, namespace: rollout.metadata.namespace ?? 'default', name: route.name, rules: route.rules ?? [] };
}

/**
 * The APISIX router, as Argo Rollouts': it owns the `weight` of the canary's and the stable's backends of the named
 * http rules of an ApisixRoute; other rules, plugins and fields stay. A header route is an ApisixRoute of its own,
 * named after it and owned by the Rollout: a copy of the main one whose weighted rules send only to the canary, at
 * a higher priority, when the request's headers match (created by server-side apply, field manager aviary-apisix;
 * deleted when the route is lifted and at the end). APISIX reports nothing back, so weights are verified only on
 * the object.
 */
export function apisixRouter(ref: RoutedObjectRef & { rules: readonly string[] }, managedRoutes: readonly string[] = [], ownedBy: ReturnType<typeof ownedByRollout> = {}): TrafficRouter {
  const picked = (rule: DeepReadonly<ApisixHttpRule>): boolean => ref.rules.length === 0 || (rule.name !== undefined && ref.rules.includes(rule.name));
  const headerRef = (name: string): RoutedObjectRef => ({ ...ref, name });
  const ownUid = ownedBy.ownerReferences?.[0]?.uid;
  const ours = (object: DeepReadonly<KubeObject>): boolean => ownUid !== undefined && (object.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.uid === ownUid);
  /** The header route's own ApisixRoute: the main one with its weighted rules sent only to the canary when the headers match. */
  const headerRoute = (main: DeepReadonly<ApisixRouteObject>, route: HeaderRoute, intent: TrafficIntent): ApisixRouteObject => ({
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: {
      name: route.name, namespace: ref.namespace,
      ...(main.metadata?.labels === undefined ? {} : { labels: structuredClone(main.metadata.labels) }),
      ...ownedBy,
    },
    spec: {
      http: (main.spec?.http ?? []).map((rule): ApisixHttpRule => {
        const copy = structuredClone(rule) as ApisixHttpRule;
        if (!picked(rule) || !splitsBetween((rule.backends ?? []).map((b) => ({ name: b.serviceName })), intent)) return copy;
        return {
          ...copy,
          priority: (rule.priority ?? 0) + 1,
          match: { ...(copy.match ?? {}), exprs: route.match.flatMap(headerExprs) },
          backends: (copy.backends ?? []).filter((b) => b.serviceName === intent.canaryService).map((b) => ({ ...b, weight: 100 })),
        };
      }),
    },
  });
  const headerWrites = (intent: TrafficIntent | undefined, observed: ObservedTraffic): ObjectWrite[] => {
    const main = observedObject<ApisixRouteObject>(observed, ref);
    return managedRoutes.flatMap((name): ObjectWrite[] => {
      const current = observedObject<ApisixRouteObject>(observed, headerRef(name));
      const route = intent?.headerRoutes.find((r) => r.name === name);
      if (route === undefined || intent === undefined || main === undefined) {
        if (current === undefined || !ours(current)) return [];
        return [{ type: 'delete', target: targetOf(headerRef(name)), ignoreNotFound: true, ...(current.metadata?.uid === undefined ? {} : { uid: current.metadata.uid }) }];
      }
      const want = headerRoute(main, route, intent);
      if (containedIn(want, current)) return [];
      return [{ type: 'apply', target: targetOf(headerRef(name)), object: want, fieldManager: apisixFieldManager }];
    });
  };
  const lists = (observed: ObservedTraffic): WeightedList[] => {
    const route = observedObject<ApisixRouteObject>(observed, ref);
    return (route?.spec?.http ?? []).flatMap((rule, index) => {
      if (!picked(rule)) return [];
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
      return intent.headerRoutes.flatMap((route): RouterProblem[] => {
        const other = observedObject(observed, headerRef(route.name));
        return other === undefined || ours(other) ? [] : [{ reason: 'TrafficRoutingError', message: `duplicate ApisixRoute [${route.name}] already exists: the header route's ApisixRoute is not this Rollout's` }];
      });
    },
    setWeight: (intent, observed) => jsonPatchWrites([ref], observed, () => weightOperations(split(observed, intent), serviceWeights(intent))),
    setHeaderRoute: headerWrites,
    setMirrorRoute: () => [],
    verify: (intent, observed) => weightsCarried(split(observed, intent), serviceWeights(intent)),
    removeManagedRoutes: (observed) => headerWrites(undefined, observed),
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.apisix. */
export const apisix: RouterDefinition = {
  name: 'apisix',
  resources: [{ ...resource, verbs: ['create', 'delete'] }],
  appliesTo: (rollout) => apisixRouteRef(rollout) !== undefined,
  routerFor: (rollout) => {
    const ref = apisixRouteRef(rollout);
    if (ref === undefined) throw new Error('apisix router asked for a Rollout without trafficRouting.apisix.route');
    return apisixRouter(ref, managedRouteNames(rollout), ownedByRollout(rollout));
  },
  supports: () => ({ headerRoutes: true, mirrorRoutes: false }),
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
    return ref === undefined ? [] : [ref, ...managedRouteNames(rollout).map((name) => ({ ...ref, name }))];
  }),
};

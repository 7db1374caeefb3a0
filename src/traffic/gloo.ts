import { GlooTrafficRouting as GlooSchema, type Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { pluginConfigIssues, pluginShapedConfig, type PluginShapedRouter } from './plugin-config.ts';
import { boundRouter, refList, routedObjectInformers, standInServiceNames, type RoutedObjectRef } from './routed-objects.ts';
import type { RouterDefinition, TrafficIntent, TrafficRouter } from './router.ts';
import type { WeightedEntry, WeightedList } from './weighted-backends.ts';
import { weightedObjectsRouter } from './weighted-router.ts';

const routeTables = { apiVersion: 'gateway.solo.io/v1', kind: 'RouteTable', plural: 'routetables' } as const;
const virtualServices = { apiVersion: 'gateway.solo.io/v1', kind: 'VirtualService', plural: 'virtualservices' } as const;
export const glooPluginName = 'solo-io/glooedge';
const glooPlugin: PluginShapedRouter<'gloo'> = { field: 'gloo', plugin: glooPluginName, schema: GlooSchema };

interface GlooDestination {
  destination?: { upstream?: { name?: string; namespace?: string }; kube?: { ref?: { name?: string; namespace?: string } } };
  weight?: number;
}
interface GlooRoute { name?: string; routeAction?: { multi?: { destinations?: GlooDestination[] } } }
interface GlooObject extends KubeObject {
  spec?: { routes?: GlooRoute[]; virtualHost?: { routes?: GlooRoute[] } };
}

/** The Gloo Edge object the Rollout names: its RouteTable, else its VirtualService; and the routes to weight. */
export interface GlooRef extends RoutedObjectRef {
  routes: readonly string[];
}

export function glooRef(rollout: DeepReadonly<Rollout>): GlooRef | undefined {
  const config = pluginShapedConfig(rollout, glooPlugin);
  const target = config?.routeTable ?? config?.virtualService;
  if (config === undefined || target === undefined) return undefined;
  return {
    resource: config.routeTable !== undefined ? routeTables : virtualServices,
    namespace: target.namespace ?? rollout.metadata.namespace ?? 'default',
    name: target.name,
    routes: config.routes ?? [],
  };
}

/**
 * A destination as a Service's name: a kube destination names the Service; an Upstream is named after the Service
 * (as the glooedge plugin expects) or as Gloo's discovery names it, `<namespace>-<service>-<port>`.
 */
function serviceOf(d: DeepReadonly<GlooDestination>, namespace: string, services: readonly string[]): WeightedEntry {
  const kube = d.destination?.kube?.ref?.name;
  if (kube !== undefined) return { name: kube, weight: d.weight, nameAt: ['destination', 'kube', 'ref', 'name'] };
  const upstream = d.destination?.upstream?.name;
  const discovered = services.find((s) => upstream !== undefined && new RegExp(`^${namespace}-${s}-\\d+$`).test(upstream));
  return { name: discovered ?? upstream, stored: upstream, weight: d.weight, nameAt: ['destination', 'upstream', 'name'] };
}

function lists(object: DeepReadonly<GlooObject>, ref: GlooRef, intent: TrafficIntent): WeightedList[] {
  const inVirtualHost = ref.resource.kind === 'VirtualService';
  const routes = (inVirtualHost ? object.spec?.virtualHost?.routes : object.spec?.routes) ?? [];
  const services = [intent.canaryService, intent.stableService].filter((s): s is string => s !== undefined);
  return routes.flatMap((route, index): WeightedList[] => {
    if (ref.routes.length > 0 && !ref.routes.includes(route.name ?? '')) return [];
    return [{
      path: [...(inVirtualHost ? ['spec', 'virtualHost'] : ['spec']), 'routes', index, 'routeAction', 'multi', 'destinations'],
      entries: (route.routeAction?.multi?.destinations ?? []).map((d) => serviceOf(d, ref.namespace, services)),
    }];
  });
}

/**
 * The Gloo Edge router (Argo has it as the solo-io/glooedge plugin, Flagger natively): it owns the `weight` of the
 * canary's and the stable's destinations in the multi-destination routes of a RouteTable (or a VirtualService's
 * virtual host) that send to both; other destinations, matchers and options stay. Gloo reports nothing back, so
 * weights are verified on the object. No header or mirror routes.
 */
export function glooRouter(ref: GlooRef): TrafficRouter {
  return weightedObjectsRouter<GlooRef, GlooObject>('gloo', [ref], {
    what: ref.routes.length > 0 ? `route named ${ref.routes.join(' or ')}` : 'multi-destination route',
    lists,
  });
}

/** Registry entry: Rollouts with trafficRouting.gloo, or the solo-io/glooedge plugin's configuration. */
export const gloo: RouterDefinition = {
  name: 'gloo',
  plugin: glooPluginName,
  resources: [routeTables, virtualServices],
  appliesTo: (rollout) => pluginShapedConfig(rollout, glooPlugin) !== undefined,
  routerFor: boundRouter(glooRef, glooRouter, 'trafficRouting.gloo.routeTable or virtualService'),
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  specIssues: (rollout) => {
    const config = pluginShapedConfig(rollout, glooPlugin);
    const issues = pluginConfigIssues(rollout, glooPlugin);
    if (config !== undefined && (config.routeTable === undefined) === (config.virtualService === undefined)) {
      issues.push({ field: 'spec.strategy.canary.trafficRouting.gloo.routeTable', message: 'set exactly one of routeTable or virtualService: the Gloo Edge object whose route destinations Aviary weights' });
    }
    return issues;
  },
  standIns: (rollout) => {
    const ref = glooRef(rollout);
    if (ref === undefined) return [];
    const [stable, canary] = standInServiceNames(rollout);
    const destinations = [{ destination: { upstream: { name: stable, namespace: ref.namespace } }, weight: 100 }, { destination: { upstream: { name: canary, namespace: ref.namespace } }, weight: 0 }];
    const routes = (ref.routes.length === 0 ? ['primary'] : ref.routes).map((name) => ({ name, matchers: [{ prefix: '/' }], routeAction: { multi: { destinations } } }));
    return [{
      apiVersion: ref.resource.apiVersion, kind: ref.resource.kind, metadata: { name: ref.name, namespace: ref.namespace },
      spec: ref.resource.kind === 'VirtualService' ? { virtualHost: { domains: ['*'], routes } } : { routes },
    } as KubeObject];
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [routeTables, virtualServices], refList(glooRef)),
};

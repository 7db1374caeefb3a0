import { ContourTrafficRouting as ContourSchema, type Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { pluginConfigIssues, pluginShapedConfig, type PluginShapedRouter } from './plugin-config.ts';
import { namedRefs, routedObjectInformers, standInBackends, type RoutedObjectRef } from './routed-objects.ts';
import type { RouterDefinition, TrafficRouter } from './router.ts';
import { weightedObjectsRouter } from './weighted-router.ts';

const resource = { apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', plural: 'httpproxies' } as const;
export const contourPluginName = 'argoproj-labs/contour';
const contourPlugin: PluginShapedRouter<'contour'> = { field: 'contour', plugin: contourPluginName, schema: ContourSchema };

interface HTTPProxyObject extends KubeObject {
  spec?: { routes?: { services?: { name?: string; port?: number; weight?: number; mirror?: boolean }[] }[] };
  status?: { conditions?: { type?: string; status?: string; observedGeneration?: number }[] };
}

/** The HTTPProxies the Rollout names (contour.httpProxies, or the plugin's), in its namespace. */
export function contourProxies(rollout: DeepReadonly<Rollout>): RoutedObjectRef[] {
  return namedRefs(resource, rollout, pluginShapedConfig(rollout, contourPlugin)?.httpProxies ?? []);
}

/** Contour's verdict on the proxy: true once it accepted the current generation (Valid), undefined before it reports. */
function accepted(proxy: DeepReadonly<HTTPProxyObject>): boolean | undefined {
  const valid = proxy.status?.conditions?.find((c) => c.type === 'Valid');
  if (valid === undefined) return undefined;
  return valid.status === 'True' && (valid.observedGeneration ?? 0) >= (proxy.metadata?.generation ?? 0);
}

/**
 * The Contour router (Argo has it as the argoproj-labs/contour plugin, Flagger natively): it owns the `weight` of
 * the canary's and the stable's services in every route of each HTTPProxy that sends to both; other services keep
 * their weights (Contour's are relative) and mirror services are left alone. Weights are verified on the object
 * and, once Contour reports, by its Valid condition for the current generation. No header or mirror routes (an
 * HTTPProxy route has no name to manage it by).
 */
export function contourRouter(refs: readonly RoutedObjectRef[]): TrafficRouter {
  return weightedObjectsRouter<RoutedObjectRef, HTTPProxyObject>('contour', refs, {
    what: 'route',
    lists: (proxy) => (proxy.spec?.routes ?? []).map((route, index) => ({
      path: ['spec', 'routes', index, 'services'],
      // A mirror service gets a copy of the requests, not a share: never weighted.
      entries: (route.services ?? []).map((s) => ({ name: s.mirror === true ? undefined : s.name, weight: s.weight })),
    })),
    accepted,
  });
}

/** Registry entry: Rollouts with trafficRouting.contour, or the argoproj-labs/contour plugin's configuration. */
export const contour: RouterDefinition = {
  name: 'contour',
  plugin: contourPluginName,
  resources: [resource],
  appliesTo: (rollout) => pluginShapedConfig(rollout, contourPlugin) !== undefined,
  routerFor: (rollout) => contourRouter(contourProxies(rollout)),
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  specIssues: (rollout) => pluginConfigIssues(rollout, contourPlugin),
  standIns: (rollout) => contourProxies(rollout).map((ref): KubeObject => ({
    apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace },
    spec: { routes: [{ conditions: [{ prefix: '/' }], services: standInBackends(rollout) }] },
  } as KubeObject)),
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], contourProxies),
};

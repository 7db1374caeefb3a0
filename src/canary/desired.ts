/**
 * What a pass of a Canary writes, decided purely: from the Canary, the objects observed in the caches and the pass's
 * plan, the server-side applies and patches that bring the cluster to it — the `-primary` configs and workload, the
 * three Services, the primary autoscaler, the route of the provider and the target's scale. Only writes that change
 * something are returned, so a Canary at rest costs no requests.
 */
import type { Canary } from '../api/canary.ts';
import { canaryReleaseAnnotation } from '../api/labels.ts';
import type { ConfigMap, DaemonSet, Deployment, HorizontalPodAutoscaler, PodTemplateSpec, Secret, Service } from '../api/kubernetes.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { ObjectWrite, WriteTarget } from '../traffic/writes.ts';
import type { CanaryRoutes } from './analysis-settings.ts';
import { primaryConfigMap, primarySecret, withPrimaryConfigs, type TrackedConfigs } from './config-tracking.ts';
import { canaryHttpRoute } from './gateway-route.ts';
import { canaryIstioObjects } from './istio-route.ts';
import { canaryIngress, ingressApiVersion } from './nginx-ingress.ts';
import { canaryTrafficSplit, smiProviders } from './smi-split.ts';
import { canaryTraefikService } from './traefik-service.ts';
import type { CanaryPassPlan } from './plan.ts';
import { canaryServices, ownedByCanary, primaryName, primaryWorkload, type SelectorLabel } from './primary.ts';

export const canaryFieldManager = 'aviary-canary';

/** The node selector that keeps a DaemonSet target's pods off every node: Flagger's "scale to zero" of a DaemonSet. */
export const scaleToZeroSelector = { 'flagger.app/scale-to-zero': 'true' } as const;

export type TargetWorkload = Deployment | DaemonSet;

/** What the pass observed of the Canary's objects (undefined: absent). */
export interface ObservedCanaryObjects {
  target: DeepReadonly<TargetWorkload>;
  primary: DeepReadonly<TargetWorkload> | undefined;
  services: ReadonlyMap<string, DeepReadonly<Service>>;
  configMaps: ReadonlyMap<string, DeepReadonly<ConfigMap>>;
  secrets: ReadonlyMap<string, DeepReadonly<Secret>>;
  /** The target's autoscaler (spec.autoscalerRef) and its `-primary` copy. */
  autoscaler?: DeepReadonly<HorizontalPodAutoscaler> | undefined;
  primaryAutoscaler?: DeepReadonly<HorizontalPodAutoscaler> | undefined;
  /** The provider's routing objects as observed, by kind and name (an HTTPRoute, a TraefikService, ...). */
  routeObject?: ((apiVersion: string, kind: string, name: string) => DeepReadonly<KubeObject> | undefined) | undefined;
}

/**
 * Whether `observed` already holds every field of `desired` with the same value (lists element by element). The API
 * server adds defaults, so only what Aviary sets is compared.
 */
export function covers(observed: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(observed) && observed.length === desired.length && desired.every((d, i) => covers(observed[i], d));
  }
  if (desired !== null && typeof desired === 'object') {
    if (observed === null || typeof observed !== 'object' || Array.isArray(observed)) return false;
    const o = observed as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([key, value]) => value === undefined || covers(o[key], value));
  }
  return observed === desired;
}

const plurals: Readonly<Record<string, string>> = {
  Deployment: 'deployments', DaemonSet: 'daemonsets', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets', TraefikService: 'traefikservices', TrafficSplit: 'trafficsplits', VirtualService: 'virtualservices', DestinationRule: 'destinationrules', Ingress: 'ingresses',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers', HTTPRoute: 'httproutes',
};

function targetOf(obj: KubeObject): WriteTarget {
  const kind = obj.kind ?? '';
  return { apiVersion: obj.apiVersion ?? '', kind, plural: plurals[kind] ?? `${kind.toLowerCase()}s`, namespace: obj.metadata?.namespace ?? 'default', name: obj.metadata?.name ?? '' };
}

/**
 * The pod template that makes the target's release: its own, without the scale-to-zero node selector (scaling a
 * DaemonSet target to zero is not a new release).
 */
export function releaseTemplate(target: DeepReadonly<TargetWorkload>): DeepReadonly<PodTemplateSpec> | undefined {
  const template = target.spec?.template;
  const selector = template?.spec?.nodeSelector;
  const [key] = Object.keys(scaleToZeroSelector);
  if (template?.spec === undefined || selector === undefined || key === undefined || !(key in selector)) return template;
  const { [key]: _zero, ...rest } = selector;
  // An emptied selector is no selector: the API server drops an empty map, so both must fingerprint alike.
  const { nodeSelector: _all, ...spec } = template.spec;
  return { ...template, spec: Object.keys(rest).length === 0 ? spec : { ...spec, nodeSelector: rest } };
}

/** A server-side apply of `desired` unless `observed` already carries it. */
function applyIfChanged(desired: KubeObject, observed: unknown): ObjectWrite[] {
  return covers(observed, desired) ? [] : [{ type: 'apply', target: targetOf(desired), object: desired, fieldManager: canaryFieldManager }];
}

/**
 * The primary workload as it should be: the target's template with config references rewritten to the `-primary`
 * copies, annotated with the release's fingerprint (so a pass can tell a primary that runs the release from one that
 * was only given it). Its replica count is its own once it exists (an autoscaler or a person may have changed it; the target is
 * scaled to zero between releases, so its count is no guide), else the target's (at least one).
 */
export function desiredPrimary(canary: DeepReadonly<Canary>, objects: ObservedCanaryObjects, label: SelectorLabel, tracked: TrackedConfigs, fingerprint: string): TargetWorkload {
  const primary = primaryWorkload<TargetWorkload>(canary, objects.target, label);
  primary.metadata = { ...primary.metadata, annotations: { ...primary.metadata?.annotations, [canaryReleaseAnnotation]: fingerprint } };
  const spec = primary.spec;
  if (spec?.template.spec !== undefined) spec.template.spec = withPrimaryConfigs(spec.template.spec, tracked.checksums);
  if (primary.kind === 'Deployment' && spec !== undefined && 'replicas' in spec) {
    const own = replicasOf(objects.primary);
    const targetReplicas = replicasOf(objects.target) ?? 1;
    if (canary.spec.autoscalerRef !== undefined && objects.primary !== undefined) delete spec.replicas;
    else spec.replicas = own ?? Math.max(1, targetReplicas);
  }
  if (primary.kind === 'DaemonSet' && spec?.template.spec?.nodeSelector !== undefined) {
    // A target scaled to zero carries the scale-to-zero selector; the primary must never inherit it.
    const { [Object.keys(scaleToZeroSelector)[0] ?? '']: _zero, ...rest } = spec.template.spec.nodeSelector;
    spec.template.spec.nodeSelector = rest;
  }
  return primary;
}

/** `<hpa>-primary`: the target's HorizontalPodAutoscaler pointed at the primary, kept in step with it on every pass. */
export function desiredPrimaryAutoscaler(canary: DeepReadonly<Canary>, autoscaler: DeepReadonly<HorizontalPodAutoscaler>): HorizontalPodAutoscaler {
  const spec = structuredClone(autoscaler.spec) as NonNullable<HorizontalPodAutoscaler['spec']>;
  const replicas = canary.spec.autoscalerRef?.primaryScalerReplicas;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: primaryName(autoscaler.metadata?.name ?? ''), namespace: autoscaler.metadata?.namespace ?? 'default', ownerReferences: ownedByCanary(canary) },
    spec: {
      ...spec,
      scaleTargetRef: { ...spec.scaleTargetRef, name: primaryName(canary.spec.targetRef.name) },
      ...(replicas?.minReplicas === undefined ? {} : { minReplicas: replicas.minReplicas }),
      ...(replicas?.maxReplicas === undefined ? {} : { maxReplicas: replicas.maxReplicas }),
    },
  };
}

/** The replica count the target runs a release with: the primary's, so the canary is sized like what it replaces. */
function releaseReplicas(objects: Pick<ObservedCanaryObjects, 'primary'>): number {
  return Math.max(1, replicasOf(objects.primary) ?? 1);
}

/** spec.replicas of a Deployment (a DaemonSet has none). */
function replicasOf(workload: DeepReadonly<TargetWorkload> | undefined): number | undefined {
  const spec = workload?.spec;
  return spec !== undefined && 'replicas' in spec ? spec.replicas : undefined;
}

/** The patch that scales the target (a DaemonSet: its pods kept off every node, or let back). */
export function scaleTarget(objects: Pick<ObservedCanaryObjects, 'target' | 'primary'>, to: 'up' | 'zero'): ObjectWrite[] {
  const target = objects.target;
  const at = targetOf(target as KubeObject);
  if (target.kind === 'DaemonSet') {
    const selector = (target as DeepReadonly<DaemonSet>).spec?.template.spec?.nodeSelector ?? {};
    const [key, value] = Object.entries(scaleToZeroSelector)[0] ?? ['', ''];
    const zeroed = selector[key] === value;
    if ((to === 'zero') === zeroed) return [];
    return [{ type: 'merge', target: at, patch: { spec: { template: { spec: { nodeSelector: { [key]: to === 'zero' ? value : null } } } } } }];
  }
  const want = to === 'zero' ? 0 : releaseReplicas(objects);
  const current = (target as DeepReadonly<Deployment>).spec?.replicas ?? 1;
  if (to === 'up' && current > 0) return [];
  return current === want ? [] : [{ type: 'merge', target: at, patch: { spec: { replicas: want } } }];
}

/**
 * revertOnDeletion: the apex Service handed back to the target — selecting the target's pods again and no longer
 * owned by the Canary, so it outlives it — unless it already is.
 */
export function releasedApexService(canary: DeepReadonly<Canary>, label: SelectorLabel, observed: DeepReadonly<Service> | undefined): ObjectWrite[] {
  const apex = canaryServices(canary, label).apex;
  const released: Service = { ...apex, metadata: { ...apex.metadata, ownerReferences: [] }, spec: { ...apex.spec, selector: { [label.key]: label.value } } };
  const owned = (observed?.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Canary' && o.name === canary.metadata.name);
  if (!owned && covers(observed, { spec: released.spec })) return [];
  return [{ type: 'apply', target: targetOf(released), object: released, fieldManager: canaryFieldManager }];
}

/** The provider's routing objects for this pass's routing; providers without their own (kubernetes) write none. */
export function desiredRoutes(canary: DeepReadonly<Canary>, provider: string, routes: CanaryRoutes, observed?: ObservedCanaryObjects['routeObject']): KubeObject[] {
  if (provider.startsWith('gatewayapi')) return [canaryHttpRoute(canary, routes)];
  if (provider === 'traefik') return [canaryTraefikService(canary, routes)];
  if (smiProviders.includes(provider)) return [canaryTrafficSplit(canary, provider, routes)];
  if (provider === 'istio') return canaryIstioObjects(canary, routes);
  if (provider === 'nginx') {
    // The users' Ingress is copied; without it (or its apex backend) the controller holds the Canary, naming it.
    const users = observed?.(ingressApiVersion, 'Ingress', canary.spec.ingressRef?.name ?? '');
    const copy = users === undefined ? undefined : canaryIngress(canary, users, routes);
    return copy === undefined || 'problem' in copy ? [] : [copy];
  }
  return [];
}

/**
 * Every write of a pass, in the order they must happen: configs before the primary that mounts them, the primary
 * and Services before the route that sends traffic to them, the target's scale last (scaling down after traffic left it).
 */
export function canaryWrites(
  canary: DeepReadonly<Canary>,
  provider: string,
  objects: ObservedCanaryObjects,
  label: SelectorLabel,
  tracked: TrackedConfigs,
  fingerprint: string,
  plan: Pick<CanaryPassPlan, 'actions' | 'routes'>,
): ObjectWrite[] {
  const writes: ObjectWrite[] = [];
  const syncPrimary = plan.actions.some((a) => a.type === 'syncPrimary') || objects.primary === undefined;
  if (syncPrimary) {
    for (const config of tracked.configMaps) {
      const copy = primaryConfigMap(canary, config);
      writes.push(...applyIfChanged(copy, objects.configMaps.get(copy.metadata?.name ?? '')));
    }
    for (const secret of tracked.secrets) {
      const copy = primarySecret(canary, secret);
      writes.push(...applyIfChanged(copy, objects.secrets.get(copy.metadata?.name ?? '')));
    }
    writes.push(...applyIfChanged(desiredPrimary(canary, objects, label, tracked, fingerprint), objects.primary));
  }
  const services = canaryServices(canary, label);
  for (const service of [services.primary, services.canary, services.apex]) {
    writes.push(...applyIfChanged(service, objects.services.get(service.metadata?.name ?? '')));
  }
  if (objects.autoscaler !== undefined && objects.primary !== undefined) {
    writes.push(...applyIfChanged(desiredPrimaryAutoscaler(canary, objects.autoscaler), objects.primaryAutoscaler));
  }
  if (plan.routes !== undefined) {
    for (const route of desiredRoutes(canary, provider, plan.routes, objects.routeObject)) {
      writes.push(...applyIfChanged(route, objects.routeObject?.(route.apiVersion ?? '', route.kind ?? '', route.metadata?.name ?? '')));
    }
  }
  for (const action of plan.actions) {
    if (action.type === 'scaleTarget') writes.push(...scaleTarget(objects, action.to));
  }
  return writes;
}

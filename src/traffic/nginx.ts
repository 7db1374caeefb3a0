import type { NginxTrafficRouting, Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { containedIn, describeRef, namedRefs, observedObject, ownedByRollout, presenceProblem, routedObjectInformers, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import type { ObjectWrite } from './writes.ts';

const resource = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses' } as const;
const defaultPrefix = 'nginx.ingress.kubernetes.io';
/** The field manager of the canary Ingresses: Aviary owns every field it writes there, and only those. */
export const nginxFieldManager = 'aviary-nginx';

interface IngressBackend { service?: { name?: string; port?: { number?: number; name?: string } } }
interface IngressPath { path?: string; pathType?: string; backend?: IngressBackend }
interface IngressRule { host?: string; http?: { paths?: IngressPath[] } }
interface IngressObject extends KubeObject {
  spec?: { ingressClassName?: string; rules?: IngressRule[]; tls?: unknown[] };
}

/** The Rollout's nginx configuration, or undefined. */
function nginxConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<NginxTrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.nginx;
}

/** The stable Ingresses the Rollout names (stableIngress, then stableIngresses), in its namespace. */
export function stableIngresses(rollout: DeepReadonly<Rollout>): RoutedObjectRef[] {
  const config = nginxConfig(rollout);
  return config === undefined ? [] : namedRefs(resource, rollout, [config.stableIngress, ...(config.stableIngresses ?? [])]);
}

/** `<rollout>-<stableIngress>-canary`, as Argo Rollouts names it. */
export function canaryIngressName(rollout: string, stableIngress: string): string {
  return `${rollout}-${stableIngress}-canary`;
}

interface NginxSettings {
  rollout: string;
  prefix: string;
  additional: Readonly<Record<string, string>>;
  canaryAnnotations: Readonly<Record<string, string>>;
  /** ownedByRollout's metadata: the created object goes with the Rollout. */
  ownedBy: ReturnType<typeof ownedByRollout>;
}

/**
 * The canary Ingress for one stable Ingress: its rules with only the paths to the stable Service, sent to the canary
 * Service instead, and NGINX's canary annotations with the weight (and weight-total when maxTrafficWeight is set).
 * Owned by the Rollout, so it goes when the Rollout is deleted.
 */
function desiredCanaryIngress(stable: DeepReadonly<IngressObject>, ref: RoutedObjectRef, intent: TrafficIntent, settings: NginxSettings): IngressObject {
  const rules: IngressRule[] = (stable.spec?.rules ?? []).flatMap((rule) => {
    const paths = (rule.http?.paths ?? []).filter((p) => p.backend?.service?.name === intent.stableService).map((p) => ({
      ...structuredClone(p) as IngressPath,
      backend: { service: { ...structuredClone(p.backend?.service) as NonNullable<IngressBackend['service']>, name: intent.canaryService ?? '' } },
    }));
    return paths.length === 0 ? [] : [{ ...(rule.host === undefined ? {} : { host: rule.host }), http: { paths } }];
  });
  const annotations: Record<string, string> = {
    ...settings.additional,
    ...settings.canaryAnnotations,
    [`${settings.prefix}/canary`]: 'true',
    [`${settings.prefix}/canary-weight`]: String(intent.weight),
    ...(intent.maxWeight === 100 ? {} : { [`${settings.prefix}/canary-weight-total`]: String(intent.maxWeight) }),
  };
  const ingressClass = stable.metadata?.annotations?.['kubernetes.io/ingress.class'];
  if (ingressClass !== undefined) annotations['kubernetes.io/ingress.class'] = ingressClass;
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: {
      name: canaryIngressName(settings.rollout, ref.name),
      namespace: ref.namespace,
      annotations,
      ...settings.ownedBy,
    },
    spec: { ...(stable.spec?.ingressClassName === undefined ? {} : { ingressClassName: stable.spec.ingressClassName }), rules },
  };
}

function stableServiceRouted(stable: DeepReadonly<IngressObject>, service: string | undefined): boolean {
  return (stable.spec?.rules ?? []).some((rule) => (rule.http?.paths ?? []).some((p) => p.backend?.service?.name === service));
}

/**
 * The NGINX Ingress router, as Argo Rollouts': for each stable Ingress a canary Ingress
 * `<rollout>-<stableIngress>-canary` that NGINX reads as the canary of the stable one. Aviary creates and owns it
 * (server-side apply, field manager aviary-nginx); the stable Ingress is only read. No header or mirror routes
 * (additionalIngressAnnotations such as canary-by-header are copied as given), and no weight verification: NGINX
 * reports nothing back, as in Argo.
 */
export function nginxRouter(refs: readonly RoutedObjectRef[], settings: NginxSettings): TrafficRouter {
  const canaryRef = (ref: RoutedObjectRef): RoutedObjectRef => ({ ...ref, name: canaryIngressName(settings.rollout, ref.name) });
  const writes = (intent: TrafficIntent, observed: ObservedTraffic): ObjectWrite[] => refs.flatMap((ref) => {
    const stable = observedObject<IngressObject>(observed, ref);
    if (stable === undefined) return [];
    const want = desiredCanaryIngress(stable, ref, intent, settings);
    if (containedIn(want, observedObject<IngressObject>(observed, canaryRef(ref)))) return [];
    const exists = observedObject(observed, canaryRef(ref)) !== undefined;
    const event = exists
      ? { reason: 'PatchingCanaryIngress', message: `Updating Ingress \`${canaryRef(ref).name}\` to desiredWeight '${String(intent.weight)}'` }
      : { reason: 'CreatingCanaryIngress', message: `Creating canary Ingress \`${canaryRef(ref).name}\` with weight '${String(intent.weight)}'` };
    return [{ type: 'apply' as const, target: targetOf(canaryRef(ref)), object: want, fieldManager: nginxFieldManager, event }];
  });
  return {
    name: 'nginx',
    problems(intent, observed) {
      return refs.flatMap((ref): RouterProblem[] => {
        const missing = presenceProblem(observed, ref);
        if (missing !== undefined) return [missing];
        const stable = observedObject<IngressObject>(observed, ref);
        if (stable !== undefined && !stableServiceRouted(stable, intent.stableService)) {
          return [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has no path to Service ${intent.stableService ?? '?'} (the stableService)` }];
        }
        return [];
      });
    },
    setWeight: writes,
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: () => undefined,
    removeManagedRoutes: () => [],
    // The canary Ingress stays, at weight 0 (setWeight wrote it), ready for the next release.
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.nginx. */
export const nginx: RouterDefinition = {
  name: 'nginx',
  resources: [{ ...resource, verbs: ['create'] }],
  appliesTo: (rollout) => nginxConfig(rollout) !== undefined,
  routerFor: (rollout) => {
    const config = nginxConfig(rollout);
    return nginxRouter(stableIngresses(rollout), {
      rollout: rollout.metadata.name ?? '',
      prefix: config?.annotationPrefix ?? defaultPrefix,
      additional: config?.additionalIngressAnnotations ?? {},
      canaryAnnotations: config?.canaryIngressAnnotations ?? {},
      ownedBy: ownedByRollout(rollout),
    });
  },
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  specIssues: (rollout) => (stableIngresses(rollout).length > 0 ? [] : [{ field: 'spec.strategy.canary.trafficRouting.nginx.stableIngress', message: 'required: the Ingress (stableIngress or stableIngresses) whose canary Aviary creates' }]),
  standIns: (rollout) => stableIngresses(rollout).map((ref): KubeObject => ({
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
    spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: rollout.spec.strategy?.canary?.stableService ?? 'stable', port: { number: 80 } } } }] } }] },
  } as KubeObject)),
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], (rollout) =>
    stableIngresses(rollout).flatMap((ref) => [ref, { ...ref, name: canaryIngressName(rollout.metadata.name ?? '', ref.name) }])),
};

import type { ALBTrafficRouting, Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { describeRef, jsonPatchWrites, namedRefs, observedObject, presenceProblem, routedObjectInformers, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import { managedEntryOperations } from './managed-entries.ts';
import type { HeaderRoute, ObservedTraffic, RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import type { ObjectWrite } from './writes.ts';

const resource = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses' } as const;
const defaultPrefix = 'alb.ingress.kubernetes.io';
/** Which annotations a Rollout wrote on an Ingress, as Argo Rollouts records them: {"<rollout>": ["<key>", ...]}. */
export const managedAnnotationsKey = 'rollouts.argoproj.io/managed-alb-annotations';
/** The longest target-group stickiness the load balancer accepts (7 days). */
const maxStickinessSeconds = 604_800;

interface IngressBackend { service?: { name?: string; port?: { number?: number; name?: string } } }
interface IngressPath { path?: string; pathType?: string; backend?: IngressBackend }
interface IngressObject extends KubeObject {
  spec?: { rules?: { host?: string; http?: { paths?: IngressPath[] } }[] };
}

/** The AWS Load Balancer Controller's forward action, keys capitalised as it reads them; ServicePort is a string. */
interface ForwardAction {
  Type: 'forward';
  ForwardConfig: {
    TargetGroups: { ServiceName: string; ServicePort: string; Weight: number }[];
    TargetGroupStickinessConfig?: { Enabled: boolean; DurationSeconds: number };
  };
}

/** A listener rule condition (header routes), keys in camelCase as the controller reads them. */
interface HeaderCondition { field: 'http-header'; httpHeaderConfig: { httpHeaderName: string; values: string[] } }

export interface AlbSettings {
  rollout: string;
  prefix: string;
  servicePort: number;
  /** The Service the weighted action is named after: rootService, else stableService. */
  actionService: string;
  stickiness?: { Enabled: boolean; DurationSeconds: number } | undefined;
  /** managedRoutes, in order: header routes are listed first in every rule, in this order. */
  managedRoutes: readonly string[];
}

function albConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<ALBTrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.alb;
}

/** The Ingresses the Rollout names (ingress or ingresses), in its namespace. */
export function albIngresses(rollout: DeepReadonly<Rollout>): RoutedObjectRef[] {
  const config = albConfig(rollout);
  return config === undefined ? [] : namedRefs(resource, rollout, [config.ingress, ...(config.ingresses ?? [])]);
}

const actionKey = (settings: AlbSettings, name: string): string => `${settings.prefix}/actions.${name}`;
const conditionsKey = (settings: AlbSettings, name: string): string => `${settings.prefix}/conditions.${name}`;

function forward(settings: AlbSettings, groups: { service: string; weight: number }[]): ForwardAction {
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: groups.map((g) => ({ ServiceName: g.service, ServicePort: String(settings.servicePort), Weight: g.weight })),
      ...(settings.stickiness === undefined ? {} : { TargetGroupStickinessConfig: settings.stickiness }),
    },
  };
}

/** Header matches on one header name become one condition listing every value, as the load balancer matches them. */
function headerConditions(route: HeaderRoute): HeaderCondition[] {
  const byName = new Map<string, string[]>();
  for (const m of route.match) byName.set(m.headerName, [...(byName.get(m.headerName) ?? []), m.headerValue.exact ?? '']);
  return [...byName].map(([httpHeaderName, values]) => ({ field: 'http-header', httpHeaderConfig: { httpHeaderName, values } }));
}

/** The path every rule gets for a header route: the action of that name decides, by its conditions. */
function headerRoutePath(name: string): IngressPath {
  return { path: '/*', pathType: 'ImplementationSpecific', backend: { service: { name, port: { name: 'use-annotation' } } } };
}

function sameJson(annotation: string | undefined, value: unknown): boolean {
  if (annotation === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(annotation)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

function managedRecord(ingress: DeepReadonly<IngressObject>): Record<string, string[]> {
  try {
    const parsed = JSON.parse(ingress.metadata?.annotations?.[managedAnnotationsKey] ?? '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed as Record<string, string[]> : {};
  } catch {
    return {};
  }
}

/**
 * The ALB router, as Argo Rollouts': it owns annotations of each Ingress — the forward action
 * `<prefix>/actions.<rootService|stableService>` with the canary's and the stable's weighted target groups (and
 * their stickiness), and for each header route `<prefix>/actions.<route>` (canary only) with
 * `<prefix>/conditions.<route>` (exact header values) and a path to that action first in every rule — recorded in
 * rollouts.argoproj.io/managed-alb-annotations. Other annotations, rules and paths stay. Weights are verified on the
 * Ingress only: the target groups' weights are in AWS, out of reach here (Argo's --alb-verify-weight).
 */
export function albRouter(refs: readonly RoutedObjectRef[], settings: AlbSettings): TrafficRouter {
  const managed = new Set(settings.managedRoutes);
  const ordered = (routes: readonly HeaderRoute[]): HeaderRoute[] =>
    [...routes].sort((a, b) => settings.managedRoutes.indexOf(a.name) - settings.managedRoutes.indexOf(b.name));

  const weightKey = actionKey(settings, settings.actionService);
  const weightAction = (intent: TrafficIntent): ForwardAction => forward(settings, [
    { service: intent.canaryService ?? '', weight: intent.weight },
    { service: intent.stableService ?? '', weight: intent.maxWeight - intent.weight },
  ]);
  /** The header routes' annotations (null removes one): every managed route's, set for those in force. */
  const headerAnnotations = (canaryService: string, headerRoutes: readonly HeaderRoute[]): Map<string, unknown> => {
    const want = new Map<string, unknown>();
    for (const name of settings.managedRoutes) {
      const route = headerRoutes.find((r) => r.name === name);
      want.set(actionKey(settings, name), route === undefined ? null : forward(settings, [{ service: canaryService, weight: 100 }]));
      want.set(conditionsKey(settings, name), route === undefined ? null : headerConditions(route));
    }
    return want;
  };
  /** The record of what the Rollout manages once its header routes are `headerRoutes`: the weighted action and theirs. */
  const fullRecord = (headerRoutes: readonly HeaderRoute[]): string[] =>
    [weightKey, ...ordered(headerRoutes).flatMap((r) => [actionKey(settings, r.name), conditionsKey(settings, r.name)])];

  /**
   * One merge patch of the annotations that differ, with the record of managed keys: `record` computes it from the
   * one observed (the weight write only adds its key; header route writes set it whole, so passes converge).
   */
  const annotationWrites = (
    observed: ObservedTraffic,
    want: ReadonlyMap<string, unknown>,
    record: (current: readonly string[]) => string[],
    event: (ref: RoutedObjectRef) => { reason: string; message: string },
  ): ObjectWrite[] => refs.flatMap((ref) => {
    const ingress = observedObject<IngressObject>(observed, ref);
    if (ingress === undefined) return [];
    const have = ingress.metadata?.annotations ?? {};
    const patch: Record<string, string | null> = {};
    for (const [key, value] of want) {
      if (value === null) {
        if (have[key] !== undefined) patch[key] = null;
      } else if (!sameJson(have[key], value)) {
        patch[key] = JSON.stringify(value);
      }
    }
    const records = managedRecord(ingress);
    const current = records[settings.rollout] ?? [];
    const next = record(current);
    if (JSON.stringify(current) !== JSON.stringify(next) || records[settings.rollout] === undefined) patch[managedAnnotationsKey] = JSON.stringify({ ...records, [settings.rollout]: next });
    if (Object.keys(patch).length === 0) return [];
    return [{ type: 'merge' as const, target: targetOf(ref), patch: { metadata: { annotations: patch } }, event: event(ref) }];
  });

  /** The header routes' paths, first in every rule in managedRoutes order; other paths stay in their order. */
  const pathWrites = (observed: ObservedTraffic, headerRoutes: readonly HeaderRoute[]): ObjectWrite[] =>
    jsonPatchWrites<RoutedObjectRef, IngressObject>(refs, observed, (_, ingress) => (ingress.spec?.rules ?? []).flatMap((rule, index) => rule.http === undefined ? [] : managedEntryOperations<IngressPath>(
      { path: ['spec', 'rules', index, 'http', 'paths'], entries: rule.http.paths ?? [], nameOf: (p) => p.backend?.service?.name, nameAt: ['backend', 'service', 'name'] },
      ordered(headerRoutes).map((r) => headerRoutePath(r.name)),
      managed,
    )));

  return {
    name: 'alb',
    problems(_intent, observed) {
      return refs.flatMap((ref): RouterProblem[] => {
        const missing = presenceProblem(observed, ref);
        if (missing !== undefined) return [missing];
        const ingress = observedObject<IngressObject>(observed, ref);
        const routed = (ingress?.spec?.rules ?? []).some((rule) => (rule.http?.paths ?? []).some((p) => p.backend?.service?.name === settings.actionService));
        return routed ? [] : [{ reason: 'TrafficRoutingError', message: `${describeRef(ref)} has no rules using service ${settings.actionService} backend (the action's Service: rootService, else stableService)` }];
      });
    },
    setWeight: (intent, observed) => annotationWrites(observed, new Map([[weightKey, weightAction(intent)]]),
      (current) => (current.includes(weightKey) ? [...current] : [weightKey, ...current]),
      (ref) => ({ reason: 'PatchingALBIngress', message: `Updating Ingress \`${ref.name}\` to desiredWeight '${String(intent.weight)}'` })),
    setHeaderRoute: (intent, observed) => [
      ...annotationWrites(observed, headerAnnotations(intent.canaryService ?? '', intent.headerRoutes), () => fullRecord(intent.headerRoutes),
        (ref) => ({ reason: 'PatchingALBIngress', message: `Updating Ingress \`${ref.name}\` to headerRoutes ${intent.headerRoutes.map((r) => `'${r.name}'`).join(', ') || 'none'}` })),
      ...pathWrites(observed, intent.headerRoutes),
    ],
    setMirrorRoute: () => [],
    verify: (intent, observed) => refs.every((ref) => sameJson(observedObject<IngressObject>(observed, ref)?.metadata?.annotations?.[weightKey], weightAction(intent))),
    removeManagedRoutes: (observed) => [
      ...annotationWrites(observed, headerAnnotations('', []), () => fullRecord([]),
        (ref) => ({ reason: 'PatchingALBIngress', message: `Updating Ingress \`${ref.name}\` removing managed routes` })),
      ...pathWrites(observed, []),
    ],
    // The weighted action stays, the stable at full weight (setWeight wrote it), as in Argo.
    finalize: () => [],
  };
}

function albSpecIssues(rollout: DeepReadonly<Rollout>): { field: string; message: string }[] {
  const config = albConfig(rollout);
  if (config === undefined) return [];
  const base = 'spec.strategy.canary.trafficRouting.alb';
  const issues: { field: string; message: string }[] = [];
  const hasOne = config.ingress !== undefined && config.ingress !== '';
  const hasMany = (config.ingresses ?? []).length > 0;
  if (hasOne === hasMany) issues.push({ field: `${base}.ingress`, message: `set exactly one of ingress or ingresses (${hasOne ? 'both are' : 'neither is'} set)` });
  const stickiness = config.stickinessConfig;
  if (stickiness?.enabled === true && (stickiness.durationSeconds < 1 || stickiness.durationSeconds > maxStickinessSeconds)) {
    issues.push({ field: `${base}.stickinessConfig.durationSeconds`, message: `must be between 1 and ${String(maxStickinessSeconds)} seconds (7 days) when stickiness is enabled` });
  }
  (rollout.spec.strategy?.canary?.steps ?? []).forEach((step, i) => {
    (step.setHeaderRoute?.match ?? []).forEach((m, j) => {
      if (m.headerValue.exact === undefined) issues.push({ field: `spec.strategy.canary.steps[${String(i)}].setHeaderRoute.match[${String(j)}].headerValue`, message: 'the alb router matches exact header values only' });
    });
  });
  return issues;
}

/** Registry entry: Rollouts with trafficRouting.alb. */
export const alb: RouterDefinition = {
  name: 'alb',
  resources: [resource],
  appliesTo: (rollout) => albConfig(rollout) !== undefined,
  routerFor: (rollout) => {
    const config = albConfig(rollout);
    const canary = rollout.spec.strategy?.canary;
    const stickiness = config?.stickinessConfig;
    return albRouter(albIngresses(rollout), {
      rollout: rollout.metadata.name ?? '',
      prefix: config?.annotationPrefix ?? defaultPrefix,
      servicePort: config?.servicePort ?? 0,
      actionService: config?.rootService ?? canary?.stableService ?? '',
      stickiness: stickiness?.enabled === true ? { Enabled: true, DurationSeconds: stickiness.durationSeconds } : undefined,
      managedRoutes: (canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name),
    });
  },
  supports: () => ({ headerRoutes: true, mirrorRoutes: false }),
  specIssues: albSpecIssues,
  standIns: (rollout) => {
    const config = albConfig(rollout);
    const service = config?.rootService ?? rollout.spec.strategy?.canary?.stableService ?? 'stable';
    return albIngresses(rollout).map((ref): KubeObject => ({
      apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace },
      spec: { rules: [{ http: { paths: [{ path: '/*', pathType: 'ImplementationSpecific', backend: { service: { name: service, port: { name: 'use-annotation' } } } }] } }] },
    } as KubeObject));
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], albIngresses),
};

import type { Rollout } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { containedIn, namedRefs, observedObject, presenceProblem, ownedByRollout, routedObjectInformers, standInServiceNames, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import type { RouterDefinition, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import type { ObjectWrite } from './writes.ts';

/** Emissary/Ambassador's Mapping in the version Argo Rollouts reads by default (Emissary 2 and 3 still serve it). */
const resource = { apiVersion: 'getambassador.io/v2', kind: 'Mapping', plural: 'mappings' } as const;
export const ambassadorFieldManager = 'aviary-ambassador';
/** Room for "-canary" within an object name's 253 characters. */
const maxBaseName = 246;

interface MappingObject extends KubeObject {
  spec?: { service?: string; weight?: number; [field: string]: unknown };
}

/** The Mappings the Rollout names (ambassador.mappings), in its namespace. */
export function ambassadorMappings(rollout: DeepReadonly<Rollout>): RoutedObjectRef[] {
  return namedRefs(resource, rollout, rollout.spec.strategy?.canary?.trafficRouting?.ambassador?.mappings ?? []);
}

/** `<mapping>-canary`, as Argo Rollouts names the clone. */
export function canaryMappingName(base: string): string {
  return `${base.slice(0, maxBaseName)}-canary`;
}

/** The clone of a base Mapping that sends `weight` percent of its traffic to the canary Service. */
function desiredCanary(base: DeepReadonly<MappingObject>, ref: RoutedObjectRef, intent: TrafficIntent, ownedBy: ReturnType<typeof ownedByRollout>): MappingObject {
  const spec = structuredClone(base.spec ?? {}) as NonNullable<MappingObject['spec']>;
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: { name: canaryMappingName(ref.name), namespace: ref.namespace, ...ownedBy },
    spec: { ...spec, service: (spec.service ?? '').replace(intent.stableService ?? '', intent.canaryService ?? ''), weight: intent.weight },
  };
}

/**
 * The Ambassador router, as Argo Rollouts': for each base Mapping a clone `<mapping>-canary` (its spec, with the
 * stable Service replaced by the canary's and `weight` set) that Ambassador weights against the base. Created once
 * the weight is above 0 (server-side apply, field manager aviary-ambassador); at weight 0 it is first set to 0,
 * then deleted on the next pass (so the proxy stops sending to it before it goes). Unlike Argo, the clone is owned
 * by the Rollout, so deleting the Rollout removes it. No header or mirror routes; Ambassador reports nothing back.
 */
export function ambassadorRouter(refs: readonly RoutedObjectRef[], ownedBy: ReturnType<typeof ownedByRollout>): TrafficRouter {
  const canaryRef = (ref: RoutedObjectRef): RoutedObjectRef => ({ ...ref, name: canaryMappingName(ref.name) });
  const weightEvent = (weight: number): { reason: string; message: string } => ({ reason: 'CanaryMappingWeightUpdate', message: `Set canary mapping weight to ${String(weight)}` });
  return {
    name: 'ambassador',
    problems(intent, observed) {
      return refs.flatMap((ref): RouterProblem[] => {
        const missing = presenceProblem(observed, ref);
        if (missing?.reason === 'TrafficRoutingError') return [missing];
        const base = observedObject<MappingObject>(observed, ref);
        if (base === undefined) return [{ reason: 'AmbassadorMappingNotFound', message: `Ambassador mapping "${ref.name}" not found` }];
        if ((base.spec?.weight ?? 0) !== 0) return [{ reason: 'AmbassadorMappingConfigError', message: `Ambassador mapping "${ref.name}" can not define weight` }];
        if (!(base.spec?.service ?? '').includes(intent.stableService ?? '')) {
          return [{ reason: 'TrafficRoutingError', message: `Ambassador mapping "${ref.name}" does not send to the stableService ${intent.stableService ?? '?'} (its service is "${base.spec?.service ?? ''}")` }];
        }
        return [];
      });
    },
    setWeight(intent, observed) {
      return refs.flatMap((ref): ObjectWrite[] => {
        const base = observedObject<MappingObject>(observed, ref);
        if (base === undefined) return [];
        const canary = observedObject<MappingObject>(observed, canaryRef(ref));
        if (intent.weight > 0) {
          const want = desiredCanary(base, ref, intent, ownedBy);
          return containedIn(want, canary) ? [] : [{ type: 'apply', target: targetOf(canaryRef(ref)), object: want, fieldManager: ambassadorFieldManager, event: weightEvent(intent.weight) }];
        }
        if (canary === undefined) return [];
        if ((canary.spec?.weight ?? 0) !== 0) return [{ type: 'merge', target: targetOf(canaryRef(ref)), patch: { spec: { weight: 0 } }, ignoreNotFound: true, event: weightEvent(0) }];
        return [{ type: 'delete', target: targetOf(canaryRef(ref)), ignoreNotFound: true, ...(canary.metadata?.uid === undefined ? {} : { uid: canary.metadata.uid }) }];
      });
    },
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: () => undefined,
    removeManagedRoutes: () => [],
    // setWeight at 0 already takes the clone away.
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.ambassador. */
export const ambassador: RouterDefinition = {
  name: 'ambassador',
  resources: [{ ...resource, verbs: ['create', 'delete'] }],
  appliesTo: (rollout) => rollout.spec.strategy?.canary?.trafficRouting?.ambassador !== undefined,
  routerFor: (rollout) => ambassadorRouter(ambassadorMappings(rollout), ownedByRollout(rollout)),
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  specIssues: (rollout) => (rollout.spec.strategy?.canary?.trafficRouting?.ambassador !== undefined && ambassadorMappings(rollout).length === 0
    ? [{ field: 'spec.strategy.canary.trafficRouting.ambassador.mappings', message: 'must provide at least one mapping' }] : []),
  standIns: (rollout) => {
    const [stable] = standInServiceNames(rollout);
    return ambassadorMappings(rollout).map((ref): KubeObject => ({
      apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: ref.name, namespace: ref.namespace },
      spec: { prefix: '/', service: `${stable}:80` },
    } as KubeObject));
  },
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], (rollout) =>
    ambassadorMappings(rollout).flatMap((ref) => [ref, { ...ref, name: canaryMappingName(ref.name) }])),
};


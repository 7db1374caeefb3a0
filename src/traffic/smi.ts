import type { Rollout, SMITrafficRouting } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { containedIn, observedObject, ownedByRollout, presenceProblem, routedObjectInformers, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import type { RouterDefinition, TrafficIntent, TrafficRouter } from './router.ts';

/** SMI's TrafficSplit in the version Argo Rollouts writes by default; weights there are quantities ("10"). */
const resource = { apiVersion: 'split.smi-spec.io/v1alpha1', kind: 'TrafficSplit', plural: 'trafficsplits' } as const;
export const smiFieldManager = 'aviary-smi';

function smiConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<SMITrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.smi;
}

/** The TrafficSplit: trafficSplitName, default the Rollout's name, in its namespace. */
export function trafficSplitRef(rollout: DeepReadonly<Rollout>): RoutedObjectRef | undefined {
  const config = smiConfig(rollout);
  if (config === undefined) return undefined;
  return { resource, namespace: rollout.metadata.namespace ?? 'default', name: config.trafficSplitName ?? rollout.metadata.name ?? '' };
}

interface SmiSettings {
  rootService: string;
  /** ownedByRollout's metadata: the created object goes with the Rollout. */
  ownedBy: ReturnType<typeof ownedByRollout>;
}

function desiredSplit(ref: RoutedObjectRef, intent: TrafficIntent, settings: SmiSettings): KubeObject {
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      ...settings.ownedBy,
    },
    spec: {
      service: settings.rootService,
      backends: [
        { service: intent.canaryService ?? '', weight: String(intent.weight) },
        { service: intent.stableService ?? '', weight: String(intent.maxWeight - intent.weight) },
      ],
    },
  } as KubeObject;
}

/**
 * The SMI router, as Argo Rollouts': it creates and owns the TrafficSplit (server-side apply, field manager
 * aviary-smi) with the root Service (rootService, default the stableService) and the canary and stable backends.
 * The mesh reports nothing back, so weights are not verified. Events TrafficSplitCreated / TrafficSplitNotCreated
 * (the latter as the TrafficRouting condition's reason when the kind cannot be listed).
 */
export function smiRouter(ref: RoutedObjectRef, settings: SmiSettings): TrafficRouter {
  return {
    name: 'smi',
    problems(_intent, observed) {
      const missing = presenceProblem(observed, ref);
      // The TrafficSplit is the router's to create: only a kind that cannot be listed stops it.
      return missing === undefined || missing.reason !== 'TrafficRoutingError' ? [] : [{ ...missing, reason: 'TrafficSplitNotCreated' }];
    },
    setWeight(intent, observed) {
      const want = desiredSplit(ref, intent, settings);
      const current = observedObject(observed, ref);
      if (containedIn(want, current)) return [];
      const event = current === undefined ? { reason: 'TrafficSplitCreated', message: `TrafficSplit \`${ref.name}\` created` } : undefined;
      return [{ type: 'apply', target: targetOf(ref), object: want, fieldManager: smiFieldManager, ...(event === undefined ? {} : { event }) }];
    },
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: () => undefined,
    removeManagedRoutes: () => [],
    finalize: () => [],
  };
}

/** Registry entry: Rollouts with trafficRouting.smi. */
export const smi: RouterDefinition = {
  name: 'smi',
  resources: [{ ...resource, verbs: ['create'] }],
  appliesTo: (rollout) => smiConfig(rollout) !== undefined,
  routerFor: (rollout) => {
    const ref = trafficSplitRef(rollout);
    if (ref === undefined) throw new Error('smi router asked for a Rollout without trafficRouting.smi');
    return smiRouter(ref, {
      rootService: smiConfig(rollout)?.rootService ?? rollout.spec.strategy?.canary?.stableService ?? '',
      ownedBy: ownedByRollout(rollout),
    });
  },
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  // The router creates the TrafficSplit itself.
  standIns: () => [],
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, [resource], (rollout) => {
    const ref = trafficSplitRef(rollout);
    return ref === undefined ? [] : [ref];
  }),
};

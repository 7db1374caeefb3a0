import type { Rollout, SMITrafficRouting } from '../api/rollout.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { containedIn, observedObject, ownedByRollout, routedObjectInformers, servedKey, targetOf, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterDefinition, TrafficIntent, TrafficRouter } from './router.ts';

/**
 * SMI's TrafficSplit in the versions Argo Rollouts can write, in the order Aviary prefers them: v1alpha1 (Argo's
 * default; weights are quantities, "10"), then v1alpha2 and v1alpha3 (integer weights). The first one the API server
 * serves is written — meshes serve different ones (Linkerd v1alpha1 and v1alpha2, OSM v1alpha2) — where Argo needs
 * its --traffic-split-api-version flag.
 */
const versions = ['v1alpha1', 'v1alpha2', 'v1alpha3'] as const;
const splitIn = (version: (typeof versions)[number]): RoutedObjectRef['resource'] => ({ apiVersion: `split.smi-spec.io/${version}`, kind: 'TrafficSplit', plural: 'trafficsplits' });
const resource = splitIn('v1alpha1');
const resources = [resource, splitIn('v1alpha2'), splitIn('v1alpha3')];
export const smiFieldManager = 'aviary-smi';

function smiConfig(rollout: DeepReadonly<Rollout>): DeepReadonly<SMITrafficRouting> | undefined {
  return rollout.spec.strategy?.canary?.trafficRouting?.smi;
}

/** The TrafficSplit: trafficSplitName, default the Rollout's name, in its namespace (in the preferred version). */
export function trafficSplitRef(rollout: DeepReadonly<Rollout>): RoutedObjectRef | undefined {
  const config = smiConfig(rollout);
  if (config === undefined) return undefined;
  return { resource, namespace: rollout.metadata.namespace ?? 'default', name: config.trafficSplitName ?? rollout.metadata.name ?? '' };
}

/** The TrafficSplit in every version (the informers watch each; the API server serves some). */
function trafficSplitRefs(rollout: DeepReadonly<Rollout>): RoutedObjectRef[] {
  const ref = trafficSplitRef(rollout);
  return ref === undefined ? [] : resources.map((r) => ({ ...ref, resource: r }));
}

/** The ref in the first version the API server serves, if any. */
function servedRef(ref: RoutedObjectRef, observed: ObservedTraffic): RoutedObjectRef | undefined {
  const served = resources.find((r) => !observed.absentKinds.has(servedKey(r)));
  return served === undefined ? undefined : { ...ref, resource: served };
}

interface SmiSettings {
  rootService: string;
  /** ownedByRollout's metadata: the created object goes with the Rollout. */
  ownedBy: ReturnType<typeof ownedByRollout>;
}

interface SplitObject extends KubeObject {
  spec?: { service?: string; backends?: { service?: string; weight?: string | number }[] };
}

/** A split as read in any version: the apiVersion left out, weights as numbers (v1alpha1's are quantities, "10"). */
function comparableSplit(split: DeepReadonly<SplitObject> | undefined): unknown {
  if (split === undefined) return undefined;
  return { ...split, apiVersion: undefined, spec: { ...split.spec, backends: (split.spec?.backends ?? []).map((b) => ({ ...b, weight: Number(b.weight) })) } };
}

/** v1alpha1 weights are quantities (a string), later versions' integers. */
function weightIn(ref: RoutedObjectRef, weight: number): string | number {
  return ref.resource.apiVersion === resource.apiVersion ? String(weight) : weight;
}

function desiredSplit(ref: RoutedObjectRef, intent: TrafficIntent, settings: SmiSettings): SplitObject {
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
        { service: intent.canaryService ?? '', weight: weightIn(ref, intent.weight) },
        { service: intent.stableService ?? '', weight: weightIn(ref, intent.maxWeight - intent.weight) },
      ],
    },
  };
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
      // The TrafficSplit is the router's to create: only a kind that cannot be listed in any version stops it.
      if (servedRef(ref, observed) !== undefined) return [];
      return [{ reason: 'TrafficSplitNotCreated', message: `TrafficSplit (split.smi-spec.io ${versions.join(', ')}) cannot be listed: install the mesh's SMI CRDs (or grant the controller get, list, watch, patch and create on trafficsplits) to create TrafficSplit ${ref.namespace}/${ref.name}` }];
    },
    setWeight(intent, observed) {
      const served = servedRef(ref, observed);
      if (served === undefined) return [];
      const want = desiredSplit(served, intent, settings);
      const current = observedObject<SplitObject>(observed, served);
      if (containedIn(comparableSplit(want), comparableSplit(current))) return [];
      const event = current === undefined ? { reason: 'TrafficSplitCreated', message: `TrafficSplit \`${ref.name}\` created` } : undefined;
      return [{ type: 'apply', target: targetOf(served), object: want, fieldManager: smiFieldManager, ...(event === undefined ? {} : { event }) }];
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
  resources: resources.map((r) => ({ ...r, verbs: ['create'] })),
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
  informers: (factory, namespace) => routedObjectInformers(factory, namespace, resources, trafficSplitRefs),
};

import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import { describeRef, jsonPatchWrites, observedObject, presenceProblem, type RoutedObjectRef } from './routed-objects.ts';
import type { ObservedTraffic, RouterProblem, TrafficIntent, TrafficRouter } from './router.ts';
import { serviceWeights, weightedListsOf, weightOperations, weightsCarried, type WeightedList } from './weighted-backends.ts';

/** How a weights-only router reads its objects. */
export interface WeightedObjects<R extends RoutedObjectRef, T extends KubeObject> {
  /** Every backend list of an object (those naming both Services are weighted). */
  lists: (object: DeepReadonly<T>, ref: R, intent: TrafficIntent) => WeightedList[];
  /** What a list is, for the problem when none names both Services: "route", "rule", ... */
  what: string;
  /** The provider's verdict on an object, when it reports one: false holds the step (Contour's Valid condition). */
  accepted?: (object: DeepReadonly<T>) => boolean | undefined;
}

/**
 * A router that only weights the canary's and the stable's entries in backend lists of objects the user owns
 * (Traefik, Contour, Gloo, Kuma): JSON patches of the two weights, every other field untouched; a missing object or
 * one with no list naming both Services is a problem; weights are verified on the objects (and by the provider's
 * verdict, when it gives one). No header or mirror routes.
 */
export function weightedObjectsRouter<R extends RoutedObjectRef, T extends KubeObject>(name: string, refs: readonly R[], objects: WeightedObjects<R, T>): TrafficRouter {
  const split = (observed: ObservedTraffic, ref: R, intent: TrafficIntent): ReturnType<typeof weightedListsOf> => {
    const object = observedObject<T>(observed, ref);
    return weightedListsOf(object === undefined ? [] : objects.lists(object, ref, intent), intent, describeRef(ref), objects.what);
  };
  return {
    name,
    problems: (intent, observed) => refs.flatMap((ref): RouterProblem[] => {
      const missing = presenceProblem(observed, ref);
      if (missing !== undefined) return [missing];
      const { problem } = split(observed, ref, intent);
      return problem === undefined ? [] : [problem];
    }),
    setWeight: (intent, observed) => jsonPatchWrites(refs, observed, (ref) => weightOperations(split(observed, ref, intent).lists, serviceWeights(intent))),
    setHeaderRoute: () => [],
    setMirrorRoute: () => [],
    verify: (intent, observed) => refs.every((ref) => {
      const object = observedObject<T>(observed, ref);
      const { lists } = split(observed, ref, intent);
      return object !== undefined && lists.length > 0 && weightsCarried(lists, serviceWeights(intent)) && objects.accepted?.(object) !== false;
    }),
    removeManagedRoutes: () => [],
    finalize: () => [],
  };
}

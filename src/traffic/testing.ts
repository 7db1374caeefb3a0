/**
 * What the routers' table tests start from: observed objects in namespace `shop` for the Rollout `web`, and an
 * intent between the Services web-canary and web-stable (stable hash aaa, canary bbb). Used by tests only.
 */
import type { KubeObject } from '../runtime/objects.ts';
import { routedObjectKey, type ObservedTraffic, type TrafficIntent } from './router.ts';

export function observedObjects(objects: readonly KubeObject[] = [], absentKinds: readonly string[] = []): ObservedTraffic {
  return {
    namespace: 'shop', owner: 'web', services: new Map(), absentKinds: new Set(absentKinds),
    objects: new Map(objects.map((o) => [routedObjectKey(o.apiVersion ?? '', o.kind ?? '', o.metadata?.namespace ?? '', o.metadata?.name ?? ''), o])),
  };
}

export function weightIntent(weight: number, overrides: Partial<TrafficIntent> = {}): TrafficIntent {
  return {
    stableHash: 'aaa', canaryHash: 'bbb', weight, maxWeight: 100, canaryService: 'web-canary', stableService: 'web-stable',
    headerRoutes: [], mirrorRoutes: [], services: [], ...overrides,
  };
}

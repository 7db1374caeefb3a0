/**
 * The TrafficSplit of the linkerd and smi:v1alpha1 providers as Flagger generates it: named after the apex, for the
 * root service `service.hosts[0]` (else the apex), with the canary and the primary Service as backends, their
 * weights as SMI v1alpha1 quantities.
 */
import type { Canary } from '../api/canary.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { CanaryRoutes } from './analysis-settings.ts';
import { ownedByCanary, primaryName } from './primary.ts';

export const trafficSplitApiVersion = 'split.smi-spec.io/v1alpha1';

/** The providers whose routing is this TrafficSplit. */
export const smiProviders: readonly string[] = ['linkerd', 'smi:v1alpha1'];

export function canaryTrafficSplit(canary: DeepReadonly<Canary>, routes: CanaryRoutes): KubeObject {
  const svc = canary.spec.service;
  const apex = svc.name ?? canary.spec.targetRef.name;
  return {
    apiVersion: trafficSplitApiVersion,
    kind: 'TrafficSplit',
    metadata: { name: apex, namespace: canary.metadata.namespace ?? 'default', ownerReferences: ownedByCanary(canary) },
    spec: {
      service: svc.hosts?.[0] ?? apex,
      backends: [
        { service: `${apex}-canary`, weight: String(routes.canaryWeight) },
        { service: primaryName(apex), weight: String(routes.primaryWeight) },
      ],
    },
  } as KubeObject;
}

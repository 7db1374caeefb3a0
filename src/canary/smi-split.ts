/**
 * The TrafficSplit of the SMI providers as Flagger generates it: named after the apex, for the root service
 * `service.hosts[0]` (else the apex), with the canary and the primary Service as backends. linkerd and smi:v1alpha1
 * write split.smi-spec.io/v1alpha1 (weights as quantities); osm and smi:v1alpha2 write v1alpha2, smi:v1alpha3 v1alpha3
 * (weights as integers).
 */
import type { Canary } from '../api/canary.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { CanaryRoutes } from './analysis-settings.ts';
import { ownedByCanary, primaryName } from './primary.ts';

/** The TrafficSplit version each SMI provider writes. */
const splitVersions: Readonly<Record<string, 'v1alpha1' | 'v1alpha2' | 'v1alpha3'>> = {
  linkerd: 'v1alpha1', 'smi:v1alpha1': 'v1alpha1', osm: 'v1alpha2', 'smi:v1alpha2': 'v1alpha2', 'smi:v1alpha3': 'v1alpha3',
};

/** The providers whose routing is a TrafficSplit. */
export const smiProviders: readonly string[] = Object.keys(splitVersions);
export const trafficSplitApiVersions: readonly string[] = [...new Set(Object.values(splitVersions))].map((v) => `split.smi-spec.io/${v}`);

export function canaryTrafficSplit(canary: DeepReadonly<Canary>, provider: string, routes: CanaryRoutes): KubeObject {
  const svc = canary.spec.service;
  const apex = svc.name ?? canary.spec.targetRef.name;
  const version = splitVersions[provider] ?? 'v1alpha1';
  const weight = (w: number): string | number => (version === 'v1alpha1' ? String(w) : w);
  return {
    apiVersion: `split.smi-spec.io/${version}`,
    kind: 'TrafficSplit',
    metadata: { name: apex, namespace: canary.metadata.namespace ?? 'default', ownerReferences: ownedByCanary(canary) },
    spec: {
      service: svc.hosts?.[0] ?? apex,
      backends: [
        { service: `${apex}-canary`, weight: weight(routes.canaryWeight) },
        { service: primaryName(apex), weight: weight(routes.primaryWeight) },
      ],
    },
  } as KubeObject;
}

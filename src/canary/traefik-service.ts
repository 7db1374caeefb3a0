/**
 * The TraefikService of the traefik provider as Flagger generates it: named after the apex, carrying the apex's
 * metadata, a weighted round robin over `<apex>-primary` and (while it has a weight) `<apex>-canary` on
 * `service.port`. The users' IngressRoute sends traffic to it (`kind: TraefikService`).
 */
import type { Canary } from '../api/canary.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { CanaryRoutes } from './analysis-settings.ts';
import { ownedByCanary, primaryName } from './primary.ts';

export const traefikServiceApiVersion = 'traefik.io/v1alpha1';

export function canaryTraefikService(canary: DeepReadonly<Canary>, routes: CanaryRoutes): KubeObject {
  const svc = canary.spec.service;
  const apex = svc.name ?? canary.spec.targetRef.name;
  const namespace = canary.metadata.namespace ?? 'default';
  const backend = (name: string, weight: number): Record<string, unknown> => ({ name, namespace, port: svc.port, weight });
  const services = [backend(primaryName(apex), routes.primaryWeight), ...(routes.canaryWeight > 0 ? [backend(`${apex}-canary`, routes.canaryWeight)] : [])];
  return {
    apiVersion: traefikServiceApiVersion,
    kind: 'TraefikService',
    metadata: {
      name: apex,
      namespace,
      ...(svc.apex?.labels === undefined ? {} : { labels: { ...svc.apex.labels } }),
      ...(svc.apex?.annotations === undefined ? {} : { annotations: { ...svc.apex.annotations } }),
      ownerReferences: ownedByCanary(canary),
    },
    spec: { weighted: { services } },
  } as KubeObject;
}

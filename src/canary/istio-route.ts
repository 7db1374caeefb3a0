/**
 * The istio provider's objects as Flagger generates them: DestinationRules `<apex>-primary` and `<apex>-canary`
 * (host = the Service, `service.trafficPolicy`), and the VirtualService `<apex>` — hosts `service.hosts` plus the apex,
 * gateways `service.gateways` (else `mesh`), one HTTP route with the service's match, rewrite, timeout, retries,
 * headers and CORS policy weighting primary against canary (a mirror to the canary when mirrored); with A/B matches a
 * first route sends what they select by the weights and a second keeps everyone else on the primary.
 */
import type { Canary } from '../api/canary.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { CanaryRoutes } from './analysis-settings.ts';
import { ownedByCanary, primaryName } from './primary.ts';

export const istioApiVersion = 'networking.istio.io/v1beta1';

type Json = Record<string, unknown>;

/** Every service match merged with every A/B condition (the A/B fields win), as Flagger's mergeMatchConditions. */
function mergedMatches(analysis: readonly Json[], service: readonly Json[]): Json[] {
  if (service.length === 0) return [...analysis];
  return analysis.flatMap((a) => service.map((s) => ({ ...s, ...a })));
}

export function canaryIstioObjects(canary: DeepReadonly<Canary>, routes: CanaryRoutes): KubeObject[] {
  const svc = canary.spec.service;
  const apex = svc.name ?? canary.spec.targetRef.name;
  const namespace = canary.metadata.namespace ?? 'default';
  const primary = primaryName(apex);
  const canaryHost = `${apex}-canary`;
  const metadata = (name: string, withApexMeta: boolean): Json => ({
    name, namespace,
    ...(withApexMeta && svc.apex?.labels !== undefined ? { labels: { ...svc.apex.labels } } : {}),
    ...(withApexMeta && svc.apex?.annotations !== undefined ? { annotations: { ...svc.apex.annotations } } : {}),
    ownerReferences: ownedByCanary(canary),
  });
  const destinationRule = (host: string): KubeObject => ({
    apiVersion: istioApiVersion, kind: 'DestinationRule', metadata: metadata(host, false),
    spec: { host, ...(svc.trafficPolicy === undefined ? {} : { trafficPolicy: structuredClone(svc.trafficPolicy) }) },
  } as KubeObject);

  const gateways = [...(svc.gateways ?? [])];
  const hosts = [...(svc.hosts ?? [])];
  if (!hosts.includes(apex) && !hosts.includes('*')) hosts.push(apex);
  const withPort = svc.portDiscovery === true && gateways.length > 0 && gateways[0] !== 'mesh';
  const destination = (host: string, weight: number): Json => ({ destination: { host, ...(withPort ? { port: { number: svc.port } } : {}) }, weight });
  const serviceMatch = (svc.match ?? []) as readonly Json[];
  const common: Json = {
    ...(svc.rewrite === undefined ? {} : { rewrite: structuredClone(svc.rewrite) }),
    ...(svc.timeout === undefined ? {} : { timeout: svc.timeout }),
    ...(svc.retries === undefined ? {} : { retries: structuredClone(svc.retries) }),
    ...(svc.headers === undefined ? {} : { headers: structuredClone(svc.headers) }),
    ...(svc.corsPolicy === undefined ? {} : { corsPolicy: structuredClone(svc.corsPolicy) }),
  };
  const weighted: Json = {
    ...(serviceMatch.length === 0 ? {} : { match: structuredClone(serviceMatch) }),
    ...common,
    route: [destination(primary, routes.primaryWeight), destination(canaryHost, routes.canaryWeight)],
    ...(routes.mirrored ? { mirror: { host: canaryHost } } : {}),
  };
  const abMatch = (canary.spec.analysis.match ?? []) as readonly Json[];
  const http = abMatch.length === 0 ? [weighted] : [
    { ...weighted, match: mergedMatches(abMatch, serviceMatch) },
    { ...(serviceMatch.length === 0 ? {} : { match: structuredClone(serviceMatch) }), ...common, route: [destination(primary, 100)] },
  ];
  const virtualService = {
    apiVersion: istioApiVersion, kind: 'VirtualService', metadata: metadata(apex, true),
    spec: { hosts, gateways: gateways.length === 0 ? ['mesh'] : gateways, http },
  } as KubeObject;
  return [destinationRule(primary), destinationRule(canaryHost), virtualService];
}

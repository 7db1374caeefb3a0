/**
 * The nginx provider's canary Ingress as Flagger generates it: `<ingressRef>-canary`, a copy of the users' Ingress
 * whose backends on the apex Service go to `<apex>-canary`, with NGINX's canary annotations — `canary: "true"` and
 * `canary-weight`, or for A/B the header (`canary-by-header`, `-value`, `-pattern`) or cookie (`canary-by-cookie`)
 * of `analysis.match` — and none of the users' own canary annotations.
 */
import type { Canary } from '../api/canary.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { CanaryRoutes } from './analysis-settings.ts';
import { ownedByCanary } from './primary.ts';

/** Flagger's -ingress-annotations-prefix default. */
export const nginxAnnotationsPrefix = 'nginx.ingress.kubernetes.io';
export const ingressApiVersion = 'networking.k8s.io/v1';

interface IngressShape extends KubeObject {
  metadata?: KubeObject['metadata'] & { annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: { rules?: { http?: { paths?: { backend?: { service?: { name?: string } } }[] } }[] } & Record<string, unknown>;
}

/** The canary Ingress, or a problem naming spec.ingressRef when the users' Ingress has no backend on the apex. */
export function canaryIngress(canary: DeepReadonly<Canary>, users: DeepReadonly<KubeObject>, routes: CanaryRoutes): KubeObject | { problem: string } {
  const apex = canary.spec.service.name ?? canary.spec.targetRef.name;
  const copy = structuredClone(users) as IngressShape;
  let found = false;
  for (const rule of copy.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      if (path.backend?.service?.name === apex) {
        path.backend.service.name = `${apex}-canary`;
        found = true;
      }
    }
  }
  const name = users.metadata?.name ?? '';
  if (!found) return { problem: `spec.ingressRef: Ingress ${name} has no backend on the apex Service ${apex}` };
  const key = (suffix: string): string => `${nginxAnnotationsPrefix}/${suffix}`;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(copy.metadata?.annotations ?? {})) {
    if (!k.startsWith(key('canary')) && k !== 'kubectl.kubernetes.io/last-applied-configuration') annotations[k] = v;
  }
  annotations[key('canary')] = 'true';
  const match = (canary.spec.analysis.match ?? []) as readonly { headers?: Record<string, { exact?: string; regex?: string }> }[];
  if (match.length > 0) {
    for (const m of match) {
      for (const [header, value] of Object.entries(m.headers ?? {})) {
        if (header === 'cookie') {
          if (value.exact !== undefined) annotations[key('canary-by-cookie')] = value.exact;
          continue;
        }
        annotations[key('canary-by-header')] = header;
        if (value.exact !== undefined) annotations[key('canary-by-header-value')] = value.exact;
        if (value.regex !== undefined) annotations[key('canary-by-header-pattern')] = value.regex;
      }
    }
  } else {
    annotations[key('canary-weight')] = String(routes.canaryWeight);
  }
  return {
    apiVersion: ingressApiVersion,
    kind: 'Ingress',
    metadata: {
      name: `${name}-canary`,
      namespace: canary.metadata.namespace ?? 'default',
      ...(copy.metadata?.labels === undefined ? {} : { labels: copy.metadata.labels }),
      annotations,
      ownerReferences: ownedByCanary(canary),
    },
    spec: copy.spec ?? {},
  } as KubeObject;
}

import type { DeepReadonly } from '../runtime/objects.ts';
import type { Rollout } from '../api/rollout.ts';
import type { RouterDefinition } from './router.ts';
import { alb } from './alb.ts';
import { ambassador } from './ambassador.ts';
import { apisix } from './apisix.ts';
import { contour } from './contour.ts';
import { gloo } from './gloo.ts';
import { kuma } from './kuma.ts';
import { skipper } from './skipper.ts';
import { appMesh } from './app-mesh.ts';
import { gatewayApi } from './gateway-api.ts';
import { istio } from './istio.ts';
import { nginx } from './nginx.ts';
import { serviceSelector } from './service-selector.ts';
import { smi } from './smi.ts';
import { traefik } from './traefik.ts';

/**
 * Every traffic router, one line each. The service-selector router comes first: Services are pinned to their
 * versions before any weight moves. Rollouts whose trafficRouting names a router not listed here are refused.
 */
export const routerDefinitions: readonly RouterDefinition[] = [
  serviceSelector,
  gatewayApi,
  traefik,
  nginx,
  smi,
  istio,
  apisix,
  alb,
  ambassador,
  appMesh,
  contour,
  gloo,
  kuma,
  skipper,
];

/** The routers a Rollout's trafficRouting selects (the service-selector router aside): rollout_info{traffic_router}. */
export function trafficRouterNames(rollout: DeepReadonly<Rollout>): string[] {
  return routersFor(rollout).filter((d) => d !== serviceSelector).map((d) => d.name);
}

/** The routers a Rollout's traffic goes through, in registry order. */
export function routersFor(rollout: DeepReadonly<Rollout>): RouterDefinition[] {
  return routerDefinitions.filter((definition) => definition.appliesTo(rollout));
}

import type { DeepReadonly } from '../runtime/objects.ts';
import type { Rollout } from '../api/rollout.ts';
import type { RouterDefinition } from './router.ts';
import { serviceSelector } from './service-selector.ts';

/** Every traffic router, one line each. Rollouts with spec.strategy.*.trafficRouting are refused until theirs exist. */
export const routerDefinitions: readonly RouterDefinition[] = [
  serviceSelector,
];

/** The routers a Rollout's traffic goes through, in registry order. */
export function routersFor(rollout: DeepReadonly<Rollout>): RouterDefinition[] {
  return routerDefinitions.filter((definition) => definition.appliesTo(rollout));
}

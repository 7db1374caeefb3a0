import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RolloutTrafficRouting } from '../api/rollout.ts';
import { trafficRouterLabel } from './metrics.ts';
import { testRollout } from './testing.ts';

describe('rollout_info{traffic_router}', () => {
  const cases: { routing: RolloutTrafficRouting | undefined; want: string }[] = [
    { routing: undefined, want: '' },
    { routing: { traefik: { weightedTraefikServiceName: 's' } }, want: 'Traefik' },
    { routing: { gatewayAPI: { httpRoute: 'r' } }, want: 'GatewayAPI' },
    { routing: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'r' } } }, want: 'GatewayAPI' },
    { routing: { gatewayAPI: { httpRoute: 'r' }, traefik: { weightedTraefikServiceName: 's' } }, want: 'GatewayAPI,Traefik' },
    { routing: { smi: {}, nginx: { stableIngress: 'web' } }, want: 'Nginx,SMI' },
    { routing: { alb: { ingress: 'web', servicePort: 80 } }, want: 'ALB' },
    { routing: { appMesh: { virtualService: { name: 'v' }, virtualNodeGroup: { canaryVirtualNodeRef: { name: 'c' }, stableVirtualNodeRef: { name: 's' } } } }, want: 'AppMesh' },
    { routing: { plugins: { 'argoproj-labs/contour': { httpProxies: ['p'] } } }, want: 'Contour' },
  ];
  for (const { routing, want } of cases) {
    it(`${JSON.stringify(routing)} → "${want}"`, () => {
      assert.equal(trafficRouterLabel(testRollout({ strategy: { canary: routing === undefined ? {} : { trafficRouting: routing } } })), want);
    });
  }
});

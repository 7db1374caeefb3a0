import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryStrategy } from '../api/rollout.ts';
import { testRollout } from './testing.ts';
import { validateRollout } from './validate.ts';

// What validation says about trafficRouting and the steps that need it: every issue names its field.

const services = new Set(['web-canary', 'web-stable']);
const base: CanaryStrategy = { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { gatewayAPI: { httpRoute: 'web' }, managedRoutes: [{ name: 'beta' }] } };

function issues(canary: Partial<CanaryStrategy>): string[] {
  return validateRollout(testRollout({ strategy: { canary: { ...base, ...canary } } }), services).map((i) => `${i.field}: ${i.message}`);
}

const f = 'spec.strategy.canary';
const cases: { name: string; canary: Partial<CanaryStrategy>; want: string[] }[] = [
  { name: 'a Gateway API canary with header and mirror steps on managed routes', canary: {
    steps: [{ setWeight: 10 }, { setHeaderRoute: { name: 'beta', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } }, { setCanaryScale: { replicas: 1 } }],
  }, want: [] },
  { name: 'the Argo plugin\'s configuration', canary: { trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web' } } } }, want: [] },
  { name: 'traefik', canary: { trafficRouting: { traefik: { weightedTraefikServiceName: 'split' } }, steps: [{ setWeight: 10 }] }, want: [] },
  { name: 'alb with a header route', canary: { trafficRouting: { alb: { ingress: 'web', servicePort: 80 }, managedRoutes: [{ name: 'beta' }] }, steps: [{ setHeaderRoute: { name: 'beta', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } }] }, want: [] },
  { name: 'the argoproj-labs/contour plugin\'s configuration, with kuma and skipper', canary: { trafficRouting: { plugins: { 'argoproj-labs/contour': { httpProxies: ['web'] } }, kuma: { meshHTTPRoute: 'web' }, skipper: { ingress: 'web' } } }, want: [] },
  { name: 'ambassador and appMesh', canary: { trafficRouting: { ambassador: { mappings: ['web'] }, appMesh: { virtualService: { name: 'vs' }, virtualNodeGroup: { canaryVirtualNodeRef: { name: 'c' }, stableVirtualNodeRef: { name: 's' } } } } }, want: [] },
  { name: 'istio subset-level routing needs no Services', canary: { canaryService: undefined, stableService: undefined, trafficRouting: { istio: { virtualService: { name: 'vs', tcpRoutes: [{ port: 5432 }] }, destinationRule: { name: 'dr', canarySubsetName: 'c', stableSubsetName: 's' } } } }, want: [] },
  { name: 'istio subsets that are one', canary: { trafficRouting: { istio: { virtualService: { name: 'vs' }, destinationRule: { name: 'dr', canarySubsetName: 'v', stableSubsetName: 'v' } } } }, want: [
    `${f}.trafficRouting.istio.destinationRule.stableSubsetName: must differ from canarySubsetName`,
  ] },
  { name: 'another plugin', canary: { trafficRouting: { gatewayAPI: { httpRoute: 'web' }, plugins: { 'acme/mesh': {} } } }, want: [
    `${f}.trafficRouting.plugins["acme/mesh"]: plugin acme/mesh is not supported: Aviary runs no plugins, and reads the configuration of argoproj-labs/gatewayAPI (as gatewayAPI), argoproj-labs/contour (as contour), solo-io/glooedge (as gloo) as its native routers`,
  ] },
  { name: 'no router at all', canary: { trafficRouting: { maxTrafficWeight: 10 } }, want: [`${f}.trafficRouting: names no router: set one of gatewayAPI, traefik, nginx, smi, istio, apisix, alb, ambassador, appMesh, contour, gloo, kuma, skipper`] },
  { name: 'no Services to weight', canary: { canaryService: undefined, stableService: undefined }, want: [
    `${f}.canaryService: required with trafficRouting: the Service the routers send the canary's share to`,
    `${f}.stableService: required with trafficRouting: the Service the routers send the rest to`,
  ] },
  { name: 'a header route not in managedRoutes', canary: { steps: [{ setHeaderRoute: { name: 'gamma', match: [] } }] }, want: [`${f}.steps[0].setHeaderRoute.name: route "gamma" is not listed in trafficRouting.managedRoutes`] },
  { name: 'a header route on a router without them', canary: {
    trafficRouting: { traefik: { weightedTraefikServiceName: 'split' }, managedRoutes: [{ name: 'beta' }] },
    steps: [{ setHeaderRoute: { name: 'beta', match: [] } }, { setMirrorRoute: { name: 'beta', match: [] } }],
  }, want: [
    `${f}.steps[0].setHeaderRoute: the traefik router cannot route by header; use istio, alb, apisix, or gatewayAPI with an HTTPRoute (httpRoute, or httpRoutes with useHeaderRoutes: true)`,
    `${f}.steps[1].setMirrorRoute: the traefik router cannot mirror requests; use istio, or gatewayAPI with an HTTPRoute (httpRoute, or httpRoutes with useHeaderRoutes: true)`,
  ] },
  { name: 'header routes on httpRoutes without useHeaderRoutes', canary: {
    trafficRouting: { gatewayAPI: { httpRoutes: [{ name: 'web' }] }, managedRoutes: [{ name: 'beta' }] },
    steps: [{ setHeaderRoute: { name: 'beta', match: [] } }],
  }, want: [`${f}.steps[0].setHeaderRoute: the gatewayAPI router cannot route by header; use istio, alb, apisix, or gatewayAPI with an HTTPRoute (httpRoute, or httpRoutes with useHeaderRoutes: true)`] },
  { name: 'a managed route listed twice, and one that cannot name a rule', canary: { trafficRouting: { gatewayAPI: { httpRoute: 'web' }, managedRoutes: [{ name: 'beta' }, { name: 'beta' }, { name: 'Bad_Name' }] } }, want: [
    `${f}.trafficRouting.managedRoutes[2].name: "Bad_Name" cannot name an HTTPRoute rule: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    `${f}.trafficRouting.managedRoutes[1].name: "beta" is listed twice`,
  ] },
  { name: 'setCanaryScale with two sizes', canary: { steps: [{ setCanaryScale: { replicas: 1, weight: 10 } }] }, want: [`${f}.steps[0].setCanaryScale: set exactly one of weight, replicas or matchTrafficWeight`] },
  { name: 'setWeight above maxTrafficWeight', canary: { trafficRouting: { gatewayAPI: { httpRoute: 'web' }, maxTrafficWeight: 50 }, steps: [{ setWeight: 60 }] }, want: [
    `${f}.steps[0].setWeight: must be between 0 and 50 (trafficRouting.maxTrafficWeight), got 60`,
  ] },
  { name: 'setWeight up to a larger maxTrafficWeight', canary: { trafficRouting: { gatewayAPI: { httpRoute: 'web' }, maxTrafficWeight: 1000 }, steps: [{ setWeight: 600 }] }, want: [] },
];

describe('validation of trafficRouting', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(issues(c.canary), c.want);
    });
  }
});

/**
 * Canary providers whose data plane cannot run here (linkerd / SMI / OSM, Istio, NGINX): the provider's CRD is installed, the real
 * controller releases a Canary through it, and the generated object is checked at each weight, at promotion and
 * after the Canary is deleted.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { Canaries, canaryTarget } from '../support/canaries.ts';
import { installFixtureCrds } from '../support/fixture-crds.ts';
import { applyYaml } from '../support/kube.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

// Installed before the suite's controller starts watching their kinds.
before(() => installFixtureCrds(['smi-trafficsplits.yaml', 'istio-virtualservices.yaml', 'istio-destinationrules.yaml']));

interface TrafficSplit { metadata: { ownerReferences?: { kind: string }[] }; spec: { service: string; backends: { service: string; weight: string | number }[] } }

describe('Canary providers checked on their objects', () => {
  const suite = useRolloutSuite('canary-prov', { dumpKinds: [['aviary.dev/v1alpha1', 'Canary'], ['split.smi-spec.io/v1alpha1', 'TrafficSplit'], ['networking.istio.io/v1beta1', 'VirtualService'], ['networking.istio.io/v1beta1', 'DestinationRule']] });
  const { ns } = suite;
  const canaries = new Canaries(ns);
  const custom = async <T>(group: string, version: string, plural: string, name: string): Promise<T | undefined> => {
    try {
      return (await canaries.objects.getNamespacedCustomObject({ group, version, namespace: ns.name, plural, name })) as T;
    } catch {
      return undefined;
    }
  };
  const split = (name: string): Promise<TrafficSplit | undefined> => custom<TrafficSplit>('split.smi-spec.io', 'v1alpha1', 'trafficsplits', name);
  const weights = (ts: TrafficSplit | undefined): Record<string, number> => Object.fromEntries((ts?.spec.backends ?? []).map((b) => [b.service, Number(b.weight)]));

  it('linkerd: a TrafficSplit named after the apex weights canary and primary step by step, back to the primary on promotion', async () => {
    await applyYaml(ns.kc, `${canaryTarget('web')}
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: web }
spec:
  provider: linkerd
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  service: { port: 80, targetPort: 8080 }
  analysis:
    interval: 10s
    stepWeight: 40
    maxWeight: 80
`, ns.name);
    await canaries.waitForPhase('web', 'Initialized');
    const initial = await split('web');
    assert.equal(initial?.spec.service, 'web');
    assert.equal(initial.metadata.ownerReferences?.[0]?.kind, 'Canary');
    assert.deepEqual(weights(initial), { 'web-canary': 0, 'web-primary': 100 });
    await canaries.setImage('web', 'lab/echo:v2');
    await canaries.waitFor('web', 'weight 40', (c) => c.status?.canaryWeight === 40);
    await ns.waitFor('the split at 40', async () => (weights(await split('web'))['web-canary'] === 40 ? true : undefined));
    assert.deepEqual(weights(await split('web')), { 'web-canary': 40, 'web-primary': 60 });
    await canaries.waitForPhase('web', 'Succeeded');
    assert.deepEqual(weights(await split('web')), { 'web-canary': 0, 'web-primary': 100 });
    await canaries.objects.deleteNamespacedCustomObject({ group: 'aviary.dev', version: 'v1alpha1', plural: 'canaries', namespace: ns.name, name: 'web' });
    await ns.waitFor('the TrafficSplit to go with the Canary', async () => ((await split('web')) === undefined ? true : undefined));
  });

  it('osm: the TrafficSplit in v1alpha2, integer weights', async () => {
    const splitV2 = (): Promise<TrafficSplit | undefined> => custom<TrafficSplit>('split.smi-spec.io', 'v1alpha2', 'trafficsplits', 'osm-app');
    await applyYaml(ns.kc, `${canaryTarget('osm-app')}
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: osm-app }
spec:
  provider: osm
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: osm-app }
  service: { port: 80, targetPort: 8080 }
  analysis: { interval: 10s, stepWeight: 50, maxWeight: 50 }
`, ns.name);
    await canaries.waitForPhase('osm-app', 'Initialized');
    assert.deepEqual((await splitV2())?.spec.backends, [{ service: 'osm-app-canary', weight: 0 }, { service: 'osm-app-primary', weight: 100 }]);
    await canaries.setImage('osm-app', 'lab/echo:v2');
    await ns.waitFor('the split at 50', async () => ((await splitV2())?.spec.backends[0]?.weight === 50 ? true : undefined));
    await canaries.waitForPhase('osm-app', 'Succeeded');
    assert.deepEqual((await splitV2())?.spec.backends, [{ service: 'osm-app-canary', weight: 0 }, { service: 'osm-app-primary', weight: 100 }]);
  });

  it('istio: DestinationRules for primary and canary, a VirtualService on the gateway weighting them at each step, removed with the Canary', async () => {
    interface VirtualService { spec: { hosts: string[]; gateways: string[]; http: { route: { destination: { host: string }; weight: number }[] }[] } }
    const vs = (): Promise<VirtualService | undefined> => custom<VirtualService>('networking.istio.io', 'v1beta1', 'virtualservices', 'mesh');
    const routeWeights = (v: VirtualService | undefined): Record<string, number> => Object.fromEntries((v?.spec.http[0]?.route ?? []).map((r) => [r.destination.host, r.weight]));
    await applyYaml(ns.kc, `${canaryTarget('mesh')}
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: mesh }
spec:
  provider: istio
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: mesh }
  service:
    port: 80
    targetPort: 8080
    hosts: [mesh.example.com]
    gateways: [public/gateway]
    trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
  analysis:
    interval: 10s
    stepWeight: 50
    maxWeight: 50
`, ns.name);
    await canaries.waitForPhase('mesh', 'Initialized');
    const initial = await vs();
    assert.deepEqual([initial?.spec.hosts, initial?.spec.gateways], [['mesh.example.com', 'mesh'], ['public/gateway']]);
    assert.deepEqual(routeWeights(initial), { 'mesh-primary': 100, 'mesh-canary': 0 });
    for (const host of ['mesh-primary', 'mesh-canary']) {
      const rule = await custom<{ spec: { host: string; trafficPolicy?: unknown } }>('networking.istio.io', 'v1beta1', 'destinationrules', host);
      assert.deepEqual(rule?.spec, { host, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    }
    await canaries.setImage('mesh', 'lab/echo:v2');
    await ns.waitFor('the VirtualService at 50', async () => (routeWeights(await vs())['mesh-canary'] === 50 ? true : undefined));
    assert.deepEqual(routeWeights(await vs()), { 'mesh-primary': 50, 'mesh-canary': 50 });
    await canaries.waitForPhase('mesh', 'Succeeded');
    assert.deepEqual(routeWeights(await vs()), { 'mesh-primary': 100, 'mesh-canary': 0 });
    await canaries.objects.deleteNamespacedCustomObject({ group: 'aviary.dev', version: 'v1alpha1', plural: 'canaries', namespace: ns.name, name: 'mesh' });
    await ns.waitFor('the VirtualService to go with the Canary', async () => ((await vs()) === undefined ? true : undefined));
  });

  it('nginx: waits for its Ingress (naming spec.ingressRef), then a canary Ingress carries the weight as NGINX annotations', async () => {
    interface Ingress { metadata: { annotations?: Record<string, string> }; spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] } }
    const networking = ns.kc.makeApiClient(NetworkingV1Api);
    const canaryIngress = async (): Promise<Ingress | undefined> => {
      try {
        return (await networking.readNamespacedIngress({ name: 'edge-canary', namespace: ns.name })) as unknown as Ingress;
      } catch {
        return undefined;
      }
    };
    await applyYaml(ns.kc, `${canaryTarget('edge')}
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: edge }
spec:
  provider: nginx
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: edge }
  ingressRef: { apiVersion: networking.k8s.io/v1, kind: Ingress, name: edge }
  service: { port: 80, targetPort: 8080 }
  analysis:
    interval: 10s
    stepWeight: 50
    maxWeight: 50
`, ns.name);
    const held = await canaries.waitFor('edge', 'the Invalid condition', (c) => c.status?.conditions?.some((x) => x.type === 'Invalid') === true);
    assert.match(held.status?.conditions?.find((c) => c.type === 'Invalid')?.message ?? '', /^spec\.ingressRef: Ingress .*\/edge not found/);
    await applyYaml(ns.kc, `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: edge, annotations: { kubernetes.io/ingress.class: nginx } }
spec:
  rules: [{ host: edge.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: edge, port: { number: 80 } } } }] } }]
`, ns.name);
    await canaries.waitForPhase('edge', 'Initialized');
    const initial = await canaryIngress();
    assert.equal(initial?.spec.rules[0]?.http.paths[0]?.backend.service.name, 'edge-canary');
    assert.deepEqual(initial.metadata.annotations, { 'kubernetes.io/ingress.class': 'nginx', 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '0' });
    await canaries.setImage('edge', 'lab/echo:v2');
    await ns.waitFor('the canary Ingress at 50', async () => ((await canaryIngress())?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'] === '50' ? true : undefined));
    await canaries.waitForPhase('edge', 'Succeeded');
    assert.equal((await canaryIngress())?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'], '0');
    const users = await networking.readNamespacedIngress({ name: 'edge', namespace: ns.name });
    assert.equal(users.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name, 'edge', 'the users\' Ingress is left as it is');
  });
});

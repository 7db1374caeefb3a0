/**
 * Routers whose data plane cannot run here (AWS ALB, Ambassador, App Mesh, Istio's subsets and TCP routes, Contour,
 * Gloo, Kuma, Skipper): each provider's CRD (or the Ingress) is
 * installed, the real controller releases a Rollout through it, and the exact objects and fields are checked after
 * each step, on abort, on completion and after the Rollout is deleted — including the fields the router does not own.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CustomObjectsApi, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import type { Rollout } from '../../src/api/rollout.ts';
import { applyYaml } from '../support/kube.ts';
import { installFixtureCrds } from '../support/fixture-crds.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';
import { routedCanaryManifest, routedServices } from '../support/rollouts.ts';

const fixtureCrds = ['istio-virtualservices.yaml', 'istio-destinationrules.yaml', 'ambassador-mappings.yaml', 'appmesh-virtualservices.yaml', 'appmesh-virtualrouters.yaml', 'appmesh-virtualnodes.yaml',
  'contour-httpproxies.yaml', 'gloo-routetables.yaml', 'kuma-meshhttproutes.yaml'];

// Installed before the suite's controller starts watching their kinds.
before(() => installFixtureCrds(fixtureCrds));

describe('traffic routers checked on their objects', () => {
  const suite = useRolloutSuite('ro-providers', { dumpKinds: [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet'], ['networking.k8s.io/v1', 'Ingress'], ['getambassador.io/v2', 'Mapping'], ['appmesh.k8s.aws/v1beta2', 'VirtualRouter'], ['appmesh.k8s.aws/v1beta2', 'VirtualNode']] });
  const { ns, rollouts } = suite;

  async function pausedAt(name: string, step: number): Promise<Rollout> {
    return rollouts.waitFor(name, `paused at step ${String(step)}`, (r) => r.status?.currentStepIndex === step && r.status.phase === 'Paused');
  }

  async function custom<T>(group: string, version: string, plural: string, name: string): Promise<T | undefined> {
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    return (await objects.getNamespacedCustomObject({ group, version, plural, namespace: ns.name, name }).catch(() => undefined)) as T | undefined;
  }

  async function deleteRollout(name: string): Promise<void> {
    await rollouts.objects.deleteNamespacedCustomObject({ group: 'aviary.dev', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name });
    await ns.waitFor(`Rollout ${name} to be gone`, async () => (await rollouts.get(name).catch(() => undefined)) === undefined);
  }

  it('ALB: the forward action and a header route on the Ingress, taken back on abort; other annotations, paths and labels stay', async () => {
    await applyYaml(ns.kc, `${routedServices('alb')}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: alb
  labels: { team: shop }
  annotations: { alb.ingress.kubernetes.io/scheme: internet-facing }
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - { path: /static, pathType: Prefix, backend: { service: { name: cdn, port: { number: 80 } } } }
          - { path: /*, pathType: ImplementationSpecific, backend: { service: { name: alb-stable, port: { name: use-annotation } } } }
---
${routedCanaryManifest('alb', `        alb: { ingress: alb, servicePort: 80, stickinessConfig: { enabled: true, durationSeconds: 60 } }
        managedRoutes: [{ name: beta }]`, `        - setHeaderRoute: { name: beta, match: [{ headerName: X-Beta, headerValue: { exact: "yes" } }] }
        - setWeight: 20
        - pause: {}`)}`, ns.name);
    const networking = ns.kc.makeApiClient(NetworkingV1Api);
    const read = (): Promise<V1Ingress> => networking.readNamespacedIngress({ name: 'alb', namespace: ns.name });
    const action = (ing: V1Ingress, name: string): { ForwardConfig: { TargetGroups: { ServiceName: string; ServicePort: string; Weight: number }[]; TargetGroupStickinessConfig?: unknown } } | undefined => {
      const value = ing.metadata?.annotations?.[`alb.ingress.kubernetes.io/actions.${name}`];
      return value === undefined ? undefined : JSON.parse(value) as never;
    };
    const paths = (ing: V1Ingress): (string | undefined)[] => (ing.spec?.rules?.[0]?.http?.paths ?? []).map((p) => p.backend.service?.name);

    await rollouts.waitForPhase('alb', 'Healthy');
    const healthy = await ns.waitFor('the weighted action at 0', async () => {
      const ing = await read();
      return action(ing, 'alb-stable')?.ForwardConfig.TargetGroups[0]?.Weight === 0 ? ing : undefined;
    });
    assert.deepEqual(action(healthy, 'alb-stable')?.ForwardConfig, {
      TargetGroups: [{ ServiceName: 'alb-canary', ServicePort: '80', Weight: 0 }, { ServiceName: 'alb-stable', ServicePort: '80', Weight: 100 }],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
    });

    await rollouts.setImage('alb', 'lab/echo:v2');
    await pausedAt('alb', 2);
    const during = await ns.waitFor('the action at 20 with the header route', async () => {
      const ing = await read();
      return action(ing, 'alb-stable')?.ForwardConfig.TargetGroups[0]?.Weight === 20 && paths(ing)[0] === 'beta' ? ing : undefined;
    });
    assert.deepEqual(action(during, 'alb-stable')?.ForwardConfig.TargetGroups.map((g) => [g.ServiceName, g.Weight]), [['alb-canary', 20], ['alb-stable', 80]]);
    assert.deepEqual(action(during, 'beta')?.ForwardConfig.TargetGroups, [{ ServiceName: 'alb-canary', ServicePort: '80', Weight: 100 }]);
    assert.deepEqual(JSON.parse(during.metadata?.annotations?.['alb.ingress.kubernetes.io/conditions.beta'] ?? ''), [{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Beta', values: ['yes'] } }]);
    assert.deepEqual(paths(during), ['beta', 'cdn', 'alb-stable']);
    assert.deepEqual(JSON.parse(during.metadata?.annotations?.['rollouts.argoproj.io/managed-alb-annotations'] ?? ''), {
      alb: ['alb.ingress.kubernetes.io/actions.alb-stable', 'alb.ingress.kubernetes.io/actions.beta', 'alb.ingress.kubernetes.io/conditions.beta'],
    });
    assert.ok(suite.controller.reasonsFor('alb').includes('PatchingALBIngress'));

    await rollouts.patchStatus('alb', { abort: true });
    await rollouts.waitForPhase('alb', 'Degraded');
    const aborted = await ns.waitFor('the action back at 0 and the header route gone', async () => {
      const ing = await read();
      return action(ing, 'alb-stable')?.ForwardConfig.TargetGroups[0]?.Weight === 0 && paths(ing).length === 2 ? ing : undefined;
    });
    assert.equal(action(aborted, 'beta'), undefined);
    assert.equal(aborted.metadata?.annotations?.['alb.ingress.kubernetes.io/conditions.beta'], undefined);
    assert.deepEqual({ labels: aborted.metadata?.labels, scheme: aborted.metadata?.annotations?.['alb.ingress.kubernetes.io/scheme'], paths: paths(aborted), cls: aborted.spec?.ingressClassName },
      { labels: { team: 'shop' }, scheme: 'internet-facing', paths: ['cdn', 'alb-stable'], cls: 'alb' });

    await deleteRollout('alb');
    const left = await read();
    assert.deepEqual(action(left, 'alb-stable')?.ForwardConfig.TargetGroups.map((g) => g.Weight), [0, 100], 'the Ingress keeps sending everything to the stable Service');
  });

  it('Ambassador: the canary Mapping is cloned with each step\'s weight, and removed once the release is complete', async () => {
    await applyYaml(ns.kc, `${routedServices('amb')}---
apiVersion: getambassador.io/v2
kind: Mapping
metadata: { name: amb, labels: { team: shop } }
spec: { prefix: /amb/, rewrite: /, service: "amb-stable:80", timeout_ms: 3000 }
---
${routedCanaryManifest('amb', '        ambassador: { mappings: [amb] }', `        - setWeight: 30
        - pause: {}
        - setWeight: 60
        - pause: {}`)}`, ns.name);
    interface Mapping { metadata: { labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] }; spec: Record<string, unknown> }
    const mapping = (name: string): Promise<Mapping | undefined> => custom<Mapping>('getambassador.io', 'v2', 'mappings', name);
    const first = await rollouts.waitForPhase('amb', 'Healthy');
    assert.equal(await mapping('amb-canary'), undefined, 'no clone at weight 0');
    await rollouts.setImage('amb', 'lab/echo:v2');
    await pausedAt('amb', 1);
    const clone = await ns.waitFor('the canary Mapping at 30', async () => {
      const m = await mapping('amb-canary');
      return m?.spec.weight === 30 ? m : undefined;
    });
    assert.deepEqual(clone.spec, { prefix: '/amb/', rewrite: '/', service: 'amb-canary:80', timeout_ms: 3000, weight: 30 });
    assert.deepEqual(clone.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ['Rollout/amb']);
    await rollouts.promote('amb');
    await pausedAt('amb', 3);
    await ns.waitFor('the canary Mapping at 60', async () => (await mapping('amb-canary'))?.spec.weight === 60);
    assert.ok(suite.controller.reasonsFor('amb').includes('CanaryMappingWeightUpdate'));

    await rollouts.patchStatus('amb', { promoteFull: true });
    await rollouts.waitFor('amb', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== first.status?.stableRS);
    await ns.waitFor('the canary Mapping to be deleted', async () => (await mapping('amb-canary')) === undefined);
    const base = await mapping('amb');
    assert.deepEqual({ labels: base?.metadata.labels, spec: base?.spec }, { labels: { team: 'shop' }, spec: { prefix: '/amb/', rewrite: '/', service: 'amb-stable:80', timeout_ms: 3000 } }, 'the base Mapping is only read');
  });

  it('App Mesh: virtual nodes follow the versions\' hashes and the VirtualRouter\'s targets each step\'s weight', async () => {
    const targets = (stable: number, canary: number): string => `{ weightedTargets: [{ virtualNodeRef: { name: mesh-stable }, weight: ${String(stable)} }, { virtualNodeRef: { name: mesh-canary }, weight: ${String(canary)} }] }`;
    await applyYaml(ns.kc, `${routedServices('mesh')}---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualService
metadata: { name: mesh }
spec: { awsName: mesh.shop.svc.cluster.local, provider: { virtualRouter: { virtualRouterRef: { name: mesh-router } } } }
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualRouter
metadata: { name: mesh-router, labels: { team: shop } }
spec:
  listeners: [{ portMapping: { port: 80, protocol: http } }]
  routes:
    - { name: primary, httpRoute: { match: { prefix: / }, action: ${targets(100, 0)} } }
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: mesh-stable }
spec: { podSelector: { matchLabels: { app: mesh } }, listeners: [{ portMapping: { port: 8080, protocol: http } }] }
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: mesh-canary }
spec: { podSelector: { matchLabels: { app: mesh } }, listeners: [{ portMapping: { port: 8080, protocol: http } }] }
---
${routedCanaryManifest('mesh', '        appMesh: { virtualService: { name: mesh }, virtualNodeGroup: { canaryVirtualNodeRef: { name: mesh-canary }, stableVirtualNodeRef: { name: mesh-stable } } }', `        - setWeight: 25
        - pause: {}`)}`, ns.name);
    interface Node { spec: { podSelector: { matchLabels: Record<string, string> }; listeners: unknown[] } }
    interface Router { metadata: { labels?: Record<string, string> }; spec: { listeners: unknown[]; routes: { httpRoute: { match: unknown; action: { weightedTargets: { virtualNodeRef: { name: string }; weight: number }[] } } }[] } }
    const node = async (name: string): Promise<Record<string, string> | undefined> => (await custom<Node>('appmesh.k8s.aws', 'v1beta2', 'virtualnodes', name))?.spec.podSelector.matchLabels;
    const weights = async (): Promise<number[]> => ((await custom<Router>('appmesh.k8s.aws', 'v1beta2', 'virtualrouters', 'mesh-router'))?.spec.routes[0]?.httpRoute.action.weightedTargets ?? []).map((t) => t.weight);

    const first = await rollouts.waitForPhase('mesh', 'Healthy');
    const v1 = first.status?.stableRS ?? '';
    await ns.waitFor('the virtual nodes labelled', async () => (await node('mesh-stable'))?.['rollouts-pod-template-hash'] === v1 && (await node('mesh-canary'))?.['rollouts-pod-template-hash'] === 'canary-hash');
    await rollouts.setImage('mesh', 'lab/echo:v2');
    const paused = await pausedAt('mesh', 1);
    const v2 = paused.status?.currentPodHash ?? '';
    assert.notEqual(v2, v1);
    await ns.waitFor('the router at 25', async () => (await weights()).join() === '75,25');
    assert.deepEqual(await node('mesh-stable'), { app: 'mesh', 'rollouts-pod-template-hash': v1 });
    assert.deepEqual(await node('mesh-canary'), { app: 'mesh', 'rollouts-pod-template-hash': v2 });
    const during = await custom<Router>('appmesh.k8s.aws', 'v1beta2', 'virtualrouters', 'mesh-router');
    assert.deepEqual({ labels: during?.metadata.labels, match: during?.spec.routes[0]?.httpRoute.match, listeners: during?.spec.listeners.length }, { labels: { team: 'shop' }, match: { prefix: '/' }, listeners: 1 });

    await rollouts.patchStatus('mesh', { promoteFull: true });
    await rollouts.waitFor('mesh', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v2);
    await ns.waitFor('the router back at 0 and the nodes on v2', async () =>
      (await weights()).join() === '100,0' && (await node('mesh-stable'))?.['rollouts-pod-template-hash'] === v2 && (await node('mesh-canary'))?.['rollouts-pod-template-hash'] === 'canary-hash');

    await deleteRollout('mesh');
    assert.deepEqual(await weights(), [100, 0], 'the mesh keeps sending everything to the stable node');
  });

  it('Istio subset-level: DestinationRule subsets follow the versions, the VirtualService\'s HTTP and TCP routes each step\'s weight', async () => {
    const route = (stable: number, canary: number): string => `[{ destination: { host: sub, subset: stable }, weight: ${String(stable)} }, { destination: { host: sub, subset: canary }, weight: ${String(canary)} }]`;
    // As Argo Rollouts' istio-subset-split example: one Service, no canary or stable Services.
    await applyYaml(ns.kc, `apiVersion: v1
kind: Service
metadata: { name: sub }
spec: { selector: { app: sub }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: sub, labels: { team: shop } }
spec:
  hosts: [sub]
  http: [{ name: primary, route: ${route(100, 0)} }]
  tcp: [{ match: [{ port: 5432 }], route: ${route(100, 0)} }]
---
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: { name: sub-rule }
spec:
  host: sub
  trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }
  subsets: [{ name: stable, labels: { app: sub } }, { name: canary, labels: { app: sub } }, { name: legacy, labels: { version: v0 } }]
---
apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata: { name: sub }
spec:
  replicas: 2
  selector: { matchLabels: { app: sub } }
  template:
    metadata: { labels: { app: sub } }
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{ name: app, image: "lab/echo:v1", ports: [{ containerPort: 8080 }] }]
  strategy:
    canary:
      scaleDownDelaySeconds: 2
      trafficRouting:
        istio:
          virtualService: { name: sub, routes: [primary], tcpRoutes: [{ port: 5432 }] }
          destinationRule: { name: sub-rule, canarySubsetName: canary, stableSubsetName: stable }
      steps: [{ setWeight: 40 }, { pause: {} }]
`, ns.name);
    interface Vs { metadata: { labels?: Record<string, string> }; spec: { http: { route: { destination: { subset: string }; weight: number }[] }[]; tcp: { route: { weight: number }[] }[] } }
    interface Dr { metadata: { annotations?: Record<string, string> }; spec: { trafficPolicy: unknown; subsets: { name: string; labels: Record<string, string> }[] } }
    const vs = async (): Promise<Vs | undefined> => custom<Vs>('networking.istio.io', 'v1alpha3', 'virtualservices', 'sub');
    const rule = async (): Promise<Dr | undefined> => custom<Dr>('networking.istio.io', 'v1alpha3', 'destinationrules', 'sub-rule');
    const hashes = async (): Promise<(string | undefined)[]> => ((await rule())?.spec.subsets ?? []).map((s) => s.labels['rollouts-pod-template-hash']);

    const first = await rollouts.waitForPhase('sub', 'Healthy');
    const v1 = first.status?.stableRS ?? '';
    await ns.waitFor('both subsets on v1', async () => (await hashes()).join() === `${v1},${v1},`);
    await rollouts.setImage('sub', 'lab/echo:v2');
    const paused = await pausedAt('sub', 1);
    const v2 = paused.status?.currentPodHash ?? '';
    const during = await ns.waitFor('the routes at 40', async () => {
      const v = await vs();
      return v?.spec.http[0]?.route[1]?.weight === 40 && v.spec.tcp[0]?.route[1]?.weight === 40 ? v : undefined;
    });
    assert.deepEqual(during.spec.http[0]?.route.map((r) => [r.destination.subset, r.weight]), [['stable', 60], ['canary', 40]]);
    assert.deepEqual(during.spec.tcp[0]?.route.map((r) => r.weight), [60, 40]);
    assert.deepEqual(during.metadata.labels, { team: 'shop' });
    const labelled = await rule();
    assert.deepEqual(labelled?.spec.subsets, [
      { name: 'stable', labels: { app: 'sub', 'rollouts-pod-template-hash': v1 } },
      { name: 'canary', labels: { app: 'sub', 'rollouts-pod-template-hash': v2 } },
      { name: 'legacy', labels: { version: 'v0' } },
    ], 'only the canary and stable subsets carry a hash; other subsets stay');
    assert.deepEqual(labelled.spec.trafficPolicy, { loadBalancer: { simple: 'ROUND_ROBIN' } });
    assert.equal(labelled.metadata.annotations?.['argo-rollouts.argoproj.io/managed-by-rollouts'], 'sub');
    assert.ok(suite.controller.reasonsFor('sub').includes('UpdatedDestinationRule'));

    await rollouts.patchStatus('sub', { promoteFull: true });
    await rollouts.waitFor('sub', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v2);
    await ns.waitFor('both subsets on v2 and the routes at 0', async () => {
      const v = await vs();
      return (await hashes()).join() === `${v2},${v2},` && v?.spec.http[0]?.route[1]?.weight === 0 && v.spec.tcp[0]?.route[1]?.weight === 0;
    });
  });

  it('several routers at once — Contour (as the Argo plugin), Gloo, Kuma and Skipper: each object carries every step\'s weight', async () => {
    await applyYaml(ns.kc, `${routedServices('many')}---
apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: { name: many }
spec:
  virtualhost: { fqdn: many.example.com }
  routes:
    - { conditions: [{ prefix: /static }], services: [{ name: cdn, port: 80 }] }
    - { conditions: [{ prefix: / }], services: [{ name: many-stable, port: 80, weight: 100 }, { name: many-canary, port: 80, weight: 0 }] }
---
apiVersion: gateway.solo.io/v1
kind: RouteTable
metadata: { name: many }
spec:
  routes:
    - name: main
      matchers: [{ prefix: / }]
      routeAction: { multi: { destinations: [{ destination: { upstream: { name: many-stable } }, weight: 100 }, { destination: { upstream: { name: many-canary } }, weight: 0 }] } }
---
apiVersion: kuma.io/v1alpha1
kind: MeshHTTPRoute
metadata: { name: many, labels: { kuma.io/mesh: default } }
spec:
  targetRef: { kind: Mesh }
  to: [{ targetRef: { kind: MeshService, name: many-stable }, rules: [{ matches: [{ path: { type: PathPrefix, value: / } }], default: { backendRefs: [{ kind: MeshService, name: many-stable, weight: 100 }, { kind: MeshService, name: many-canary, weight: 0 }] } }] }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: many-skipper, annotations: { zalando.org/skipper-filter: compress() } }
spec:
  ingressClassName: skipper
  rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: many-stable, port: { number: 80 } } } }, { path: /, pathType: Prefix, backend: { service: { name: many-canary, port: { number: 80 } } } }] } }]
---
${routedCanaryManifest('many', `        plugins: { argoproj-labs/contour: { httpProxies: [many] } }
        gloo: { routeTable: { name: many }, routes: [main] }
        kuma: { meshHTTPRoute: many }
        skipper: { ingress: many-skipper }`, `        - setWeight: 35
        - pause: {}`)}`, ns.name);
    interface Proxy { spec: { routes: { services: { weight?: number }[] }[] } }
    interface Table { spec: { routes: { routeAction: { multi: { destinations: { weight: number }[] } } }[] } }
    interface Mesh { spec: { to: { rules: { default: { backendRefs: { weight: number }[] } }[] }[] } }
    const networking = ns.kc.makeApiClient(NetworkingV1Api);
    const shares = async (): Promise<Record<string, unknown>> => {
      const proxy = await custom<Proxy>('projectcontour.io', 'v1', 'httpproxies', 'many');
      const table = await custom<Table>('gateway.solo.io', 'v1', 'routetables', 'many');
      const mesh = await custom<Mesh>('kuma.io', 'v1alpha1', 'meshhttproutes', 'many');
      const skipperIngress = await networking.readNamespacedIngress({ name: 'many-skipper', namespace: ns.name });
      return {
        contour: proxy?.spec.routes[1]?.services.map((x) => x.weight),
        gloo: table?.spec.routes[0]?.routeAction.multi.destinations.map((d) => d.weight),
        kuma: mesh?.spec.to[0]?.rules[0]?.default.backendRefs.map((b) => b.weight),
        skipper: JSON.parse(skipperIngress.metadata?.annotations?.['zalando.org/backend-weights'] ?? '{}') as unknown,
        skipperFilter: skipperIngress.metadata?.annotations?.['zalando.org/skipper-filter'],
      };
    };
    const expected = (canary: number): Record<string, unknown> => ({
      contour: [100 - canary, canary], gloo: [100 - canary, canary], kuma: [100 - canary, canary],
      skipper: { 'many-stable': 100 - canary, 'many-canary': canary }, skipperFilter: 'compress()',
    });
    const first = await rollouts.waitForPhase('many', 'Healthy');
    await ns.waitFor('every object at 0', async () => JSON.stringify(await shares()) === JSON.stringify(expected(0)));
    await rollouts.setImage('many', 'lab/echo:v2');
    await pausedAt('many', 1);
    await ns.waitFor('every object at 35', async () => JSON.stringify(await shares()) === JSON.stringify(expected(35)));
    const proxy = await custom<{ spec: { routes: { services: { name: string }[] }[] } }>('projectcontour.io', 'v1', 'httpproxies', 'many');
    assert.deepEqual(proxy?.spec.routes[0]?.services, [{ name: 'cdn', port: 80 }], 'the route to another Service stays');
    await rollouts.patchStatus('many', { promoteFull: true });
    await rollouts.waitFor('many', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== first.status?.stableRS);
    await ns.waitFor('every object back at 0', async () => JSON.stringify(await shares()) === JSON.stringify(expected(0)));
  });
});

/**
 * Traffic-routed canaries through the lab's real gateway: Aviary's controller writes the HTTPRoute (Gateway API
 * router) or the TraefikService (Traefik router), Traefik applies it, and the split is measured from real
 * responses, which name the version that answered.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CustomObjectsApi, NetworkingV1Api, PatchStrategy, setHeaderOptions, type V1Ingress } from '@kubernetes/client-node';
import type { Rollout } from '../../src/api/rollout.ts';
import { sharedGateway } from '../../src/lab/gateway-objects.ts';
import { applyYaml } from '../support/kube.ts';
import { installFixtureCrds } from '../support/fixture-crds.ts';
import { gatewayLoad, requireLab, untilTraefikServers, untilTraefikWeights, versionShare } from '../support/lab.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';
import { routedCanaryManifest, routedServices } from '../support/rollouts.ts';

const requests = 2000;

// Provider CRDs the lab does not bring, installed before the suite's controller starts watching their kinds.
before(() => installFixtureCrds(['smi-trafficsplits.yaml', 'istio-virtualservices.yaml', 'apisix-routes.yaml']));

describe('traffic-routed canaries through the lab gateway', () => {
  const suite = useRolloutSuite('ro-traffic', { dumpKinds: [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet'], ['v1', 'Service'], ['gateway.networking.k8s.io/v1', 'HTTPRoute'], ['traefik.io/v1alpha1', 'TraefikService']] });
  const { ns, rollouts } = suite;
  let gatewayUrl = '';
  before(async () => {
    gatewayUrl = (await requireLab()).gatewayUrl;
  });

  /** Measures the share v2 answers over `requests` requests and checks it is the weight, ± 4 points. */
  async function expectShare(host: string, weight: number, headers: Record<string, string> = {}): Promise<void> {
    const report = await gatewayLoad(gatewayUrl, host, requests, headers);
    assert.equal(report.byCode['200'], requests, `every request answered 200: ${JSON.stringify(report.byCode)}`);
    const share = versionShare(report, 'v2');
    assert.ok(Math.abs(share - weight) <= 4, `v2 answered ${share.toFixed(1)}% of ${String(requests)} requests at weight ${String(weight)}`);
  }

  async function pausedAt(name: string, step: number): Promise<Rollout> {
    return rollouts.waitFor(name, `paused at step ${String(step)}`, (r) => r.status?.currentStepIndex === step && r.status.phase === 'Paused');
  }

  it('Gateway API: the measured share follows every step, a header route reaches only the canary, abort takes it back at once', async () => {
    const host = `gw.${ns.name}.lab`;
    await applyYaml(ns.kc, `${routedServices('gw')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: gw, labels: { team: shop } }
spec:
  parentRefs: [{ name: ${sharedGateway.name}, namespace: ${sharedGateway.namespace} }]
  hostnames: [${host}]
  rules:
    - backendRefs: [{ name: gw-stable, port: 80, weight: 100 }, { name: gw-canary, port: 80, weight: 0 }]
---
${routedCanaryManifest('gw', `        gatewayAPI: { httpRoute: gw }
        managedRoutes: [{ name: beta }]`, `        - setHeaderRoute: { name: beta, match: [{ headerName: x-beta, headerValue: { exact: "yes" } }] }
        - setWeight: 10
        - pause: {}
        - setWeight: 25
        - pause: {}
        - setWeight: 50
        - pause: {}`)}`, ns.name);
    const first = await rollouts.waitForPhase('gw', 'Healthy');
    const v1 = first.status?.stableRS ?? '';
    await untilTraefikWeights(ns, ns.name, { 'gw-stable': 100, 'gw-canary': 0 });
    // A new route's backend has no servers in Traefik until it has read the Service's endpoints: until then it answers 503.
    await untilTraefikServers(ns, ns.name, 'gw-stable', 4);
    await expectShare(host, 0);

    await rollouts.setImage('gw', 'lab/echo:v2');
    const ten = await pausedAt('gw', 2);
    const v2 = ten.status?.currentPodHash ?? '';
    assert.deepEqual(await rollouts.counts('gw'), { [v1]: 4, [v2]: 1 }, 'canary ceil(10% × 4) = 1, stable stays at 4');
    assert.deepEqual(ten.status?.canary?.weights, {
      canary: { weight: 10, podTemplateHash: v2, serviceName: 'gw-canary' },
      stable: { weight: 90, podTemplateHash: v1, serviceName: 'gw-stable' },
      verified: true,
    });
    await untilTraefikWeights(ns, ns.name, { 'gw-stable': 90, 'gw-canary': 10 });
    await expectShare(host, 10);
    const beta = await gatewayLoad(gatewayUrl, host, 200, { 'x-beta': 'yes' });
    assert.deepEqual(beta.byVersion, { v2: 200 }, 'requests with x-beta: yes all went to the canary');

    await rollouts.promote('gw');
    await pausedAt('gw', 4);
    await untilTraefikWeights(ns, ns.name, { 'gw-stable': 75, 'gw-canary': 25 });
    await expectShare(host, 25);
    assert.deepEqual(await rollouts.counts('gw'), { [v1]: 4, [v2]: 1 }, 'ceil(25% × 4) = 1');

    await rollouts.promote('gw');
    await pausedAt('gw', 6);
    await untilTraefikWeights(ns, ns.name, { 'gw-stable': 50, 'gw-canary': 50 });
    await expectShare(host, 50);
    assert.deepEqual(await rollouts.counts('gw'), { [v1]: 4, [v2]: 2 });

    await rollouts.patchStatus('gw', { abort: true });
    await rollouts.waitForPhase('gw', 'Degraded');
    await untilTraefikWeights(ns, ns.name, { 'gw-stable': 100, 'gw-canary': 0 });
    await expectShare(host, 0);
    const afterAbort = await gatewayLoad(gatewayUrl, host, 200, { 'x-beta': 'yes' });
    assert.deepEqual(afterAbort.byVersion, { v1: 200 }, 'the header route is gone with the abort');
    const routes = ns.kc.makeApiClient(CustomObjectsApi);
    const route = (await routes.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: ns.name, plural: 'httproutes', name: 'gw' })) as { metadata: { labels?: Record<string, string> }; spec: { rules: { name?: string }[]; hostnames: string[] } };
    assert.deepEqual(route.spec.rules.map((r) => r.name), [undefined], 'only the user\'s rule is left');
    assert.deepEqual({ labels: route.metadata.labels, hostnames: route.spec.hostnames }, { labels: { team: 'shop' }, hostnames: [host] }, 'fields the router does not own are untouched');
    await ns.waitFor('the aborted canary to be scaled down after abortScaleDownDelaySeconds', async () => (await rollouts.counts('gw'))[v2] === 0);
    assert.ok(suite.controller.reasonsFor('gw').includes('TrafficWeightUpdated'));
  });

  it('Traefik: a TraefikService carries each step\'s weight, and a full promotion ends on the new version', async () => {
    const host = `tr.${ns.name}.lab`;
    await applyYaml(ns.kc, `${routedServices('tr')}---
apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: { name: tr-split }
spec:
  weighted:
    services: [{ name: tr-stable, port: 80, weight: 100 }, { name: tr-canary, port: 80, weight: 0 }]
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: tr }
spec:
  entryPoints: [web]
  routes: [{ match: "Host(\`${host}\`)", kind: Rule, services: [{ name: tr-split, kind: TraefikService }] }]
---
${routedCanaryManifest('tr', '        traefik: { weightedTraefikServiceName: tr-split }', `        - setWeight: 30
        - pause: {}`)}`, ns.name);
    const first = await rollouts.waitForPhase('tr', 'Healthy');
    const v1 = first.status?.stableRS ?? '';
    await rollouts.setImage('tr', 'lab/echo:v2');
    const paused = await pausedAt('tr', 1);
    const v2 = paused.status?.currentPodHash ?? '';
    assert.deepEqual(await rollouts.counts('tr'), { [v1]: 4, [v2]: 2 }, 'ceil(30% × 4) = 2');
    await untilTraefikWeights(ns, ns.name, { 'tr-stable': 70, 'tr-canary': 30 });
    await expectShare(host, 30);

    await rollouts.patchStatus('tr', { promoteFull: true });
    const done = await rollouts.waitFor('tr', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v2);
    assert.deepEqual(done.status?.canary?.weights?.canary, { weight: 0, podTemplateHash: v2, serviceName: 'tr-canary' });
    await untilTraefikWeights(ns, ns.name, { 'tr-stable': 100, 'tr-canary': 0 });
    await expectShare(host, 100);
    await ns.waitFor('the old stable to be scaled down after scaleDownDelaySeconds', async () => (await rollouts.counts('tr'))[v1] === 0);
  });

  it('a missing HTTPRoute holds the Rollout where it is, with a condition naming it, until the route exists', async () => {
    const host = `late.${ns.name}.lab`;
    await applyYaml(ns.kc, `${routedServices('late')}---
${routedCanaryManifest('late', '        gatewayAPI: { httpRoute: late }', `        - setWeight: 20
        - pause: {}`)}`, ns.name);
    await rollouts.waitForPhase('late', 'Healthy');
    await rollouts.setImage('late', 'lab/echo:v2');
    const held = await rollouts.waitFor('late', 'the TrafficRouting condition', (r) => r.status?.conditions?.some((c) => c.type === 'TrafficRouting') === true);
    const condition = held.status?.conditions?.find((c) => c.type === 'TrafficRouting');
    assert.deepEqual({ status: condition?.status, reason: condition?.reason, message: condition?.message }, { status: 'False', reason: 'HTTPRouteNotFound', message: `HTTPRoute ${ns.name}/late not found` });
    assert.equal(held.status?.currentStepIndex, 0, 'no step advanced');
    assert.equal(held.status.canary?.weights, undefined, 'no weight recorded');
    assert.ok(suite.controller.reasonsFor('late').includes('HTTPRouteNotFound'));
    await applyYaml(ns.kc, `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: late }
spec:
  parentRefs: [{ name: ${sharedGateway.name}, namespace: ${sharedGateway.namespace} }]
  hostnames: [${host}]
  rules: [{ backendRefs: [{ name: late-stable, port: 80, weight: 100 }, { name: late-canary, port: 80, weight: 0 }] }]
`, ns.name);
    const moved = await pausedAt('late', 1);
    assert.equal(moved.status?.canary?.weights?.canary.weight, 20);
    assert.equal(moved.status.conditions?.some((c) => c.type === 'TrafficRouting'), false, 'the condition is gone');
    await untilTraefikWeights(ns, ns.name, { 'late-stable': 80, 'late-canary': 20 });
    await expectShare(host, 20);
  });

  it('NGINX: the canary Ingress is created, weighted at each step, kept at 0 after the release and deleted with the Rollout', async () => {
    // Traefik does not read NGINX's canary annotations, so this is checked on the objects.
    await applyYaml(ns.kc, `${routedServices('ngx')}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ngx, annotations: { nginx.ingress.kubernetes.io/rewrite-target: / }, labels: { team: shop } }
spec:
  ingressClassName: nginx
  rules: [{ host: ngx.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: ngx-stable, port: { number: 80 } } } }] } }]
---
${routedCanaryManifest('ngx', '        nginx: { stableIngress: ngx, additionalIngressAnnotations: { canary-by-header: X-Canary } }', `        - setWeight: 30
        - pause: {}`)}`, ns.name);
    const networking = ns.kc.makeApiClient(NetworkingV1Api);
    const canaryIngress = async (): Promise<V1Ingress | undefined> => networking.readNamespacedIngress({ name: 'ngx-ngx-canary', namespace: ns.name }).catch(() => undefined);
    const first = await rollouts.waitForPhase('ngx', 'Healthy');
    await rollouts.setImage('ngx', 'lab/echo:v2');
    await pausedAt('ngx', 1);
    const created = await ns.waitFor('the canary Ingress at weight 30', async () => {
      const ing = await canaryIngress();
      return ing?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'] === '30' ? ing : undefined;
    });
    assert.deepEqual(created.metadata?.annotations, { 'canary-by-header': 'X-Canary', 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '30' });
    assert.deepEqual(created.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name, 'ngx-canary');
    assert.equal(created.spec.ingressClassName, 'nginx');
    assert.deepEqual(created.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}/${String(o.controller)}`), ['Rollout/ngx/true']);
    const stable = await networking.readNamespacedIngress({ name: 'ngx', namespace: ns.name });
    assert.deepEqual({ labels: stable.metadata?.labels, annotations: stable.metadata?.annotations, backend: stable.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name },
      { labels: { team: 'shop' }, annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' }, backend: 'ngx-stable' }, 'the stable Ingress is only read');
    assert.ok(suite.controller.reasonsFor('ngx').includes('CreatingCanaryIngress'));

    await rollouts.patchStatus('ngx', { promoteFull: true });
    await rollouts.waitFor('ngx', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== first.status?.stableRS);
    assert.equal((await canaryIngress())?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'], '0', 'the canary Ingress stays at weight 0');
    await rollouts.objects.deleteNamespacedCustomObject({ group: 'aviary.dev', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'ngx' });
    await ns.waitFor('the canary Ingress to be garbage-collected with its Rollout', async () => (await canaryIngress()) === undefined);
  });

  it('SMI: the TrafficSplit is created with the root Service and weighted at each step; fields of others survive', async () => {
    await applyYaml(ns.kc, `${routedServices('smi')}---
${routedCanaryManifest('smi', '        smi: { rootService: smi-root }', `        - setWeight: 25
        - pause: {}`)}`, ns.name);
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    interface Split { metadata: { labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] }; spec: { service: string; backends: { service: string; weight: string | number }[] } }
    const split = async (): Promise<Split | undefined> =>
      (await objects.getNamespacedCustomObject({ group: 'split.smi-spec.io', version: 'v1alpha1', plural: 'trafficsplits', namespace: ns.name, name: 'smi' }).catch(() => undefined)) as Split | undefined;
    const first = await rollouts.waitForPhase('smi', 'Healthy');
    const created = await ns.waitFor('the TrafficSplit', split);
    assert.deepEqual(created.spec, { service: 'smi-root', backends: [{ service: 'smi-canary', weight: '0' }, { service: 'smi-stable', weight: '100' }] });
    assert.deepEqual(created.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ['Rollout/smi']);
    await objects.patchNamespacedCustomObject({ group: 'split.smi-spec.io', version: 'v1alpha1', plural: 'trafficsplits', namespace: ns.name, name: 'smi', body: { metadata: { labels: { mesh: 'linkerd' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await rollouts.setImage('smi', 'lab/echo:v2');
    await pausedAt('smi', 1);
    const weighted = await ns.waitFor('the TrafficSplit at 25', async () => {
      const s = await split();
      return s?.spec.backends[0]?.weight === '25' ? s : undefined;
    });
    assert.deepEqual(weighted.spec.backends, [{ service: 'smi-canary', weight: '25' }, { service: 'smi-stable', weight: '75' }]);
    assert.deepEqual(weighted.metadata.labels, { mesh: 'linkerd' }, 'a label another tool set survives');
    assert.ok(suite.controller.reasonsFor('smi').includes('TrafficSplitCreated'));
    await rollouts.patchStatus('smi', { promoteFull: true });
    await rollouts.waitFor('smi', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== first.status?.stableRS);
    assert.deepEqual((await split())?.spec.backends, [{ service: 'smi-canary', weight: '0' }, { service: 'smi-stable', weight: '100' }]);
  });

  it('Istio: the named HTTP route of the VirtualService is weighted, a header route goes first and leaves at the end', async () => {
    await applyYaml(ns.kc, `${routedServices('ist')}---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: ist, labels: { team: shop } }
spec:
  hosts: [ist.example.com]
  http:
    - { name: admin, match: [{ uri: { prefix: /admin } }], route: [{ destination: { host: admin } }] }
    - name: primary
      route: [{ destination: { host: ist-stable, port: { number: 80 } }, weight: 100 }, { destination: { host: ist-canary, port: { number: 80 } }, weight: 0 }]
---
${routedCanaryManifest('ist', `        istio: { virtualService: { name: ist, routes: [primary] } }
        managedRoutes: [{ name: beta }]`, `        - setHeaderRoute: { name: beta, match: [{ headerName: x-beta, headerValue: { exact: "yes" } }] }
        - setWeight: 20
        - pause: {}`)}`, ns.name);
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    interface Vs { metadata: { labels?: Record<string, string> }; spec: { http: { name?: string; route: { destination: { host: string }; weight?: number }[] }[] } }
    const read = async (): Promise<Vs> => (await objects.getNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1alpha3', plural: 'virtualservices', namespace: ns.name, name: 'ist' })) as Vs;
    const first = await rollouts.waitForPhase('ist', 'Healthy');
    await rollouts.setImage('ist', 'lab/echo:v2');
    await pausedAt('ist', 2);
    const during = await ns.waitFor('the VirtualService at 20 with the header route first', async () => {
      const vs = await read();
      return vs.spec.http[0]?.name === 'beta' && vs.spec.http[2]?.route[1]?.weight === 20 ? vs : undefined;
    });
    assert.deepEqual(during.spec.http.map((r) => r.name), ['beta', 'admin', 'primary']);
    assert.deepEqual(during.spec.http[2]?.route.map((r) => [r.destination.host, r.weight]), [['ist-stable', 80], ['ist-canary', 20]]);
    assert.deepEqual(during.spec.http[0]?.route.map((r) => r.destination.host), ['ist-canary']);
    await rollouts.patchStatus('ist', { promoteFull: true });
    await rollouts.waitFor('ist', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== first.status?.stableRS);
    const done = await read();
    assert.deepEqual(done.spec.http.map((r) => r.name), ['admin', 'primary'], 'the managed route is gone');
    assert.deepEqual(done.spec.http[1]?.route.map((r) => r.weight), [100, 0]);
    assert.deepEqual(done.metadata.labels, { team: 'shop' });
  });

  it('APISIX: the named http rule\'s backends carry each step\'s weight, a header route is an ApisixRoute of its own; other rules and plugins stay', async () => {
    await applyYaml(ns.kc, `${routedServices('apx')}---
apiVersion: apisix.apache.org/v2
kind: ApisixRoute
metadata: { name: apx }
spec:
  http:
    - { name: static, match: { paths: [/static/*] }, backends: [{ serviceName: cdn, servicePort: 80 }] }
    - name: main
      match: { paths: [/*] }
      plugins: [{ name: cors, enable: true }]
      backends: [{ serviceName: apx-stable, servicePort: 80, weight: 100 }, { serviceName: apx-canary, servicePort: 80, weight: 0 }]
---
${routedCanaryManifest('apx', `        apisix: { route: { name: apx, rules: [main] } }
        managedRoutes: [{ name: apx-beta }]`, `        - setHeaderRoute: { name: apx-beta, match: [{ headerName: x-beta, headerValue: { exact: "yes" } }] }
        - setWeight: 40
        - pause: {}`)}`, ns.name);
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    interface Ar { metadata: { ownerReferences?: { kind: string; name: string }[] }; spec: { http: { name: string; priority?: number; match?: { exprs?: unknown[] }; plugins?: unknown[]; backends: { serviceName: string; weight?: number }[] }[] } }
    const read = async (name = 'apx'): Promise<Ar | undefined> => (await objects.getNamespacedCustomObject({ group: 'apisix.apache.org', version: 'v2', plural: 'apisixroutes', namespace: ns.name, name }).catch(() => undefined)) as Ar | undefined;
    const first = await rollouts.waitForPhase('apx', 'Healthy');
    await rollouts.setImage('apx', 'lab/echo:v2');
    await pausedAt('apx', 2);
    const during = await ns.waitFor('the ApisixRoute at 40', async () => {
      const ar = await read();
      return ar?.spec.http[1]?.backends[1]?.weight === 40 ? ar : undefined;
    });
    assert.deepEqual(during.spec.http[1]?.backends.map((b) => [b.serviceName, b.weight]), [['apx-stable', 60], ['apx-canary', 40]]);
    assert.deepEqual(during.spec.http[1].plugins, [{ name: 'cors', enable: true }]);
    assert.deepEqual(during.spec.http[0]?.backends, [{ serviceName: 'cdn', servicePort: 80 }]);
    const header = await ns.waitFor('the header route\'s ApisixRoute', () => read('apx-beta'));
    assert.deepEqual(header.spec.http[1], {
      name: 'main', priority: 1, plugins: [{ name: 'cors', enable: true }],
      match: { paths: ['/*'], exprs: [{ subject: { scope: 'Header', name: 'x-beta' }, op: 'Equal', value: 'yes' }] },
      backends: [{ serviceName: 'apx-canary', servicePort: 80, weight: 100 }],
    });
    assert.deepEqual(header.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ['Rollout/apx']);
    await rollouts.patchStatus('apx', { promoteFull: true });
    await rollouts.waitFor('apx', 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== first.status?.stableRS);
    await ns.waitFor('the header route\'s ApisixRoute to be deleted', async () => (await read('apx-beta')) === undefined);
    assert.deepEqual((await read())?.spec.http[1]?.backends.map((b) => b.weight), [100, 0]);
  });
});

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { aviaryGroup, argoprojGroup } from '../../src/api/groups.ts';
import type { Rollout } from '../../src/api/rollout.ts';
import { applyYaml } from '../support/kube.ts';
import { canaryManifest, routedCanaryManifest, routedServices, Rollouts } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';
import { startTestController } from '../support/controller.ts';
import { TestNamespace } from '../support/namespace.ts';
import { installFixtureCrds } from '../support/fixture-crds.ts';

before(() => installFixtureCrds(['apisix-routes.yaml', 'ambassador-mappings.yaml', 'appmesh-virtualservices.yaml', 'appmesh-virtualrouters.yaml', 'appmesh-virtualnodes.yaml', 'istio-virtualservices.yaml', 'istio-destinationrules.yaml', 'smi-trafficsplits.yaml']));

describe('compatibility mode (--compat argo)', () => {
  const suite = useRolloutSuite('ro-compat', { dumpKinds: [['argoproj.io/v1alpha1', 'Rollout'], ['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet']], groups: [aviaryGroup, argoprojGroup] });
  const { ns, rollouts } = suite;

  it('reconciles an unmodified argoproj.io Rollout manifest, and Argo-style patches steer it', async () => {
    await applyYaml(ns.kc, canaryManifest('argo').replace('aviary.dev/v1alpha1', 'argoproj.io/v1alpha1'), ns.name);
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    const read = async (): Promise<Rollout> =>
      (await objects.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'argo' })) as Rollout;
    const healthy = await ns.waitFor('the argoproj.io Rollout to be Healthy', async () => {
      const r = await read();
      return r.status?.phase === 'Healthy' ? r : undefined;
    });
    const rs = await rollouts.apps.listNamespacedReplicaSet({ namespace: ns.name });
    const owner = rs.items[0]?.metadata?.ownerReferences?.[0];
    assert.equal(owner?.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(owner.kind, 'Rollout');
    assert.equal(rs.items[0]?.metadata?.name, `argo-${healthy.status?.stableRS ?? ''}`);

    await objects.patchNamespacedCustomObject(
      { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'argo', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await ns.waitFor('the argoproj.io Rollout to pause at its step', async () => (await read()).status?.phase === 'Paused');
    await objects.patchNamespacedCustomObjectStatus(
      { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'argo', body: { status: { pauseConditions: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const done = await ns.waitFor('the promoted argoproj.io Rollout to be Healthy on the new template', async () => {
      const r = await read();
      return r.status?.phase === 'Healthy' && r.status.stableRS !== healthy.status?.stableRS ? r : undefined;
    });
    assert.equal(done.status?.stableRS, done.status?.currentPodHash);
    assert.ok(suite.controller.reasonsFor('argo').includes('RolloutCompleted'));
  });

  it('takes over a Rollout that Argo Rollouts was running, adopting its ReplicaSet without replacing pods', async () => {
    // Build the state Argo Rollouts leaves behind, in a namespace no controller watches yet.
    const handover = new TestNamespace('ro-handover');
    await handover.create();
    try {
      const [rollout] = await applyYaml(handover.kc, canaryManifest('taken', { replicas: 2 }).replace('aviary.dev/v1alpha1', 'argoproj.io/v1alpha1'), handover.name);
      const uid = rollout?.metadata?.uid ?? '';
      const argoHash = '5d9f8c7b6';
      const handoverRollouts = new Rollouts(handover);
      const spec = (await handover.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: handover.name, name: 'taken' })) as Rollout;
      await handoverRollouts.apps.createNamespacedReplicaSet({ namespace: handover.name, body: {
        metadata: {
          name: `taken-${argoHash}`,
          labels: { app: 'taken', 'rollouts-pod-template-hash': argoHash },
          annotations: { 'rollout.argoproj.io/revision': '1' },
          ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'taken', uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'taken', 'rollouts-pod-template-hash': argoHash } },
          template: { metadata: { labels: { app: 'taken', 'rollouts-pod-template-hash': argoHash } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
        },
      } });
      await handover.kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
        { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: handover.name, name: 'taken', body: { status: {
          currentPodHash: argoHash, stableRS: argoHash, observedGeneration: String(spec.metadata.generation), currentStepIndex: 2, phase: 'Healthy',
        } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const pods = async (): Promise<string[]> => (await handover.core.listNamespacedPod({ namespace: handover.name })).items.map((p) => p.metadata?.name ?? '').sort();
      const podsBefore = await handover.waitFor('the Argo ReplicaSet to run 2 pods', async () => {
        const names = await pods();
        return names.length === 2 ? names : undefined;
      });

      const takeover = await startTestController(handover.kc, handover.name, [argoprojGroup]);
      try {
        await handover.waitFor('the new controller to reconcile the Rollout', async () => (await takeover.reconciles('taken')) > 0);
        await handover.waitFor('the Rollout to be Healthy at the current generation', async () => {
          const r = (await handover.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: handover.name, name: 'taken' })) as Rollout;
          return r.status?.phase === 'Healthy' && r.status.conditions?.some((c) => c.type === 'Healthy') === true;
        });
        const list = await handoverRollouts.apps.listNamespacedReplicaSet({ namespace: handover.name });
        assert.deepEqual(list.items.map((rs) => rs.metadata?.name), [`taken-${argoHash}`], 'no new ReplicaSet');
        assert.ok(list.items[0]?.metadata?.annotations?.['aviary.dev/template-hash'] !== undefined, 'adopted with Aviary\'s hash recorded');
        assert.deepEqual(await pods(), podsBefore, 'no pod replaced');
        const r = (await handover.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: handover.name, name: 'taken' })) as Rollout;
        assert.equal(r.status?.phase, 'Healthy');
        assert.equal(r.status.stableRS, argoHash);
      } finally {
        await takeover.stop();
      }
    } finally {
      await handover.delete();
    }
  });

  it('runs Argo traffic-routing manifests unmodified: the Gateway API plugin\'s configuration and a Traefik router', async () => {
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    const routed = (name: string, routing: string): string =>
      `${routedServices(name)}---${routedCanaryManifest(name, routing, '        - setWeight: 30\n        - pause: {}', 'argoproj.io')}`;
    await applyYaml(ns.kc, `${routed('plug', `        plugins:
          argoproj-labs/gatewayAPI:
            httpRoute: plug
            namespace: ${ns.name}`)}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: plug }
spec:
  rules: [{ backendRefs: [{ name: plug-stable, port: 80 }, { name: plug-canary, port: 80, weight: 0 }] }]
---
${routed('trfk', '        traefik: { weightedTraefikServiceName: trfk }')}
---
apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: { name: trfk }
spec:
  weighted: { services: [{ name: trfk-stable, port: 80 }, { name: trfk-canary, port: 80 }] }
`, ns.name);
    const read = async (name: string): Promise<Rollout> =>
      (await objects.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name })) as Rollout;
    for (const name of ['plug', 'trfk']) {
      await ns.waitFor(`${name} to be Healthy`, async () => (await read(name)).status?.phase === 'Healthy');
      await objects.patchNamespacedCustomObject(
        { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name, body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'lab/echo:v2' }] } } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const paused = await ns.waitFor(`${name} to pause at 30%`, async () => {
        const r = await read(name);
        return r.status?.phase === 'Paused' && r.status.canary?.weights?.canary.weight === 30 ? r : undefined;
      });
      assert.equal(paused.status?.canary?.weights?.stable.weight, 70);
    }
    const route = (await objects.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespace: ns.name, name: 'plug' })) as { spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] } };
    assert.deepEqual(route.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight]), [['plug-stable', 70], ['plug-canary', 30]]);
    const split = (await objects.getNamespacedCustomObject({ group: 'traefik.io', version: 'v1alpha1', plural: 'traefikservices', namespace: ns.name, name: 'trfk' })) as { spec: { weighted: { services: { name: string; weight?: number }[] } } };
    assert.deepEqual(split.spec.weighted.services.map((b) => [b.name, b.weight]), [['trfk-stable', 70], ['trfk-canary', 30]]);
  });

  it('runs Argo-shaped ALB, Ambassador, App Mesh, Istio subset, SMI and NGINX manifests unmodified to their first pause', async () => {
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    const routed = (name: string, routing: string): string =>
      `${routedServices(name)}---${routedCanaryManifest(name, routing, '        - setWeight: 30\n        - pause: {}', 'argoproj.io')}`;
    const route = (host: string): string => `[{ destination: { host: ${host}, subset: stable }, weight: 100 }, { destination: { host: ${host}, subset: canary }, weight: 0 }]`;
    await applyYaml(ns.kc, `${routed('c-alb', '        alb: { ingress: c-alb, servicePort: 80 }')}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: c-alb, annotations: { alb.ingress.kubernetes.io/scheme: internet-facing } }
spec:
  ingressClassName: alb
  rules: [{ http: { paths: [{ path: /*, pathType: ImplementationSpecific, backend: { service: { name: c-alb-stable, port: { name: use-annotation } } } }] } }]
---
${routed('c-amb', '        ambassador: { mappings: [c-amb] }')}
---
apiVersion: getambassador.io/v2
kind: Mapping
metadata: { name: c-amb }
spec: { prefix: /c-amb, rewrite: /c-amb, service: "c-amb-stable:80" }
---
${routed('c-mesh', '        appMesh: { virtualService: { name: c-mesh }, virtualNodeGroup: { canaryVirtualNodeRef: { name: c-mesh-canary }, stableVirtualNodeRef: { name: c-mesh-stable } } }')}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualService
metadata: { name: c-mesh }
spec: { provider: { virtualRouter: { virtualRouterRef: { name: c-mesh } } } }
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualRouter
metadata: { name: c-mesh }
spec: { routes: [{ name: primary, httpRoute: { action: { weightedTargets: [{ virtualNodeRef: { name: c-mesh-stable }, weight: 100 }, { virtualNodeRef: { name: c-mesh-canary }, weight: 0 }] } } }] }
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: c-mesh-stable }
spec: { podSelector: { matchLabels: { app: c-mesh } } }
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: c-mesh-canary }
spec: { podSelector: { matchLabels: { app: c-mesh } } }
---
${routed('c-ist', '        istio: { virtualService: { name: c-ist, routes: [primary] }, destinationRule: { name: c-ist, canarySubsetName: canary, stableSubsetName: stable } }')}
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: c-ist }
spec: { hosts: [c-ist], http: [{ name: primary, route: ${route('c-ist')} }] }
---
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: { name: c-ist }
spec: { host: c-ist, subsets: [{ name: stable, labels: { app: c-ist } }, { name: canary, labels: { app: c-ist } }] }
---
${routed('c-smi', '        smi: { rootService: c-smi }')}
---
${routed('c-ngx', '        nginx: { stableIngress: c-ngx }')}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: c-ngx }
spec:
  ingressClassName: nginx
  rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: c-ngx-stable, port: { number: 80 } } } }] } }]
`, ns.name);
    const read = async (name: string): Promise<Rollout> =>
      (await objects.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name })) as Rollout;
    const names = ['c-alb', 'c-amb', 'c-mesh', 'c-ist', 'c-smi', 'c-ngx'];
    await Promise.all(names.map((name) => ns.waitFor(`${name} to be Healthy`, async () => (await read(name)).status?.phase === 'Healthy')));
    await Promise.all(names.map((name) => objects.patchNamespacedCustomObject(
      { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name, body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'lab/echo:v2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )));
    for (const name of names) {
      const paused = await ns.waitFor(`${name} to pause at 30%`, async () => {
        const r = await read(name);
        return r.status?.phase === 'Paused' && r.status.canary?.weights?.canary.weight === 30 ? r : undefined;
      });
      assert.equal(paused.status?.canary?.weights?.stable.weight, 70, name);
      assert.ok((paused.status.conditions ?? []).every((c) => c.type !== 'InvalidSpec'), `${name}: ${JSON.stringify(paused.status.conditions)}`);
    }
  });

  it('runs Argo\'s APISIX shape unmodified: one step sets the canary scale and a header route and pauses', async () => {
    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    await applyYaml(ns.kc, `${routedServices('c-apx')}---
apiVersion: apisix.apache.org/v2
kind: ApisixRoute
metadata: { name: c-apx }
spec:
  http: [{ name: c-apx, match: { paths: [/*] }, backends: [{ serviceName: c-apx-stable, servicePort: 80, weight: 100 }, { serviceName: c-apx-canary, servicePort: 80, weight: 0 }] }]
---
${routedCanaryManifest('c-apx', `        apisix: { route: { name: c-apx, rules: [c-apx] } }
        managedRoutes: [{ name: set-header }]`, `        - setCanaryScale: { replicas: 1 }
          setHeaderRoute: { name: set-header, match: [{ headerName: trace, headerValue: { exact: debug } }] }
          pause: {}
        - setWeight: 50
        - pause: {}`, 'argoproj.io')}`, ns.name);
    const read = async (): Promise<Rollout> =>
      (await objects.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'c-apx' })) as Rollout;
    const route = async (name: string): Promise<{ spec: { http: { backends: { serviceName: string; weight?: number }[] }[] } } | undefined> =>
      (await objects.getNamespacedCustomObject({ group: 'apisix.apache.org', version: 'v2', plural: 'apisixroutes', namespace: ns.name, name }).catch(() => undefined)) as never;
    await ns.waitFor('c-apx to be Healthy', async () => (await read()).status?.phase === 'Healthy');
    await objects.patchNamespacedCustomObject(
      { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'c-apx', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'lab/echo:v2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const paused = await ns.waitFor('the first step to pause', async () => {
      const r = await read();
      return r.status?.phase === 'Paused' && r.status.currentStepIndex === 0 ? r : undefined;
    });
    const header = await ns.waitFor('the header route\'s ApisixRoute while the step pauses', () => route('set-header'));
    assert.deepEqual(header.spec.http[0]?.backends.map((b) => [b.serviceName, b.weight]), [['c-apx-canary', 100]]);
    const apps = ns.kc.makeApiClient(AppsV1Api);
    await ns.waitFor('one canary pod (setCanaryScale)', async () => (await apps.listNamespacedReplicaSet({ namespace: ns.name })).items
      .some((rs) => rs.metadata?.labels?.['rollouts-pod-template-hash'] === paused.status?.currentPodHash && rs.spec?.replicas === 1));
    await objects.patchNamespacedCustomObjectStatus(
      { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'c-apx', body: { status: { pauseConditions: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await ns.waitFor('the next pause at 50%', async () => {
      const r = await read();
      return r.status?.phase === 'Paused' && r.status.currentStepIndex === 2 && r.status.canary?.weights?.canary.weight === 50;
    });
    assert.deepEqual((await route('c-apx'))?.spec.http[0]?.backends.map((b) => b.weight), [50, 50]);
  });
});

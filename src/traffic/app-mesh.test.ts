import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { applyMergePatch } from '../util/merge-patch.ts';
import { appMesh } from './app-mesh.ts';
import { observedObjects, weightIntent } from './testing.ts';
import type { ObjectWrite } from './writes.ts';

function rollout(routes?: string[]): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      strategy: {
        canary: {
          trafficRouting: {
            appMesh: {
              virtualService: { name: 'web-svc', ...(routes === undefined ? {} : { routes }) },
              virtualNodeGroup: { canaryVirtualNodeRef: { name: 'web-canary' }, stableVirtualNodeRef: { name: 'web-stable' } },
            },
          },
        },
      },
    },
  };
}

const group = 'appmesh.k8s.aws/v1beta2';
const virtualService = { apiVersion: group, kind: 'VirtualService', metadata: { name: 'web-svc', namespace: 'shop' }, spec: { provider: { virtualRouter: { virtualRouterRef: { name: 'web-router' } } } } } as KubeObject;
const targets = (stable: number, canary: number): unknown => ({ action: { weightedTargets: [{ virtualNodeRef: { name: 'web-stable' }, weight: stable }, { virtualNodeRef: { name: 'web-canary' }, weight: canary }] } });
const virtualRouter = {
  apiVersion: group, kind: 'VirtualRouter', metadata: { name: 'web-router', namespace: 'shop' },
  spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], routes: [{ name: 'primary', httpRoute: { match: { prefix: '/' }, ...targets(100, 0) as object } }, { name: 'grpc', grpcRoute: targets(100, 0) }] },
} as KubeObject;
const node = (name: string): KubeObject => ({ apiVersion: group, kind: 'VirtualNode', metadata: { name, namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'web' } } } } as KubeObject);

function applied(objects: KubeObject[], writes: readonly ObjectWrite[]): KubeObject[] {
  return objects.map((o) => writes.filter((w) => w.target.kind === o.kind && w.target.name === o.metadata?.name).reduce<KubeObject>((acc, w) => {
    if (w.type === 'merge') return applyMergePatch(acc, w.patch) as KubeObject;
    if (w.type === 'json') return applyJsonPatch(acc, w.patch);
    throw new Error(`unexpected ${w.type} write`);
  }, o));
}

describe('appMesh router', () => {
  const all = [virtualService, virtualRouter, node('web-stable'), node('web-canary')];

  it('labels the virtual nodes with their versions\' hashes first, then weights every route\'s targets; then is steady', () => {
    const router = appMesh.routerFor(rollout());
    const writes = router.setWeight(weightIntent(30), observedObjects(all));
    assert.deepEqual(writes.map((w) => `${w.target.kind}/${w.target.name}`), ['VirtualNode/web-stable', 'VirtualNode/web-canary', 'VirtualRouter/web-router']);
    const after = applied(all, writes);
    const selectors = after.filter((o) => o.kind === 'VirtualNode').map((o) => (o as { spec: { podSelector: { matchLabels: Record<string, string> } } }).spec.podSelector.matchLabels);
    assert.deepEqual(selectors, [{ app: 'web', 'rollouts-pod-template-hash': 'aaa' }, { app: 'web', 'rollouts-pod-template-hash': 'bbb' }]);
    const routes = (after[1] as { spec: { listeners: unknown[]; routes: { httpRoute: { match: unknown; action: { weightedTargets: { weight: number }[] } }; grpcRoute?: { action: { weightedTargets: { weight: number }[] } } }[] } }).spec;
    assert.deepEqual(routes.routes[0]?.httpRoute.action.weightedTargets.map((t) => t.weight), [70, 30]);
    assert.deepEqual(routes.routes[0].httpRoute.match, { prefix: '/' }, 'other fields stay');
    assert.deepEqual(routes.routes[1]?.grpcRoute?.action.weightedTargets.map((t) => t.weight), [70, 30]);
    assert.equal(routes.listeners.length, 1);
    assert.equal(router.verify(weightIntent(30), observedObjects(after)), true);
    assert.deepEqual(router.setWeight(weightIntent(30), observedObjects(after)), [], 'steady');
  });

  it('only the named routes, and a canary node that selects no pod once the release is complete', () => {
    const router = appMesh.routerFor(rollout(['grpc']));
    const after = applied(all, router.setWeight(weightIntent(0, { canaryHash: 'aaa' }), observedObjects(all)));
    assert.equal((after[3] as { spec: { podSelector: { matchLabels: Record<string, string> } } }).spec.podSelector.matchLabels['rollouts-pod-template-hash'], 'canary-hash');
    const named = appMesh.routerFor(rollout(['grpc'])).setWeight(weightIntent(40), observedObjects(after)).find((w) => w.target.kind === 'VirtualRouter');
    assert.ok(named?.type === 'json');
    assert.ok(named.patch.every((op) => op.path.startsWith('/spec/routes/1/grpcRoute/')), JSON.stringify(named.patch));
  });

  it('problems name the missing VirtualService, VirtualRouter, VirtualNode, route, or a route without exactly two targets', () => {
    const router = appMesh.routerFor(rollout(['missing']));
    assert.deepEqual(router.problems(weightIntent(0), observedObjects()).map((p) => p.message), ['VirtualService `web-svc` not found in namespace `shop`']);
    assert.deepEqual(router.problems(weightIntent(0), observedObjects([virtualService])).map((p) => p.reason), ['VirtualRouterNotFound', 'VirtualNodeNotFound', 'VirtualNodeNotFound']);
    const three = { ...virtualRouter, spec: { routes: [{ name: 'primary', tcpRoute: { action: { weightedTargets: [{ virtualNodeRef: { name: 'a' }, weight: 1 }, { virtualNodeRef: { name: 'b' }, weight: 1 }, { virtualNodeRef: { name: 'c' }, weight: 1 }] } } }] } } as KubeObject;
    assert.deepEqual(router.problems(weightIntent(0), observedObjects([virtualService, three, node('web-stable'), node('web-canary')])).map((p) => p.message), [
      'AppMesh virtual-router web-router has no route named missing',
      'Invalid number of weightedTargets (3) for AppMesh virtual-router web-router and route primary, expected 2',
    ]);
    assert.deepEqual(appMesh.routerFor(rollout()).problems(weightIntent(0), observedObjects(all)), []);
  });
});

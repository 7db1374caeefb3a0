import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { applyMergePatch } from '../util/merge-patch.ts';
import { nginx } from './nginx.ts';
import { observedObjects, weightIntent } from './testing.ts';

const stable = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop', annotations: { 'kubernetes.io/ingress.class': 'nginx', 'nginx.ingress.kubernetes.io/rewrite-target': '/' } },
  spec: {
    ingressClassName: 'nginx',
    rules: [
      { host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web-stable', port: { number: 80 } } } }, { path: '/docs', pathType: 'Prefix', backend: { service: { name: 'docs', port: { number: 80 } } } }] } },
      { host: 'other.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'other', port: { number: 80 } } } }] } },
    ],
  },
};

function rollout(nginxConfig: Record<string, unknown>, maxTrafficWeight?: number): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-7' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { nginx: nginxConfig, ...(maxTrafficWeight === undefined ? {} : { maxTrafficWeight }) } } } },
  };
}



describe('nginx router', () => {
  it('creates <rollout>-<stableIngress>-canary with the stable paths sent to the canary and the weight annotations', () => {
    const r = rollout({ stableIngress: 'web', additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' }, canaryIngressAnnotations: { 'example.com/team': 'shop' } });
    const writes = nginx.routerFor(r).setWeight(weightIntent(20), observedObjects([stable]));
    assert.equal(writes.length, 1);
    const write = writes[0];
    assert.ok(write?.type === 'apply');
    assert.equal(write.fieldManager, 'aviary-nginx');
    assert.deepEqual(write.event, { reason: 'CreatingCanaryIngress', message: "Creating canary Ingress `web-web-canary` with weight '20'" });
    assert.deepEqual(write.object, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web-web-canary',
        namespace: 'shop',
        annotations: {
          'canary-by-header': 'X-Canary',
          'example.com/team': 'shop',
          'nginx.ingress.kubernetes.io/canary': 'true',
          'nginx.ingress.kubernetes.io/canary-weight': '20',
          'kubernetes.io/ingress.class': 'nginx',
        },
        ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'uid-7', controller: true, blockOwnerDeletion: true }],
      },
      spec: { ingressClassName: 'nginx', rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web-canary', port: { number: 80 } } } }] } }] },
    });
    const canary = write.object;
    const patched = nginx.routerFor(r).setWeight(weightIntent(50), observedObjects([stable, applyMergePatch(canary, { status: {} }) as KubeObject]));
    assert.equal(patched[0]?.event?.reason, 'PatchingCanaryIngress');
    assert.deepEqual(nginx.routerFor(r).setWeight(weightIntent(20), observedObjects([stable, canary])), [], 'a steady state writes nothing');
  });

  it('a custom annotation prefix, and canary-weight-total with maxTrafficWeight', () => {
    const writes = nginx.routerFor(rollout({ stableIngresses: ['web'], annotationPrefix: 'custom.io' }, 1000)).setWeight(weightIntent(250, { maxWeight: 1000 }), observedObjects([stable]));
    const write = writes[0];
    assert.ok(write?.type === 'apply');
    assert.deepEqual(write.object.metadata?.annotations, {
      'custom.io/canary': 'true', 'custom.io/canary-weight': '250', 'custom.io/canary-weight-total': '1000', 'kubernetes.io/ingress.class': 'nginx',
    });
  });

  it('one canary Ingress per stable Ingress; a missing one or one without the stableService is a problem', () => {
    const second = { ...structuredClone(stable), metadata: { name: 'web-internal', namespace: 'shop' } };
    const r = rollout({ stableIngress: 'web', stableIngresses: ['web-internal'] });
    assert.deepEqual(nginx.routerFor(r).setWeight(weightIntent(10), observedObjects([stable, second])).map((w) => w.target.name), ['web-web-canary', 'web-web-internal-canary']);
    assert.deepEqual(nginx.routerFor(r).problems(weightIntent(10), observedObjects([stable])), [{ reason: 'IngressNotFound', message: 'Ingress shop/web-internal not found' }]);
    const unrelated = { ...structuredClone(stable), spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'else' } } }] } }] } };
    assert.deepEqual(nginx.routerFor(rollout({ stableIngress: 'web' })).problems(weightIntent(10), observedObjects([unrelated])).map((p) => p.message), ['Ingress shop/web has no path to Service web-stable (the stableService)']);
  });

  it('needs a stable Ingress, and cannot verify weights', () => {
    assert.deepEqual(nginx.specIssues?.(rollout({})), [{ field: 'spec.strategy.canary.trafficRouting.nginx.stableIngress', message: 'required: the Ingress (stableIngress or stableIngresses) whose canary Aviary creates' }]);
    assert.equal(nginx.routerFor(rollout({ stableIngress: 'web' })).verify(weightIntent(10), observedObjects([stable])), undefined);
  });
});

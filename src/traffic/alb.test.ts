import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { applyJsonPatch } from '../util/json-patch.ts';
import { applyMergePatch } from '../util/merge-patch.ts';
import { alb, managedAnnotationsKey } from './alb.ts';
import { observedObjects, weightIntent } from './testing.ts';
import type { ObjectWrite } from './writes.ts';

function rollout(config: Record<string, unknown>, extra: Record<string, unknown> = {}, steps: unknown[] = []): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', trafficRouting: { alb: { ingress: 'web', servicePort: 443, ...config }, ...extra }, steps } } },
  } as Rollout;
}

function ingress(annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', ...annotations } },
    spec: { rules: [{ http: { paths: [{ path: '/static', pathType: 'Prefix', backend: { service: { name: 'cdn', port: { number: 80 } } } }, { path: '/*', pathType: 'ImplementationSpecific', backend: { service: { name: 'web-stable', port: { name: 'use-annotation' } } } }] } }] },
  } as KubeObject;
}

/** The Ingress as the API server leaves it after the writes. */
function applied(object: KubeObject, writes: readonly ObjectWrite[]): KubeObject {
  return writes.reduce<KubeObject>((o, w) => {
    if (w.type === 'merge') return applyMergePatch(o, w.patch) as KubeObject;
    if (w.type === 'json') return applyJsonPatch(o, w.patch);
    throw new Error(`unexpected ${w.type} write`);
  }, object);
}

const annotations = (o: KubeObject): Record<string, string> => o.metadata?.annotations ?? {};
const paths = (o: KubeObject): string[] => ((o as { spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] } }).spec.rules[0]?.http.paths ?? []).map((p) => p.backend.service.name);

describe('alb router', () => {
  it('writes the forward action on the stable Service: canary first, ServicePort a string, then is steady', () => {
    const router = alb.routerFor(rollout({}));
    const writes = router.setWeight(weightIntent(10), observedObjects([ingress()]));
    assert.deepEqual(writes.map((w) => w.event?.reason), ['PatchingALBIngress']);
    const after = applied(ingress(), writes);
    assert.deepEqual(JSON.parse(annotations(after)['alb.ingress.kubernetes.io/actions.web-stable'] ?? ''), {
      Type: 'forward',
      ForwardConfig: { TargetGroups: [{ ServiceName: 'web-canary', ServicePort: '443', Weight: 10 }, { ServiceName: 'web-stable', ServicePort: '443', Weight: 90 }] },
    });
    assert.deepEqual(JSON.parse(annotations(after)[managedAnnotationsKey] ?? ''), { web: ['alb.ingress.kubernetes.io/actions.web-stable'] });
    assert.equal(annotations(after)['alb.ingress.kubernetes.io/scheme'], 'internet-facing', 'other annotations stay');
    assert.equal(router.verify(weightIntent(10), observedObjects([after])), true);
    assert.equal(router.verify(weightIntent(20), observedObjects([after])), false);
    assert.deepEqual(router.setWeight(weightIntent(10), observedObjects([after])), [], 'steady');
  });

  it('rootService names the action, annotationPrefix its key, and stickiness goes into the forward config', () => {
    const router = alb.routerFor(rollout({ rootService: 'web', annotationPrefix: 'custom.io', stickinessConfig: { enabled: true, durationSeconds: 300 } }));
    const base = { ...ingress(), spec: { rules: [{ http: { paths: [{ path: '/*', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { name: 'use-annotation' } } } }] } }] } } as KubeObject;
    const after = applied(base, router.setWeight(weightIntent(30), observedObjects([base])));
    const action = JSON.parse(annotations(after)['custom.io/actions.web'] ?? '') as { ForwardConfig: { TargetGroupStickinessConfig: unknown } };
    assert.deepEqual(action.ForwardConfig.TargetGroupStickinessConfig, { Enabled: true, DurationSeconds: 300 });
  });

  it('a header route: its action and conditions annotations, and a path first in every rule; removed at the end', () => {
    const r = rollout({}, { managedRoutes: [{ name: 'beta' }] });
    const router = alb.routerFor(r);
    const intent = weightIntent(10, { headerRoutes: [{ name: 'beta', match: [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }, { headerName: 'X-Beta', headerValue: { exact: 'sure' } }] }] });
    let object = ingress();
    for (let pass = 0; pass < 3; pass++) object = applied(object, [...router.setWeight(intent, observedObjects([object])), ...router.setHeaderRoute(intent, observedObjects([object]))]);
    assert.deepEqual(JSON.parse(annotations(object)['alb.ingress.kubernetes.io/conditions.beta'] ?? ''), [{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Beta', values: ['yes', 'sure'] } }]);
    assert.deepEqual(JSON.parse(annotations(object)['alb.ingress.kubernetes.io/actions.beta'] ?? ''), { Type: 'forward', ForwardConfig: { TargetGroups: [{ ServiceName: 'web-canary', ServicePort: '443', Weight: 100 }] } });
    assert.deepEqual(paths(object), ['beta', 'cdn', 'web-stable']);
    assert.deepEqual(JSON.parse(annotations(object)[managedAnnotationsKey] ?? ''), { web: ['alb.ingress.kubernetes.io/actions.web-stable', 'alb.ingress.kubernetes.io/actions.beta', 'alb.ingress.kubernetes.io/conditions.beta'] });
    assert.deepEqual([...router.setWeight(intent, observedObjects([object])), ...router.setHeaderRoute(intent, observedObjects([object]))], [], 'passes converge');

    const done = applied(object, router.removeManagedRoutes(observedObjects([object])));
    assert.equal(annotations(done)['alb.ingress.kubernetes.io/actions.beta'], undefined);
    assert.equal(annotations(done)['alb.ingress.kubernetes.io/conditions.beta'], undefined);
    assert.deepEqual(paths(done), ['cdn', 'web-stable']);
    assert.deepEqual(JSON.parse(annotations(done)[managedAnnotationsKey] ?? ''), { web: ['alb.ingress.kubernetes.io/actions.web-stable'] });
    assert.deepEqual(router.removeManagedRoutes(observedObjects([done])), [], 'steady once removed');
  });

  it('keeps another Rollout\'s record in the managed-annotations map', () => {
    const other = ingress({ [managedAnnotationsKey]: JSON.stringify({ api: ['alb.ingress.kubernetes.io/actions.api'] }) });
    const after = applied(other, alb.routerFor(rollout({})).setWeight(weightIntent(0), observedObjects([other])));
    assert.deepEqual(Object.keys(JSON.parse(annotations(after)[managedAnnotationsKey] ?? '') as object), ['api', 'web']);
  });

  it('problems: a missing Ingress, and one without a rule to the action\'s Service', () => {
    const router = alb.routerFor(rollout({}));
    assert.deepEqual(router.problems(weightIntent(0), observedObjects()).map((p) => p.reason), ['IngressNotFound']);
    const unrouted = ingress();
    (unrouted as { spec: unknown }).spec = { rules: [{ http: { paths: [] } }] };
    assert.match(router.problems(weightIntent(0), observedObjects([unrouted]))[0]?.message ?? '', /Ingress shop\/web has no rules using service web-stable backend/);
  });

  it('spec issues: exactly one of ingress/ingresses, the stickiness duration, exact header values only', () => {
    const fields = (r: Rollout): string[] => (alb.specIssues?.(r) ?? []).map((i) => `${i.field}: ${i.message}`);
    assert.deepEqual(fields(rollout({ ingresses: ['a'] })), ['spec.strategy.canary.trafficRouting.alb.ingress: set exactly one of ingress or ingresses (both are set)']);
    assert.deepEqual(fields(rollout({ stickinessConfig: { enabled: true, durationSeconds: 0 } })), ['spec.strategy.canary.trafficRouting.alb.stickinessConfig.durationSeconds: must be between 1 and 604800 seconds (7 days) when stickiness is enabled']);
    const prefixed = rollout({}, {}, [{ setHeaderRoute: { name: 'beta', match: [{ headerName: 'x', headerValue: { prefix: 'a' } }] } }]);
    assert.deepEqual(fields(prefixed), ['spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue: the alb router matches exact header values only']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary } from '../api/canary.ts';
import type { Deployment, Service } from '../api/kubernetes.ts';
import { canaryFinalizer, finalizerDecision, type RevertObservation } from './finalizer.ts';

function canary(options: { revert?: boolean; finalizers?: string[]; deleting?: boolean; phase?: string } = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1', kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: 'c-1', finalizers: options.finalizers ?? [], ...(options.deleting === true ? { deletionTimestamp: '2026-12-04T10:00:00Z' } : {}) },
    spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { interval: '10s', stepWeight: 10 }, ...(options.revert === undefined ? {} : { revertOnDeletion: options.revert }) },
    status: { phase: (options.phase ?? 'Succeeded') as NonNullable<Canary['status']>['phase'] },
  };
}

const deployment = (name: string, replicas: number): Deployment => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'test' }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } } } } });
const apex = (selector: string, owned: boolean): Service => ({
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'podinfo', namespace: 'test', ...(owned ? { ownerReferences: [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: 'c-1', controller: true }] } : {}) },
  spec: { type: 'ClusterIP', selector: { app: selector }, ports: [{ name: 'http', port: 9898, protocol: 'TCP', targetPort: 9898 }] },
});
const observed = (overrides: Partial<RevertObservation> = {}): RevertObservation => ({
  target: deployment('podinfo', 0), primary: deployment('podinfo-primary', 3), label: { key: 'app', value: 'podinfo' },
  apex: apex('podinfo-primary', true), targetReady: false, now: '2026-12-04T10:00:05Z', ...overrides,
});

describe('revertOnDeletion', () => {
  it('adds Flagger\'s finalizer when asked, removes it when opted out, and otherwise leaves the Canary to its passes', () => {
    assert.deepEqual(finalizerDecision(canary({ revert: true, finalizers: ['other'] }), observed()), { type: 'finalizers', finalizers: ['other', canaryFinalizer] });
    assert.deepEqual(finalizerDecision(canary({ revert: false, finalizers: [canaryFinalizer, 'other'] }), observed()), { type: 'finalizers', finalizers: ['other'] });
    assert.deepEqual(finalizerDecision(canary({ revert: true, finalizers: [canaryFinalizer] }), observed()), { type: 'none' });
    assert.deepEqual(finalizerDecision(canary(), observed()), { type: 'none' });
    assert.deepEqual(finalizerDecision(canary({ deleting: true }), observed()), { type: 'deleting' });
  });

  it('deleted: Terminating, the target scaled to the primary\'s replicas, then (once ready) the apex handed back and the finalizer removed', () => {
    const deleted = canary({ revert: true, finalizers: [canaryFinalizer], deleting: true });
    const scaling = finalizerDecision(deleted, observed());
    assert.ok(scaling.type === 'revert');
    assert.deepEqual([scaling.status.phase, scaling.events, scaling.done], ['Terminating', ['Terminating canary podinfo.test'], false]);
    assert.deepEqual(scaling.writes.map((w) => (w.type === 'merge' ? w.patch : w.type)), [{ spec: { replicas: 3 } }]);

    const waiting = finalizerDecision({ ...deleted, status: scaling.status }, observed({ target: deployment('podinfo', 3) }));
    assert.ok(waiting.type === 'revert');
    assert.deepEqual([waiting.writes, waiting.events, waiting.done], [[], [], false], 'waits for the target to be ready');

    const handedBack = finalizerDecision({ ...deleted, status: scaling.status }, observed({ target: deployment('podinfo', 3), targetReady: true }));
    assert.ok(handedBack.type === 'revert');
    assert.deepEqual([handedBack.status.phase, handedBack.events, handedBack.done], ['Terminated', ['Terminated canary podinfo.test'], true]);
    const [write] = handedBack.writes;
    assert.ok(write?.type === 'apply');
    const service = write.object as Service;
    assert.deepEqual([service.spec?.selector, service.metadata?.ownerReferences], [{ app: 'podinfo' }, []], 'selects the target, owned by nobody');

    const already = finalizerDecision({ ...deleted, status: scaling.status }, observed({ target: deployment('podinfo', 3), targetReady: true, apex: apex('podinfo', false) }));
    assert.ok(already.type === 'revert');
    assert.deepEqual(already.writes, [], 'an apex already handed back is left alone');
  });

  it('deleted without a target: nothing to revert, the finalizer goes', () => {
    const decision = finalizerDecision(canary({ revert: true, finalizers: [canaryFinalizer], deleting: true }), observed({ target: undefined }));
    assert.ok(decision.type === 'revert');
    assert.deepEqual([decision.writes, decision.done, decision.events], [[], true, ['Terminating canary podinfo.test', 'Terminated canary podinfo.test']]);
  });
});

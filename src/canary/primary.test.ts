import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary } from '../api/canary.ts';
import type { DaemonSet, Deployment } from '../api/kubernetes.ts';
import { canaryServices, isProblem, primaryWorkload, selectorLabel, type SelectorLabel } from './primary.ts';

const canary: Canary = {
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: 'c-1' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { interval: '10s' } },
};

function deployment(matchLabels: Record<string, string>): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'podinfo', namespace: 'test', labels: { team: 'web' }, annotations: { note: 'kept' } },
    spec: {
      replicas: 3, minReadySeconds: 5, revisionHistoryLimit: 4, progressDeadlineSeconds: 60, strategy: { type: 'RollingUpdate' },
      selector: { matchLabels },
      template: { metadata: { labels: { ...matchLabels, tier: 'front' }, annotations: { 'prometheus.io/scrape': 'true' } }, spec: { containers: [{ name: 'app', image: 'podinfo:6' }] } },
    },
  };
}

const label = (d: Deployment): SelectorLabel => {
  const found = selectorLabel(d);
  if (isProblem(found)) throw new Error(found.message);
  return found;
};

describe('selector label', () => {
  const cases: [Record<string, string>, string | undefined][] = [
    [{ app: 'podinfo' }, 'app=podinfo'],
    [{ name: 'podinfo', other: 'x' }, 'name=podinfo'],
    [{ 'app.kubernetes.io/name': 'podinfo' }, 'app.kubernetes.io/name=podinfo'],
    [{ 'app.kubernetes.io/name': 'b', app: 'a' }, 'app=a'],
    [{ component: 'web' }, undefined],
  ];
  for (const [labels, want] of cases) {
    it(`${JSON.stringify(labels)} → ${want ?? 'a problem naming spec.selector.matchLabels'}`, () => {
      const found = selectorLabel(deployment(labels));
      if (want === undefined) {
        assert.ok(isProblem(found));
        assert.equal(found.field, 'spec.selector.matchLabels');
        assert.match(found.message, /has none of the selector labels app, name, app\.kubernetes\.io\/name/);
      } else {
        assert.ok(!isProblem(found));
        assert.equal(`${found.key}=${found.value}`, want);
      }
    });
  }
});

describe('primary workload', () => {
  it('<target>-primary selects and labels <value>-primary, copies the template and the fields Flagger copies, owned by the Canary', () => {
    const target = deployment({ app: 'podinfo' });
    const primary = primaryWorkload(canary, target, label(target));
    assert.ok(primary.metadata !== undefined && primary.spec !== undefined);
    assert.equal(primary.metadata.name, 'podinfo-primary');
    assert.deepEqual(primary.metadata.labels, { team: 'web', app: 'podinfo-primary' });
    assert.deepEqual(primary.metadata.annotations, { note: 'kept' });
    assert.deepEqual(primary.spec.selector.matchLabels, { app: 'podinfo-primary' });
    assert.deepEqual(primary.spec.template.metadata?.labels, { app: 'podinfo-primary', tier: 'front' });
    assert.deepEqual(primary.spec.template.metadata.annotations, { 'prometheus.io/scrape': 'true' });
    assert.deepEqual([primary.spec.replicas, primary.spec.minReadySeconds, primary.spec.revisionHistoryLimit, primary.spec.progressDeadlineSeconds, primary.spec.strategy?.type], [3, 5, 4, 60, 'RollingUpdate']);
    assert.deepEqual(primary.metadata.ownerReferences, [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: 'c-1', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(target.spec?.selector.matchLabels, { app: 'podinfo' }, 'the target is not changed');
  });

  it('a DaemonSet target gets a DaemonSet primary', () => {
    const ds: DaemonSet = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'test' }, spec: { selector: { matchLabels: { name: 'agent' } }, updateStrategy: { type: 'RollingUpdate' }, template: { metadata: { labels: { name: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } } } };
    const found = selectorLabel(ds);
    assert.ok(!isProblem(found));
    const primary = primaryWorkload(canary, ds, found);
    assert.deepEqual([primary.kind, primary.metadata?.name, primary.spec?.selector.matchLabels, primary.spec?.updateStrategy?.type], ['DaemonSet', 'agent-primary', { name: 'agent-primary' }, 'RollingUpdate']);
  });
});

describe('canary services', () => {
  it('apex and -primary select the primary, -canary the target; port named http to the port; labelled with their names', () => {
    const services = canaryServices(canary, { key: 'app', value: 'podinfo' });
    const shape = (s: (typeof services)['apex']): unknown => ({ name: s.metadata?.name, selector: s.spec?.selector, labels: s.metadata?.labels, ports: s.spec?.ports });
    const port = [{ name: 'http', port: 9898, protocol: 'TCP', targetPort: 9898 }];
    assert.deepEqual([shape(services.apex), shape(services.primary), shape(services.canary)], [
      { name: 'podinfo', selector: { app: 'podinfo-primary' }, labels: { app: 'podinfo' }, ports: port },
      { name: 'podinfo-primary', selector: { app: 'podinfo-primary' }, labels: { app: 'podinfo-primary' }, ports: port },
      { name: 'podinfo-canary', selector: { app: 'podinfo' }, labels: { app: 'podinfo-canary' }, ports: port },
    ]);
    assert.equal(services.apex.spec?.type, 'ClusterIP');
    assert.equal(services.apex.spec.clusterIP, undefined);
  });

  it('service name, portName, targetPort, appProtocol, headless and per-Service metadata as given', () => {
    const custom: Canary = { ...canary, spec: { ...canary.spec, service: { name: 'web', port: 80, portName: 'tcp-web', targetPort: 'http', appProtocol: 'kubernetes.io/h2c', headless: true, apex: { annotations: { a: '1' } }, canary: { labels: { role: 'canary' } } } } };
    const services = canaryServices(custom, { key: 'app', value: 'podinfo' });
    assert.deepEqual(services.apex.spec?.ports, [{ name: 'tcp-web', port: 80, protocol: 'TCP', targetPort: 'http', appProtocol: 'kubernetes.io/h2c' }]);
    assert.equal(services.primary.spec?.clusterIP, 'None');
    assert.deepEqual(services.apex.metadata?.annotations, { a: '1' });
    assert.deepEqual(services.canary.metadata?.labels, { role: 'canary', app: 'web-canary' });
    assert.deepEqual([services.apex.metadata.name, services.primary.metadata?.name, services.canary.metadata.name], ['web', 'web-primary', 'web-canary']);
  });
});

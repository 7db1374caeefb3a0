import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Canary } from '../api/canary.ts';
import type { ConfigMap, PodSpec, Secret } from '../api/kubernetes.ts';
import { configChecksum, configReferences, configsChanged, primaryConfigMap, primarySecret, trackConfigs, withPrimaryConfigs } from './config-tracking.ts';

const spec: PodSpec = {
  volumes: [
    { name: 'conf', configMap: { name: 'app-config' } },
    { name: 'tls', secret: { secretName: 'app-tls', optional: true } },
    { name: 'all', projected: { sources: [{ configMap: { name: 'extra' } }, { secret: { name: 'token' } }] } },
    { name: 'scratch', emptyDir: {} },
  ],
  initContainers: [{ name: 'init', image: 'init:1', envFrom: [{ configMapRef: { name: 'init-env' } }] }],
  containers: [{
    name: 'app', image: 'app:1',
    env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } }, { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode', optional: true } } }, { name: 'PLAIN', value: 'x' }],
    envFrom: [{ secretRef: { name: 'app-env', optional: true } }],
  }],
};

const canary: Canary = {
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test', uid: 'c-1' },
  spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 80 }, analysis: {} },
};

const configMap = (name: string, data: Record<string, string>, annotations?: Record<string, string>): ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'test', ...(annotations === undefined ? {} : { annotations }) }, data });
const secret = (name: string, data: Record<string, string>): Secret => ({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace: 'test' }, data });

describe('config tracking', () => {
  it('finds every ConfigMap and Secret a pod spec references, and which it needs', () => {
    const refs = configReferences(spec);
    assert.deepEqual(Object.fromEntries(refs.configmap), { 'app-config': true, extra: true, 'init-env': true });
    assert.deepEqual(Object.fromEntries(refs.secret), { 'app-tls': false, token: true, db: true, 'app-env': false });
  });

  it('checksums data as Flagger does: the first 8 bytes of the SHA-256 of Go\'s JSON (keys sorted, <>& escaped)', () => {
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);
    assert.equal(configChecksum({ b: '2', a: '<1&>' }), sha('{"a":"\\u003c1\\u0026\\u003e","b":"2"}'));
    assert.equal(configChecksum(undefined), sha('null'));
    assert.notEqual(configChecksum({ a: '1' }), configChecksum({ a: '2' }));
  });

  it('tracks what exists and is not disabled; a missing required config is named, a missing optional one skipped', () => {
    const tracked = trackConfigs(
      configReferences(spec),
      new Map([['app-config', configMap('app-config', { mode: 'fast' })], ['extra', configMap('extra', { x: '1' }, { 'flagger.app/config-tracking': 'disabled' })]]),
      new Map([['db', secret('db', { url: 'cG9zdGdyZXM=' })], ['token', secret('token', { t: 'eA==' })]]),
    );
    assert.deepEqual(Object.keys(tracked.checksums), ['configmap/app-config', 'secret/db', 'secret/token']);
    assert.deepEqual(tracked.missing, ['configmap/init-env']);
    assert.equal(configsChanged({ ...canary, status: { trackedConfigs: tracked.checksums } }, tracked.checksums), false);
    assert.equal(configsChanged({ ...canary, status: { trackedConfigs: { ...tracked.checksums, 'secret/db': 'old' } } }, tracked.checksums), true);
    assert.equal(configsChanged(canary, tracked.checksums), true, 'nothing recorded yet');
  });

  it('the primary\'s copies are owned by the Canary, and its pod spec uses them for tracked configs only', () => {
    assert.deepEqual(primaryConfigMap(canary, configMap('app-config', { mode: 'fast' })), {
      apiVersion: 'v1', kind: 'ConfigMap', data: { mode: 'fast' },
      metadata: { name: 'app-config-primary', namespace: 'test', ownerReferences: [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: 'c-1', controller: true, blockOwnerDeletion: true }] },
    });
    assert.equal(primarySecret(canary, secret('db', { url: 'eA==' })).type, 'Opaque');
    const rewritten = withPrimaryConfigs(spec, { 'configmap/app-config': 'a', 'secret/db': 'b', 'secret/token': 'c' });
    assert.deepEqual(rewritten.volumes?.map((v) => v.configMap?.name ?? v.secret?.secretName ?? v.projected?.sources?.map((s) => s.configMap?.name ?? s.secret?.name).join('+') ?? v.name), ['app-config-primary', 'app-tls', 'extra+token-primary', 'scratch']);
    assert.deepEqual(rewritten.containers[0]?.env?.map((e) => e.valueFrom?.secretKeyRef?.name ?? e.valueFrom?.configMapKeyRef?.name ?? e.value), ['db-primary', 'app-config-primary', 'x']);
    assert.equal(rewritten.containers[0].envFrom?.[0]?.secretRef?.name, 'app-env');
    assert.equal(rewritten.initContainers?.[0]?.envFrom?.[0]?.configMapRef?.name, 'init-env');
    assert.equal(spec.volumes?.[0]?.configMap?.name, 'app-config', 'the target\'s spec is not changed');
  });
});

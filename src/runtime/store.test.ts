import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepFreeze, matchingOwners, objectKey, splitKey, thaw, type DeepReadonly, type KubeObject } from './objects.ts';
import { Store, controllerUidIndex, labelIndex, ownerUidIndex } from './store.ts';

function obj(namespace: string | undefined, name: string, labels: Record<string, string> = {}, owners: string[] = []): KubeObject {
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      resourceVersion: '1',
      labels,
      ownerReferences: owners.map((uid, i) => ({ apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: `r-${uid}`, uid, controller: i === 0 })),
    },
  }) as KubeObject;
}

const names = (objects: readonly DeepReadonly<KubeObject>[]): string[] => objects.map((o) => o.metadata?.name ?? '').sort();

describe('Store', () => {
  it('keys objects by namespace/name and cluster-scoped ones by name', () => {
    const store = new Store();
    store.upsert(obj('a', 'x'));
    store.upsert(obj(undefined, 'node-1'));
    assert.equal(store.get('a/x')?.metadata?.name, 'x');
    assert.equal(store.get('node-1')?.metadata?.name, 'node-1');
    assert.equal(store.size, 2);
  });

  it('lists all objects or one namespace', () => {
    const store = new Store();
    store.upsert(obj('a', 'x'));
    store.upsert(obj('a', 'y'));
    store.upsert(obj('b', 'x'));
    assert.deepEqual(names(store.list()), ['x', 'x', 'y']);
    assert.deepEqual(names(store.list('a')), ['x', 'y']);
    assert.deepEqual(store.list('none'), []);
  });

  it('keeps the namespace index right across replace and delete', () => {
    const store = new Store();
    store.upsert(obj('a', 'x'));
    store.upsert(obj('a', 'x'));
    assert.equal(store.list('a').length, 1);
    store.delete('a/x');
    assert.deepEqual(store.list('a'), []);
    assert.equal(store.delete('a/x'), undefined);
  });

  it('indexes by label and follows label changes', () => {
    const store = new Store({ byApp: labelIndex('app') });
    store.upsert(obj('a', 'x', { app: 'web' }));
    store.upsert(obj('a', 'y', { app: 'web' }));
    store.upsert(obj('a', 'z'));
    assert.deepEqual(names(store.byIndex('byApp', 'web')), ['x', 'y']);
    store.upsert(obj('a', 'y', { app: 'api' }));
    assert.deepEqual(names(store.byIndex('byApp', 'web')), ['x']);
    assert.deepEqual(names(store.byIndex('byApp', 'api')), ['y']);
    store.delete('a/x');
    assert.deepEqual(store.byIndex('byApp', 'web'), []);
  });

  it('indexes by owner uid and by controller uid', () => {
    const store = new Store({ owner: ownerUidIndex, controller: controllerUidIndex });
    store.upsert(obj('a', 'x', {}, ['u1', 'u2']));
    store.upsert(obj('a', 'y', {}, ['u2']));
    assert.deepEqual(names(store.byIndex('owner', 'u2')), ['x', 'y']);
    assert.deepEqual(names(store.byIndex('controller', 'u2')), ['y']);
    assert.deepEqual(names(store.byIndex('controller', 'u1')), ['x']);
  });

  it('builds an index added later over existing objects', () => {
    const store = new Store();
    store.upsert(obj('a', 'x', { app: 'web' }));
    store.addIndexer('byApp', labelIndex('app'));
    assert.deepEqual(names(store.byIndex('byApp', 'web')), ['x']);
  });

  it('rejects an unknown index name', () => {
    assert.throws(() => new Store().byIndex('nope', 'x'), /no index named nope/);
  });
});

describe('objects', () => {
  it('objectKey and splitKey round-trip', () => {
    assert.equal(objectKey({ metadata: { namespace: 'ns', name: 'n' } }), 'ns/n');
    assert.equal(objectKey({ metadata: { name: 'n' } }), 'n');
    assert.deepEqual(splitKey('ns/n'), { namespace: 'ns', name: 'n' });
    assert.deepEqual(splitKey('n'), { namespace: undefined, name: 'n' });
  });

  it('deepFreeze freezes nested objects and arrays; thaw gives a mutable copy', () => {
    const frozen = deepFreeze({ metadata: { labels: { a: 'b' } }, list: [{ x: 1 }] });
    assert.throws(() => {
      (frozen.metadata.labels as Record<string, string>).a = 'c';
    }, TypeError);
    assert.throws(() => {
      (frozen.list as { x: number }[]).push({ x: 2 });
    }, TypeError);
    const copy = thaw(frozen);
    copy.metadata.labels.a = 'c';
    assert.equal(frozen.metadata.labels.a, 'b');
  });

  it('matchingOwners matches kind and group, the controller reference by default', () => {
    const o = obj('a', 'rs', {}, ['u1', 'u2']);
    assert.deepEqual(matchingOwners(o, { kind: 'Rollout', apiVersion: 'aviary.dev/v1beta1' }).map((r) => r.uid), ['u1']);
    assert.deepEqual(matchingOwners(o, { kind: 'Rollout', controllerOnly: false }).map((r) => r.uid), ['u1', 'u2']);
    assert.deepEqual(matchingOwners(o, { kind: 'Rollout', apiVersion: 'argoproj.io/v1alpha1' }), []);
    assert.deepEqual(matchingOwners(o, { kind: 'Deployment' }), []);
  });
});

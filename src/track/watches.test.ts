import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../runtime/clock.ts';
import { isApiError, KubeClient } from '../runtime/rest.ts';
import { FakeApi } from './fake-api.ts';
import type { ChangeType, Watched } from './watches.ts';
import { WatchHub } from './watches.ts';

const pods = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
const path = '/api/v1/namespaces/ns/pods';
const pod = (name: string, rv: string) => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'yes' } },
});

/** Resolves when the listener has seen `n` changes. */
function changes(watched: Watched, n: number): Promise<[ChangeType, string][]> {
  const seen: [ChangeType, string][] = [];
  return new Promise((resolve) => {
    watched.subscribe((type, obj) => {
      seen.push([type, obj.metadata?.name ?? '']);
      if (seen.length === n) resolve(seen);
    });
  });
}

describe('WatchHub (the tracker on the runtime informer)', () => {
  let api: FakeApi;
  let client: KubeClient;
  before(async () => {
    api = await FakeApi.start();
    client = new KubeClient(api.connection);
  });
  after(async () => {
    client.close();
    await api.close();
  });

  it('lists, then watches; hands out slimmed objects with their kind; shares one informer per collection and selector', async () => {
    api.list(path, [pod('a', '5')]);
    const hub = new WatchHub(client, new FakeClock(), () => undefined);
    const first = await hub.watch({ resource: pods, namespace: 'ns', labelSelector: 'app=web' });
    const second = await hub.watch({ resource: pods, namespace: 'ns', labelSelector: 'app=web' });
    assert.equal(first, second, 'the same watch');
    assert.equal(api.count(path), 1, 'one list');
    assert.equal(first.items().length, 1);
    const [a] = first.items();
    assert.ok(a !== undefined);
    assert.equal(a.kind, 'Pod', 'list items get the kind a watch event would carry');
    assert.deepEqual(a.metadata?.annotations, { keep: 'yes' }, 'last-applied-configuration is dropped');

    const seen = changes(first, 3);
    // The watch starts once the informer has synced; events can be sent when the server holds it.
    await api.received(path, true);
    api.send(path, 'MODIFIED', pod('a', '6'));
    api.send(path, 'DELETED', pod('a', '7'));
    assert.deepEqual(await seen, [['ADDED', 'a'], ['MODIFIED', 'a'], ['DELETED', 'a']]);
    assert.equal(api.requests.find((r) => r.path === path && r.query.get('watch') === 'true')?.query.get('resourceVersion'), '10', 'watches from the list');
    await hub.stopAll();
    await assert.rejects(hub.watch({ resource: pods, namespace: 'ns' }), /tracking has ended/);
  });

  it('fails the request when the first list fails (Forbidden), and lists afresh when asked again', async () => {
    const revisions = '/apis/apps/v1/namespaces/ns/controllerrevisions';
    api.fail(revisions, 403, 'Forbidden', 'controllerrevisions.apps is forbidden');
    const hub = new WatchHub(client, new FakeClock(), () => undefined);
    const spec = { resource: { apiVersion: 'apps/v1', kind: 'ControllerRevision', plural: 'controllerrevisions' }, namespace: 'ns' };
    await assert.rejects(hub.watch(spec), (error: unknown) => isApiError(error, 403));
    await assert.rejects(hub.watch(spec), (error: unknown) => isApiError(error, 403));
    assert.equal(api.count(revisions), 2, 'a failed first list is not cached');
    await hub.stopAll();
  });

  it('a first list still in flight when tracking ends fails instead of hanging', async () => {
    const slow = '/api/v1/namespaces/slow/pods';
    api.routes.set(slow, () => { /* never answers */ });
    const hub = new WatchHub(client, new FakeClock(), () => undefined);
    const pending = hub.watch({ resource: pods, namespace: 'slow' });
    await api.received(slow);
    await hub.stopAll();
    await assert.rejects(pending, /tracking has ended/);
  });
});

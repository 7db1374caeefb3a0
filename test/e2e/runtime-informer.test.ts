import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Informer, type EventHandler } from '../../src/runtime/informer.ts';
import type { DeepReadonly, KubeObject } from '../../src/runtime/objects.ts';
import type { Event } from '../../src/api/kubernetes.ts';
import { KubeClient, resourcePath, type WatchEvent, type WatchParams } from '../../src/runtime/rest.ts';
import { compactEtcd } from '../support/etcd.ts';
import { kubeConfig } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/**
 * A client whose next watch request waits until the test releases it, so a test can change objects while the
 * informer is certainly disconnected — and know when it is — instead of racing its reconnect.
 */
class HoldingClient extends KubeClient {
  #hold: { reached: () => void; released: Promise<void> } | undefined;

  /** `reached` resolves when the informer asks for its next watch; that request waits for `release()`. */
  holdNextWatch(): { reached: Promise<void>; release: () => void } {
    let reach = (): void => undefined;
    let release = (): void => undefined;
    const reached = new Promise<void>((resolve) => { reach = resolve; });
    const released = new Promise<void>((resolve) => { release = resolve; });
    this.#hold = { reached: reach, released };
    return { reached, release };
  }

  override async watch<T = unknown>(params: WatchParams, onEvent: (event: WatchEvent<T>) => void): Promise<void> {
    const hold = this.#hold;
    if (hold !== undefined) {
      this.#hold = undefined;
      hold.reached();
      // An informer stopped meanwhile must not wait for a release that never comes.
      await new Promise<void>((resolve) => {
        void hold.released.then(resolve);
        params.signal?.addEventListener('abort', () => { resolve(); }, { once: true });
      });
    }
    return super.watch(params, onEvent);
  }
}

const ns = new TestNamespace('rt-inf', [['v1', 'ConfigMap']]);
const client = new HoldingClient(kubeConfig(), { userAgent: 'aviary-e2e' });
const configMaps = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };

/** Every handler call, in order, as "type name[=value]". */
class Recorder implements EventHandler<ConfigMap> {
  readonly seen: string[] = [];
  onAdd(obj: DeepReadonly<ConfigMap>): void {
    this.seen.push(`add ${show(obj)}`);
  }
  onUpdate(_old: DeepReadonly<ConfigMap>, obj: DeepReadonly<ConfigMap>): void {
    this.seen.push(`update ${show(obj)}`);
  }
  onDelete(obj: DeepReadonly<ConfigMap>): void {
    this.seen.push(`delete ${show(obj)}`);
  }
}

function show(obj: DeepReadonly<ConfigMap>): string {
  const value = obj.data?.value;
  return `${obj.metadata?.name ?? ''}${value === undefined ? '' : `=${value}`}`;
}

function path(name?: string): string {
  return resourcePath('v1', 'configmaps', ns.name, name);
}

async function put(name: string, labels: Record<string, string>, value: string): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns.name, labels }, data: { value } };
  try {
    await client.create(path(), body);
  } catch {
    const current = await client.get<ConfigMap>(path(name));
    await client.replace(path(name), { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } });
  }
}

function eventPath(name?: string): string {
  return resourcePath('v1', 'events', ns.name, name);
}

async function createEvent(name: string): Promise<void> {
  await client.create(eventPath(), {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns.name, labels: { app: 'gone' } },
    involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'subject', namespace: ns.name },
    reason: 'Test',
    message: name,
    type: 'Normal',
  });
}

function startInformer(options: { labelSelector?: string; watchTimeoutSeconds?: number } = {}): { informer: Informer<ConfigMap>; recorder: Recorder } {
  const informer = new Informer<ConfigMap>(client, { resource: configMaps, namespace: ns.name, pageSize: 2, ...options });
  const recorder = new Recorder();
  informer.addEventHandler(recorder);
  informer.start();
  return { informer, recorder };
}

function names(informer: Informer<ConfigMap>): string[] {
  return informer.list().map((cm) => show(cm)).sort();
}

const inventory = (informer: Informer<ConfigMap>, recorder: Recorder) => async () =>
  `informer: ${JSON.stringify(informer.health())}\ncache: ${names(informer).join(', ')}\nhandler calls: ${recorder.seen.join('; ')}\n${await ns.explain()}`;

describe('runtime informer (real API server)', () => {
  before(() => ns.create());
  after(async () => {
    await ns.delete();
    client.close();
  });

  it('lists in pages, then sees add, update and delete of ConfigMaps matching its label selector', async () => {
    // More objects than one page (pageSize 2) exist before the informer starts.
    for (const name of ['pre-1', 'pre-2', 'pre-3']) await put(name, { app: 'rt' }, 'v0');
    await put('pre-other', { app: 'other' }, 'v0');
    const { informer, recorder } = startInformer({ labelSelector: 'app=rt' });
    const explain = inventory(informer, recorder);
    try {
      await informer.waitForSync(AbortSignal.timeout(15_000));
      assert.deepEqual(names(informer), ['pre-1=v0', 'pre-2=v0', 'pre-3=v0']);
      assert.deepEqual(recorder.seen.slice().sort(), ['add pre-1=v0', 'add pre-2=v0', 'add pre-3=v0']);

      await put('a', { app: 'rt' }, 'v1');
      await put('ignored', { app: 'other' }, 'v1');
      await ns.waitFor('the add of a', () => Promise.resolve(recorder.seen.includes('add a=v1')), { explain });
      await put('a', { app: 'rt' }, 'v2');
      await ns.waitFor('the update of a', () => Promise.resolve(recorder.seen.includes('update a=v2')), { explain });
      // Relabelling out of the selector is a delete for this informer; relabelling into it an add.
      await put('pre-1', { app: 'other' }, 'v0');
      await put('ignored', { app: 'rt' }, 'v2');
      await client.delete(path('a'));
      await ns.waitFor('the deletes and the relabelled add', () =>
        Promise.resolve(['delete pre-1=v0', 'delete a=v2', 'add ignored=v2'].every((call) => recorder.seen.includes(call))), { explain });

      assert.deepEqual(names(informer), ['ignored=v2', 'pre-2=v0', 'pre-3=v0']);
      assert.ok(!recorder.seen.some((call) => call.includes('pre-other')), 'objects outside the selector are never seen');

      const cached = informer.get(`${ns.name}/pre-2`);
      assert.ok(cached !== undefined);
      assert.equal(cached.kind, 'ConfigMap', 'list items get apiVersion and kind');
      assert.equal(cached.apiVersion, 'v1');
      assert.equal((cached.metadata as Record<string, unknown>).managedFields, undefined, 'managedFields are stripped');
      assert.equal(typeof (cached.metadata as Record<string, unknown>).creationTimestamp, 'string', 'timestamps stay JSON strings');
      assert.ok(Object.isFrozen(cached) && Object.isFrozen(cached.metadata) && Object.isFrozen(cached.data), 'cached objects are frozen');
      const health = informer.health();
      assert.equal(health.synced, true);
      assert.equal(health.watching, true);
    } finally {
      await informer.stop();
    }
  });

  it('recovers after its watch is broken and converges on changes made meanwhile', async () => {
    const { informer, recorder } = startInformer({ labelSelector: 'app=recover' });
    const explain = inventory(informer, recorder);
    try {
      await informer.waitForSync(AbortSignal.timeout(15_000));
      await put('r-1', { app: 'recover' }, 'v1');
      await ns.waitFor('r-1 in the cache', () => Promise.resolve(informer.get(`${ns.name}/r-1`) !== undefined), { explain });
      const { restarts, relists } = informer.health();

      // Break the watch and change things while the informer is certainly not watching.
      const held = client.holdNextWatch();
      informer.restartWatch();
      await held.reached;
      assert.equal(informer.health().watching, false);
      await put('r-2', { app: 'recover' }, 'v1');
      await put('r-1', { app: 'recover' }, 'v2');
      held.release();

      await ns.waitFor('the cache to converge after the restart', () =>
        Promise.resolve(names(informer).join(',') === 'r-1=v2,r-2=v1'), { explain });
      assert.ok(recorder.seen.includes('add r-2=v1') && recorder.seen.includes('update r-1=v2'), 'the changes arrive as events');
      assert.ok(informer.health().restarts > restarts, 'the broken watch counts as a restart');
      assert.equal(informer.health().relists, relists, 'resumed from its resourceVersion: no re-list');
      await ns.waitFor('the watch to be open again', () => Promise.resolve(informer.health().watching), { explain });
    } finally {
      await informer.stop();
    }
  });

  it('re-lists when its resourceVersion is gone (410) and notices an object deleted while it was away', async () => {
    // Resuming from a resourceVersion the server no longer has must end in 410 Gone. ConfigMaps cannot promise that:
    // the API server's watch cache serves old resourceVersions for as long as its window reaches back, which on a
    // young or quiet cluster is all the way to the start. Events have no watch cache (a Kubernetes default), so a
    // watch from a compacted revision goes to etcd, which answers 410.
    const informer = new Informer<Event>(client, { resource: { apiVersion: 'v1', kind: 'Event', plural: 'events' }, namespace: ns.name, labelSelector: 'app=gone' });
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (e) => { seen.push(`add ${e.metadata.name ?? ''}`); },
      onDelete: (e) => { seen.push(`delete ${e.metadata.name ?? ''}`); },
    });
    informer.start();
    const cached = (): string => informer.list().map((e) => e.metadata.name ?? '').sort().join(',');
    const explain = async (): Promise<string> => `informer: ${JSON.stringify(informer.health())}\ncache: ${cached()}\nhandler calls: ${seen.join('; ')}\n${await ns.explain()}`;
    try {
      await informer.waitForSync(AbortSignal.timeout(15_000));
      await createEvent('g-1');
      await createEvent('g-2');
      await ns.waitFor('both Events in the cache', () => Promise.resolve(cached() === 'g-1,g-2'), { explain });
      const { relists } = informer.health();

      // etcd keeps its history until the API server compacts it (every 5 minutes): compact it now, so resourceVersion
      // 1 is gone on any cluster, young or old.
      await compactEtcd();
      const held = client.holdNextWatch();
      informer.restartWatch({ fromResourceVersion: '1' });
      await held.reached;
      await client.delete(eventPath('g-2'));
      await createEvent('g-3');
      held.release();

      await ns.waitFor('a re-list', () => Promise.resolve(informer.health().relists > relists), { explain });
      assert.match(informer.health().lastError?.message ?? '', /too old/i, 'the re-list followed 410 Gone');
      await ns.waitFor('the cache to converge after the re-list', () => Promise.resolve(cached() === 'g-1,g-3'), { explain });
      assert.ok(seen.includes('delete g-2'), 'the re-list reports the object deleted while the informer was away');
      assert.ok(seen.includes('add g-3'));
      await ns.waitFor('the watch to be open after the re-list', () => Promise.resolve(informer.health().watching), { explain });
    } finally {
      await informer.stop();
    }
  });

  it('reconnects a watch that stays silent past its inactivity timeout, without losing events', async () => {
    const informer = new Informer<ConfigMap>(client, { resource: configMaps, namespace: ns.name, labelSelector: 'app=quiet', inactivityTimeoutMs: 300 });
    const recorder = new Recorder();
    informer.addEventHandler(recorder);
    informer.start();
    const explain = inventory(informer, recorder);
    try {
      await informer.waitForSync(AbortSignal.timeout(15_000));
      await ns.waitFor('a reconnect after silence', () => Promise.resolve(informer.health().restarts >= 2), { explain });
      assert.equal(informer.health().lastError, undefined, 'silence is not reported as an error');
      await put('q-1', { app: 'quiet' }, 'v1');
      await ns.waitFor('the add after reconnects', () => Promise.resolve(recorder.seen.includes('add q-1=v1')), { explain });
    } finally {
      await informer.stop();
    }
  });

  it('resumes seamlessly when the server ends its watches (timeoutSeconds)', async () => {
    const { informer, recorder } = startInformer({ labelSelector: 'app=short', watchTimeoutSeconds: 1 });
    const explain = inventory(informer, recorder);
    try {
      await informer.waitForSync(AbortSignal.timeout(15_000));
      for (let i = 0; i < 6; i++) {
        await put(`s-${i}`, { app: 'short' }, 'v1');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await ns.waitFor('all six objects', () => Promise.resolve(informer.size === 6), { explain });
      assert.equal(recorder.seen.filter((call) => call.startsWith('add')).length, 6, 'each add seen once, none repeated by the reconnects');
      assert.equal(informer.health().restarts, 0, 'a server-side timeout is not an error');
    } finally {
      await informer.stop();
    }
  });
});

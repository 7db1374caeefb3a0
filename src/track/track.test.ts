import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../runtime/clock.ts';
import { FakeApi } from './fake-api.ts';
import { track } from './track.ts';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', uid: 'd1', generation: 1, resourceVersion: '3' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 0, availableReplicas: 0 },
};

describe('track() on the runtime: timers run on the given Clock', () => {
  let api: FakeApi;
  before(async () => {
    api = await FakeApi.start();
    api.routes.set('/apis/apps/v1/namespaces/ns/deployments/web', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(deployment));
    });
    api.list('/apis/apps/v1/namespaces/ns/deployments', [deployment]);
    api.list('/api/v1/namespaces/ns/events', []);
    api.list('/api/v1/namespaces/ns/pods', []);
    api.list('/apis/apps/v1/namespaces/ns/replicasets', []);
  });
  after(() => api.close());

  it('times out when the clock passes the limit, saying what it still waited for', async () => {
    const clock = new FakeClock();
    const tracking = track([{ kind: 'deploy', name: 'web' }], { kubeConfig: api.connection, namespace: 'ns', timeoutMs: 60_000, logs: false, clock });
    const seen: string[] = [];
    for await (const e of tracking.events) {
      seen.push(e.type);
      // Nothing changes on this server: only the clock can end the run.
      if (e.type === 'status') clock.advance(60_000);
    }
    const result = await tracking.result;
    assert.equal(result.outcome, 'timeout', result.message);
    assert.match(result.message, /^timed out after 1m00s: still waiting for deploy\/web \(the new ReplicaSet\)$/);
    assert.equal(result.durationMs, 60_000, 'durations are read from the same clock');
    assert.equal(result.startedAt, new Date(clock.now() - 60_000).toISOString());
    assert.deepEqual(seen, ['start', 'resolved', 'status', 'done']);
  });

  it('reports a target the server does not have as not found', async () => {
    const tracking = track([{ kind: 'deploy', name: 'missing' }], { kubeConfig: api.connection, namespace: 'ns', clock: new FakeClock() });
    const result = await tracking.result;
    assert.equal(result.outcome, 'not-found');
    assert.match(result.message, /Deployment "missing" not found in namespace ns/);
  });

  it('ends cleanly when the run is over while a target\'s watches are still listing', async () => {
    const held: { end: () => void }[] = [];
    const slow = { ...deployment, metadata: { ...deployment.metadata, name: 'slow', namespace: 'slow', uid: 'd2' } };
    api.routes.set('/apis/apps/v1/namespaces/slow/deployments/slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(slow));
    });
    // Every list of the namespace hangs: the run times out while all of them are in flight.
    for (const path of ['/apis/apps/v1/namespaces/slow/deployments', '/api/v1/namespaces/slow/events', '/api/v1/namespaces/slow/pods', '/apis/apps/v1/namespaces/slow/replicasets']) {
      api.routes.set(path, (_req, res) => { held.push(res); });
    }
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
    process.on('unhandledRejection', onUnhandled);
    try {
      const clock = new FakeClock();
      const tracking = track([{ kind: 'deploy', name: 'slow' }], { kubeConfig: api.connection, namespace: 'slow', timeoutMs: 60_000, logs: false, clock });
      for await (const e of tracking.events) if (e.type === 'resolved') {
        await api.received('/api/v1/namespaces/slow/pods');
        clock.advance(60_000);
      }
      const result = await tracking.result;
      assert.equal(result.outcome, 'timeout', result.message);
      // Unhandled rejections are reported on a later turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled.map(String), [], 'every watch still listing rejects with a handler');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      for (const res of held) res.end();
    }
  });
});


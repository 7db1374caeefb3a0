import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { parseListenAddress, startHealthServer } from './server.ts';

describe('parseListenAddress', () => {
  it('understands the usual forms', () => {
    assert.deepEqual(parseListenAddress(':8090'), { host: '0.0.0.0', port: 8090 });
    assert.deepEqual(parseListenAddress('8090'), { host: '0.0.0.0', port: 8090 });
    assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListenAddress('localhost:9000'), { host: 'localhost', port: 9000 });
    assert.deepEqual(parseListenAddress('[::1]:8090'), { host: '::1', port: 8090 });
  });

  it('rejects nonsense', () => {
    for (const bad of ['', 'host:', ':99999', 'a:b']) assert.throws(() => parseListenAddress(bad), Error, bad);
  });
});

describe('startHealthServer', () => {
  it('serves healthz, readyz (200/503 with details) and metrics', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);
    let ready = false;
    const server = await startHealthServer({
      address: '127.0.0.1:0',
      registry,
      healthz: () => ({ ok: true }),
      readyz: () => ({ ok: ready, details: { informers: [] } }),
    });
    try {
      const healthz = await fetch(`${server.url}/healthz`);
      assert.equal(healthz.status, 200);
      const notReady = await fetch(`${server.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { status: 'failed', informers: [] });
      ready = true;
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      const metrics = await fetch(`${server.url}/metrics`);
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(await metrics.text(), /test_things_total 3/);
    } finally {
      await server.close();
    }
  });

  it('reports a throwing check as not ready instead of crashing', async () => {
    const server = await startHealthServer({
      address: '127.0.0.1:0',
      registry: new Registry(),
      healthz: () => ({ ok: true }),
      readyz: () => {
        throw new Error('boom');
      },
    });
    try {
      const res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'failed', error: 'boom' });
    } finally {
      await server.close();
    }
  });
});

/**
 * The runtime's own endpoints, with an API server that is not there (a closed loopback port): the informer keeps
 * retrying in the background while /metrics answers and /healthz says the pods are not listed yet. Serving pods
 * from a real API server is covered by the lab's e2e tests against the local cluster.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import type { KubeConnection } from '../../runtime/kubeconfig.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { startPodRuntime } from './runtime.ts';

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

function unreachable(port: number): KubeConnection {
  return { server: `http://127.0.0.1:${String(port)}`, namespace: 'default', context: 'test', requestOptions: () => Promise.resolve({}) };
}

describe('startPodRuntime', () => {
  it('serves /metrics at once and /healthz 503 until the pods are listed; stops cleanly', async () => {
    const runtime = await startPodRuntime({
      connection: unreachable(await closedPort()),
      metricsAddress: { host: '127.0.0.1', port: 0 },
      log: silentLogger(),
    });
    try {
      assert.match(runtime.metricsUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const metrics = await fetch(`${runtime.metricsUrl}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      assert.match(text, /^aviary_lab_pods_served 0$/m);
      assert.match(text, /^# TYPE http_requests_total counter$/m);
      assert.equal((await fetch(`${runtime.metricsUrl}/healthz`)).status, 503);
      assert.equal((await fetch(`${runtime.metricsUrl}/nothing`)).status, 404);
      assert.equal(runtime.served(), 0);
    } finally {
      await runtime.stop();
    }
  });

  it('refuses a metrics address that is not loopback, before listening or dialling anything', async () => {
    await assert.rejects(
      startPodRuntime({ connection: unreachable(1), metricsAddress: { host: '0.0.0.0', port: 0 }, log: silentLogger() }),
      /not a loopback address/,
    );
  });
});

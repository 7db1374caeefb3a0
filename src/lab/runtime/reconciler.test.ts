/**
 * The reconciler between pod objects and a real PodServer on loopback addresses standing in for pod IPs. The pods
 * come from a map in the informer's place: the informer itself is covered against the real cluster (e2e).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '../../runtime/clock.ts';
import { createLogger } from '../../runtime/logger.ts';
import type { LabContainer, LabPod } from './desired.ts';
import { PodReconciler } from './reconciler.ts';
import { PodServer } from './server.ts';

interface Harness {
  pods: Map<string, LabPod>;
  server: PodServer;
  reconciler: PodReconciler;
  clock: FakeClock;
  /** Warnings logged so far, as messages. */
  warnings: () => string[];
  /** Sets (or, undefined, deletes) the pod as the informer would, and waits for its reconcile. */
  set: (pod: LabPod | undefined, key?: string) => Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function harness(): Harness {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      callback();
    },
  });
  const log = createLogger({ pretty: false, level: 'warn', destination });
  const clock = new FakeClock();
  const server = new PodServer({ clock, log });
  const pods = new Map<string, LabPod>();
  const reconciler = new PodReconciler({ server, log, lingerMs: 5000, getPod: (key) => pods.get(key) });
  cleanups.push(() => server.stop());
  return {
    pods,
    server,
    reconciler,
    clock,
    warnings: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
    set: async (pod, key) => {
      const k = key ?? `${pod?.metadata?.namespace ?? ''}/${pod?.metadata?.name ?? ''}`;
      if (pod === undefined) pods.delete(k);
      else pods.set(k, pod);
      reconciler.enqueue(k);
      await reconciler.idle();
    },
  };
}

function labPod(name: string, ip: string, options: { uid?: string; containers?: LabContainer[]; phase?: string } = {}): LabPod {
  return {
    metadata: { name, namespace: 'lab', uid: options.uid ?? `uid-${name}`, labels: { app: name } },
    spec: { nodeName: 'kwok-1', containers: options.containers ?? [{ name: 'app', image: 'lab/echo:v1' }] },
    status: { phase: options.phase ?? 'Running', podIP: ip },
  };
}

/** A port that is free on 127.0.0.2 (and, being ephemeral, all but surely on the other 127.0.0.x). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.2', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

function status(ip: string, port: number): Promise<{ status: number; pod: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        const pod = res.headers['aviary-pod'];
        resolve({ status: res.statusCode ?? 0, pod: typeof pod === 'string' ? pod : undefined });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function app(port: number, extra: Partial<LabContainer> = {}): LabContainer[] {
  return [{ name: 'app', image: 'lab/echo:v1', ports: [{ containerPort: port }], ...extra }];
}

describe('PodReconciler', () => {
  it('serves a Running pod, follows its knobs without reopening, and closes it after the linger once it is gone', async () => {
    const h = harness();
    const port = await freePort();
    await h.set(labPod('web-1', '127.0.0.2', { containers: app(port) }));
    assert.deepEqual(await status('127.0.0.2', port), { status: 200, pod: 'web-1' });
    assert.equal(h.server.podsServed(), 1);

    await h.set(labPod('web-1', '127.0.0.2', { containers: app(port, { env: [{ name: 'AVIARY_LAB_STATUS', value: '503' }] }) }));
    assert.deepEqual(await status('127.0.0.2', port), { status: 503, pod: 'web-1' });
    assert.equal(h.server.listeners(), 1);

    await h.set(undefined, 'lab/web-1');
    assert.deepEqual(await status('127.0.0.2', port), { status: 503, pod: 'web-1' }, 'still answering during the linger');
    h.clock.advance(5000);
    await h.server.gone('uid-web-1');
    await assert.rejects(status('127.0.0.2', port), { code: 'ECONNREFUSED' });
    assert.equal(h.server.podsServed(), 0);
  });

  it('does not serve a pod that is not Running, and stops serving one that stops', async () => {
    const h = harness();
    const port = await freePort();
    await h.set(labPod('job-1', '127.0.0.2', { containers: app(port), phase: 'Pending' }));
    assert.equal(h.server.listeners(), 0);
    await h.set(labPod('job-1', '127.0.0.2', { containers: app(port) }));
    assert.equal(h.server.listeners(), 1);
    await h.set(labPod('job-1', '127.0.0.2', { containers: app(port), phase: 'Succeeded' }));
    h.clock.advance(5000);
    await h.server.gone('uid-job-1');
    assert.equal(h.server.listeners(), 0);
  });

  it('warns about each problem of a pod once, and again for a new pod under the same name', async () => {
    const h = harness();
    const port = await freePort();
    const containers = [{ name: 'app', ports: [{ containerPort: port }, { containerPort: 53, protocol: 'UDP' }], env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: 'abc' }] }];
    await h.set(labPod('web-1', '127.0.0.2', { containers }));
    await h.set(labPod('web-1', '127.0.0.2', { containers }));
    assert.deepEqual(h.warnings(), [
      'lab pod lab/web-1: port 53/UDP of container app: only TCP is served; skipped',
      'lab pod lab/web-1: AVIARY_LAB_ERROR_RATIO="abc": not a number between 0 and 1',
    ]);
    assert.equal((await status('127.0.0.2', port)).status, 200, 'served with the default knobs');

    await h.set(labPod('web-1', '127.0.0.3', { uid: 'uid-2', containers }));
    assert.equal(h.warnings().length, 4);
    assert.deepEqual(await status('127.0.0.3', port), { status: 200, pod: 'web-1' });
  });

  it('warns once about an address it cannot listen on, and tries again on the pod\'s next update', async () => {
    const h = harness();
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.2', resolve));
    await h.set(labPod('web-1', '127.0.0.2', { containers: app(port) }));
    await h.set(labPod('web-1', '127.0.0.2', { containers: app(port) }));
    assert.deepEqual(h.warnings(), [`lab pod lab/web-1: cannot listen on 127.0.0.2:${String(port)} (EADDRINUSE); trying again on the pod's next update`]);
    assert.equal(h.server.podsServed(), 0);

    await new Promise<void>((resolve) => holder.close(() => { resolve(); }));
    await h.set(labPod('web-1', '127.0.0.2', { containers: app(port) }));
    assert.deepEqual(await status('127.0.0.2', port), { status: 200, pod: 'web-1' });
    assert.equal(h.warnings().length, 1);
  });

  it('moves a pod recreated under its name to its new IP, the old one lingering', async () => {
    const h = harness();
    const port = await freePort();
    await h.set(labPod('db-0', '127.0.0.2', { containers: app(port) }));
    await h.set(labPod('db-0', '127.0.0.3', { uid: 'uid-db-0-again', containers: app(port) }));
    assert.deepEqual(await status('127.0.0.3', port), { status: 200, pod: 'db-0' });
    assert.deepEqual(await status('127.0.0.2', port), { status: 200, pod: 'db-0' }, 'the old one lingers');
    h.clock.advance(5000);
    await h.server.gone('uid-db-0');
    await assert.rejects(status('127.0.0.2', port), { code: 'ECONNREFUSED' });
    assert.equal(h.server.podsServed(), 1);
  });
});

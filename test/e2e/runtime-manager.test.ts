import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { PatchStrategy } from '@kubernetes/client-node';
import { Controller } from '../../src/runtime/controller.ts';
import type { Lease } from '../../src/runtime/leader-election.ts';
import { Manager } from '../../src/runtime/manager.ts';
import type { KubeObject } from '../../src/runtime/objects.ts';
import { done, type Reconciler } from '../../src/runtime/reconcile.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { kubeConfig } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const ns = new TestNamespace('rt-mgr', [['v1', 'ConfigMap'], ['coordination.k8s.io/v1', 'Lease']]);
const client = new KubeClient(kubeConfig(), { userAgent: 'aviary-e2e' });

/** Marks each ConfigMap with the identity of the manager that reconciled it. */
function markingManager(identity: string): Manager {
  const manager = new Manager({
    kubeConfig: kubeConfig(),
    address: '127.0.0.1:0',
    leaderElection: { namespace: ns.name, name: 'rt-mgr', identity, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 250 },
    drainTimeoutMs: 2000,
  });
  const configMaps = manager.informers.informer<KubeObject>({
    resource: { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
    namespace: ns.name,
    labelSelector: 'rt=managed',
  });
  const reconciler: Reconciler = {
    async reconcile(key, signal) {
      const cm = configMaps.get(key);
      if (cm === undefined) return done;
      if (cm.metadata?.annotations?.['rt/reconciled-by'] === identity) return done;
      await manager.client.patch(
        resourcePath('v1', 'configmaps', cm.metadata?.namespace, cm.metadata?.name),
        { metadata: { annotations: { 'rt/reconciled-by': identity } } },
        PatchStrategy.MergePatch,
        signal,
      );
      manager.events.normal(cm, 'Marked', `reconciled by ${identity}`);
      return done;
    },
  };
  manager.addController(new Controller({ name: 'marker', reconciler, logger: manager.logger, metrics: manager.metrics }).primary(configMaps));
  return manager;
}

async function create(name: string): Promise<void> {
  await client.create(resourcePath('v1', 'configmaps', ns.name), { metadata: { name, labels: { rt: 'managed' } } });
}

async function reconciledBy(name: string): Promise<string | undefined> {
  const cm = await client.get<KubeObject>(resourcePath('v1', 'configmaps', ns.name, name));
  return cm.metadata?.annotations?.['rt/reconciled-by'];
}

describe('runtime manager (real API server)', () => {
  before(() => ns.create());
  after(async () => {
    await ns.delete();
    client.close();
  });

  it('serves probes and metrics, runs controllers only on the leader, and fails over on shutdown', async () => {
    const a = markingManager('manager-a');
    const b = markingManager('manager-b');
    try {
      await create('before-start');
      await a.start();
      await waitFor('manager-a to lead', () => Promise.resolve(a.isLeader()), { explain: () => ns.explain() });
      await b.start();
      await ns.waitFor('the existing ConfigMap to be reconciled by the leader', async () => (await reconciledBy('before-start')) === 'manager-a');

      await create('while-running');
      await ns.waitFor('a new ConfigMap to be reconciled', async () => (await reconciledBy('while-running')) === 'manager-a');
      assert.equal(b.isLeader(), false);

      for (const [manager, role] of [[a, 'leader'], [b, 'standby']] as const) {
        const readyz = await fetch(`${manager.serverUrl ?? ''}/readyz`);
        const body = (await readyz.json()) as { leaderElection: { role: string }; informers: { synced: boolean; watching: boolean }[] };
        assert.equal(readyz.status, 200, JSON.stringify(body));
        assert.equal(body.leaderElection.role, role);
        assert.ok(body.informers.every((i) => i.synced && i.watching));
        assert.equal((await fetch(`${manager.serverUrl ?? ''}/healthz`)).status, 200);
      }
      const metrics = await (await fetch(`${a.serverUrl ?? ''}/metrics`)).text();
      assert.match(metrics, /aviary_reconcile_duration_seconds_count\{controller="marker"\} [1-9]/);
      assert.match(metrics, /aviary_workqueue_adds_total\{name="marker"\} [1-9]/);
      assert.match(metrics, /aviary_workqueue_depth\{name="marker"\} 0/);
      assert.match(metrics, /aviary_leader_election_is_leader\{lease=".*\/rt-mgr"\} 1/);
      assert.match(metrics, /process_cpu_seconds_total/);
      assert.doesNotMatch(await (await fetch(`${b.serverUrl ?? ''}/metrics`)).text(), /aviary_reconcile_duration_seconds_count\{controller="marker"\} [1-9]/, 'the standby reconciles nothing');

      const url = a.serverUrl ?? '';
      await a.stop();
      await assert.rejects(fetch(`${url}/healthz`), 'the server is closed after stop');
      const stoppedAt = Date.now();
      await waitFor('manager-b to take over', () => Promise.resolve(b.isLeader()), { timeoutMs: 5000 });
      // Well before the 3 s Lease could expire: manager-a released it on shutdown.
      assert.ok(Date.now() - stoppedAt < 2000, `takeover took ${Date.now() - stoppedAt} ms`);
      const lease = await client.get<Lease>(resourcePath('coordination.k8s.io/v1', 'leases', ns.name, 'rt-mgr'));
      assert.equal(lease.spec?.holderIdentity, 'manager-b');
      await create('after-failover');
      await ns.waitFor('the new leader to reconcile', async () => (await reconciledBy('after-failover')) === 'manager-b');
      await ns.waitFor('the new leader to re-reconcile existing objects on takeover', async () => (await reconciledBy('before-start')) === 'manager-b');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('on SIGTERM releases the Lease and exits cleanly (nothing left running)', async () => {
    const manager = new URL('../../src/runtime/manager.ts', import.meta.url).href;
    const script = `
      import { Manager } from ${JSON.stringify(manager)};
      const m = new Manager({ address: '127.0.0.1:0', leaderElection: { namespace: ${JSON.stringify(ns.name)}, name: 'sigterm', identity: 'child' } });
      m.informers.informer({ resource: { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }, namespace: ${JSON.stringify(ns.name)} });
      await m.run();
      process.stdout.write('stopped cleanly\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const leasePath = resourcePath('coordination.k8s.io/v1', 'leases', ns.name, 'sigterm');
    try {
      await waitFor('the child to lead', async () => (await client.get<Lease>(leasePath)).spec?.holderIdentity === 'child', {
        explain: () => Promise.resolve(output),
      });
      child.kill('SIGTERM');
      const hung = AbortSignal.timeout(15_000);
      const exit = await Promise.race([
        once(child, 'exit') as Promise<[number | null, string | null]>,
        once(hung, 'abort').then(() => 'hung' as const),
      ]);
      assert.notEqual(exit, 'hung', `the process did not exit after SIGTERM: ${output}`);
      assert.deepEqual(exit, [0, null], output);
      assert.match(output, /stopped cleanly/);
      const lease = await client.get<Lease>(leasePath);
      assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease was released');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

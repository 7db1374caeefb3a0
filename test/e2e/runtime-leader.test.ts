import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LeaderElector, type Lease } from '../../src/runtime/leader-election.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { kubeConfig } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const ns = new TestNamespace('rt-lead', [['coordination.k8s.io/v1', 'Lease']]);
const client = new KubeClient(kubeConfig(), { userAgent: 'aviary-e2e' });
const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

interface Candidate {
  elector: LeaderElector;
  log: string[];
}

/** Short timings so that expiry-based takeover fits a test: lease 3 s, renew deadline 2 s, retry 0.25 s. */
function candidate(lease: string, identity: string, options: { releaseOnStop?: boolean } = {}): Candidate {
  const log: string[] = [];
  const elector = new LeaderElector({
    client,
    namespace: ns.name,
    name: lease,
    identity,
    leaseDurationMs: 3000,
    renewDeadlineMs: 2000,
    retryPeriodMs: 250,
    ...options,
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => log.push('stopped'),
  });
  return { elector, log };
}

function readLease(name: string): Promise<Lease> {
  return client.get<Lease>(resourcePath('coordination.k8s.io/v1', 'leases', ns.name, name));
}

async function explain(name: string, candidates: Candidate[]): Promise<string> {
  let lease: unknown;
  try {
    lease = (await readLease(name)).spec;
  } catch (error) {
    lease = error instanceof Error ? error.message : error;
  }
  return `lease: ${JSON.stringify(lease)}\n${candidates.map((c) => `${c.elector.identity}: ${JSON.stringify(c.elector.health())} callbacks=${c.log.join(',')}`).join('\n')}`;
}

describe('runtime leader election (real API server)', () => {
  before(() => ns.create());
  after(async () => {
    await ns.delete();
    client.close();
  });

  it('two candidates: exactly one leads; when it releases the Lease the other takes over at once', async () => {
    const a = candidate('release', 'candidate-a');
    const b = candidate('release', 'candidate-b');
    const both = [a, b];
    const why = () => explain('release', both);
    try {
      a.elector.start();
      b.elector.start();
      const first = await waitFor('one leader', () => Promise.resolve(both.find((c) => c.elector.isLeader())), { explain: why });
      const second = first === a ? b : a;
      // Several retry periods later, still exactly one.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.deepEqual(both.filter((c) => c.elector.isLeader()), [first], await why());
      assert.deepEqual(second.log, []);

      const spec = (await readLease('release')).spec ?? {};
      assert.equal(spec.holderIdentity, first.elector.identity);
      assert.equal(spec.leaseDurationSeconds, 3);
      assert.match(spec.renewTime ?? '', microTime);
      assert.match(spec.acquireTime ?? '', microTime);
      const transitionsBefore = spec.leaseTransitions ?? 0;
      assert.equal(second.elector.holder(), first.elector.identity, 'the standby knows who leads');

      const stoppedAt = Date.now();
      await first.elector.stop();
      assert.equal(first.elector.isLeader(), false);
      assert.deepEqual(first.log, ['started', 'stopped']);
      await waitFor('the standby to take over', () => Promise.resolve(second.elector.isLeader()), { explain: why, timeoutMs: 10_000 });
      const takeoverMs = Date.now() - stoppedAt;
      // Released, not expired: the standby needs at most one (jittered) retry period, not the 3 s lease.
      assert.ok(takeoverMs < 2000, `takeover took ${takeoverMs} ms`);
      const taken = (await readLease('release')).spec ?? {};
      assert.equal(taken.holderIdentity, second.elector.identity);
      assert.equal(taken.leaseTransitions, transitionsBefore + 1);
      assert.deepEqual(second.log, ['started']);
    } finally {
      await Promise.all(both.map((c) => c.elector.stop()));
    }
  });

  it('a leader that vanishes without releasing is replaced after the Lease expires', async () => {
    const a = candidate('expire', 'crashy', { releaseOnStop: false });
    const b = candidate('expire', 'patient');
    const both = [a, b];
    const why = () => explain('expire', both);
    try {
      a.elector.start();
      await waitFor('the first candidate to lead', () => Promise.resolve(a.elector.isLeader()), { explain: why });
      b.elector.start();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(b.elector.isLeader(), false, 'a valid Lease is respected');

      const stoppedAt = Date.now();
      await a.elector.stop();
      const held = await readLease('expire');
      assert.equal(held.spec?.holderIdentity, 'crashy', 'not released');
      await waitFor('the second candidate to take over', () => Promise.resolve(b.elector.isLeader()), { explain: why, timeoutMs: 10_000 });
      const waitedMs = Date.now() - stoppedAt;
      assert.ok(waitedMs >= 1500, `took over after ${waitedMs} ms, before the Lease could have expired`);
      assert.equal((await readLease('expire')).spec?.holderIdentity, 'patient');
    } finally {
      await Promise.all(both.map((c) => c.elector.stop()));
    }
  });

  it('a leader whose Lease is taken from it steps down', async () => {
    const a = candidate('stolen', 'victim');
    const why = () => explain('stolen', [a]);
    try {
      a.elector.start();
      await waitFor('leadership', () => Promise.resolve(a.elector.isLeader()), { explain: why });
      // Someone else writes the Lease as theirs (compare-and-swap on the resourceVersion it read; the leader renews
      // every 250 ms, so the thief may lose a race or two, exactly like a real contender).
      await waitFor('the thief to write the Lease', async () => {
        const lease = await readLease('stolen');
        const now = new Date().toISOString().replace('Z', '000Z');
        await client.replace(resourcePath('coordination.k8s.io/v1', 'leases', ns.name, 'stolen'), {
          ...lease,
          spec: { ...lease.spec, holderIdentity: 'thief', renewTime: now, acquireTime: now, leaseDurationSeconds: 30 },
        });
        return true;
      }, { explain: why, intervalMs: 20 });
      await waitFor('the victim to step down', () => Promise.resolve(!a.elector.isLeader()), { explain: why, timeoutMs: 5000 });
      assert.deepEqual(a.log, ['started', 'stopped']);
      assert.equal(a.elector.holder(), 'thief');
    } finally {
      await a.elector.stop();
    }
  });
});

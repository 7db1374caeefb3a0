import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryStrategy, Rollout } from '../api/rollout.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import type { PodView, RolloutPlan } from './observed.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// spec.restartAt (docs/rollouts.md "restart", reference §4): every pod created before restartAt is evicted, with at
// most maxUnavailable pods missing at a time (at least one, so maxUnavailable 0 still restarts); stable pods first,
// then older revisions, the canary last; status.restartedAt records completion.

const longAgo = '2025-12-31T22:00:00Z';
const restartAt = '2025-12-31T23:30:00Z';

function rollout(replicas: number, canary: Partial<CanaryStrategy> = {}): Rollout {
  return testRollout({ replicas, strategy: { canary: { steps: [], ...canary } } });
}

/** A Rollout settled at Healthy, every pod ready and created long ago. */
function healthy(replicas: number, canary: Partial<CanaryStrategy> = {}): Simulation {
  const sim = new Simulation(rollout(replicas, canary));
  sim.settle();
  assert.equal(sim.phase(), 'Healthy');
  return sim;
}

/** Pods for every ReplicaSet's spec.replicas, named <hash>-<i>, all ready, created at `createdAt`. */
function podsOf(sim: Simulation, createdAt = longAgo): PodView[] {
  return sim.replicaSets.flatMap((rs) => {
    const hash = rs.metadata?.labels?.[podTemplateHashLabel] ?? '';
    return Array.from({ length: rs.spec?.replicas ?? 0 }, (_, i) => ({ name: `${hash}-${String(i)}`, hash, createdAt, ready: true, deleting: false }));
  });
}

/** Plans one pass with these pods and spec.restartAt (`null`: none). */
function planWith(sim: Simulation, pods: readonly PodView[], restart: string | null = restartAt): RolloutPlan {
  const spec = restart === null ? sim.rollout.spec : { ...sim.rollout.spec, restartAt: restart };
  return planRollout({ rollout: { ...sim.rollout, spec }, replicaSets: sim.replicaSets, services: sim.services, pods, now: sim.now });
}

describe('restart: how many pods one pass evicts', () => {
  interface Row {
    name: string;
    replicas: number;
    canary?: Partial<CanaryStrategy>;
    /** Changes the ready pods: index -> what differs. */
    pods?: Record<number, Partial<PodView>>;
    evicted: number;
  }
  const rows: Row[] = [
    { name: 'the default 25% of 4: one pod', replicas: 4, evicted: 1 },
    { name: 'maxUnavailable 2 of 4: two pods', replicas: 4, canary: { maxUnavailable: 2 }, evicted: 2 },
    { name: 'maxUnavailable 50% of 6: three pods', replicas: 6, canary: { maxUnavailable: '50%' }, evicted: 3 },
    { name: 'maxUnavailable 100%: every pod at once', replicas: 3, canary: { maxUnavailable: '100%' }, evicted: 3 },
    { name: 'maxUnavailable 0 (maxSurge 1): still one at a time, as Argo', replicas: 4, canary: { maxUnavailable: 0, maxSurge: 1 }, evicted: 1 },
    { name: 'a pod already terminating uses up the budget', replicas: 4, pods: { 0: { deleting: true } }, evicted: 0 },
    { name: 'a pod not ready uses up the budget', replicas: 4, pods: { 0: { ready: false } }, evicted: 0 },
    { name: 'one terminating pod of a budget of 2 leaves one', replicas: 4, canary: { maxUnavailable: 2 }, pods: { 0: { deleting: true } }, evicted: 1 },
    { name: 'a pod created at restartAt exactly is current', replicas: 1, pods: { 0: { createdAt: restartAt } }, evicted: 0 },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const sim = healthy(row.replicas, row.canary);
      const pods = podsOf(sim).map((p, i) => ({ ...p, ...row.pods?.[i] }));
      const plan = planWith(sim, pods);
      assert.equal(plan.evictPods.length, row.evicted, `evicted ${plan.evictPods.join(', ')}`);
      for (const name of plan.evictPods) {
        const pod = pods.find((p) => p.name === name);
        assert.ok(pod !== undefined && !pod.deleting && Date.parse(pod.createdAt) < Date.parse(restartAt), `${name} is a stale pod`);
      }
    });
  }

  it('counts pods that are missing altogether (spec above what exists) against the budget', () => {
    const sim = healthy(4, { maxUnavailable: 2 });
    const pods = podsOf(sim).slice(1); // the ReplicaSet has not replaced a pod yet
    const rs = sim.replicaSets[0];
    assert.ok(rs?.status !== undefined);
    rs.status = { ...rs.status, replicas: 3, readyReplicas: 3, availableReplicas: 3 };
    assert.equal(planWith(sim, pods).evictPods.length, 1);
  });

  it('counts a pod the pod watch no longer shows as missing, while the ReplicaSet\'s status still lists it', () => {
    // An evicted pod is gone from the pod watch before the ReplicaSet's status catches up: that lag must not buy
    // a second eviction.
    const sim = healthy(4);
    assert.equal(planWith(sim, podsOf(sim).slice(1)).evictPods.length, 0);
    assert.equal(planWith(sim, podsOf(sim)).evictPods.length, 1);
  });
});

describe('restart: when and in which order', () => {
  it('waits for a restartAt in the future, waking up at that time', () => {
    const sim = healthy(2);
    const inAMinute = new Date(sim.now.getTime() + 60_000).toISOString().replace('.000Z', 'Z');
    const plan = planWith(sim, podsOf(sim), inAMinute);
    assert.deepEqual(plan.evictPods, []);
    assert.ok(plan.requeueAfterMs !== undefined && plan.requeueAfterMs <= 60_000, `requeue after ${String(plan.requeueAfterMs)}`);
    assert.equal(plan.status.restartedAt, undefined);
  });

  it('records restartedAt (with an event) once no pod older than restartAt is left, and then does nothing more', () => {
    const sim = healthy(2);
    const plan = planWith(sim, podsOf(sim, '2025-12-31T23:45:00Z'));
    assert.deepEqual(plan.evictPods, []);
    assert.equal(plan.status.restartedAt, restartAt);
    assert.ok(plan.events.some((e) => e.reason === 'RolloutRestarted'));

    sim.rollout.status = plan.status;
    const again = planWith(sim, podsOf(sim)); // even old pods: this restartAt is done
    assert.deepEqual(again.evictPods, []);
    assert.ok(!again.events.some((e) => e.reason === 'RolloutRestarted'));
  });

  it('does not restart while nothing asks for it', () => {
    const sim = healthy(2);
    assert.deepEqual(planWith(sim, podsOf(sim), null).evictPods, []);
  });

  it('evicts the oldest stale pods first', () => {
    const sim = healthy(4);
    const pods = podsOf(sim).map((p, i) => ({ ...p, createdAt: `2025-12-31T2${String(3 - i)}:00:00Z` }));
    assert.deepEqual(planWith(sim, pods).evictPods, [pods[3]?.name]);
  });

  it('mid-canary: stable pods first, the canary last', () => {
    const sim = new Simulation(rollout(4, { maxUnavailable: 4, steps: [{ setWeight: 50 }, { pause: {} }] }));
    sim.settle();
    sim.update((r) => {
      const spec = r.spec.template?.spec as { containers: { image: string }[] };
      spec.containers.forEach((c) => { c.image = 'web:2'; });
    });
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    const stableHash = sim.rollout.status?.stableRS ?? '';
    const pods = podsOf(sim);
    const stablePods = pods.filter((p) => p.hash === stableHash).map((p) => p.name);
    const canaryPods = pods.filter((p) => p.hash !== stableHash).map((p) => p.name);
    assert.ok(stablePods.length > 0 && canaryPods.length > 0);

    const evicted = planWith(sim, pods).evictPods;
    assert.deepEqual(evicted, [...stablePods, ...canaryPods]);
  });
});

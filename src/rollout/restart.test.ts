import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryStrategy, Rollout } from '../api/rollout.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import { canaryFenceposts } from './int-or-percent.ts';
import type { PodView, RolloutPlan } from './observed.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// A restart planned in the same pass as a scale-down: the pods the scale-down removes count against
// maxUnavailable like the ones evicted, so the two together never leave fewer than replicas − maxUnavailable
// available pods (Argo Rollouts returns early after restarting pods; Aviary counts both in one budget).

const restartAt = '2025-12-31T23:30:00Z';

function rollout(replicas: number, canary: Partial<CanaryStrategy>): Rollout {
  return testRollout({ replicas, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }], ...canary } } });
}

/** The available pods of every ReplicaSet, all created before restartAt. */
function stalePods(sim: Simulation): PodView[] {
  return sim.replicaSets.flatMap((rs) => {
    const hash = rs.metadata?.labels?.[podTemplateHashLabel] ?? '';
    return Array.from({ length: rs.status?.availableReplicas ?? 0 }, (_, i) => ({ name: `${hash}-${String(i)}`, hash, createdAt: '2025-12-31T22:00:00Z', ready: true, deleting: false }));
  });
}

function planWithRestart(sim: Simulation, pods: readonly PodView[]): RolloutPlan {
  return planRollout({ rollout: { ...sim.rollout, spec: { ...sim.rollout.spec, restartAt } }, replicaSets: sim.replicaSets, services: sim.services, pods, now: sim.now });
}

/** Available pods once the pass's scale-downs and evictions are done (a ReplicaSet keeps at most spec.replicas). */
function availableAfter(sim: Simulation, plan: RolloutPlan): number {
  const kept = sim.replicaSets.reduce((n, rs) => {
    const to = plan.scale.find((s) => s.name === rs.metadata?.name)?.to ?? rs.spec?.replicas ?? 0;
    return n + Math.min(rs.status?.availableReplicas ?? 0, to);
  }, 0);
  return kept - plan.evictPods.length;
}

describe('restart in the same pass as a scale-down', () => {
  it('evicts nothing in the pass that already scales the stable ReplicaSet down by maxUnavailable', () => {
    const sim = new Simulation(rollout(4, { maxSurge: 0, maxUnavailable: 1 }));
    sim.settle();
    sim.update((r) => {
      const spec = r.spec.template?.spec as { containers: { image: string }[] };
      spec.containers[0] = { ...spec.containers[0], image: 'web:2' };
    });
    const plan = planWithRestart(sim, stalePods(sim));
    assert.deepEqual(plan.scale.map((s) => [s.from, s.to]), [[4, 3]]);
    assert.deepEqual(plan.evictPods, []);
  });

  const rows: { replicas: number; canary: Partial<CanaryStrategy> }[] = [
    { replicas: 4, canary: { maxSurge: 0, maxUnavailable: 1 } },
    { replicas: 4, canary: { maxSurge: 1, maxUnavailable: 1 } },
    { replicas: 5, canary: { maxSurge: 0, maxUnavailable: 2 } },
    { replicas: 6, canary: { maxSurge: '50%', maxUnavailable: '50%' } },
    { replicas: 3, canary: { maxSurge: 1, maxUnavailable: 0 } },
    { replicas: 10, canary: { steps: [{ setWeight: 20 }, { setWeight: 60 }, { pause: {} }] } },
  ];
  for (const row of rows) {
    it(`${String(row.replicas)} replicas, ${JSON.stringify(row.canary)}: never more than maxUnavailable missing`, () => {
      const sim = new Simulation(rollout(row.replicas, row.canary));
      sim.settle();
      sim.update((r) => {
        const spec = r.spec.template?.spec as { containers: { image: string }[] };
        spec.containers[0] = { ...spec.containers[0], image: 'web:2' };
      });
      const { maxUnavailable } = canaryFenceposts(row.replicas, row.canary.maxSurge, row.canary.maxUnavailable);
      const floor = row.replicas - Math.max(1, maxUnavailable);
      let passes = 0;
      let evictions = 0;
      do {
        const plan = planWithRestart(sim, stalePods(sim));
        evictions += plan.evictPods.length;
        assert.ok(availableAfter(sim, plan) >= floor, `pass ${String(passes)}: ${String(availableAfter(sim, plan))} available < ${String(floor)}; scale ${JSON.stringify(plan.scale)}, evict ${plan.evictPods.join(', ')}`);
        passes++;
      } while (sim.reconcile() && passes < 50);
      assert.ok(evictions > 0, 'some pass had room to restart');
    });
  }
});

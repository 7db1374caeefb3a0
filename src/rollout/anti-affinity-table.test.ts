import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Affinity, PodTemplateSpec } from '../api/kubernetes.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import type { AntiAffinity, Rollout, RolloutStrategy } from '../api/rollout.ts';
import { podTemplateHash } from './hash.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// strategy.canary.antiAffinity / strategy.blueGreen.antiAffinity (docs/rollouts.md, reference §1): the ReplicaSet
// created for an update gets a pod anti-affinity term against the stable pods — label rollouts-pod-template-hash In
// [stable hash], per node (kubernetes.io/hostname) — required, or preferred with the given weight. It is added to
// whatever affinity the template has; the template hash (the ReplicaSet's name) stays that of the template as
// written, and a first revision, having no stable pods to avoid, gets none.

const required: AntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: {} };
const preferred: AntiAffinity = { preferredDuringSchedulingIgnoredDuringExecution: { weight: 40 } };

function termAgainst(stableHash: string): NonNullable<NonNullable<Affinity['podAntiAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>[number] {
  return { labelSelector: { matchExpressions: [{ key: podTemplateHashLabel, operator: 'In', values: [stableHash] }] }, topologyKey: 'kubernetes.io/hostname' };
}

const zoneSpread: Affinity = {
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } },
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }] },
};

function strategyWith(kind: 'canary' | 'blueGreen', antiAffinity: AntiAffinity | undefined): RolloutStrategy {
  const rule = antiAffinity === undefined ? {} : { antiAffinity };
  return kind === 'canary' ? { canary: { steps: [{ setWeight: 50 }, { pause: {} }], ...rule } } : { blueGreen: { activeService: 'web-active', autoPromotionEnabled: false, ...rule } };
}

/** The template of the ReplicaSet planned for an update to web:2, the Rollout Healthy on web:1 before; and hashes. */
function updateTemplate(strategy: RolloutStrategy, affinity?: Affinity): { template: PodTemplateSpec | undefined; stableHash: string; name: string; rollout: Rollout } {
  const r = testRollout({ strategy });
  const podSpec = r.spec.template?.spec;
  if (affinity !== undefined && podSpec !== undefined) podSpec.affinity = affinity;
  const sim = new Simulation(r, ['web-active']);
  sim.settle();
  assert.equal(sim.phase(), 'Healthy');
  sim.update((rollout) => {
    const spec = rollout.spec.template?.spec as { containers: { image: string }[] };
    spec.containers.forEach((c) => { c.image = 'web:2'; });
  });
  const plan = planRollout({ rollout: sim.rollout, replicaSets: sim.replicaSets, services: sim.services, now: sim.now });
  assert.ok(plan.createReplicaSet !== undefined, 'the update creates a ReplicaSet');
  return { template: plan.createReplicaSet.spec?.template, stableHash: sim.rollout.status?.stableRS ?? '', name: plan.createReplicaSet.metadata?.name ?? '', rollout: sim.rollout };
}

describe('anti-affinity against the stable pods', () => {
  for (const kind of ['canary', 'blueGreen'] as const) {
    it(`${kind}, required: a required term per node against the stable hash`, () => {
      const { template, stableHash } = updateTemplate(strategyWith(kind, required));
      assert.deepEqual(template?.spec?.affinity, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [termAgainst(stableHash)] } });
    });

    it(`${kind}, preferred: a weighted preferred term`, () => {
      const { template, stableHash } = updateTemplate(strategyWith(kind, preferred));
      assert.deepEqual(template?.spec?.affinity, { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 40, podAffinityTerm: termAgainst(stableHash) }] } });
    });

    it(`${kind}, without the rule: the template's affinity as written`, () => {
      assert.equal(updateTemplate(strategyWith(kind, undefined)).template?.spec?.affinity, undefined);
      assert.deepEqual(updateTemplate(strategyWith(kind, undefined), zoneSpread).template?.spec?.affinity, zoneSpread);
    });
  }

  it("keeps the template's own affinity and adds the term after its terms", () => {
    const { template, stableHash } = updateTemplate(strategyWith('canary', required), zoneSpread);
    assert.deepEqual(template?.spec?.affinity, {
      nodeAffinity: zoneSpread.nodeAffinity,
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [...(zoneSpread.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), termAgainst(stableHash)] },
    });
  });

  it("does not change the ReplicaSet's name (the hash of the template as written) nor the Rollout's template", () => {
    const { name, rollout } = updateTemplate(strategyWith('canary', required));
    assert.equal(name, `web-${podTemplateHash(rollout.spec.template, 0)}`);
    assert.equal(rollout.spec.template?.spec?.affinity, undefined);
  });

  for (const kind of ['canary', 'blueGreen'] as const) {
    it(`${kind}: a first revision has no stable pods to avoid`, () => {
      const sim = new Simulation(testRollout({ strategy: strategyWith(kind, required) }), ['web-active']);
      const plan = planRollout({ rollout: sim.rollout, replicaSets: [], services: sim.services, now: sim.now });
      assert.ok(plan.createReplicaSet !== undefined);
      assert.equal(plan.createReplicaSet.spec?.template?.spec?.affinity, undefined);
    });
  }
});

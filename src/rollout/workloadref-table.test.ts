import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../api/kubernetes.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import type { Rollout, WorkloadRef } from '../api/rollout.ts';
import type { RolloutPlan } from './observed.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// spec.workloadRef (docs/rollouts.md, reference §1): the Rollout takes its pod template — and its selector when it
// has none — from an apps/v1 Deployment; its own template must then be empty. scaleDown says what becomes of the
// Deployment: never (default) leaves it, onsuccess scales it to 0 once the Rollout is Healthy, progressively gives
// back a Deployment pod for each Rollout pod that is available.

const now = new Date('2026-01-01T00:00:00Z');

function templateOf(image: string): { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string }[] } } {
  return { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'web', image }] } };
}

function deployment(image = 'web:1', replicas = 3): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web-deploy', namespace: 'default', generation: 4 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: templateOf(image),
    },
  };
}

/** A Rollout that references the Deployment instead of carrying a template (and, by default, a selector). */
function referencing(ref: Partial<WorkloadRef> = {}, spec: Partial<Rollout['spec']> = {}): Rollout {
  const r = testRollout({ workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-deploy', ...ref }, ...spec });
  delete r.spec.template;
  delete r.spec.selector;
  return r;
}

function image(plan: RolloutPlan): string | undefined {
  const spec = plan.createReplicaSet?.spec?.template?.spec as { containers: { image: string }[] } | undefined;
  return spec?.containers[0]?.image;
}

/**
 * The referencing Rollout settled at Healthy: a Simulation of the equivalent Rollout (same template, same selector)
 * reaches the same ReplicaSets, which the referencing Rollout then finds by hash.
 */
function healthyReferencing(ref: Partial<WorkloadRef>, image = 'web:1'): { sim: Simulation; rollout: Rollout } {
  const equivalent = testRollout({ template: templateOf(image), selector: { matchLabels: { app: 'web' } } });
  const sim = new Simulation(equivalent);
  sim.settle();
  assert.equal(sim.phase(), 'Healthy');
  const rollout = referencing(ref);
  rollout.status = structuredClone(sim.rollout.status);
  return { sim, rollout };
}

describe('workloadRef: where the pods come from', () => {
  it('creates the first ReplicaSet from the Deployment template, with its labels and selector', () => {
    const plan = planRollout({ rollout: referencing(), replicaSets: [], services: new Map(), workload: deployment(), now });
    assert.equal(image(plan), 'web:1');
    const rs = plan.createReplicaSet;
    assert.ok(rs?.spec !== undefined);
    const hash = rs.metadata?.labels?.[podTemplateHashLabel] ?? '';
    assert.notEqual(hash, '');
    assert.deepEqual(rs.spec.template?.metadata?.labels, { app: 'web', tier: 'front', [podTemplateHashLabel]: hash });
    assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', [podTemplateHashLabel]: hash });
    assert.equal(plan.status.selector, 'app=web');
    assert.equal(plan.status.workloadObservedGeneration, '4');
  });

  it('keeps its own selector when it has one', () => {
    const r = referencing();
    r.spec.selector = { matchLabels: { app: 'web', tier: 'front' } };
    const plan = planRollout({ rollout: r, replicaSets: [], services: new Map(), workload: deployment(), now });
    const rs = plan.createReplicaSet;
    assert.ok(rs?.spec !== undefined);
    assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', tier: 'front', [podTemplateHashLabel]: rs.metadata?.labels?.[podTemplateHashLabel] ?? '' });
  });

  it('starts a new revision when the Deployment template changes', () => {
    const { sim, rollout } = healthyReferencing({});
    const plan = planRollout({ rollout, replicaSets: sim.replicaSets, services: new Map(), workload: deployment('web:2'), now });
    assert.equal(image(plan), 'web:2');
    assert.equal(plan.createReplicaSet?.metadata?.annotations?.['rollout.argoproj.io/revision'], '2');
  });

  it('plans nothing new while the Deployment template is the one running', () => {
    const { sim, rollout } = healthyReferencing({});
    const plan = planRollout({ rollout, replicaSets: sim.replicaSets, services: new Map(), workload: deployment(), now });
    assert.equal(plan.createReplicaSet, undefined);
    assert.deepEqual(plan.scale, []);
    assert.equal(plan.status.phase, 'Healthy');
  });
});

describe('workloadRef: what makes the spec invalid', () => {
  const rows: { name: string; rollout: Rollout; workload?: Deployment; message: RegExp }[] = [
    { name: 'a template as well as the reference', rollout: { ...referencing(), spec: { ...referencing().spec, template: templateOf('web:1') } }, workload: deployment(), message: /spec\.template: must be empty when spec\.workloadRef is set/ },
    { name: 'a Deployment that does not exist', rollout: referencing(), message: /spec\.workloadRef\.name: deployment "web-deploy" not found/ },
    { name: 'a kind other than Deployment', rollout: referencing({ kind: 'StatefulSet' }), message: /spec\.workloadRef: only apps\/v1 Deployment is supported/ },
  ];
  for (const row of rows) {
    it(`${row.name}: InvalidSpec, Degraded, nothing created`, () => {
      const plan = planRollout({ rollout: row.rollout, replicaSets: [], services: new Map(), now, ...(row.workload === undefined ? {} : { workload: row.workload }) });
      assert.equal(plan.status.phase, 'Degraded');
      assert.match(plan.status.message ?? '', /^InvalidSpec: /);
      assert.match(plan.status.message ?? '', row.message);
      assert.equal(plan.status.conditions?.find((c) => c.type === 'InvalidSpec')?.status, 'True');
      assert.equal(plan.createReplicaSet, undefined);
      assert.deepEqual(plan.scale, []);
      assert.equal(plan.workloadScale, undefined);
    });
  }
});

describe('workloadRef: scaleDown of the Deployment', () => {
  const rows: { scaleDown?: WorkloadRef['scaleDown']; healthy: boolean; available?: number; expect: number | undefined }[] = [
    { healthy: true, expect: undefined },
    { scaleDown: 'never', healthy: true, expect: undefined },
    { scaleDown: 'onsuccess', healthy: true, expect: 0 },
    { scaleDown: 'onsuccess', healthy: false, expect: undefined },
    // progressively: Deployment pods = Rollout replicas (2) − available Rollout pods, never more than it has.
    { scaleDown: 'progressively', healthy: true, expect: 0 },
    { scaleDown: 'progressively', healthy: false, available: 1, expect: 1 },
    { scaleDown: 'progressively', healthy: false, available: 0, expect: 2 },
  ];
  for (const row of rows) {
    const state = row.healthy ? 'Healthy' : `${String(row.available ?? 0)} of 2 available`;
    it(`${row.scaleDown ?? '(default)'}, ${state}: ${row.expect === undefined ? 'left alone' : `scaled to ${String(row.expect)}`}`, () => {
      const { sim, rollout } = healthyReferencing(row.scaleDown === undefined ? {} : { scaleDown: row.scaleDown });
      if (!row.healthy) {
        const rs = sim.replicaSets[0];
        assert.ok(rs?.status !== undefined);
        rs.status = { ...rs.status, readyReplicas: row.available ?? 0, availableReplicas: row.available ?? 0 };
      }
      const plan = planRollout({ rollout, replicaSets: sim.replicaSets, services: new Map(), workload: deployment(), now });
      assert.equal(plan.status.phase === 'Healthy', row.healthy, `phase ${String(plan.status.phase)}`);
      assert.deepEqual(plan.workloadScale, row.expect === undefined ? undefined : { name: 'web-deploy', replicas: row.expect });
      if (row.expect !== undefined) assert.ok(plan.events.some((e) => e.reason === 'ScalingDeployment'));
    });
  }

  it('never scales the Deployment back up', () => {
    const { sim, rollout } = healthyReferencing({ scaleDown: 'progressively' });
    const rs = sim.replicaSets[0];
    assert.ok(rs?.status !== undefined);
    rs.status = { ...rs.status, readyReplicas: 0, availableReplicas: 0 };
    const plan = planRollout({ rollout, replicaSets: sim.replicaSets, services: new Map(), workload: deployment('web:1', 1), now });
    assert.equal(plan.workloadScale, undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplicaSet } from '../api/kubernetes.ts';
import { ephemeralMetadataAnnotation, podTemplateHashLabel } from '../api/labels.ts';
import type { PodTemplateMetadata, Rollout, RolloutStrategy } from '../api/rollout.ts';
import type { PodView, RolloutPlan } from './observed.ts';
import type { PodMetadataChange } from './pod-metadata.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// Role metadata (docs/rollouts.md "role metadata", reference §1): canaryMetadata/stableMetadata (canary) and
// previewMetadata/activeMetadata (blue-green) are labels and annotations that follow a ReplicaSet's role. A new
// ReplicaSet is created with its role's metadata in its template; when a ReplicaSet changes role its template and
// its running pods are patched (no restart): the new role's values set, the old role's keys removed. What was applied
// is kept in the rollout.argoproj.io/ephemeral-metadata annotation, so a steady state writes nothing.

const canaryMeta: PodTemplateMetadata = { labels: { role: 'canary', track: 'new' }, annotations: { 'note/canary': 'yes' } };
const stableMeta: PodTemplateMetadata = { labels: { role: 'stable' } };

function setImage(r: Rollout, image: string): void {
  const spec = r.spec.template?.spec as { containers: { image: string }[] };
  for (const c of spec.containers) c.image = image;
}

/** What the executor does with a role metadata change: the annotation and the template of the ReplicaSet. */
function applyPodMetadata(sim: Simulation, plan: RolloutPlan | undefined): void {
  for (const change of plan?.podMetadata ?? []) {
    const rs = sim.replicaSets.find((r) => r.metadata?.name === change.replicaSet);
    assert.ok(rs?.metadata !== undefined && rs.spec?.template !== undefined);
    rs.metadata.annotations = { ...rs.metadata.annotations, [ephemeralMetadataAnnotation]: JSON.stringify(change.applied) };
    const meta = rs.spec.template.metadata ?? {};
    rs.spec.template.metadata = { ...meta, labels: merge(meta.labels, change.labels), annotations: merge(meta.annotations, change.annotations) };
  }
}

function merge(into: Record<string, string> | undefined, patch: Record<string, string | null>): Record<string, string> {
  const merged = Object.entries({ ...into, ...patch });
  return Object.fromEntries(merged.filter((e): e is [string, string] => e[1] !== null));
}

/** Reconciles until steady, applying role metadata changes as the executor would. */
function settle(sim: Simulation): RolloutPlan[] {
  const plans: RolloutPlan[] = [];
  for (let i = 0; i < 50; i++) {
    const changed = sim.reconcile();
    const plan = sim.lastPlan;
    assert.ok(plan !== undefined);
    plans.push(plan);
    applyPodMetadata(sim, plan);
    if (!changed && plan.podMetadata.length === 0) return plans;
  }
  throw new Error('no steady state');
}

function templateLabels(rs: ReplicaSet | undefined): Record<string, string> {
  const { [podTemplateHashLabel]: _hash, ...rest } = rs?.spec?.template?.metadata?.labels ?? {};
  return rest;
}

function byHash(sim: Simulation, hash: string | undefined): ReplicaSet | undefined {
  return sim.replicaSets.find((rs) => rs.metadata?.labels?.[podTemplateHashLabel] === hash);
}

const canary = (steps = [{ setWeight: 50 }, { pause: {} }]): RolloutStrategy => ({ canary: { steps, canaryMetadata: canaryMeta, stableMetadata: stableMeta } });

describe('role metadata: canary', () => {
  it('a first revision is the stable one: created with stableMetadata', () => {
    const sim = new Simulation(testRollout({ strategy: canary() }));
    const [first] = settle(sim);
    const created = first?.createReplicaSet;
    assert.deepEqual(templateLabels(created), { app: 'web', role: 'stable' });
    assert.deepEqual(JSON.parse(created?.metadata?.annotations?.[ephemeralMetadataAnnotation] ?? '{}'), { labels: { role: 'stable' }, annotations: {} });
  });

  it('an update creates the canary ReplicaSet with canaryMetadata and leaves the stable one as it is', () => {
    const sim = new Simulation(testRollout({ strategy: canary() }));
    settle(sim);
    sim.update((r) => { setImage(r, 'web:2'); });
    const plans = settle(sim);
    assert.equal(sim.phase(), 'Paused');
    const created = plans.find((p) => p.createReplicaSet !== undefined)?.createReplicaSet;
    assert.deepEqual(templateLabels(created), { app: 'web', role: 'canary', track: 'new' });
    assert.equal(created?.spec?.template?.metadata?.annotations?.['note/canary'], 'yes');
    assert.deepEqual(plans.flatMap((p) => p.podMetadata), [], 'no role changed');
    assert.deepEqual(templateLabels(byHash(sim, sim.rollout.status?.stableRS)), { app: 'web', role: 'stable' });
  });

  it('on promotion the canary becomes stable: its template and running pods lose the canary keys and gain the stable ones', () => {
    const sim = new Simulation(testRollout({ strategy: canary() }));
    settle(sim);
    sim.update((r) => { setImage(r, 'web:2'); });
    settle(sim);
    const canaryHash = sim.rollout.status?.currentPodHash ?? '';
    sim.promote();
    const plans = settle(sim);
    assert.equal(sim.phase(), 'Healthy');
    assert.equal(sim.rollout.status?.stableRS, canaryHash);
    const changes = plans.flatMap((p) => p.podMetadata);
    assert.equal(changes.length, 1, JSON.stringify(changes));
    const change = changes[0] as PodMetadataChange;
    assert.equal(change.hash, canaryHash);
    assert.deepEqual(change.labels, { role: 'stable', track: null });
    assert.deepEqual(change.annotations, { 'note/canary': null });
    assert.deepEqual(change.applied, { labels: { role: 'stable' }, annotations: {} });
    assert.deepEqual(templateLabels(byHash(sim, canaryHash)), { app: 'web', role: 'stable' });
  });

  it('patches exactly the running pods of the ReplicaSet that changes role, not terminating ones', () => {
    const sim = new Simulation(testRollout({ strategy: canary() }));
    settle(sim);
    sim.update((r) => { setImage(r, 'web:2'); });
    settle(sim);
    const canaryHash = sim.rollout.status?.currentPodHash ?? '';
    const stableHash = sim.rollout.status?.stableRS ?? '';
    // The status as it is once the canary is promoted, its ReplicaSet still carrying the canary metadata.
    sim.rollout.status = { ...sim.rollout.status, stableRS: canaryHash };
    const pods: PodView[] = [
      { name: 'c-1', hash: canaryHash, createdAt: '2025-12-31T00:00:00Z', ready: true, deleting: false },
      { name: 'c-2', hash: canaryHash, createdAt: '2025-12-31T00:00:00Z', ready: true, deleting: true },
      { name: 's-1', hash: stableHash, createdAt: '2025-12-31T00:00:00Z', ready: true, deleting: false },
    ];
    const plan = planRollout({ rollout: sim.rollout, replicaSets: sim.replicaSets, services: new Map(), pods, now: sim.now });
    const change = plan.podMetadata.find((c) => c.hash === canaryHash);
    assert.deepEqual(change?.pods, ['c-1']);
  });

  it('writes nothing in a steady state', () => {
    const sim = new Simulation(testRollout({ strategy: canary() }));
    settle(sim);
    const plan = planRollout({ rollout: sim.rollout, replicaSets: sim.replicaSets, services: new Map(), now: sim.now });
    assert.deepEqual(plan.podMetadata, []);
  });

  it('follows a change of the metadata itself on the running ReplicaSets', () => {
    const sim = new Simulation(testRollout({ strategy: canary() }));
    settle(sim);
    const plan = planRollout({
      rollout: { ...sim.rollout, spec: { ...sim.rollout.spec, strategy: { canary: { stableMetadata: { labels: { role: 'primary' } } } } } },
      replicaSets: sim.replicaSets, services: new Map(), now: sim.now,
    });
    assert.deepEqual(plan.podMetadata.map((c) => c.labels), [{ role: 'primary' }]);
  });
});

describe('role metadata: blue-green', () => {
  const blueGreen: RolloutStrategy = {
    blueGreen: { activeService: 'web-active', autoPromotionEnabled: false, previewMetadata: { labels: { role: 'preview' } }, activeMetadata: { labels: { role: 'active' } } },
  };

  it('the preview gets previewMetadata, and activeMetadata once it is promoted', () => {
    const sim = new Simulation(testRollout({ strategy: blueGreen }), ['web-active']);
    settle(sim);
    assert.deepEqual(templateLabels(byHash(sim, sim.rollout.status?.blueGreen?.activeSelector)), { app: 'web', role: 'active' });
    sim.update((r) => { setImage(r, 'web:2'); });
    const plans = settle(sim);
    assert.equal(sim.phase(), 'Paused');
    const preview = plans.find((p) => p.createReplicaSet !== undefined)?.createReplicaSet;
    assert.deepEqual(templateLabels(preview), { app: 'web', role: 'preview' });

    const previewHash = sim.rollout.status?.currentPodHash;
    sim.promote();
    settle(sim);
    assert.equal(sim.rollout.status?.blueGreen?.activeSelector, previewHash);
    assert.deepEqual(templateLabels(byHash(sim, previewHash)), { app: 'web', role: 'active' });
  });
});

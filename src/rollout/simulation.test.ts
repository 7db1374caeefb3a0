import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IntOrString } from '../api/schema-helpers.ts';
import type { ReplicaSet } from '../api/kubernetes.ts';
import { podTemplateHashLabel } from '../api/labels.ts';
import type { CanaryStep, Rollout, RolloutStatus } from '../api/rollout.ts';
import { formatTime } from '../runtime/time.ts';
import { canaryFenceposts } from './int-or-percent.ts';
import type { PodView, RolloutPlan } from './observed.ts';
import { planRollout } from './plan.ts';
import { testRollout } from './testing.ts';

// Generated canaries (varied replicas, maxSurge/maxUnavailable as counts and percentages, setWeight and pause steps,
// a restart somewhere in the update — sometimes in the very pass that starts scaling the stable down) driven pass
// by pass through the planner, checking after every pass that the pods missing — wanted but not ready, or being
// deleted — never exceed maxUnavailable (docs/rollouts.md: the replica split stays within maxSurge/maxUnavailable;
// a restart keeps at most maxUnavailable pods missing, at least one at a time).
//
// The Simulation behind `aviary plan` makes every pod available in the pass that creates it and has no pods to
// evict, so it cannot show a restart or a pod that takes time to become ready. The cluster here is the same idea one
// level down: it applies each plan as the executor does, and plays the ReplicaSet controller — pods are created not
// ready and become ready one to three passes later; excess pods, and evicted ones, terminate for one pass and are
// gone in the next. Every pass is a second.

/** A small deterministic generator (mulberry32), so a failing case is the same case on every run. */
function generator(seed: number): { int: (min: number, max: number) => number; pick: <T>(items: readonly T[]) => T; chance: (p: number) => boolean } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    int,
    pick: <T,>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (p) => next() < p,
  };
}

interface Case {
  replicas: number;
  maxSurge: IntOrString;
  maxUnavailable: IntOrString;
  steps: CanaryStep[];
  /** The pass of the update (0: the first, with the update itself) in which spec.restartAt is set. */
  restartPass: number;
}

function generateCase(seed: number): Case {
  const g = generator(seed);
  const bound = (): IntOrString => (g.chance(0.5) ? g.int(0, 3) : `${String(g.pick([0, 10, 25, 34, 50, 75, 100]))}%`);
  let maxSurge = bound();
  let maxUnavailable = bound();
  // Both literally zero is rejected by the schema (fencepostsBothZero).
  if (parseFloat(String(maxSurge)) === 0 && parseFloat(String(maxUnavailable)) === 0) [maxSurge, maxUnavailable] = [1, 0];
  const steps = Array.from({ length: g.int(1, 5) }, (): CanaryStep => {
    const kind = g.int(0, 4);
    if (kind <= 2) return { setWeight: g.pick([0, 5, 10, 20, 25, 33, 40, 50, 60, 75, 90, 100]) };
    return kind === 3 ? { pause: {} } : { pause: { duration: g.int(1, 5) } };
  });
  return { replicas: g.int(1, 10), maxSurge, maxUnavailable, steps, restartPass: g.chance(0.35) ? 0 : g.int(1, 12) };
}

interface SimPod {
  name: string;
  hash: string;
  createdAt: string;
  readyAtPass: number;
  /** The pass in which it started terminating; gone in the next. */
  deletingSince?: number;
}

/** What one pass did and left: the plan, and the pods missing once the ReplicaSet controller had reacted to it. */
interface PassRecord {
  pass: number;
  plan: RolloutPlan;
  missing: number;
  scaledDown: number;
}

class PodCluster {
  rollout: Rollout;
  replicaSets: ReplicaSet[] = [];
  pods: SimPod[] = [];
  pass = 0;
  now = new Date('2026-01-01T00:00:00Z');
  readonly #readiness: ReturnType<typeof generator>;
  #podCount = 0;

  constructor(rollout: Rollout, seed: number) {
    this.rollout = structuredClone(rollout);
    this.#readiness = generator(seed ^ 0x5bd1e995);
  }

  /** One reconcile: plan from what is observed, apply it, let the ReplicaSet controller react, advance a second. */
  step(): PassRecord {
    this.pods = this.pods.filter((p) => p.deletingSince === undefined || p.deletingSince >= this.pass);
    const plan = planRollout({ rollout: this.rollout, replicaSets: this.#observedReplicaSets(), services: new Map(), pods: this.#podViews(), now: this.now });
    const scaledDown = this.#apply(plan);
    this.#replicaSetController();
    const record = { pass: this.pass, plan, missing: this.missing(), scaledDown };
    this.pass++;
    this.now = new Date(this.now.getTime() + 1000);
    return record;
  }

  /** Pods wanted but not serving: spec.replicas minus the ready pods not being deleted. */
  missing(): number {
    return (this.rollout.spec.replicas ?? 1) - this.pods.filter((p) => this.#ready(p) && p.deletingSince === undefined).length;
  }

  allReady(): boolean {
    return this.pods.every((p) => this.#ready(p) && p.deletingSince === undefined) &&
      this.replicaSets.every((rs) => this.#active(rs).length === (rs.spec?.replicas ?? 0));
  }

  update(mutate: (r: Rollout) => void): void {
    mutate(this.rollout);
    this.rollout.metadata.generation = (this.rollout.metadata.generation ?? 1) + 1;
  }

  #ready(p: SimPod): boolean {
    return this.pass >= p.readyAtPass;
  }

  #hashOf(rs: ReplicaSet): string {
    return rs.metadata?.labels?.[podTemplateHashLabel] ?? '';
  }

  #active(rs: ReplicaSet): SimPod[] {
    return this.pods.filter((p) => p.hash === this.#hashOf(rs) && p.deletingSince === undefined);
  }

  #observedReplicaSets(): ReplicaSet[] {
    return this.replicaSets.map((rs) => {
      const active = this.#active(rs);
      const ready = active.filter((p) => this.#ready(p)).length;
      return { ...rs, status: { replicas: active.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata?.generation ?? 1 } };
    });
  }

  #podViews(): PodView[] {
    return this.pods.map((p) => ({ name: p.name, hash: p.hash, createdAt: p.createdAt, ready: this.#ready(p), deleting: p.deletingSince !== undefined }));
  }

  /** Applies a plan as the executor would; returns how many pods its scale-downs take away. */
  #apply(plan: RolloutPlan): number {
    if (plan.createReplicaSet !== undefined) this.replicaSets.push(structuredClone(plan.createReplicaSet));
    let scaledDown = 0;
    for (const { name, from, to } of plan.scale) {
      const rs = this.replicaSets.find((r) => r.metadata?.name === name);
      if (rs?.spec === undefined) throw new Error(`plan scales unknown ReplicaSet ${name}`);
      rs.spec.replicas = to;
      scaledDown += Math.max(0, from - to);
    }
    this.replicaSets = this.replicaSets.filter((rs) => !plan.deleteReplicaSets.includes(rs.metadata?.name ?? ''));
    for (const name of plan.evictPods) {
      const pod = this.pods.find((p) => p.name === name);
      if (pod === undefined || pod.deletingSince !== undefined) throw new Error(`plan evicts ${name}, which is not a running pod`);
      pod.deletingSince = this.pass;
    }
    this.rollout.status = structuredClone(plan.status);
    return scaledDown;
  }

  /** Creates missing pods (not ready yet) and deletes excess ones, not-ready and newest first, as Kubernetes does. */
  #replicaSetController(): void {
    for (const rs of this.replicaSets) {
      const active = this.#active(rs);
      const want = rs.spec?.replicas ?? 0;
      for (let i = active.length; i < want; i++) {
        this.pods.push({ name: `${this.#hashOf(rs)}-${String(this.#podCount++)}`, hash: this.#hashOf(rs), createdAt: formatTime(this.now.getTime()), readyAtPass: this.pass + this.#readiness.int(1, 3) });
      }
      const excess = active
        .sort((a, b) => Number(this.#ready(a)) - Number(this.#ready(b)) || b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name))
        .slice(0, Math.max(0, active.length - want));
      for (const pod of excess) pod.deletingSince = this.pass;
    }
  }
}

function describeCase(seed: number, c: Case): string {
  return `seed ${String(seed)}: ${String(c.replicas)} replicas, maxSurge ${JSON.stringify(c.maxSurge)}, maxUnavailable ${JSON.stringify(c.maxUnavailable)}, ` +
    `steps ${JSON.stringify(c.steps)}, restart in pass ${String(c.restartPass)}`;
}

interface Outcome {
  /** Passes that evicted pods while also scaling a ReplicaSet down. */
  restartsWithScaleDown: number;
  evictions: number;
}

/** Runs one generated canary from Healthy through an update with a restart to Healthy again, checking every pass. */
function runCase(seed: number): Outcome {
  const c = generateCase(seed);
  const where = describeCase(seed, c);
  const cluster = new PodCluster(testRollout({ replicas: c.replicas, strategy: { canary: { maxSurge: c.maxSurge, maxUnavailable: c.maxUnavailable, steps: c.steps } } }), seed);
  const { maxUnavailable } = canaryFenceposts(c.replicas, c.maxSurge, c.maxUnavailable);

  // The first deploy has nothing to keep available; the checks start from Healthy with every pod ready.
  for (let i = 0; !(cluster.rollout.status?.phase === 'Healthy' && cluster.allReady()); i++) {
    assert.ok(i < 50, `${where}: the first deploy never became Healthy`);
    cluster.step();
  }

  cluster.update((r) => {
    const spec = r.spec.template?.spec as { containers: { image: string }[] };
    spec.containers.forEach((container) => { container.image = 'web:2'; });
  });
  const outcome: Outcome = { restartsWithScaleDown: 0, evictions: 0 };
  let restartAt: string | undefined;
  // A restart may take one pod at a time even with maxUnavailable 0 (as Argo Rollouts does), until the last
  // replacement is ready: restartedAt is recorded once no old pod is left, which is before its replacement is ready.
  let restartSettled = false;
  for (let i = 0; ; i++) {
    assert.ok(i < 300, `${where}: no steady state after 300 passes; status ${JSON.stringify(cluster.rollout.status)}`);
    if (i === c.restartPass) {
      restartAt = formatTime(cluster.now.getTime());
      cluster.update((r) => { r.spec.restartAt = restartAt; });
    }
    const record = cluster.step();
    const status: RolloutStatus = cluster.rollout.status ?? {};
    const allowed = restartAt !== undefined && !restartSettled ? Math.max(1, maxUnavailable) : maxUnavailable;
    assert.ok(record.missing <= allowed,
      `${where}: pass ${String(record.pass)} leaves ${String(record.missing)} pods missing, more than ${String(allowed)}; ` +
      `scale ${JSON.stringify(record.plan.scale)}, evict ${JSON.stringify(record.plan.evictPods)}`);
    if (restartAt !== undefined && status.restartedAt === restartAt && record.missing <= maxUnavailable) restartSettled = true;
    outcome.evictions += record.plan.evictPods.length;
    if (record.plan.evictPods.length > 0 && record.scaledDown > 0) outcome.restartsWithScaleDown++;

    if (status.phase === 'Paused' && (status.pauseConditions ?? []).some((p) => p.reason === 'CanaryPauseStep')) {
      // An indefinite pause waits for a promote; a timed one for the clock, which the passes advance.
      const index = status.currentStepIndex ?? 0;
      if (c.steps[index]?.pause?.duration === undefined) status.pauseConditions = [];
    }
    const done = status.phase === 'Healthy' && status.restartedAt === restartAt && status.stableRS === status.currentPodHash && cluster.allReady();
    if (done && i >= c.restartPass) break;
  }
  assert.ok(cluster.pods.every((p) => Date.parse(p.createdAt) >= Date.parse(restartAt ?? '')), `${where}: a pod older than restartAt is left`);
  return outcome;
}

describe('simulation: generated canaries never have more than maxUnavailable pods missing', () => {
  const cases = 120;
  it(`${String(cases)} canaries, each from Healthy through an update and a restart to Healthy`, () => {
    let restartsWithScaleDown = 0;
    let evictions = 0;
    for (let seed = 1; seed <= cases; seed++) {
      const outcome = runCase(seed);
      restartsWithScaleDown += outcome.restartsWithScaleDown;
      evictions += outcome.evictions;
    }
    // The property is only as good as the cases: some passes must have restarted pods while scaling down.
    assert.ok(evictions > cases, `${String(evictions)} evictions in all`);
    assert.ok(restartsWithScaleDown > 0, 'no pass restarted pods in the same pass as a scale-down');
  });

  it('generates the same cases from the same seeds', () => {
    assert.deepEqual(generateCase(7), generateCase(7));
    assert.notDeepEqual(generateCase(7), generateCase(8));
  });
});

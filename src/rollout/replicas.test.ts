import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blueGreenNewReplicas,
  canaryReplicaCounts,
  canaryStepReplicasReady,
  idealCanarySplit,
  planBasicCanaryStep,
  scaleUpPreviewCheckPoint,
  trafficRoutedCanaryReplicas,
  trafficRoutedReplicaCounts,
  type BasicCanaryState,
  type BlueGreenNewReplicasInput,
  type NamedReplicas,
  type PreviewCheckPointInput,
  type TrafficRoutedInput,
} from './replicas.ts';

describe('idealCanarySplit', () => {
  // [replicas, weight, maxSurge, canary, stable]
  const rows: [number, number, number, number, number][] = [
    [10, 41, 0, 4, 6],
    [10, 41, 1, 4, 6],
    [0, 0, 0, 0, 0],
    [0, 50, 0, 0, 0],
    [0, 100, 1, 0, 0],
    [1, 0, 0, 0, 1],
    [1, 1, 0, 0, 1],
    [1, 49, 0, 0, 1],
    [1, 50, 0, 1, 0],
    [1, 99, 0, 1, 0],
    [1, 100, 0, 1, 0],
    [1, 0, 1, 0, 1],
    [1, 1, 1, 1, 1],
    [1, 50, 1, 1, 1],
    [1, 99, 1, 1, 1],
    [1, 100, 1, 1, 0],
    [2, 0, 0, 0, 2],
    [2, 1, 0, 1, 1],
    [2, 50, 0, 1, 1],
    [2, 99, 0, 1, 1],
    [2, 100, 0, 2, 0],
    [2, 1, 1, 1, 2],
    [2, 50, 1, 1, 1],
    [2, 99, 1, 2, 1],
    [3, 10, 0, 1, 2],
    [3, 49, 0, 1, 2],
    [3, 50, 0, 2, 1],
    [3, 10, 1, 1, 3],
    [3, 33, 1, 1, 2],
    [3, 49, 1, 2, 2],
    [3, 50, 1, 2, 2],
    [4, 50, 0, 2, 2],
    [5, 50, 0, 3, 2],
    [10, 0, 1, 0, 10],
    [10, 1, 0, 1, 9],
    [10, 14, 0, 1, 9],
    [10, 15, 0, 2, 8],
    [10, 99, 0, 9, 1],
    [10, 100, 1, 10, 0],
    [10, 1, 1, 1, 10],
    [10, 18, 1, 2, 9],
    [10, 20, 1, 2, 8],
    [10, 24, 1, 3, 8],
    [10, 25, 1, 3, 8],
    [10, 99, 1, 10, 1],
    [10, 100, 0, 10, 0],
    [10, 0, 0, 0, 10],
    [100, 33, 5, 33, 67],
    // Decided by floating point exactly as Argo decides them: 25 × 14% "is not" 3.5, ceil still wins the tie.
    [25, 14, 0, 4, 21],
    [50, 7, 0, 4, 46],
    // Argo returns 0 canary pods here; the stable keeping one pod is closer and keeps both sides running.
    [2, 75, 0, 1, 1],
    [5, 90, 0, 4, 1],
    [10, 95, 0, 9, 1],
    [50, 99, 0, 49, 1],
  ];
  for (const [replicas, weight, maxSurge, canary, stable] of rows) {
    it(`${replicas} replicas at ${weight}% (maxSurge ${maxSurge}) → ${canary}/${stable}`, () => {
      assert.deepEqual(idealCanarySplit(replicas, weight, maxSurge), { canary, stable });
    });
  }

  it('never leaves either side at zero for weights 1–99 with two or more pods to share', () => {
    for (let replicas = 1; replicas <= 60; replicas++) {
      for (const maxSurge of [0, 1, 3]) {
        if (replicas === 1 && maxSurge === 0) continue;
        for (let weight = 1; weight <= 99; weight++) {
          const split = idealCanarySplit(replicas, weight, maxSurge);
          const where = `${replicas} replicas at ${weight}% surge ${maxSurge}`;
          assert.ok(split.canary >= 1 && split.stable >= 1, where);
          assert.ok(split.canary + split.stable <= replicas + Math.min(1, maxSurge), where);
          assert.ok(split.canary + split.stable >= replicas, where);
        }
      }
    }
  });

  it('is exact at 0% and 100%', () => {
    for (let replicas = 0; replicas <= 30; replicas++) {
      for (const maxSurge of [0, 1, 5]) {
        assert.deepEqual(idealCanarySplit(replicas, 0, maxSurge), { canary: 0, stable: replicas });
        assert.deepEqual(idealCanarySplit(replicas, 100, maxSurge), { canary: replicas, stable: 0 });
      }
    }
  });

  it('rejects weights outside 0–100 and bad counts', () => {
    assert.throws(() => idealCanarySplit(10, 101, 0), /weight must be an integer from 0 to 100, got 101/);
    assert.throws(() => idealCanarySplit(10, -1, 0), RangeError);
    assert.throws(() => idealCanarySplit(10, 12.5, 0), RangeError);
    assert.throws(() => idealCanarySplit(-1, 10, 0), /replicas must be a non-negative integer/);
    assert.throws(() => idealCanarySplit(10, 10, -1), /maxSurge/);
  });
});

describe('canaryReplicaCounts', () => {
  interface Row {
    name: string;
    replicas: number;
    weight: number;
    surge: number;
    unavailable: number;
    /** [spec, available] */
    stable?: [number, number];
    canary?: [number, number];
    older?: number;
    expect: [canary: number, stable: number];
  }
  const rows: Row[] = [
    { name: 'surges the canary by maxSurge', replicas: 10, weight: 20, surge: 2, unavailable: 0, stable: [10, 10], canary: [0, 0], expect: [2, 10] },
    { name: 'never goes past maxSurge', replicas: 10, weight: 30, surge: 2, unavailable: 0, stable: [10, 10], canary: [0, 0], expect: [2, 10] },
    { name: 'then drains the stable once the canary is available', replicas: 10, weight: 20, surge: 2, unavailable: 0, stable: [10, 10], canary: [2, 2], expect: [2, 8] },
    { name: 'takes the first step from the stable when there is no surge', replicas: 10, weight: 20, surge: 0, unavailable: 2, stable: [10, 10], canary: [0, 0], expect: [0, 8] },
    { name: 'never goes past maxUnavailable', replicas: 10, weight: 30, surge: 0, unavailable: 2, stable: [10, 10], canary: [0, 0], expect: [0, 8] },
    { name: 'uses both bounds at once', replicas: 10, weight: 50, surge: 2, unavailable: 1, stable: [10, 10], canary: [0, 0], expect: [2, 9] },
    { name: '41% of 10, surge 0 / unavailable 1, first step', replicas: 10, weight: 41, surge: 0, unavailable: 1, stable: [10, 10], canary: [0, 0], expect: [0, 9] },
    { name: '41% of 10, surge 0 / unavailable 1, canary fills the gap', replicas: 10, weight: 41, surge: 0, unavailable: 1, stable: [9, 9], canary: [0, 0], expect: [1, 9] },
    { name: '41% of 10 at the ideal split', replicas: 10, weight: 41, surge: 0, unavailable: 1, stable: [6, 6], canary: [4, 4], expect: [4, 6] },
    { name: '41% of 10, surge 1 / unavailable 0', replicas: 10, weight: 41, surge: 1, unavailable: 0, stable: [10, 10], canary: [0, 0], expect: [1, 10] },
    { name: 'scales the canary to zero at 0%', replicas: 10, weight: 0, surge: 1, unavailable: 1, stable: [10, 10], canary: [1, 1], expect: [0, 10] },
    { name: 'scales the stable to zero at 100%', replicas: 10, weight: 100, surge: 1, unavailable: 1, stable: [1, 1], canary: [10, 10], expect: [10, 0] },
    { name: 'one replica at 20% surges one canary pod', replicas: 1, weight: 20, surge: 1, unavailable: 0, stable: [1, 1], canary: [0, 0], expect: [1, 1] },
    { name: 'one replica at 90% keeps the stable pod', replicas: 1, weight: 90, surge: 1, unavailable: 0, stable: [1, 1], canary: [0, 0], expect: [1, 1] },
    { name: 'one replica, surge 0 / unavailable 1: the stable pod goes first', replicas: 1, weight: 50, surge: 0, unavailable: 1, stable: [1, 1], canary: [0, 0], expect: [0, 0] },
    { name: 'one replica, surge 0 / unavailable 1: then the canary pod comes', replicas: 1, weight: 50, surge: 0, unavailable: 1, stable: [0, 0], canary: [0, 0], expect: [1, 0] },
    { name: 'grows the stable before the canary', replicas: 10, weight: 30, surge: 1, unavailable: 0, stable: [1, 1], canary: [0, 0], older: 3, expect: [1, 7] },
    { name: 'shrinks nothing while older pods remain', replicas: 10, weight: 30, surge: 0, unavailable: 1, stable: [8, 6], canary: [4, 2], older: 3, expect: [4, 8] },
    { name: 'shrinks both when the weight dropped and both are over', replicas: 10, weight: 30, surge: 0, unavailable: 3, stable: [8, 5], canary: [4, 4], expect: [3, 7] },
    { name: 'drains an unavailable stable by spec while trimming the canary to the surge bound', replicas: 10, weight: 100, surge: 1, unavailable: 0, stable: [10, 2], canary: [10, 8], expect: [9, 2] },
    { name: 'does not count pods beyond spec as available', replicas: 10, weight: 100, surge: 3, unavailable: 0, stable: [7, 8], canary: [6, 3], expect: [6, 7] },
    { name: 'does not round past a zero surge at 5%', replicas: 10, weight: 5, surge: 0, unavailable: 1, stable: [10, 10], canary: [0, 0], expect: [0, 9] },
    { name: 'does not round past a zero surge at 5% (next step)', replicas: 10, weight: 5, surge: 0, unavailable: 1, stable: [9, 9], canary: [0, 0], expect: [1, 9] },
    { name: 'honours the surge while the stable is unavailable', replicas: 4, weight: 100, surge: 1, unavailable: 0, stable: [4, 1], canary: [0, 0], expect: [1, 4] },
    { name: 'honours maxUnavailable while the stable is unavailable', replicas: 4, weight: 100, surge: 1, unavailable: 0, stable: [4, 1], canary: [1, 1], expect: [1, 3] },
    { name: 'stays within the total when draining a large unavailability budget', replicas: 3, weight: 99, surge: 0, unavailable: 2, stable: [3, 3], canary: [0, 0], expect: [0, 1] },
    { name: 'then fills the canary', replicas: 3, weight: 99, surge: 0, unavailable: 2, stable: [1, 1], canary: [0, 0], expect: [2, 1] },
    { name: 'abort: brings the stable back before touching the canary', replicas: 4, weight: 0, surge: 1, unavailable: 0, stable: [0, 0], canary: [4, 4], expect: [4, 1] },
    { name: 'abort: waits while the new stable pod is not available', replicas: 4, weight: 0, surge: 1, unavailable: 0, stable: [1, 0], canary: [4, 4], expect: [4, 1] },
    { name: 'abort: removes one canary pod per available stable pod', replicas: 4, weight: 0, surge: 1, unavailable: 0, stable: [1, 1], canary: [4, 4], expect: [3, 1] },
    { name: 'promote full ignores the step weight', replicas: 4, weight: 100, surge: 4, unavailable: 4, stable: [4, 4], canary: [0, 0], expect: [4, 0] },
    { name: 'promote full still honours the bounds', replicas: 4, weight: 100, surge: 3, unavailable: 0, stable: [4, 4], canary: [0, 0], expect: [3, 4] },
    { name: 'no stable: the canary takes everything', replicas: 10, weight: 10, surge: 0, unavailable: 1, canary: [9, 9], expect: [10, 0] },
    { name: 'no stable, first deploy from zero', replicas: 5, weight: 20, surge: 2, unavailable: 1, canary: [0, 0], expect: [5, 0] },
    { name: 'no canary yet: the stable may still shrink within the budget', replicas: 10, weight: 20, surge: 0, unavailable: 2, stable: [10, 10], expect: [0, 8] },
    { name: 'replicas 0', replicas: 0, weight: 50, surge: 0, unavailable: 0, stable: [2, 2], canary: [2, 2], expect: [0, 0] },
    { name: 'steady at the split with surge', replicas: 10, weight: 1, surge: 1, unavailable: 0, stable: [10, 10], canary: [1, 1], expect: [1, 10] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const counts = canaryReplicaCounts({
        replicas: row.replicas,
        weight: row.weight,
        maxSurge: row.surge,
        maxUnavailable: row.unavailable,
        stable: row.stable && { current: row.stable[0], available: row.stable[1] },
        canary: row.canary && { current: row.canary[0], available: row.canary[1] },
        olderReplicas: row.older,
      });
      assert.deepEqual(counts, { canary: row.expect[0], stable: row.expect[1] });
    });
  }

  it('rejects negative counts', () => {
    assert.throws(
      () => canaryReplicaCounts({ replicas: 10, weight: 10, maxSurge: 1, maxUnavailable: 0, canary: { current: -1, available: 0 } }),
      /canary\.current must be a non-negative integer/,
    );
  });
});

describe('canaryStepReplicasReady', () => {
  const base = { replicas: 10, weight: 40, maxSurge: 1, maxUnavailable: 0 };
  const rows: [string, Parameters<typeof canaryStepReplicasReady>[0], boolean][] = [
    ['at the split, all available', { ...base, canary: { current: 4, available: 4 }, stable: { current: 6, available: 6 } }, true],
    ['canary pods not yet available', { ...base, canary: { current: 4, available: 3 }, stable: { current: 6, available: 6 } }, false],
    ['stable still larger', { ...base, canary: { current: 4, available: 4 }, stable: { current: 7, available: 7 } }, false],
    ['stable pods created but not ready still count', { ...base, canary: { current: 4, available: 4 }, stable: { current: 6, available: 2 } }, true],
    ['stable pods not yet created', { ...base, canary: { current: 4, available: 4 }, stable: { current: 6, available: 6 }, stableCreated: 7 }, false],
    ['older pods still available', { ...base, canary: { current: 4, available: 4 }, stable: { current: 6, available: 6 }, olderAvailable: 1 }, false],
    ['no stable ReplicaSet', { ...base, canary: { current: 10, available: 10 } }, false],
    ['no canary ReplicaSet', { ...base, stable: { current: 10, available: 10 } }, false],
    ['surge split at 1%', { ...base, weight: 1, canary: { current: 1, available: 1 }, stable: { current: 10, available: 10 } }, true],
  ];
  for (const [name, input, expected] of rows) {
    it(name, () => {
      assert.equal(canaryStepReplicasReady(input), expected);
    });
  }
});

describe('planBasicCanaryStep', () => {
  const rs = (name: string, current: number, available = current, revision?: number): NamedReplicas => ({
    name,
    current,
    available,
    ...(revision === undefined ? {} : { revision }),
  });
  const base = { replicas: 10, weight: 40, maxSurge: 1, maxUnavailable: 1 };
  const rows: [string, BasicCanaryState, ReturnType<typeof planBasicCanaryStep>][] = [
    ['resizes the stable first', { ...base, canary: rs('c', 0), stable: rs('s', 10) }, { phase: 'stable', targets: { s: 9 } }],
    ['then the canary', { ...base, canary: rs('c', 0), stable: rs('s', 9) }, { phase: 'canary', targets: { c: 2 } }],
    ['steady at the split', { ...base, canary: rs('c', 4), stable: rs('s', 6) }, { phase: 'steady', targets: {} }],
    [
      'older ReplicaSets go last and newest first',
      { ...base, canary: rs('c', 4, 2), stable: rs('s', 6), older: [rs('o1', 2, 2, 1), rs('o2', 2, 2, 2)] },
      { phase: 'older', targets: { o2: 0, o1: 1 } },
    ],
    [
      'older ReplicaSets drop unavailable pods even without budget',
      { ...base, maxUnavailable: 0, canary: rs('c', 4), stable: rs('s', 6), older: [rs('o', 3, 0)] },
      { phase: 'older', targets: { o: 0 } },
    ],
    ['no stable: the canary grows to full size', { ...base, canary: rs('c', 8) }, { phase: 'canary', targets: { c: 10 } }],
  ];
  for (const [name, state, expected] of rows) {
    it(name, () => {
      assert.deepEqual(planBasicCanaryStep(state), expected);
    });
  }
});

/** A ReplicaSet in the simulated cluster: spec replicas, available pods, and its revision. */
interface SimRS {
  name: string;
  current: number;
  available: number;
  revision: number;
}

/** Deterministic pseudo-random numbers, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface SimOptions {
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
  /** Fraction of not-yet-available pods that become available per tick (1 = all). */
  readiness: number;
  /** The canary's pods never become available. */
  canaryBroken?: boolean;
  seed: number;
}

class Cluster {
  readonly options: SimOptions;
  readonly sets = new Map<string, SimRS>();
  readonly next: () => number;
  canary: string;
  stable: string | undefined;
  constructor(options: SimOptions, canary: string, stable: string | undefined) {
    this.options = options;
    this.next = random(options.seed);
    this.canary = canary;
    this.stable = stable;
  }

  add(name: string, current: number, revision: number): void {
    this.sets.set(name, { name, current, available: current, revision });
  }

  get(name: string): SimRS {
    const rs = this.sets.get(name);
    assert.ok(rs, `no ReplicaSet ${name}`);
    return rs;
  }

  state(weight: number): BasicCanaryState {
    const named = (rs: SimRS): NamedReplicas => ({ ...rs });
    const canary = this.get(this.canary);
    const stable = this.stable === undefined || this.stable === this.canary ? undefined : this.get(this.stable);
    const older = [...this.sets.values()].filter((rs) => rs !== canary && rs !== stable);
    return {
      replicas: this.options.replicas,
      weight,
      maxSurge: this.options.maxSurge,
      maxUnavailable: this.options.maxUnavailable,
      canary: named(canary),
      stable: stable && named(stable),
      older: older.map(named),
    };
  }

  totals(): { pods: number; available: number } {
    let pods = 0;
    let available = 0;
    for (const rs of this.sets.values()) {
      pods += rs.current;
      available += rs.available;
    }
    return { pods, available };
  }

  /** Applies a plan as the ReplicaSet controller would: shrinking removes unavailable pods first. */
  apply(targets: Readonly<Record<string, number>>): void {
    for (const [name, target] of Object.entries(targets)) {
      const rs = this.get(name);
      assert.ok(Number.isInteger(target) && target >= 0, `target for ${name} is ${target}`);
      rs.current = target;
      rs.available = Math.min(rs.available, target);
    }
  }

  tick(): void {
    for (const rs of this.sets.values()) {
      if (this.options.canaryBroken === true && rs.name === this.canary) continue;
      const pending = rs.current - rs.available;
      if (pending <= 0) continue;
      const ready = this.options.readiness >= 1 ? pending : Math.max(1, Math.floor(pending * this.options.readiness * this.next()));
      rs.available += Math.min(pending, ready);
    }
  }

  /**
   * Reconciles until nothing changes with every pod available (or only the broken canary pending), checking the
   * surge and availability bounds after every single write. Returns the number of reconciles.
   */
  converge(weight: number, where: string): number {
    const { replicas, maxSurge, maxUnavailable } = this.options;
    const maxPods = replicas + maxSurge;
    const minAvailable = replicas - maxUnavailable;
    for (let round = 1; round <= 500; round++) {
      const before = this.totals();
      const plan = planBasicCanaryStep(this.state(weight));
      this.apply(plan.targets);
      const after = this.totals();
      const context = `${where}, reconcile ${round}: ${JSON.stringify([...this.sets.values()])}`;
      assert.ok(after.pods <= Math.max(maxPods, before.pods), `surge bound broken at ${context}`);
      assert.ok(after.available >= Math.min(minAvailable, before.available), `availability bound broken at ${context}`);
      const settled = [...this.sets.values()].every(
        (rs) => rs.available === rs.current || (this.options.canaryBroken === true && rs.name === this.canary),
      );
      if (plan.phase === 'steady' && settled) return round;
      this.tick();
    }
    assert.fail(`did not converge: ${where}: ${JSON.stringify([...this.sets.values()])}`);
  }
}

describe('basic canary convergence', () => {
  const bounds: [number, number][] = [
    [0, 1],
    [1, 0],
    [1, 1],
    [2, 0],
    [0, 2],
    [3, 2],
    [25, 25],
    [100, 0],
    [0, 100],
  ];
  const weights = [5, 10, 20, 25, 33, 41, 50, 60, 75, 80, 90, 95, 99, 100];

  for (const replicas of [1, 2, 3, 4, 5, 7, 10, 13, 20]) {
    it(`walks ${replicas} replicas through every weight within the bounds`, () => {
      let seed = replicas;
      for (const [surgePct, unavailablePct] of bounds) {
        for (const readiness of [1, 0.5]) {
          const surgeRaw = surgePct <= 3 ? surgePct : Math.ceil((surgePct * replicas) / 100);
          const unavailableRaw = unavailablePct <= 3 ? unavailablePct : Math.floor((unavailablePct * replicas) / 100);
          const maxSurge = surgeRaw;
          const maxUnavailable = Math.min(replicas, surgeRaw === 0 && unavailableRaw === 0 ? 1 : unavailableRaw);
          const options = { replicas, maxSurge, maxUnavailable, readiness, seed: seed++ };
          const cluster = new Cluster(options, 'v2', 'v1');
          cluster.add('v1', replicas, 1);
          cluster.add('v2', 0, 2);
          for (const weight of weights) {
            const where = `${replicas} replicas, surge ${maxSurge}, unavailable ${maxUnavailable}, readiness ${readiness}, ${weight}%`;
            cluster.converge(weight, where);
            const ideal = idealCanarySplit(replicas, weight, maxSurge);
            assert.deepEqual({ canary: cluster.get('v2').current, stable: cluster.get('v1').current }, ideal, where);
            const state = cluster.state(weight);
            assert.ok(
              canaryStepReplicasReady({ ...state, olderAvailable: 0, stableCreated: state.stable?.current }),
              `step not ready at ${where}`,
            );
          }
          // Promotion: the canary becomes the stable; the previous stable is already at zero.
          cluster.stable = 'v2';
          cluster.converge(100, `${replicas} replicas promoted`);
          assert.equal(cluster.get('v2').current, replicas);
          assert.equal(cluster.get('v1').current, 0);
        }
      }
    });
  }

  it('aborts back to the stable within the bounds', () => {
    for (const replicas of [1, 2, 5, 10]) {
      for (const [maxSurge, maxUnavailable] of [
        [1, 0],
        [0, 1],
        [2, 2],
      ] as const) {
        const cluster = new Cluster({ replicas, maxSurge, maxUnavailable, readiness: 0.5, seed: replicas }, 'v2', 'v1');
        cluster.add('v1', replicas, 1);
        cluster.add('v2', 0, 2);
        cluster.converge(60, 'before abort');
        cluster.converge(0, `abort of ${replicas} replicas (surge ${maxSurge}, unavailable ${maxUnavailable})`);
        assert.equal(cluster.get('v2').current, 0);
        assert.equal(cluster.get('v1').current, replicas);
      }
    }
  });

  it('replaces an interrupted update: the intermediate version drains first', () => {
    for (const [maxSurge, maxUnavailable] of [
      [1, 0],
      [0, 1],
      [3, 2],
    ] as const) {
      const cluster = new Cluster({ replicas: 10, maxSurge, maxUnavailable, readiness: 1, seed: 7 }, 'v2', 'v1');
      cluster.add('v1', 10, 1);
      cluster.add('v2', 0, 2);
      cluster.converge(40, 'v2 at 40%');
      cluster.add('v3', 0, 3);
      cluster.canary = 'v3';
      const rounds = cluster.converge(20, `v3 at 20% (surge ${maxSurge}, unavailable ${maxUnavailable})`);
      assert.ok(rounds > 1);
      assert.equal(cluster.get('v2').current, 0);
      assert.deepEqual({ canary: cluster.get('v3').current, stable: cluster.get('v1').current }, idealCanarySplit(10, 20, maxSurge));
    }
  });

  it('never drains the stable below the availability bound when the canary never becomes ready', () => {
    for (const [maxSurge, maxUnavailable] of [
      [1, 0],
      [0, 1],
      [2, 3],
    ] as const) {
      const cluster = new Cluster({ replicas: 10, maxSurge, maxUnavailable, readiness: 1, canaryBroken: true, seed: 3 }, 'v2', 'v1');
      cluster.add('v1', 10, 1);
      cluster.add('v2', 0, 2);
      cluster.converge(50, `broken canary (surge ${maxSurge}, unavailable ${maxUnavailable})`);
      assert.ok(cluster.get('v1').available >= 10 - maxUnavailable);
      assert.equal(cluster.get('v2').available, 0);
    }
  });

  it('first deploy without a stable ReplicaSet grows to full size', () => {
    const cluster = new Cluster({ replicas: 6, maxSurge: 2, maxUnavailable: 1, readiness: 0.5, seed: 11 }, 'v1', undefined);
    cluster.add('v1', 0, 1);
    cluster.converge(100, 'first deploy');
    assert.equal(cluster.get('v1').current, 6);
  });
});

describe('trafficRoutedCanaryReplicas', () => {
  const rows: [number, number, number | undefined, number | undefined, number][] = [
    [10, 0, undefined, undefined, 0],
    [10, 20, undefined, undefined, 2],
    [10, 25, undefined, undefined, 3],
    [10, 33, undefined, undefined, 4],
    [10, 99, undefined, undefined, 10],
    [10, 100, undefined, undefined, 10],
    [10, 41, undefined, undefined, 5],
    [1, 1, undefined, undefined, 1],
    [4, 200, undefined, undefined, 8],
    [10, 5, undefined, 2, 2],
    [10, 0, undefined, 2, 0],
    [10, 50, undefined, 2, 5],
    [10, 500, 1000, undefined, 5],
    [10, 1, 1000, undefined, 1],
    [3, 10, 30, undefined, 1],
    [0, 50, undefined, 3, 0],
  ];
  for (const [replicas, weight, maxWeight, minPods, expected] of rows) {
    it(`${replicas} replicas at ${weight}/${maxWeight ?? 100} (min ${minPods ?? '-'}) → ${expected}`, () => {
      assert.equal(trafficRoutedCanaryReplicas(replicas, weight, maxWeight, minPods), expected);
    });
  }

  it('rejects a non-positive maxWeight', () => {
    assert.throws(() => trafficRoutedCanaryReplicas(10, 10, 0), /maxWeight must be a positive integer/);
  });
});

describe('trafficRoutedReplicaCounts', () => {
  const rows: [string, TrafficRoutedInput, number, number][] = [
    ['keeps the stable at full size', { replicas: 10, weight: 10 }, 1, 10],
    ['uses maxTrafficWeight', { replicas: 10, weight: 300, maxWeight: 1000 }, 3, 10],
    ['setCanaryScale.replicas overrides the weight', { replicas: 1, weight: 100, canaryReplicas: 9 }, 9, 1],
    ['setCanaryScale.weight can exceed the replicas', { replicas: 4, weight: 200 }, 8, 4],
    ['minPodsPerReplicaSet lifts a small canary', { replicas: 10, weight: 5, minPodsPerReplicaSet: 2 }, 2, 10],
    ['dynamic: the stable follows the weight', { replicas: 10, weight: 10, dynamicStableScale: true, currentWeights: { canary: 10, stable: 90 } }, 1, 9],
    ['dynamic: the stable keeps pods for traffic it still gets', { replicas: 10, weight: 20, dynamicStableScale: true, currentWeights: { canary: 10, stable: 90 } }, 2, 9],
    ['dynamic without current weights', { replicas: 10, weight: 30, dynamicStableScale: true }, 3, 7],
    ['dynamic abort keeps canary pods for its traffic', { replicas: 10, weight: 0, dynamicStableScale: true, aborted: true, currentWeights: { canary: 20, stable: 80 } }, 2, 10],
    ['dynamic abort shrinks the canary with its traffic', { replicas: 10, weight: 0, dynamicStableScale: true, aborted: true, currentWeights: { canary: 10, stable: 90 } }, 1, 10],
    ['dynamic with minPods on both sides', { replicas: 10, weight: 95, dynamicStableScale: true, minPodsPerReplicaSet: 2 }, 10, 2],
    ['dynamic with setCanaryScale.replicas keeps the stable full', { replicas: 10, weight: 50, canaryReplicas: 3, dynamicStableScale: true }, 3, 10],
  ];
  for (const [name, input, canary, stable] of rows) {
    it(name, () => {
      assert.deepEqual(trafficRoutedReplicaCounts(input), { canary, stable });
    });
  }
});

describe('blueGreenNewReplicas', () => {
  const base: BlueGreenNewReplicasInput = {
    replicas: 5,
    previewReplicaCount: 2,
    newIsActive: false,
    newIsCurrent: true,
    paused: true,
    scaleUpPreviewCheckPoint: false,
  };
  const rows: [string, Partial<BlueGreenNewReplicasInput>, number][] = [
    ['full size without previewReplicaCount', { previewReplicaCount: undefined }, 5],
    ['preview size while paused', {}, 2],
    ['full size once active', { newIsActive: true }, 5],
    ['full size on a full promotion', { promoteFull: true }, 5],
    ['preview size for a template that just changed, even past the checkpoint', { newIsCurrent: false, paused: false, scaleUpPreviewCheckPoint: true }, 2],
    ['full size when resumed past the checkpoint', { paused: false, scaleUpPreviewCheckPoint: true }, 5],
    ['preview size when resumed before the checkpoint', { paused: false }, 2],
    ['preview size when paused past the checkpoint', { scaleUpPreviewCheckPoint: true }, 2],
    ['previewReplicaCount 0', { previewReplicaCount: 0 }, 0],
  ];
  for (const [name, change, expected] of rows) {
    it(name, () => {
      assert.equal(blueGreenNewReplicas({ ...base, ...change }), expected);
    });
  }
});

describe('scaleUpPreviewCheckPoint', () => {
  const base: PreviewCheckPointInput = {
    previewReplicaCount: 2,
    previous: false,
    abortedTemplateChange: false,
    newExists: true,
    newIsStable: false,
    prePromotionAnalysisDone: true,
    newAvailable: 2,
  };
  const rows: [string, Partial<PreviewCheckPointInput>, boolean][] = [
    ['flips once the preview is available', {}, true],
    ['waits for all preview pods', { newAvailable: 1 }, false],
    ['waits for pre-promotion analysis', { prePromotionAnalysisDone: false }, false],
    ['stays set once set', { previous: true, newAvailable: 0, prePromotionAnalysisDone: false }, true],
    ['resets when fully promoted', { previous: true, newIsStable: true }, false],
    ['resets on a template change after abort', { previous: true, abortedTemplateChange: true }, false],
    ['is false without a new ReplicaSet', { newExists: false }, false],
    ['is false without previewReplicaCount', { previewReplicaCount: undefined, previous: true }, false],
  ];
  for (const [name, change, expected] of rows) {
    it(name, () => {
      assert.equal(scaleUpPreviewCheckPoint({ ...base, ...change }), expected);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  byCreation,
  rollingUpdateStep,
  scaleDownOlderForCanary,
  type ReplicaSetState,
  type RollingUpdatePhase,
} from './rolling-update.ts';

const rs = (
  name: string,
  replicas: number,
  available: number,
  extra: Partial<Omit<ReplicaSetState, 'name' | 'replicas' | 'available'>> = {},
): ReplicaSetState => ({ name, replicas, available, ...extra });

describe('rollingUpdateStep', () => {
  interface Row {
    name: string;
    replicas: number;
    surge: number;
    unavailable: number;
    sets: ReplicaSetState[];
    phase: RollingUpdatePhase;
    targets: Record<string, number>;
  }
  const rows: Row[] = [
    {
      name: 'grows the new ReplicaSet by maxSurge',
      replicas: 10, surge: 3, unavailable: 2,
      sets: [rs('a', 10, 10, { createdAt: 1 }), rs('n', 0, 0, { isNew: true, createdAt: 2 })],
      phase: 'new', targets: { a: 10, n: 3 },
    },
    {
      name: 'shrinks the old one within the budget, not counting unready new pods',
      replicas: 10, surge: 3, unavailable: 2,
      sets: [rs('a', 10, 10, { createdAt: 1 }), rs('n', 3, 0, { isNew: true, createdAt: 2 })],
      phase: 'old', targets: { a: 8, n: 3 },
    },
    {
      name: 'finishes the old one once the new one is complete',
      replicas: 10, surge: 3, unavailable: 2,
      sets: [rs('a', 2, 2, { createdAt: 1 }), rs('n', 10, 10, { isNew: true, createdAt: 2 })],
      phase: 'old', targets: { a: 0, n: 10 },
    },
    {
      name: 'shrinks a new ReplicaSet larger than desired',
      replicas: 10, surge: 3, unavailable: 2,
      sets: [rs('a', 0, 0, { createdAt: 1 }), rs('n', 12, 12, { isNew: true, createdAt: 2 })],
      phase: 'new', targets: { a: 0, n: 10 },
    },
    {
      name: 'maxSurge 0 / maxUnavailable 1 starts by removing one old pod',
      replicas: 10, surge: 0, unavailable: 1,
      sets: [rs('a', 10, 10, { createdAt: 1 }), rs('n', 0, 0, { isNew: true, createdAt: 2 })],
      phase: 'old', targets: { a: 9, n: 0 },
    },
    {
      name: 'maxSurge 0 / maxUnavailable 1 then adds one new pod',
      replicas: 10, surge: 0, unavailable: 1,
      sets: [rs('a', 9, 9, { createdAt: 1 }), rs('n', 0, 0, { isNew: true, createdAt: 2 })],
      phase: 'new', targets: { a: 9, n: 1 },
    },
    {
      name: 'maxSurge 1 / maxUnavailable 0 adds one new pod',
      replicas: 10, surge: 1, unavailable: 0,
      sets: [rs('a', 10, 10, { createdAt: 1 }), rs('n', 0, 0, { isNew: true, createdAt: 2 })],
      phase: 'new', targets: { a: 10, n: 1 },
    },
    {
      name: 'maxSurge 1 / maxUnavailable 0 waits for the new pod',
      replicas: 10, surge: 1, unavailable: 0,
      sets: [rs('a', 10, 10, { createdAt: 1 }), rs('n', 1, 0, { isNew: true, createdAt: 2 })],
      phase: 'steady', targets: { a: 10, n: 1 },
    },
    {
      name: 'maxSurge 1 / maxUnavailable 0 removes an old pod once the new one is available',
      replicas: 10, surge: 1, unavailable: 0,
      sets: [rs('a', 10, 10, { createdAt: 1 }), rs('n', 1, 1, { isNew: true, createdAt: 2 })],
      phase: 'old', targets: { a: 9, n: 1 },
    },
    {
      name: 'removes unhealthy old pods first, within the budget',
      replicas: 10, surge: 0, unavailable: 2,
      sets: [rs('a', 4, 1, { createdAt: 1 }), rs('b', 6, 6, { createdAt: 2 }), rs('n', 0, 0, { isNew: true, createdAt: 3 })],
      phase: 'old', targets: { a: 2, b: 6, n: 0 },
    },
    {
      name: 'shrinks the oldest ReplicaSet first',
      replicas: 10, surge: 0, unavailable: 3,
      sets: [rs('a', 5, 5, { createdAt: '2024-05-02T00:00:00Z' }), rs('b', 5, 5, { createdAt: '2024-05-01T00:00:00Z' }), rs('n', 0, 0, { isNew: true, createdAt: '2024-05-03T00:00:00Z' })],
      phase: 'old', targets: { a: 5, b: 2, n: 0 },
    },
    {
      name: 'spills the budget over to the next oldest',
      replicas: 10, surge: 0, unavailable: 3,
      sets: [rs('a', 5, 5, { createdAt: new Date(2000) }), rs('b', 2, 2, { createdAt: new Date(1000) }), rs('n', 3, 3, { isNew: true, createdAt: new Date(3000) })],
      phase: 'old', targets: { a: 4, b: 0, n: 3 },
    },
    {
      name: 'is steady when the new ReplicaSet has everything',
      replicas: 10, surge: 3, unavailable: 2,
      sets: [rs('a', 0, 0), rs('n', 10, 10, { isNew: true })],
      phase: 'steady', targets: { a: 0, n: 10 },
    },
    {
      name: 'without a new ReplicaSet only shrinks old ones',
      replicas: 4, surge: 1, unavailable: 1,
      sets: [rs('a', 5, 5)],
      phase: 'old', targets: { a: 3 },
    },
    {
      name: 'scaled to zero: old pods all go',
      replicas: 0, surge: 0, unavailable: 0,
      sets: [rs('a', 3, 3), rs('n', 0, 0, { isNew: true })],
      phase: 'old', targets: { a: 0, n: 0 },
    },
    {
      name: 'counts an old ReplicaSet that is already shrinking by its spec',
      replicas: 10, surge: 0, unavailable: 1,
      sets: [rs('a', 8, 10, { createdAt: 1 }), rs('n', 2, 2, { isNew: true, createdAt: 2 })],
      phase: 'old', targets: { a: 7, n: 2 },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const step = rollingUpdateStep({ replicas: row.replicas, maxSurge: row.surge, maxUnavailable: row.unavailable, replicaSets: row.sets });
      assert.deepEqual(step, { phase: row.phase, targets: row.targets });
    });
  }

  it('rejects two new ReplicaSets and bad counts', () => {
    const input = { replicas: 3, maxSurge: 1, maxUnavailable: 0 };
    assert.throws(
      () => rollingUpdateStep({ ...input, replicaSets: [rs('x', 0, 0, { isNew: true }), rs('y', 0, 0, { isNew: true })] }),
      /more than one new ReplicaSet: x, y/,
    );
    assert.throws(() => rollingUpdateStep({ ...input, replicaSets: [rs('x', -1, 0)] }), /x\.replicas must be a non-negative integer/);
    assert.throws(() => rollingUpdateStep({ ...input, maxSurge: -1, replicaSets: [] }), /maxSurge/);
  });

  describe('convergence', () => {
    const configs: [replicas: number, surge: number, unavailable: number][] = [
      [1, 1, 0],
      [1, 0, 1],
      [3, 1, 0],
      [3, 0, 1],
      [4, 1, 1],
      [10, 3, 2],
      [10, 1, 0],
      [10, 0, 1],
      [10, 10, 0],
      [10, 0, 10],
      [25, 7, 6],
    ];
    for (const [replicas, surge, unavailable] of configs) {
      it(`${replicas} replicas, maxSurge ${surge}, maxUnavailable ${unavailable}`, () => {
        for (const readiness of ['all', 'one'] as const) {
          const sets = new Map<string, { name: string; replicas: number; available: number; createdAt: number; isNew: boolean }>();
          // Two old versions: an interrupted update left part of the pods on the middle one.
          const middle = Math.floor(replicas / 3);
          sets.set('v1', { name: 'v1', replicas: replicas - middle, available: replicas - middle, createdAt: 1, isNew: false });
          sets.set('v2', { name: 'v2', replicas: middle, available: middle, createdAt: 2, isNew: false });
          sets.set('v3', { name: 'v3', replicas: 0, available: 0, createdAt: 3, isNew: true });
          const totals = () => {
            let pods = 0;
            let available = 0;
            for (const s of sets.values()) {
              pods += s.replicas;
              available += s.available;
            }
            return { pods, available };
          };
          let steps = 0;
          for (;;) {
            assert.ok(++steps < 400, 'did not converge');
            const before = totals();
            const step = rollingUpdateStep({ replicas, maxSurge: surge, maxUnavailable: unavailable, replicaSets: [...sets.values()] });
            for (const [name, target] of Object.entries(step.targets)) {
              const s = sets.get(name);
              assert.ok(s);
              s.replicas = target;
              s.available = Math.min(s.available, target);
            }
            const after = totals();
            const where = `step ${steps} (${readiness}): ${JSON.stringify([...sets.values()])}`;
            assert.ok(after.pods <= Math.max(replicas + surge, before.pods), `surge bound broken at ${where}`);
            assert.ok(after.available >= Math.min(replicas - unavailable, before.available), `availability bound broken at ${where}`);
            const settled = [...sets.values()].every((s) => s.available === s.replicas);
            if (step.phase === 'steady' && settled) break;
            for (const s of sets.values()) {
              if (s.available < s.replicas) s.available = readiness === 'all' ? s.replicas : s.available + 1;
            }
          }
          assert.deepEqual(
            [...sets.values()].map((s) => [s.name, s.replicas]),
            [['v1', 0], ['v2', 0], ['v3', replicas]],
          );
        }
      });
    }
  });
});

describe('scaleDownOlderForCanary', () => {
  interface Row {
    name: string;
    replicas: number;
    unavailable: number;
    availableTotal: number;
    older: ReplicaSetState[];
    expect: Record<string, number>;
  }
  const rows: Row[] = [
    { name: 'removes every older pod the budget allows', replicas: 10, unavailable: 1, availableTotal: 13, older: [rs('a', 3, 3, { revision: 1 })], expect: { a: 0 } },
    {
      name: 'takes the newest revision first',
      replicas: 10, unavailable: 0, availableTotal: 12,
      older: [rs('a', 3, 3, { revision: 1 }), rs('b', 3, 3, { revision: 2 })],
      expect: { a: 3, b: 1 },
    },
    {
      name: 'spills over to older revisions',
      replicas: 10, unavailable: 1, availableTotal: 14,
      older: [rs('a', 3, 3, { revision: 1 }), rs('b', 3, 3, { revision: 2 })],
      expect: { a: 1, b: 0 },
    },
    { name: 'removes unavailable pods regardless of the budget', replicas: 10, unavailable: 0, availableTotal: 10, older: [rs('a', 4, 1, { revision: 1 })], expect: { a: 1 } },
    { name: 'does nothing without budget when all pods are available', replicas: 10, unavailable: 0, availableTotal: 10, older: [rs('a', 4, 4, { revision: 1 })], expect: { a: 4 } },
    {
      name: 'stops while an older ReplicaSet is still shrinking',
      replicas: 10, unavailable: 5, availableTotal: 20,
      older: [rs('a', 2, 3, { createdAt: 1, revision: 1 }), rs('b', 3, 1, { createdAt: 2, revision: 2 })],
      expect: { a: 2, b: 3 },
    },
    {
      name: 'cleans up ReplicaSets created before the one still shrinking',
      replicas: 10, unavailable: 5, availableTotal: 20,
      older: [rs('a', 2, 3, { createdAt: 2, revision: 2 }), rs('b', 3, 1, { createdAt: 1, revision: 1 })],
      expect: { a: 2, b: 1 },
    },
    { name: 'leaves ReplicaSets already at zero alone', replicas: 10, unavailable: 1, availableTotal: 12, older: [rs('a', 0, 2)], expect: { a: 0 } },
    {
      name: 'without revisions, the most recently created goes first',
      replicas: 10, unavailable: 0, availableTotal: 12,
      older: [rs('a', 3, 3, { createdAt: 1 }), rs('b', 3, 3, { createdAt: 2 })],
      expect: { a: 3, b: 1 },
    },
    {
      name: 'a ReplicaSet without a revision counts as the oldest',
      replicas: 10, unavailable: 0, availableTotal: 12,
      older: [rs('a', 3, 3, { revision: 1 }), rs('b', 3, 3)],
      expect: { a: 1, b: 3 },
    },
    { name: 'nothing older', replicas: 10, unavailable: 1, availableTotal: 10, older: [], expect: {} },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const targets = scaleDownOlderForCanary({
        replicas: row.replicas,
        maxUnavailable: row.unavailable,
        availableTotal: row.availableTotal,
        older: row.older,
      });
      assert.deepEqual(targets, row.expect);
    });
  }
});

describe('byCreation', () => {
  it('orders by creation time, then by name', () => {
    const sets = [rs('b', 0, 0, { createdAt: 5 }), rs('c', 0, 0, { createdAt: 1 }), rs('a', 0, 0, { createdAt: 5 }), rs('d', 0, 0)];
    assert.deepEqual([...sets].sort(byCreation).map((s) => s.name), ['d', 'c', 'a', 'b']);
  });
});

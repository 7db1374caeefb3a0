import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout } from '../api/rollout.ts';
import { durationText, InvalidRolloutError, planTimeline, rolloutIssues, type TimelineOptions, type TimelineWait } from './timeline.ts';

function rollout(strategy: NonNullable<Rollout['spec']['strategy']>, replicas = 10): Rollout {
  return {
    apiVersion: 'aviary.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy,
    },
  };
}

const none: TimelineWait = { kind: 'none' };
const promote: TimelineWait = { kind: 'promote' };
const seconds = (s: number): TimelineWait => ({ kind: 'duration', ms: s * 1000 });

/** step, action, [old, new] pods, weight, wait, at (seconds). */
type Row = [number | undefined, string, [number, number], number, TimelineWait, number];

interface Case {
  name: string;
  rollout: Rollout;
  options?: TimelineOptions;
  columns: [string, string];
  rows: Row[];
  minimumSeconds: number;
  manualPromotions: number;
}

const cases: Case[] = [
  {
    name: 'canary: analysis steps and background analysis are taken to succeed at once',
    rollout: rollout({ canary: { analysis: { templates: [{ templateName: 'errors', clusterScope: true }] }, steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'rate' }] } }, { setWeight: 60 }] } }),
    columns: ['stable', 'canary'],
    rows: [
      [undefined, 'update: new ReplicaSet', [10, 0], 0, none, 0],
      [1, 'setWeight: 20', [8, 2], 20, none, 0],
      [2, 'analysis', [8, 2], 20, none, 0],
      [3, 'setWeight: 60', [4, 6], 60, none, 0],
      [undefined, 'complete', [0, 10], 100, none, 0],
    ],
    minimumSeconds: 0,
    manualPromotions: 0,
  },
  {
    name: 'canary: setWeight, timed pause, indefinite pause',
    rollout: rollout({ canary: { steps: [{ setWeight: 41 }, { pause: { duration: '30s' } }, { setWeight: 60 }, { pause: {} }] } }),
    columns: ['stable', 'canary'],
    rows: [
      [undefined, 'update: new ReplicaSet', [10, 0], 0, none, 0],
      [1, 'setWeight: 41', [6, 4], 41, none, 0],
      [2, 'pause: 30s', [6, 4], 41, seconds(30), 0],
      [3, 'setWeight: 60', [4, 6], 60, none, 30],
      [4, 'pause', [4, 6], 60, promote, 30],
      [undefined, 'complete', [0, 10], 100, none, 30],
    ],
    minimumSeconds: 30,
    manualPromotions: 1,
  },
  {
    name: 'canary: pauses in every duration form add up',
    rollout: rollout({
      canary: { steps: [{ pause: { duration: 60 } }, { setWeight: 20 }, { pause: { duration: '30' } }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1m30s' } }, { pause: {} }] },
    }, 5),
    columns: ['stable', 'canary'],
    rows: [
      [undefined, 'update: new ReplicaSet', [5, 0], 0, none, 0],
      [1, 'pause: 1m', [5, 0], 0, seconds(60), 0],
      [2, 'setWeight: 20', [4, 1], 20, none, 60],
      [3, 'pause: 30s', [4, 1], 20, seconds(30), 60],
      [4, 'pause', [4, 1], 20, promote, 90],
      [5, 'setWeight: 50', [3, 3], 50, none, 90],
      [6, 'pause: 1m30s', [3, 3], 50, seconds(90), 90],
      [7, 'pause', [3, 3], 50, promote, 180],
      [undefined, 'complete', [0, 5], 100, none, 180],
    ],
    minimumSeconds: 180,
    manualPromotions: 2,
  },
  {
    name: 'canary without steps: a rolling update',
    rollout: rollout({ canary: {} }),
    columns: ['stable', 'canary'],
    rows: [
      [undefined, 'update: new ReplicaSet', [10, 0], 0, none, 0],
      [undefined, 'rolling update', [0, 10], 100, none, 0],
    ],
    minimumSeconds: 0,
    manualPromotions: 0,
  },
  {
    name: 'canary: --replicas overrides spec.replicas',
    rollout: rollout({ canary: { steps: [{ setWeight: 41 }, { setWeight: 50 }] } }, 1),
    options: { replicas: 4 },
    columns: ['stable', 'canary'],
    rows: [
      [undefined, 'update: new ReplicaSet', [4, 0], 0, none, 0],
      // Nearest ratio: 2 of 5 pods (40%) beats 2 of 4 (50%) and 1 of 4 (25%).
      [1, 'setWeight: 41', [3, 2], 41, none, 0],
      [2, 'setWeight: 50', [2, 2], 50, none, 0],
      [undefined, 'complete', [0, 4], 100, none, 0],
    ],
    minimumSeconds: 0,
    manualPromotions: 0,
  },
  {
    name: 'canary: one replica never runs a 0-pod canary or stable between 1 and 99%',
    rollout: rollout({ canary: { steps: [{ setWeight: 1 }, { setWeight: 99 }] } }, 1),
    columns: ['stable', 'canary'],
    rows: [
      [undefined, 'update: new ReplicaSet', [1, 0], 0, none, 0],
      [1, 'setWeight: 1', [1, 1], 1, none, 0],
      [2, 'setWeight: 99', [1, 1], 99, none, 0],
      [undefined, 'complete', [0, 1], 100, none, 0],
    ],
    minimumSeconds: 0,
    manualPromotions: 0,
  },
  {
    name: 'blue-green: automatic promotion',
    rollout: rollout({ blueGreen: { activeService: 'web', previewService: 'web-preview' } }, 3),
    columns: ['active', 'preview'],
    rows: [
      [undefined, 'update: new ReplicaSet', [3, 0], 0, none, 0],
      [undefined, 'preview', [3, 3], 0, none, 0],
      [undefined, 'promote: switch active service', [3, 3], 100, none, 0],
      [undefined, 'scale down previous after 30s', [0, 3], 100, none, 30],
    ],
    minimumSeconds: 0,
    manualPromotions: 0,
  },
  {
    name: 'blue-green: autoPromotionEnabled false waits for promote',
    rollout: rollout({ blueGreen: { activeService: 'web', autoPromotionEnabled: false, scaleDownDelaySeconds: 0 } }, 3),
    columns: ['active', 'preview'],
    rows: [
      [undefined, 'update: new ReplicaSet', [3, 0], 0, none, 0],
      [undefined, 'preview', [3, 3], 0, promote, 0],
      [undefined, 'promote: switch active service', [3, 3], 100, none, 0],
      [undefined, 'scale down previous', [0, 3], 100, none, 0],
    ],
    minimumSeconds: 0,
    manualPromotions: 1,
  },
  {
    name: 'blue-green: autoPromotionSeconds and previewReplicaCount',
    rollout: rollout({ blueGreen: { activeService: 'web', previewReplicaCount: 2, autoPromotionSeconds: 45, scaleDownDelaySeconds: 60 } }),
    columns: ['active', 'preview'],
    rows: [
      [undefined, 'update: new ReplicaSet', [10, 0], 0, none, 0],
      [undefined, 'preview: 2 of 10 pods', [10, 2], 0, seconds(45), 0],
      [undefined, 'promote: scale up, switch active service', [10, 10], 100, none, 45],
      [undefined, 'scale down previous after 1m', [0, 10], 100, none, 105],
    ],
    minimumSeconds: 45,
    manualPromotions: 0,
  },
];

describe('planTimeline', () => {
  for (const c of cases) {
    it(c.name, () => {
      const timeline = planTimeline(c.rollout, c.options);
      assert.deepEqual(timeline.columns, c.columns);
      const [oldKey, newKey] = c.columns;
      const rows: Row[] = timeline.rows.map((r) => [r.step, r.action, [r.replicas[oldKey] ?? -1, r.replicas[newKey] ?? -1], r.weight, r.wait, r.atMs / 1000]);
      assert.deepEqual(rows, c.rows);
      assert.equal(timeline.minimumDurationMs, c.minimumSeconds * 1000);
      assert.equal(timeline.manualPromotions, c.manualPromotions);
    });
  }

  it('describes the Rollout', () => {
    const timeline = planTimeline(rollout({ canary: { steps: [{ setWeight: 50 }] } }), { replicas: 6 });
    assert.equal(timeline.name, 'web');
    assert.equal(timeline.namespace, 'shop');
    assert.equal(timeline.strategy, 'canary');
    assert.equal(timeline.replicas, 6);
    assert.equal(timeline.steps, 1);
    assert.deepEqual(timeline.notes, []);
    const blueGreen = planTimeline(rollout({ blueGreen: { activeService: 'web' } }));
    assert.equal(blueGreen.strategy, 'blueGreen');
    assert.equal(blueGreen.steps, undefined);
  });

  it('plans a paused Rollout as if resumed, and says so', () => {
    const paused = rollout({ canary: { steps: [{ setWeight: 50 }] } });
    paused.spec.paused = true;
    const timeline = planTimeline(paused);
    assert.match(timeline.notes.join('\n'), /spec\.paused/);
    assert.deepEqual(timeline.rows.at(-1)?.replicas, { stable: 0, canary: 10 });
  });

  it('ignores the status of an exported object and leaves the input alone', () => {
    const exported = rollout({ canary: { steps: [{ setWeight: 50 }, { pause: {} }] } });
    exported.status = { stableRS: 'abc', currentStepIndex: 1, phase: 'Paused', pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }] };
    const before = structuredClone(exported);
    const timeline = planTimeline(exported);
    assert.deepEqual(exported, before);
    assert.equal(timeline.rows.length, 4);
    assert.equal(timeline.manualPromotions, 1);
  });

  it('rejects invalid specs naming the fields', () => {
    const invalid = rollout({ canary: { steps: [{}, { pause: { duration: 'soon' } }] } });
    assert.throws(() => planTimeline(invalid), (error: unknown) => {
      assert.ok(error instanceof InvalidRolloutError);
      assert.deepEqual(error.issues.map((i) => i.field), ['spec.strategy.canary.steps[0]', 'spec.strategy.canary.steps[1].pause.duration']);
      assert.match(error.message, /^rollout "web" is invalid: spec\.strategy\.canary\.steps\[0\]: /);
      return true;
    });
  });

  it('takes the Services a Rollout names to exist, and still checks the rest', () => {
    assert.deepEqual(rolloutIssues(rollout({ blueGreen: { activeService: 'web', previewService: 'web-preview' } })), []);
    assert.deepEqual(rolloutIssues(rollout({ blueGreen: { activeService: 'web', previewService: 'web' } })).map((i) => i.field), ['spec.strategy.blueGreen']);
    assert.deepEqual(rolloutIssues(rollout({ canary: { steps: [{ setCanaryScale: { weight: 10 } }] } })).map((i) => i.field), ['spec.strategy.canary.steps[0].setCanaryScale']);
  });

  it('words durations without rounding short ones', () => {
    assert.deepEqual([0, 250, 1500, 30_000, 90_000, 3_600_000].map(durationText), ['0s', '250ms', '1.5s', '30s', '1m30s', '1h']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../api/kubernetes.ts';
import { deploymentReadiness } from './readiness.ts';

const now = Date.parse('2026-12-03T12:00:00Z');
function deployment(status: NonNullable<Deployment['status']>, replicas = 4, generation = 2): Deployment {
  return { metadata: { name: 'podinfo', generation }, spec: { replicas, selector: {}, template: {} }, status: { observedGeneration: 2, ...status } };
}
const stuckSince = (minutesAgo: number): NonNullable<Deployment['status']>['conditions'] => [
  { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
  { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', lastUpdateTime: new Date(now - minutesAgo * 60_000).toISOString() },
];

describe('workload readiness, as Flagger judges it', () => {
  const cases: [string, Deployment, number, string][] = [
    ['all updated and available', deployment({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 }), 100, 'ready'],
    ['not yet observed', deployment({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 }, 4, 3), 100, 'waiting: waiting for rollout to finish: observed deployment generation less than desired generation'],
    ['updating', deployment({ replicas: 4, updatedReplicas: 2, availableReplicas: 2 }), 100, 'waiting: waiting for rollout to finish: 2 out of 4 new replicas have been updated'],
    ['old pods terminating', deployment({ replicas: 5, updatedReplicas: 4, availableReplicas: 4 }), 100, 'waiting: waiting for rollout to finish: 1 old replicas are pending termination'],
    ['too few available', deployment({ replicas: 4, updatedReplicas: 4, availableReplicas: 3 }), 100, 'waiting: waiting for rollout to finish: 3 of 4 (readyThreshold 100%) updated replicas are available'],
    ['enough for a lower threshold (floor of 4 × 50%)', deployment({ replicas: 4, updatedReplicas: 4, availableReplicas: 2 }), 50, 'ready'],
    ['progress deadline exceeded', deployment({ replicas: 4, updatedReplicas: 4, availableReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }), 100, 'stuck: deployment "podinfo" exceeded its progress deadline'],
    ['unavailable within the deadline', deployment({ replicas: 4, updatedReplicas: 2, availableReplicas: 0, conditions: stuckSince(5) }), 100, 'waiting: waiting for rollout to finish: 2 out of 4 new replicas have been updated'],
    ['unavailable past the deadline', deployment({ replicas: 4, updatedReplicas: 2, availableReplicas: 0, conditions: stuckSince(11) }), 100, 'stuck: waiting for rollout to finish: 2 out of 4 new replicas have been updated'],
  ];
  for (const [name, d, threshold, want] of cases) {
    it(name, () => {
      const r = deploymentReadiness(d, { deadlineSeconds: 600, readyThreshold: threshold, now });
      assert.equal(r.state === 'ready' ? 'ready' : `${r.state}: ${r.message}`, want);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutInfo } from '../../view/rollout.ts';
import { plainStyle } from './text.ts';
import { renderRollout } from './tree.ts';

describe('analysis runs in the tree', () => {
  it('appear under their revision with measurement counts, and their Jobs under them', () => {
    const now = new Date('2026-01-01T00:05:00Z');
    const info = rolloutInfo({
      rollout: {
        metadata: { name: 'web', namespace: 'shop', uid: 'u1', generation: 1 },
        spec: { replicas: 4, strategy: { canary: { steps: [{ analysis: { templates: [{ templateName: 'rate' }] } }] } } },
        status: { observedGeneration: '1', phase: 'Progressing', stableRS: 'old', currentPodHash: 'new', currentStepIndex: 0 },
      },
      replicaSets: [{
        metadata: { name: 'web-new', uid: 'rs', labels: { 'rollouts-pod-template-hash': 'new' }, annotations: { 'rollout.argoproj.io/revision': '2' }, ownerReferences: [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u1' }] },
        spec: { replicas: 1, selector: {} },
        status: { replicas: 1, availableReplicas: 1 },
      }],
      analysisRuns: [{
        metadata: { name: 'web-new-2-0', uid: 'ar', creationTimestamp: '2026-01-01T00:04:00Z', labels: { 'rollouts-pod-template-hash': 'new' }, ownerReferences: [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u1' }] },
        spec: { metrics: [{ name: 'success-rate', provider: { job: { spec: { template: {} } } } }] },
        status: { phase: 'Running', metricResults: [{ name: 'success-rate', phase: 'Successful', successful: 3 }, { name: 'latency', phase: 'Running', successful: 0, failed: 1 }] },
      }],
      jobs: [{ metadata: { name: 'web-new-2-0-job', creationTimestamp: '2026-01-01T00:04:30Z', ownerReferences: [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun', name: 'web-new-2-0', uid: 'ar' }] }, status: { active: 1 } }],
      now,
    });
    assert.deepEqual(info.revisions.map((r) => [r.revision, r.analysisRuns.map((a) => [a.name, a.status, a.successful, a.failed, a.jobs.map((j) => j.status)])]), [[2, [['web-new-2-0', 'Running', 3, 1, ['Running']]]]]);
    const text = renderRollout(info, { style: plainStyle, now }).join('\n');
    assert.match(text, /\n {3}├──⧉ web-new +ReplicaSet .*\n {3}└──α web-new-2-0 +AnalysisRun +◌ Running +60s +✔ 3,✖ 1\n {6}└──⊞ web-new-2-0-job +Job +◌ Running +30s/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from '../api/kubernetes.ts';
import { podTemplateHashLabel, revisionAnnotation } from '../api/labels.ts';
import type { Rollout } from '../api/rollout.ts';
import { resolveWorkload, workloadSourceFor } from './workload.ts';

// The workload seam: what a Rollout releases — the template of its next version (its own, or a referenced
// Deployment's) and its ReplicaSets as the versions, oldest revision first.

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } };

function rollout(spec: Partial<Rollout['spec']>): Rollout {
  return { apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { replicas: 2, ...spec } };
}

const deployment: Deployment = {
  metadata: { name: 'web', namespace: 'default', generation: 7 },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
};

function replicaSet(hash: string, revision: number): ReplicaSet {
  return { metadata: { name: `web-${hash}`, labels: { [podTemplateHashLabel]: hash }, annotations: { [revisionAnnotation]: String(revision) } }, spec: { selector: {} } };
}

const now = new Date('2026-01-01T00:00:00Z');
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

describe('resolveWorkload', () => {
  const rows: { name: string; rollout: Rollout; workload?: Deployment; issues: string[]; image?: string; sourceGeneration?: string }[] = [
    { name: 'its own template', rollout: rollout({ selector: { matchLabels: { app: 'web' } }, template }), issues: [], image: 'web:1' },
    { name: 'a referenced Deployment: its template and selector', rollout: rollout({ workloadRef: ref }), workload: deployment, issues: [], image: 'web:1', sourceGeneration: '7' },
    { name: 'a referenced Deployment that does not exist', rollout: rollout({ workloadRef: ref }), issues: ['spec.workloadRef.name: deployment "web" not found'], sourceGeneration: '' },
    { name: 'both a template and a reference', rollout: rollout({ workloadRef: ref, template }), workload: deployment, issues: ['spec.template: must be empty when spec.workloadRef is set'], image: 'web:1', sourceGeneration: '7' },
    { name: 'a kind without a source', rollout: rollout({ workloadRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' } }), issues: ['spec.workloadRef: only apps/v1 Deployment is supported, got apps/v1 StatefulSet'], sourceGeneration: '' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const resolved = resolveWorkload({ rollout: row.rollout, replicaSets: [], services: new Map(), now, ...(row.workload === undefined ? {} : { workload: row.workload }) });
      assert.deepEqual(resolved.issues.map((i) => `${i.field}: ${i.message}`), row.issues);
      if (row.issues.length > 0) return;
      const spec = resolved.workload.template?.spec as { containers: { image: string }[] } | undefined;
      assert.equal(spec?.containers[0]?.image, row.image);
      assert.deepEqual(resolved.workload.selector, { matchLabels: { app: 'web' } });
      assert.equal(resolved.workload.sourceGeneration, row.sourceGeneration);
      assert.deepEqual(resolved.rollout.spec.template, resolved.workload.template);
    });
  }

  it('lists the ReplicaSets as versions, oldest revision first', () => {
    const resolved = resolveWorkload({ rollout: rollout({ template }), replicaSets: [replicaSet('ccc', 3), replicaSet('aaa', 1), replicaSet('bbb', 2)], services: new Map(), now });
    assert.deepEqual(resolved.workload.versions.map((v) => [v.hash, v.revision]), [['aaa', 1], ['bbb', 2], ['ccc', 3]]);
  });

  it('finds the source of a reference by apiVersion (default apps/v1) and kind', () => {
    assert.equal(workloadSourceFor({ kind: 'Deployment', name: 'web' })?.kind, 'Deployment');
    assert.equal(workloadSourceFor({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', name: 'web' }), undefined);
  });
});

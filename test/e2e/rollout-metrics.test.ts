import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyYaml } from '../support/kube.ts';
import { canaryManifest } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

describe('controller metrics', () => {
  const suite = useRolloutSuite('ro-metrics', { address: '127.0.0.1:0' });
  const { ns, rollouts } = suite;

  it('exports Argo Rollouts\' metric names on /metrics, and health on /healthz and /readyz', async () => {
    await applyYaml(ns.kc, canaryManifest('measured', { replicas: 2 }), ns.name);
    await rollouts.waitForPhase('measured', 'Healthy');
    const base = suite.controller.manager.serverUrl ?? '';
    assert.ok(base.startsWith('http://127.0.0.1:'), base);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const text = await ns.waitFor('ScalingReplicaSet to be counted', async () => {
      const body = await (await fetch(`${base}/metrics`)).text();
      return body.includes('reason="ScalingReplicaSet"') ? body : undefined;
    });
    const labels = `namespace="${ns.name}",name="measured"`;
    assert.match(text, new RegExp(`rollout_info\\{${labels},strategy="canary",traffic_router="",phase="Healthy"\\} 1`));
    assert.match(text, new RegExp(`rollout_info_replicas_available\\{${labels}\\} 2`));
    assert.match(text, new RegExp(`rollout_info_replicas_desired\\{${labels}\\} 2`));
    assert.match(text, new RegExp(`rollout_reconcile_count\\{${labels}\\} [1-9]`));
    assert.match(text, new RegExp(`rollout_events_total\\{${labels},type="Normal",reason="RolloutCompleted"\\} 1`));
    assert.match(text, /aviary_workqueue_depth\{name="rollout\.aviary\.dev"\}/);
    assert.match(text, /process_resident_memory_bytes \d+/);
  });
});

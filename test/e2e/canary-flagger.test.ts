/**
 * examples/flagger/, unmodified: a flagger.app/v1beta1 Canary (served in compatibility mode, `--compat flagger`)
 * with its Deployment and HPA, through the lab's Traefik with the Gateway API provider and judged by Flagger's two
 * built-in metrics (request-success-rate, request-duration) on the real Prometheus, under steady load: initialised,
 * released step by step and promoted, with Flagger's status, condition and events, and the primary HPA in sync.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { AutoscalingV2Api } from '@kubernetes/client-node';
import { aviaryGroup, flaggerGroup } from '../../src/api/groups.ts';
import { runLoad } from '../../src/lab/load.ts';
import { Canaries } from '../support/canaries.ts';
import { expectRun, runAviary } from '../support/cli.ts';
import { applyYaml } from '../support/kube.ts';
import { gatewayLoad, labPrometheus, requireLab, untilTraefikServers, untilTraefikServesPods, untilTraefikWeights } from '../support/lab.ts';
import type { TestPrometheus } from '../support/prometheus.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

const example = (file: string): Promise<string> => readFile(new URL(`../../examples/flagger/${file}`, import.meta.url), 'utf8');

describe('examples/flagger: a Flagger Canary, unmodified, on Aviary', () => {
  // The controller's default Prometheus (Flagger's -metrics-server): the Canary does not name one.
  const controllerOptions = { metricsServer: '' };
  let prometheus: TestPrometheus;
  let gatewayUrl = '';
  before(async () => {
    gatewayUrl = (await requireLab()).gatewayUrl;
    prometheus = await labPrometheus();
    controllerOptions.metricsServer = prometheus.url;
  });
  after(async () => { await prometheus.stop(); });
  const suite = useRolloutSuite('canary-flagger', {
    groups: [aviaryGroup, flaggerGroup],
    canaries: controllerOptions,
    address: '127.0.0.1:0',
    dumpKinds: [['flagger.app/v1beta1', 'Canary'], ['apps/v1', 'Deployment'], ['v1', 'Service'], ['gateway.networking.k8s.io/v1', 'HTTPRoute'], ['autoscaling/v2', 'HorizontalPodAutoscaler']],
  });
  const { ns } = suite;
  const canaries = new Canaries(ns, flaggerGroup);
  const host = 'podinfo.lab';

  it('initialises, releases 6.7.2 at 25% and 50% under load and promotes it, as Flagger would', async () => {
    await applyYaml(ns.kc, `${await example('podinfo.yaml')}\n---\n${await example('canary.yaml')}`, ns.name);
    const initialized = await canaries.waitForPhase('podinfo', 'Initialized');
    assert.equal(initialized.apiVersion, 'flagger.app/v1beta1');
    await untilTraefikServers(ns, ns.name, 'podinfo-primary', 2);
    const hpa = await ns.kc.makeApiClient(AutoscalingV2Api).readNamespacedHorizontalPodAutoscaler({ name: 'podinfo-primary', namespace: ns.name });
    assert.deepEqual([hpa.spec.scaleTargetRef.name, hpa.spec.minReplicas, hpa.spec.maxReplicas], ['podinfo-primary', 2, 4], 'the HPA is copied for the primary');

    const stop = new AbortController();
    const load = runLoad({ url: `${gatewayUrl}/`, rps: 20, durationMs: 240_000, maxRequests: 4800, headers: { host }, signal: stop.signal });
    const seen: string[] = [];
    const weights = new Set<number>();
    try {
      await canaries.setImage('podinfo', 'ghcr.io/stefanprodan/podinfo:6.7.2');
      await canaries.waitFor('podinfo', 'promotion (weights seen so far recorded)', (c) => {
        weights.add(c.status?.canaryWeight ?? 0);
        const phase = c.status?.phase ?? '';
        if (seen.at(-1) !== phase) seen.push(phase);
        return phase === 'Succeeded';
      }, 180_000);
    } finally {
      stop.abort();
    }
    const report = await load;
    assert.equal(report.byCode['200'], report.sent, `no request failed during the release: ${JSON.stringify(report.byCode)}`);
    assert.ok(seen.includes('Progressing') && seen.includes('Promoting'), `phases: ${seen.join(' → ')}`);
    assert.ok(weights.has(25) && weights.has(50), `weights seen: ${[...weights].join(', ')}`);

    const done = await canaries.get('podinfo');
    assert.equal(done.status?.canaryWeight, 0);
    assert.equal(done.status.failedChecks, 0, 'both built-in checks passed at every step');
    const promoted = done.status.conditions?.find((c) => c.type === 'Promoted');
    assert.deepEqual([promoted?.status, promoted?.reason, promoted?.message], ['True', 'Succeeded', 'Canary analysis completed successfully, promotion finished.']);
    await untilTraefikWeights(ns, ns.name, { 'podinfo-primary': 100, 'podinfo-canary': 0 });
    await untilTraefikServesPods(ns, ns.name, 'podinfo-primary', 'app=podinfo-primary');
    const after = await gatewayLoad(gatewayUrl, host, 300);
    assert.deepEqual(after.byVersion, { '6.7.2': 300 }, 'the primary serves the new version');
    const id = `podinfo.${ns.name}`;
    const messages = (): string[] => suite.controller.events.filter((e) => e.object === 'podinfo').map((e) => e.message);
    for (const expected of [`New revision detected! Scaling up ${id}`, `Advance ${id} canary weight 25`, `Advance ${id} canary weight 50`, `Copying podinfo.${ns.name} template spec to podinfo-primary.${ns.name}`, 'Routing all traffic to primary', `Promotion completed! Scaling down ${id}`]) {
      await canaries.untilEvent(messages, expected);
    }
    // Flagger's own metrics, with its names and labels (name is the target's).
    const metrics = await (await fetch(`${suite.controller.manager.serverUrl ?? ''}/metrics`)).text();
    const labels = `name="podinfo",namespace="${ns.name}"`;
    for (const expected of [
      new RegExp(`flagger_canary_status\\{${labels}\\} 1\n`),
      new RegExp(`flagger_canary_weight\\{workload="podinfo-primary",namespace="${ns.name}"\\} 100\n`),
      new RegExp(`flagger_canary_weight\\{workload="podinfo",namespace="${ns.name}"\\} 0\n`),
      new RegExp(`flagger_canary_total\\{namespace="${ns.name}"\\} 1\n`),
      new RegExp(`flagger_canary_successes_total\\{${labels},deployment_strategy="canary",analysis_status="completed"\\} 1\n`),
      new RegExp(`flagger_canary_metric_analysis\\{${labels},metric="request-success-rate"\\} 100\n`),
      new RegExp(`flagger_canary_metric_analysis\\{${labels},metric="request-duration"\\} \\d`),
      new RegExp(`flagger_canary_duration_seconds_count\\{${labels}\\} [1-9]`),
      /flagger_info\{version="[^"]+",mesh_provider="kubernetes"\} 1\n/,
    ]) assert.match(metrics, expected);
    const shown = await runAviary(['get', 'canary', 'podinfo', '-n', ns.name]);
    expectRun(shown, 0, /Group:\s+flagger\.app\n/);
    assert.match(shown.stdout, /Status:\s+Succeeded - Canary analysis completed successfully, promotion finished\./);
  });
});

/**
 * A Canary with Flagger's traefik provider through the lab's real Traefik (its Kubernetes CRD provider): the
 * generated TraefikService behind the users' IngressRoute carries each weight, the measured share of the new version
 * follows it, Flagger's built-in request-success-rate on Traefik's own metrics (real Prometheus) passes, and the
 * release is promoted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runLoad } from '../../src/lab/load.ts';
import { Canaries, canaryTarget } from '../support/canaries.ts';
import { applyYaml } from '../support/kube.ts';
import { gatewayLoad, labPrometheus, requireLab, untilTraefikServesPods, untilTraefikWeights, versionShare } from '../support/lab.ts';
import type { TestPrometheus } from '../support/prometheus.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

describe('Canaries with the traefik provider (TraefikService) through the lab\'s Traefik', () => {
  const suite = useRolloutSuite('canary-tr', { dumpKinds: [['aviary.dev/v1alpha1', 'Canary'], ['apps/v1', 'Deployment'], ['v1', 'Service'], ['traefik.io/v1alpha1', 'TraefikService']] });
  const { ns } = suite;
  const canaries = new Canaries(ns);
  let gatewayUrl = '';
  let prometheus: TestPrometheus;
  before(async () => {
    gatewayUrl = (await requireLab()).gatewayUrl;
    prometheus = await labPrometheus();
  });
  after(async () => { await prometheus.stop(); });

  it('shifts 50% to the release through the TraefikService, judged by Traefik\'s own metrics, and promotes it', async () => {
    const host = `web.${ns.name}.traefik.lab`;
    await applyYaml(ns.kc, `${canaryTarget('web')}
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: web }
spec:
  entryPoints: [web]
  routes: [{ match: "Host(\`${host}\`)", kind: Rule, services: [{ name: web, kind: TraefikService }] }]
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: web }
spec:
  provider: traefik
  metricsServer: ${prometheus.url}
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  service: { port: 80, targetPort: 8080 }
  analysis:
    interval: 10s
    threshold: 2
    stepWeight: 50
    maxWeight: 50
    webhooks:
      - { name: hold, type: confirm-promotion, url: "http://127.0.0.1:1/closed" }
    metrics:
      - { name: request-success-rate, interval: 30s, thresholdRange: { min: 99 } }
`, ns.name);
    await canaries.waitForPhase('web', 'Initialized');
    await ns.waitFor('the gateway to answer through the TraefikService', async () => {
      const probe = await gatewayLoad(gatewayUrl, host, 20);
      return probe.byVersion.v1 === 20 ? probe : undefined;
    });
    const stop = new AbortController();
    const load = runLoad({ url: `${gatewayUrl}/`, rps: 20, durationMs: 120_000, maxRequests: 2400, headers: { host }, signal: stop.signal });
    try {
      await canaries.setImage('web', 'lab/echo:v2');
      // The confirm-promotion hook cannot be reached (a closed port on loopback): the release waits at 50%.
      const waiting = await canaries.waitForPhase('web', 'WaitingPromotion');
      assert.equal(waiting.status?.canaryWeight, 50);
      assert.equal(waiting.status.failedChecks, 0, 'the success rate measured on Traefik\'s metrics passed');
      await untilTraefikWeights(ns, ns.name, { 'web-primary': 50, 'web-canary': 50 });
      const report = await gatewayLoad(gatewayUrl, host, 1000);
      assert.ok(Math.abs(versionShare(report, 'v2') - 50) <= 5, `v2 answered ${versionShare(report, 'v2').toFixed(1)}% at weight 50`);
      await canaries.patchCanaryAnnotations('web', { 'aviary.dev/promote': 'full' });
      await canaries.waitForPhase('web', 'Succeeded');
    } finally {
      stop.abort();
    }
    const background = await load;
    assert.equal(background.byCode['200'], background.sent, `no request failed: ${JSON.stringify(background.byCode)}`);
    await untilTraefikServesPods(ns, ns.name, 'web-primary', 'app=web-primary');
    await ns.waitFor('all traffic on the promoted primary', async () => {
      const after = await gatewayLoad(gatewayUrl, host, 100);
      return after.byVersion.v2 === 100 ? after : undefined;
    });
  });
});

/**
 * Flagger-shaped Canaries with the Gateway API provider through the lab's real Traefik, judged by the built-in
 * request-success-rate on the real Prometheus: the measured share of the new version follows canaryWeight step by
 * step, and a release whose pods answer 500s is rolled back by the check.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { LoadTester } from '../../src/canary/loadtester.ts';
import { sharedGateway } from '../../src/lab/gateway-objects.ts';
import { runLoad, type LoadReport } from '../../src/lab/load.ts';
import { Canaries, canaryTarget, startTestLoadTester } from '../support/canaries.ts';
import { applyYaml } from '../support/kube.ts';
import { gatewayLoad, labPrometheus, requireLab, untilTraefikServers, untilTraefikServesPods, untilTraefikWeights, versionShare } from '../support/lab.ts';
import type { TestPrometheus } from '../support/prometheus.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

const requests = 2000;

/** A confirm-traffic-increase gate that approves exactly as many calls as it was given tickets for. */
class TicketGate {
  tickets = 0;
  calls = 0;
  readonly #server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      this.calls += 1;
      const approve = this.tickets > 0;
      if (approve) this.tickets -= 1;
      res.writeHead(approve ? 200 : 403).end(approve ? 'Approved' : 'Forbidden');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${String((this.#server.address() as AddressInfo).port)}/`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => { resolve(); }));
  }
}

const release = (name: string, host: string, metricsServer: string, analysis: string): string => `${canaryTarget(name)}
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: ${name} }
spec:
  provider: gatewayapi:v1
  metricsServer: ${metricsServer}
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  progressDeadlineSeconds: 120
  service:
    port: 80
    targetPort: 8080
    hosts: [${host}]
    gatewayRefs: [{ name: ${sharedGateway.name}, namespace: ${sharedGateway.namespace} }]
  analysis:
    interval: 10s
    threshold: 2
    metrics:
      - { name: request-success-rate, interval: 30s, thresholdRange: { min: 99 } }
${analysis}
`;

describe('Canaries through the lab gateway (Gateway API provider)', () => {
  const suite = useRolloutSuite('canary-gw', { dumpKinds: [['aviary.dev/v1alpha1', 'Canary'], ['apps/v1', 'Deployment'], ['v1', 'Service'], ['gateway.networking.k8s.io/v1', 'HTTPRoute']] });
  const { ns } = suite;
  const canaries = new Canaries(ns);
  let gatewayUrl = '';
  let prometheus: TestPrometheus;
  let tester: LoadTester;
  const gate = new TicketGate();
  let gateUrl = '';
  before(async () => {
    gatewayUrl = (await requireLab()).gatewayUrl;
    prometheus = await labPrometheus();
    tester = await startTestLoadTester();
    gateUrl = await gate.start();
  });
  after(async () => {
    await Promise.all([prometheus.stop(), tester.close(), gate.close()]);
  });

  /** Steady traffic for the metrics while a release runs: bounded in time and requests, stopped by `stop`. */
  function background(host: string, stop: AbortSignal): Promise<LoadReport> {
    return runLoad({ url: `${gatewayUrl}/`, rps: 20, durationMs: 180_000, maxRequests: 3600, headers: { host }, signal: stop });
  }

  async function expectShare(host: string, weight: number): Promise<void> {
    const report = await gatewayLoad(gatewayUrl, host, requests);
    assert.equal(report.byCode['200'], requests, `every request answered 200: ${JSON.stringify(report.byCode)}`);
    const share = versionShare(report, 'v2');
    assert.ok(Math.abs(share - weight) <= 4, `v2 answered ${share.toFixed(1)}% of ${String(requests)} requests at weight ${String(weight)}`);
  }

  const route = async (name: string): Promise<{ spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } }> =>
    (await ns.kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: ns.name, plural: 'httproutes', name })) as never;

  it('promotes a good release step by step: the measured share follows canaryWeight, then all traffic is on the new primary', async () => {
    const host = `web.${ns.name}.lab`;
    const id = `web.${ns.name}`;
    await applyYaml(ns.kc, release('web', host, prometheus.url, `    stepWeight: 25
    maxWeight: 50
    webhooks:
      - { name: one-step, type: confirm-traffic-increase, url: "${gateUrl}" }
      - { name: promotion, type: confirm-promotion, url: "${tester.url}/gate/check" }`), ns.name);
    await canaries.waitForPhase('web', 'Initialized');
    await untilTraefikWeights(ns, ns.name, { 'web-primary': 100, 'web-canary': 0 });
    await untilTraefikServers(ns, ns.name, 'web-primary', 2);
    await expectShare(host, 0);

    const stop = new AbortController();
    const load = background(host, stop.signal);
    try {
      await canaries.setImage('web', 'lab/echo:v2');
      await canaries.waitForPhase('web', 'Progressing');
      await ns.waitFor('the gate to be asked before the first step', () => Promise.resolve(gate.calls > 0));
      assert.equal((await canaries.get('web')).status?.canaryWeight, 0, 'a refused confirm-traffic-increase holds the weight');

      gate.tickets = 1;
      await canaries.waitFor('web', 'weight 25', (c) => c.status?.canaryWeight === 25);
      await untilTraefikWeights(ns, ns.name, { 'web-primary': 75, 'web-canary': 25 });
      await expectShare(host, 25);

      gate.tickets = 1;
      const waiting = await canaries.waitForPhase('web', 'WaitingPromotion');
      assert.equal(waiting.status?.canaryWeight, 50);
      await untilTraefikWeights(ns, ns.name, { 'web-primary': 50, 'web-canary': 50 });
      await expectShare(host, 50);
      assert.equal((await canaries.get('web')).status?.failedChecks, 0, 'the success rate of the canary stayed above 99%');

      tester.store.set(id, true);
      await canaries.waitForPhase('web', 'Succeeded');
    } finally {
      stop.abort();
    }
    const background200 = await load;
    assert.equal(background200.byCode['200'], background200.sent, `no request failed during the release: ${JSON.stringify(background200.byCode)}`);
    await untilTraefikWeights(ns, ns.name, { 'web-primary': 100, 'web-canary': 0 });
    await untilTraefikServesPods(ns, ns.name, 'web-primary', 'app=web-primary');
    const after = await gatewayLoad(gatewayUrl, host, 500);
    assert.deepEqual(after.byVersion, { v2: 500 }, 'the primary now serves the new version');
    const messages = (): string[] => suite.controller.events.filter((e) => e.object === 'web').map((e) => e.message);
    for (const expected of [`Advance ${id} canary weight 25`, `Advance ${id} canary weight 50`, `Halt ${id} advancement waiting for promotion approval`, `Promotion completed! Scaling down ${id}`]) {
      await canaries.untilEvent(messages, expected);
    }
  });

  it('rolls back a release whose pods answer 500s: the built-in request-success-rate fails it, traffic goes back to the primary', async () => {
    const host = `bad.${ns.name}.lab`;
    const id = `bad.${ns.name}`;
    await applyYaml(ns.kc, release('bad', host, prometheus.url, '    stepWeight: 50\n    maxWeight: 50'), ns.name);
    await canaries.waitForPhase('bad', 'Initialized');
    await untilTraefikServers(ns, ns.name, 'bad-primary', 2);
    const stop = new AbortController();
    const load = background(host, stop.signal);
    try {
      await canaries.patchDeployment('bad', { spec: { template: { spec: { containers: [{ name: 'app', image: 'lab/echo:v2', env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: '0.5' }] }] } } } });
      await canaries.waitFor('bad', 'weight 50', (c) => c.status?.canaryWeight === 50);
      const failed = await canaries.waitForPhase('bad', 'Failed');
      assert.equal(failed.status?.failedChecks, 2);
    } finally {
      stop.abort();
    }
    const report = await load;
    assert.ok((report.byCode['500'] ?? 0) > 0, 'the bad release did answer 500s while it had traffic');
    await untilTraefikWeights(ns, ns.name, { 'bad-primary': 100, 'bad-canary': 0 });
    const weights = (await route('bad')).spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight]);
    assert.deepEqual(weights, [['bad-primary', 100], ['bad-canary', 0]]);
    const after = await gatewayLoad(gatewayUrl, host, 500);
    assert.deepEqual(after.byCode, { 200: 500 }, 'the primary answers everything again');
    assert.deepEqual(after.byVersion, { v1: 500 });
    const messages = suite.controller.events.filter((e) => e.object === 'bad').map((e) => e.message);
    assert.ok(messages.some((m) => /^Halt bad\..* advancement request-success-rate \d+(\.\d+)?% < 99%$/.test(m)), messages.join('\n'));
    assert.ok(messages.includes(`Rolling back ${id} failed checks threshold reached 2`), messages.join('\n'));
  });

  it('A/B by header: while the release is analysed every request carrying the header reaches it, the others stay on the primary', async () => {
    const host = `ab.${ns.name}.lab`;
    const id = `ab.${ns.name}`;
    const insider = { 'x-canary': 'insider' };
    await applyYaml(ns.kc, release('ab', host, prometheus.url, `    iterations: 2
    match:
      - headers:
          x-canary: { exact: insider }
    webhooks:
      - { name: promotion, type: confirm-promotion, url: "${tester.url}/gate/check" }`), ns.name);
    await canaries.waitForPhase('ab', 'Initialized');
    await untilTraefikServers(ns, ns.name, 'ab-primary', 2);
    const stop = new AbortController();
    // Traffic for the success rate: the canary only gets requests that carry the header.
    const loads = [
      runLoad({ url: `${gatewayUrl}/`, rps: 10, durationMs: 120_000, maxRequests: 1200, headers: { host, ...insider }, signal: stop.signal }),
      runLoad({ url: `${gatewayUrl}/`, rps: 10, durationMs: 120_000, maxRequests: 1200, headers: { host }, signal: stop.signal }),
    ];
    try {
      await canaries.setImage('ab', 'lab/echo:v2');
      await canaries.waitForPhase('ab', 'WaitingPromotion');
      await ns.waitFor('the matched requests on the canary', async () => {
        const probe = await gatewayLoad(gatewayUrl, host, 50, insider);
        return probe.byVersion.v2 === 50 ? probe : undefined;
      });
      const matched = await gatewayLoad(gatewayUrl, host, 500, insider);
      const others = await gatewayLoad(gatewayUrl, host, 500);
      assert.deepEqual(matched.byVersion, { v2: 500 }, 'every request with the header is answered by the release');
      assert.deepEqual(others.byVersion, { v1: 500 }, 'every other request by the primary');
      assert.equal((await canaries.get('ab')).status?.failedChecks, 0, 'the success rate was measured on the header traffic');

      tester.store.set(id, true);
      await canaries.waitForPhase('ab', 'Succeeded');
    } finally {
      stop.abort();
    }
    for (const report of await Promise.all(loads)) assert.equal(report.byCode['200'], report.sent, `no request failed: ${JSON.stringify(report.byCode)}`);
    await untilTraefikServesPods(ns, ns.name, 'ab-primary', 'app=ab-primary');
    await ns.waitFor('everyone on the promoted primary', async () => {
      const after = await gatewayLoad(gatewayUrl, host, 100);
      return after.byVersion.v2 === 100 ? after : undefined;
    });
    const insiders = await gatewayLoad(gatewayUrl, host, 200, insider);
    assert.deepEqual(insiders.byVersion, { v2: 200 }, 'the header now reaches the promoted primary');
    await canaries.untilEvent(() => suite.controller.events.filter((e) => e.object === 'ab').map((e) => e.message), `Advance ${id} canary iteration 2/2`);
  });
});

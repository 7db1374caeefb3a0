import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { track, type TrackOptions, type Tracking } from '../../src/track/track.ts';
import type { TrackEvent, TrackResult } from '../../src/track/events.ts';
import { parseRulesFile } from '../../src/track/rules/generic.ts';
import type { TrackTarget } from '../../src/track/targets.ts';
import { applyYaml } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

/*
 * Rollouts and Canaries are tracked by their status, which their controllers write. These tests install the kinds in a
 * group of their own (a group is configuration: the tracker is told which groups serve the Rollout and Canary shapes),
 * so they never collide with Aviary's real CRDs, and write the status the way a controller would: through the status
 * subresource of real objects.
 */
const ns = new TestNamespace('track-cr');
const group = `${ns.name}.track.aviary.dev`;
const groups = { rollout: [group], canary: [group] };
const kinds = [
  { kind: 'Rollout', plural: 'rollouts' },
  { kind: 'Canary', plural: 'canaries' },
  { kind: 'Widget', plural: 'widgets' },
];

const crd = (kind: string, plural: string) => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${plural}.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}, listKind: ${kind}List }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
            status: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

class Live {
  readonly events: TrackEvent[] = [];
  readonly result: Promise<TrackResult>;
  private readonly waiters: { test: (e: TrackEvent) => boolean; resolve: () => void }[] = [];
  readonly tracking: Tracking;

  constructor(targets: TrackTarget[], options: TrackOptions = {}) {
    const tracking = track(targets.map((t) => ({ namespace: ns.name, ...t })), { kubeConfig: ns.kc, groups, timeoutMs: 180_000, ...options });
    this.tracking = tracking;
    this.result = (async () => {
      for await (const e of tracking.events) {
        this.events.push(e);
        for (const w of [...this.waiters]) {
          if (w.test(e)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
      return tracking.result;
    })();
  }

  async until(what: string, test: (e: TrackEvent) => boolean, timeoutMs = 120_000): Promise<void> {
    if (this.events.some(test)) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.waiters.push({ test, resolve })),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => { reject(new Error(`no event: ${what}\n${this.dump()}`)); }, timeoutMs);
      }),
    ]).finally(() => { clearTimeout(timer); });
  }

  dump(): string {
    return this.events.map((e) => JSON.stringify(e)).join('\n');
  }

  async outcome(want: string): Promise<TrackResult> {
    const result = await this.result;
    if (result.outcome !== want) assert.fail(`outcome ${result.outcome} (${result.message}), expected ${want}\n${this.dump()}`);
    return result;
  }
}

const objects = () => ns.kc.makeApiClient(CustomObjectsApi);

async function patchStatus(plural: string, name: string, status: Record<string, unknown>): Promise<void> {
  await objects().patchNamespacedCustomObjectStatus(
    { group, version: 'v1alpha1', namespace: ns.name, plural, name, body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function patchSpec(plural: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await objects().patchNamespacedCustomObject(
    { group, version: 'v1alpha1', namespace: ns.name, plural, name, body: { spec } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

const rollout = (name: string) => `
apiVersion: ${group}/v1alpha1
kind: Rollout
metadata: { name: ${name} }
spec:
  replicas: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: web, image: web:1 }] }
  strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } }
`;

describe('aviary track: Rollouts, Canaries and other resources', () => {
  before(async () => {
    await ns.create();
    for (const k of kinds) await applyYaml(ns.kc, crd(k.kind, k.plural));
    const ext = ns.kc.makeApiClient(ApiextensionsV1Api);
    for (const k of kinds) {
      await waitFor(`CRD ${k.plural} Established`, async () => {
        const c = await ext.readCustomResourceDefinition({ name: `${k.plural}.${group}` });
        return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
      });
      await waitFor(`${k.plural} served`, () => objects().listNamespacedCustomObject({ group, version: 'v1alpha1', namespace: ns.name, plural: k.plural }).then(() => true));
    }
  });
  after(async () => {
    await ns.delete();
    const ext = ns.kc.makeApiClient(ApiextensionsV1Api);
    for (const k of kinds) await ext.deleteCustomResourceDefinition({ name: `${k.plural}.${group}` });
  });

  it('waits for a Rollout controller to report, then succeeds on Healthy', async () => {
    await applyYaml(ns.kc, rollout('first'), ns.name);
    const live = new Live([{ kind: 'rollout', name: 'first' }]);
    await live.until('waiting for the controller', (e) => e.type === 'status' && /report status/.test(e.waitingFor.join()));
    await patchStatus('rollouts', 'first', { observedGeneration: '1', phase: 'Healthy', currentPodHash: 'aaa', stableRS: 'aaa', replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    const result = await live.outcome('ready');
    assert.equal(result.resources[0]?.revision, 'aaa');
  });

  it('REVISION FENCE: a Rollout Healthy at the previous generation is not ready; pauses are reported; Healthy at the new one is', async () => {
    await applyYaml(ns.kc, rollout('fenced'), ns.name);
    await patchStatus('rollouts', 'fenced', { observedGeneration: '1', phase: 'Healthy', currentPodHash: 'aaa', stableRS: 'aaa' });
    await patchSpec('rollouts', 'fenced', { template: { metadata: { labels: { app: 'fenced' } }, spec: { containers: [{ name: 'web', image: 'web:2' }] } } });
    const live = new Live([{ kind: 'rollout', name: 'fenced' }]);
    await live.until('waiting for generation 2', (e) => e.type === 'status' && /observe generation 2 \(observed 1\)/.test(e.waitingFor.join()));

    await patchStatus('rollouts', 'fenced', { observedGeneration: '2', phase: 'Progressing', message: 'more replicas need to be updated', currentPodHash: 'bbb', stableRS: 'aaa', currentStepIndex: 0 });
    await live.until('progressing', (e) => e.type === 'status' && e.state === 'progressing' && e.revision === 'bbb');
    // A tracker that has concluded reports no further status, so this one never took the stale Healthy as ready.
    assert.ok(!live.events.some((e) => e.type === 'ready'), 'not ready on the stale Healthy');
    await patchStatus('rollouts', 'fenced', { phase: 'Paused', message: 'CanaryPauseStep', pauseConditions: [{ reason: 'CanaryPauseStep', startTime: new Date().toISOString() }], currentStepIndex: 1 });
    await live.until('paused', (e) => e.type === 'paused' && /CanaryPauseStep/.test(e.reasons.join()));
    await patchStatus('rollouts', 'fenced', { phase: 'Healthy', message: null, pauseConditions: null, currentPodHash: 'bbb', stableRS: 'bbb', currentStepIndex: 2 });
    const result = await live.outcome('ready');
    assert.equal(result.resources[0]?.revision, 'bbb');
  });

  it('fails on an aborted (Degraded) Rollout with the controller\'s message', async () => {
    await applyYaml(ns.kc, rollout('bad'), ns.name);
    const live = new Live([{ kind: 'rollout', name: 'bad' }]);
    await live.until('first status', (e) => e.type === 'status');
    await patchStatus('rollouts', 'bad', { observedGeneration: '1', phase: 'Degraded', abort: true, message: 'RolloutAborted: Rollout aborted update to revision 2: Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)', currentPodHash: 'bbb', stableRS: 'aaa' });
    const result = await live.outcome('failed');
    assert.match(result.message, /rollout\/bad failed: aborted: RolloutAborted: .*Metric "error-rate" assessed Failed/);
  });

  it('ends with outcome paused on a pause when asked to fail on pause', async () => {
    await applyYaml(ns.kc, rollout('held'), ns.name);
    await patchStatus('rollouts', 'held', { observedGeneration: '1', phase: 'Paused', pauseConditions: [{ reason: 'CanaryPauseStep' }], currentPodHash: 'bbb', stableRS: 'aaa' });
    const live = new Live([{ kind: 'rollout', name: 'held' }], { failOnPause: true });
    const result = await live.outcome('paused');
    assert.match(result.message, /rollout\/held paused: paused: CanaryPauseStep/);
  });

  it('REVISION FENCE: a Canary Succeeded for the previous revision waits for the new one, then succeeds', async () => {
    await applyYaml(ns.kc, `
apiVersion: apps/v1
kind: Deployment
metadata: { name: podinfo }
spec:
  replicas: 1
  selector: { matchLabels: { app: podinfo } }
  template:
    metadata: { labels: { app: podinfo } }
    spec: { containers: [{ name: podinfo, image: podinfo:2 }] }
---
apiVersion: ${group}/v1alpha1
kind: Canary
metadata: { name: podinfo }
spec:
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
  analysis: { interval: 1m, threshold: 2, maxWeight: 50, stepWeight: 10 }
`, ns.name);
    await patchStatus('canaries', 'podinfo', { phase: 'Succeeded', lastAppliedSpec: 'h1', lastPromotedSpec: 'h1', canaryWeight: 0, failedChecks: 0 });
    const live = new Live([{ kind: 'canary', name: 'podinfo' }]);
    await live.until('waiting for detection', (e) => e.type === 'status' && /detect the new revision/.test(e.waitingFor.join()));
    await patchStatus('canaries', 'podinfo', { phase: 'Progressing', lastAppliedSpec: 'h2', canaryWeight: 10 });
    await live.until('progressing with weight', (e) => e.type === 'status' && e.details?.weight === 10);
    // A tracker that has concluded reports no further status, so this one never took the old Succeeded as ready.
    assert.ok(!live.events.some((e) => e.type === 'ready'), 'the old Succeeded does not count');
    await patchStatus('canaries', 'podinfo', { phase: 'Succeeded', lastPromotedSpec: 'h2', canaryWeight: 0 });
    const result = await live.outcome('ready');
    assert.equal(result.resources[0]?.revision, 'h2');
  });

  it('fails a Canary that Failed for the tracked revision', async () => {
    await applyYaml(ns.kc, `
apiVersion: ${group}/v1alpha1
kind: Canary
metadata: { name: doomed }
spec: { analysis: { interval: 10s } }
`, ns.name);
    await patchStatus('canaries', 'doomed', { phase: 'Progressing', lastAppliedSpec: 'h2', lastPromotedSpec: 'h1', canaryWeight: 20, failedChecks: 1 });
    const live = new Live([{ kind: 'canary', name: 'doomed' }]);
    await live.until('progressing', (e) => e.type === 'status' && e.state === 'progressing');
    await patchStatus('canaries', 'doomed', { phase: 'Failed', canaryWeight: 0, failedChecks: 2, conditions: [{ type: 'Promoted', status: 'False', reason: 'Failed', message: 'Canary analysis failed, Deployment scaled to zero.' }] });
    const result = await live.outcome('failed');
    assert.match(result.message, /canary\/doomed failed: Failed: Canary analysis failed/);
  });

  it('reports a kind whose CRD is not installed as not found', async () => {
    const live = new Live([{ kind: 'canary', name: 'web' }], { groups: { canary: [`absent-${group}`] } });
    const result = await live.outcome('not-found');
    assert.match(result.message, /the Canary kind is not installed in this cluster \(no CRD serves it in absent-/);
  });

  it('never calls a resource that no rule speaks for ready; a user rule or a Ready condition does', async () => {
    await applyYaml(ns.kc, `
apiVersion: ${group}/v1alpha1
kind: Widget
metadata: { name: plain }
spec: { size: 1 }
---
apiVersion: ${group}/v1alpha1
kind: Widget
metadata: { name: ruled }
spec: { size: 2 }
`, ns.name);
    const unmatched = await new Live([{ kind: 'widgets', group, name: 'plain' }], { timeoutMs: 1_500 }).outcome('timeout');
    assert.match(unmatched.resources[0]?.waitingFor.join() ?? '', /no readiness rule matched/);
    assert.equal(unmatched.resources[0]?.resource, `widget.${group}/plain`);

    const rules = parseRulesFile(`
- kind: Widget
  group: ${group}
  ready: [{ path: '{.status.state}', equals: Provisioned }]
  failed: [{ path: .status.state, equals: Broken }]
`);
    const live = new Live([{ kind: 'widget', group, name: 'ruled' }], { rules });
    await live.until('waiting on the rule', (e) => e.type === 'status' && /\{\.status\.state\} == Provisioned/.test(e.waitingFor.join()));
    await patchStatus('widgets', 'ruled', { state: 'Provisioned' });
    await live.outcome('ready');

    await patchStatus('widgets', 'plain', { conditions: [{ type: 'Ready', status: 'True', reason: 'Done' }] });
    await new Live([{ kind: 'widgets', group, name: 'plain' }]).outcome('ready');
  });
});

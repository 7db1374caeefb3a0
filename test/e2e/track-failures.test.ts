import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { track, type TrackOptions, type Tracking } from '../../src/track/track.ts';
import type { TrackEvent, TrackResult } from '../../src/track/events.ts';
import type { TrackTarget } from '../../src/track/targets.ts';
import { applyYaml } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';

/*
 * KWOK has no containers, so it cannot crash, pull images or run probes. Where the kubelet would report those, the
 * tests write the same status through the pod's status subresource (and the same Events the kubelet records): real API
 * objects the tracker watches like any other. Pods are kept off the fake nodes (a nodeSelector no node matches), so
 * nothing else writes their status.
 */
const ns = new TestNamespace('track-fail', [['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet'], ['v1', 'Pod'], ['batch/v1', 'Job']]);
const offNodes = 'nodeSelector: { aviary.dev/no-such-node: "true" }';
// Generous limits: the cluster is shared with other suites and benchmarks, so controllers may be slow to act.
const patience: TrackOptions = { unschedulableGraceMs: 600_000, timeoutMs: 180_000 };

class Live {
  readonly events: TrackEvent[] = [];
  readonly result: Promise<TrackResult>;
  private readonly waiters: { test: (e: TrackEvent) => boolean; resolve: () => void }[] = [];
  readonly tracking: Tracking;

  constructor(targets: TrackTarget[], options: TrackOptions) {
    const tracking = track(targets.map((t) => ({ namespace: ns.name, ...t })), { kubeConfig: ns.kc, ...options });
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

  /** Resolves at the first event (past or future) that passes the test. */
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
    if (result.outcome !== want) assert.fail(`outcome ${result.outcome} (${result.message}), expected ${want}\n${this.dump()}\n${await ns.explain()}`);
    return result;
  }
}

async function podsOf(app: string, count: number): Promise<V1Pod[]> {
  return ns.waitFor(`${count} pods of ${app}`, async () => {
    const list = await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=${app}` });
    return list.items.length >= count ? list.items : undefined;
  }, { timeoutMs: 180_000 });
}

async function patchPodStatus(name: string, status: Record<string, unknown>): Promise<void> {
  await ns.core.patchNamespacedPodStatus({ name, namespace: ns.name, body: { status } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
}

const waiting = (reason: string, message: string, restartCount = 0) => ({
  containerStatuses: [{
    name: 'web', image: 'web:1', imageID: '', ready: false, restartCount,
    state: { waiting: { reason, message } },
    ...(restartCount > 0 ? { lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: new Date(Date.now() - 5_000).toISOString(), finishedAt: new Date().toISOString() } } } : {}),
  }],
});

async function kubeletEvent(pod: V1Pod, reason: string, message: string, extra: { container?: string; first?: Date } = {}): Promise<void> {
  const now = new Date();
  await ns.core.createNamespacedEvent({
    namespace: ns.name,
    body: {
      metadata: { generateName: `${pod.metadata?.name ?? 'pod'}.` },
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: ns.name, name: pod.metadata?.name, uid: pod.metadata?.uid, ...(extra.container === undefined ? {} : { fieldPath: `spec.containers{${extra.container}}` }) },
      reason, message, type: 'Warning', count: 1,
      firstTimestamp: extra.first ?? now, lastTimestamp: now,
      source: { component: 'kubelet', host: 'aviary-node-1' },
    },
  });
}

const deployment = (name: string, replicas: number, extra = '', annotations = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}${annotations === '' ? '' : `, annotations: { ${annotations} }`} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      ${offNodes}
      ${extra}
      containers: [{ name: web, image: web:1 }]
`;

describe('aviary track: failing fast, with the reason', () => {
  before(() => ns.create());
  after(() => ns.delete());

  const waitingReasons: [string, string][] = [
    ['CrashLoopBackOff', 'back-off 10s restarting failed container=web'],
    ['ImagePullBackOff', 'Back-off pulling image "web:1"'],
    ['ErrImagePull', 'failed to pull and unpack image "web:1": not found'],
    ['InvalidImageName', 'Failed to apply default image tag "Web:1": invalid reference format'],
    ['CreateContainerConfigError', 'secret "db-password" not found'],
  ];
  for (const [reason, message] of waitingReasons) {
    it(`fails on ${reason}`, async () => {
      const name = `w-${reason.toLowerCase()}`;
      await applyYaml(ns.kc, deployment(name, 1), ns.name);
      const [pod] = await podsOf(name, 1);
      const live = new Live([{ kind: 'deploy', name }], patience);
      await live.until('the first status', (e) => e.type === 'status' && e.pods.length === 1);
      await patchPodStatus(pod?.metadata?.name ?? '', waiting(reason, message, reason === 'CrashLoopBackOff' ? 3 : 0));
      const result = await live.outcome('failed');
      assert.match(result.message, new RegExp(`${reason}: container web: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const failure = live.events.find((e) => e.type === 'failure');
      assert.equal(failure?.type === 'failure' ? failure.reason : '', reason);
      if (reason === 'CrashLoopBackOff') {
        const logs = result.resources[0]?.logs[0];
        assert.equal(logs?.previous, true, 'asks for the crashed run\'s logs');
        assert.ok(logs.unavailable !== undefined, 'KWOK has no logs: reported as unavailable, not a tracking error');
      }
    });
  }

  it('fails on an init container that exited with an error', async () => {
    await applyYaml(ns.kc, deployment('w-init', 1, 'initContainers: [{ name: migrate, image: migrate:1 }]'), ns.name);
    const [pod] = await podsOf('w-init', 1);
    const live = new Live([{ kind: 'deploy', name: 'w-init' }], patience);
    await live.until('the first status', (e) => e.type === 'status' && e.pods.length === 1);
    await patchPodStatus(pod?.metadata?.name ?? '', {
      initContainerStatuses: [{ name: 'migrate', image: 'migrate:1', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 3, reason: 'Error', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() } } }],
    });
    const result = await live.outcome('failed');
    assert.match(result.message, /InitContainerFailed: init container migrate exited with code 3/);
  });

  it('fails on Unschedulable past the grace period (a real scheduler verdict)', async () => {
    await applyYaml(ns.kc, deployment('w-unsched', 2), ns.name);
    const live = new Live([{ kind: 'deploy', name: 'w-unsched' }], { unschedulableGraceMs: 1_000, timeoutMs: 180_000 });
    const result = await live.outcome('failed');
    assert.match(result.message, /Unschedulable: unschedulable for .*node/);
  });

  it('fails on ProgressDeadlineExceeded (a real Deployment controller verdict)', async () => {
    await applyYaml(ns.kc, deployment('w-deadline', 1).replace('spec:\n  replicas', 'spec:\n  progressDeadlineSeconds: 1\n  replicas'), ns.name);
    const live = new Live([{ kind: 'deploy', name: 'w-deadline' }], patience);
    const result = await live.outcome('failed');
    assert.match(result.message, /ProgressDeadlineExceeded: ReplicaSet "w-deadline-[a-z0-9]+" has timed out progressing/);
  });

  it('fails on a controller event with a Failed reason (FailedCreate: quota exceeded)', async () => {
    await applyYaml(ns.kc, `
apiVersion: v1
kind: ResourceQuota
metadata: { name: two-pods }
spec: { hard: { pods: "2" } }
`, ns.name);
    try {
      await applyYaml(ns.kc, deployment('w-quota', 5), ns.name);
      const live = new Live([{ kind: 'deploy', name: 'w-quota' }], patience);
      const result = await live.outcome('failed');
      // The ReplicaSet's FailedCreate event or the Deployment's ReplicaFailure condition, whichever is seen first.
      assert.match(result.message, /(rs\/w-quota-[a-z0-9]+|deploy\/w-quota) FailedCreate: .*exceeded quota/);
    } finally {
      // The quota would starve every later test of pods.
      await ns.core.deleteNamespacedResourceQuota({ name: 'two-pods', namespace: ns.name });
    }
  });

  it('fails when a liveness probe restarts a container', async () => {
    await applyYaml(ns.kc, deployment('w-live', 1), ns.name);
    const [pod] = await podsOf('w-live', 1);
    const live = new Live([{ kind: 'deploy', name: 'w-live' }], patience);
    await live.until('the first status', (e) => e.type === 'status' && e.pods.length === 1);
    await kubeletEvent(pod as V1Pod, 'Killing', 'Container web failed liveness probe, will be restarted', { container: 'web' });
    const result = await live.outcome('failed');
    assert.match(result.message, /LivenessProbeFailed: Container web failed liveness probe/);
  });

  it('fails when a readiness probe keeps failing past the window its settings allow', async () => {
    await applyYaml(ns.kc, deployment('w-ready', 1).replace('containers: [{ name: web, image: web:1 }]',
      'containers: [{ name: web, image: web:1, readinessProbe: { httpGet: { path: /ready, port: 8080 }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1 } }]'), ns.name);
    const [pod] = await podsOf('w-ready', 1);
    const live = new Live([{ kind: 'deploy', name: 'w-ready' }], patience);
    await live.until('the first status', (e) => e.type === 'status' && e.pods.length === 1);
    // Started 10 s ago; the window is 0 + 1 s × 1 + 1 s = 2 s.
    await patchPodStatus(pod?.metadata?.name ?? '', {
      containerStatuses: [{ name: 'web', image: 'web:1', imageID: '', ready: false, restartCount: 0, started: true, state: { running: { startedAt: new Date(Date.now() - 10_000).toISOString() } } }],
    });
    await kubeletEvent(pod as V1Pod, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', { container: 'web' });
    const result = await live.outcome('failed');
    assert.match(result.message, /ReadinessProbeFailed: container web: readiness probe still failing .* after start \(allowed 2\.0s\)/);
  });

  it('fails on FailedMount past its grace period', async () => {
    await applyYaml(ns.kc, deployment('w-mount', 1), ns.name);
    const [pod] = await podsOf('w-mount', 1);
    const live = new Live([{ kind: 'deploy', name: 'w-mount' }], { ...patience, failedMountGraceMs: 1_000 });
    await live.until('the first status', (e) => e.type === 'status' && e.pods.length === 1);
    await kubeletEvent(pod as V1Pod, 'FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found');
    const result = await live.outcome('failed');
    assert.match(result.message, /FailedMount: FailedMount for .*configmap "app-config" not found/);
  });

  it('fails a Job at BackoffLimitExceeded when its pod fails (the Job controller decides)', async () => {
    await applyYaml(ns.kc, `
apiVersion: batch/v1
kind: Job
metadata: { name: j-backoff }
spec:
  backoffLimit: 0
  template:
    metadata: { labels: { app: j-backoff } }
    spec:
      restartPolicy: Never
      ${offNodes}
      containers: [{ name: web, image: m:1 }]
`, ns.name);
    const [pod] = await podsOf('j-backoff', 1);
    const live = new Live([{ kind: 'job', name: 'j-backoff' }], patience);
    await live.until('the first status', (e) => e.type === 'status');
    await patchPodStatus(pod?.metadata?.name ?? '', {
      phase: 'Failed',
      containerStatuses: [{ name: 'web', image: 'm:1', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() } } }],
    });
    const result = await live.outcome('failed');
    assert.match(result.message, /job\/j-backoff failed: BackoffLimitExceeded/);
  });

  it('judges only pods of the tracked revision: an old pod in CrashLoopBackOff does not fail the rollout', async () => {
    await applyYaml(ns.kc, deployment('w-old', 1).replace(offNodes, ''), ns.name);
    await new Live([{ kind: 'deploy', name: 'w-old' }], patience).outcome('ready');
    const [old] = await podsOf('w-old', 1);
    await patchPodStatus(old?.metadata?.name ?? '', waiting('CrashLoopBackOff', 'old revision crashing', 2));
    await applyYaml(ns.kc, deployment('w-old', 1).replace(offNodes, '').replace('web:1', 'web:2'), ns.name);
    const live = new Live([{ kind: 'deploy', name: 'w-old' }], patience);
    const result = await live.outcome('ready');
    assert.equal(live.events.filter((e) => e.type === 'failure').length, 0, live.dump());
    assert.equal(result.resources[0]?.outcome, 'ready');
  });

  it('tolerates failures per replica (werf.io/failures-allowed-per-replica), then fails', async () => {
    await applyYaml(ns.kc, deployment('w-allow', 2, '', '"werf.io/failures-allowed-per-replica": "1"'), ns.name);
    const pods = await podsOf('w-allow', 2);
    const live = new Live([{ kind: 'deploy', name: 'w-allow' }], patience);
    await live.until('the first status', (e) => e.type === 'status' && e.pods.length === 2);
    const name = pods[0]?.metadata?.name ?? '';
    await patchPodStatus(name, waiting('CrashLoopBackOff', 'crash 1', 1));
    await live.until('failure 1 of 2', (e) => e.type === 'failure' && e.count === 1 && e.allowed === 2);
    await patchPodStatus(name, waiting('CrashLoopBackOff', 'crash 2', 2));
    await live.until('failure 2 of 2', (e) => e.type === 'failure' && e.count === 2);
    assert.ok(!live.events.some((e) => e.type === 'failed'), 'still within the allowance');
    await patchPodStatus(name, waiting('CrashLoopBackOff', 'crash 3', 3));
    const result = await live.outcome('failed');
    assert.match(result.message, /3 failures, 2 allowed/);
  });

  it('ignores a failure when the fail mode says so, and does not wait for non-blocking resources', async () => {
    await applyYaml(ns.kc, deployment('w-ignored', 1, '', '"werf.io/fail-mode": IgnoreAndContinueDeployProcess'), ns.name);
    await applyYaml(ns.kc, deployment('w-nonblocking', 1, '', '"aviary.dev/track-termination-mode": non-blocking'), ns.name);
    await applyYaml(ns.kc, deployment('w-fine', 1).replace(offNodes, ''), ns.name);
    const [pod] = await podsOf('w-ignored', 1);
    await patchPodStatus(pod?.metadata?.name ?? '', waiting('ImagePullBackOff', 'no such image'));
    const live = new Live([{ kind: 'deploy', name: 'w-ignored' }, { kind: 'deploy', name: 'w-nonblocking' }, { kind: 'deploy', name: 'w-fine' }], patience);
    const result = await live.outcome('ready');
    const outcomes = Object.fromEntries(result.resources.map((r) => [r.resource, r.outcome]));
    assert.deepEqual(outcomes, { 'deploy/w-ignored': 'ignored', 'deploy/w-nonblocking': 'unfinished', 'deploy/w-fine': 'ready' });
    assert.match(result.message, /1 failure ignored/);
  });

  it('with fail mode hope, waits for the others and fails only if still failed at the end', async () => {
    await applyYaml(ns.kc, deployment('w-hope', 1, '', '"werf.io/fail-mode": HopeUntilEndOfDeployProcess'), ns.name);
    await applyYaml(ns.kc, deployment('w-later', 1), ns.name);
    const [hopePod] = await podsOf('w-hope', 1);
    const [laterPod] = await podsOf('w-later', 1);
    await patchPodStatus(hopePod?.metadata?.name ?? '', waiting('ErrImagePull', 'not yet pushed'));
    const live = new Live([{ kind: 'deploy', name: 'w-hope' }, { kind: 'deploy', name: 'w-later' }], patience);
    await live.until('w-hope failed', (e) => e.type === 'failed' && e.resource === 'deploy/w-hope');
    // The session drops every event but `done` once it has finished: a status of w-later reporting a change made
    // after w-hope failed proves that the failure did not end the run.
    await patchPodStatus(laterPod?.metadata?.name ?? '', waiting('ContainerCreating', 'still creating'));
    await live.until('w-later sees its pod change', (e) => e.type === 'status' && e.resource === 'deploy/w-later' && e.pods.some((p) => p.status === 'ContainerCreating'));
    assert.ok(!live.events.some((e) => e.type === 'done'), 'still running: w-later is not done');
    await patchPodStatus(laterPod?.metadata?.name ?? '', waiting('ImagePullBackOff', 'w-later fails too'));
    const result = await live.outcome('failed');
    assert.match(result.message, /deploy\/w-later failed/);
  });
});

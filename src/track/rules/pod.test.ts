import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KEvent, Pod } from '../model.ts';
import { event, iso, observed, pod, t0 } from './fixtures.ts';
import { podFence, podProblems, podRule, podStatusText, readinessWindowMs } from './pod.ts';
import { defaultDetection } from './types.ts';

const waiting = (reason: string, message = 'boom', restartCount = 0) => [
  { name: 'web', ready: false, restartCount, state: { waiting: { reason, message } }, lastState: { terminated: { exitCode: 2, reason: 'Error' } } },
];

describe('podProblems', () => {
  const cases: { name: string; pod: Pod; events?: KEvent[]; now?: number; job?: boolean; reasons: string[]; recheck?: number }[] = [
    { name: 'a healthy pod', pod: pod(), reasons: [] },
    { name: 'CrashLoopBackOff', pod: pod({ ready: false, containers: waiting('CrashLoopBackOff', 'back-off 10s', 3) }), reasons: ['CrashLoopBackOff'] },
    { name: 'ImagePullBackOff', pod: pod({ ready: false, containers: waiting('ImagePullBackOff') }), reasons: ['ImagePullBackOff'] },
    { name: 'ErrImagePull', pod: pod({ ready: false, containers: waiting('ErrImagePull') }), reasons: ['ErrImagePull'] },
    { name: 'InvalidImageName', pod: pod({ ready: false, containers: waiting('InvalidImageName') }), reasons: ['InvalidImageName'] },
    { name: 'CreateContainerConfigError', pod: pod({ ready: false, containers: waiting('CreateContainerConfigError', 'secret "db" not found') }), reasons: ['CreateContainerConfigError'] },
    { name: 'ContainerCreating is no failure', pod: pod({ ready: false, containers: waiting('ContainerCreating') }), reasons: [] },
    { name: 'a Job pod crash loop is the Job\'s business', pod: pod({ ready: false, containers: waiting('CrashLoopBackOff') }), job: true, reasons: [] },
    { name: 'a Job pod image error still fails', pod: pod({ ready: false, containers: waiting('ImagePullBackOff') }), job: true, reasons: ['ImagePullBackOff'] },
    {
      name: 'an init container that exited with an error',
      pod: pod({ ready: false, init: [{ name: 'migrate', restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }], containers: waiting('PodInitializing') }),
      reasons: ['InitContainerFailed'],
    },
    {
      name: 'an init container in a crash loop',
      pod: pod({ ready: false, init: [{ name: 'migrate', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
      reasons: ['CrashLoopBackOff'],
    },
    {
      name: 'a container that exited with code 137',
      pod: pod({ ready: false, containers: [{ name: 'web', restartCount: 1, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }),
      reasons: ['OOMKilled'],
    },
    { name: 'a Failed pod (evicted)', pod: { ...pod({ phase: 'Failed', ready: false }), status: { phase: 'Failed', reason: 'Evicted', message: 'low on memory' } }, reasons: ['Evicted'] },
    { name: 'Unschedulable within the grace period', pod: pod({ unschedulableSince: t0 - 10_000 }), reasons: [], recheck: t0 + 20_000 },
    { name: 'Unschedulable past the grace period', pod: pod({ unschedulableSince: t0 - 31_000 }), reasons: ['Unschedulable'] },
    {
      name: 'FailedMount within the grace period',
      pod: pod({ ready: false, containers: waiting('ContainerCreating') }),
      events: [event({ uid: 'uid-web-1', reason: 'FailedMount', message: 'secret "tls" not found', first: t0 - 5_000 })],
      reasons: [],
      recheck: t0 + 25_000,
    },
    {
      name: 'FailedMount past the grace period',
      pod: pod({ ready: false, containers: waiting('ContainerCreating') }),
      events: [event({ uid: 'uid-web-1', reason: 'FailedMount', message: 'secret "tls" not found', first: t0 - 40_000 })],
      reasons: ['FailedMount'],
    },
    {
      name: 'a liveness probe that restarts the container',
      pod: pod(),
      events: [event({ uid: 'uid-web-1', reason: 'Killing', container: 'web', message: 'Container web failed liveness probe, will be restarted' })],
      reasons: ['LivenessProbeFailed'],
    },
    {
      name: 'a startup probe that restarts the container',
      pod: pod({ ready: false }),
      events: [event({ uid: 'uid-web-1', reason: 'Killing', container: 'web', message: 'Container web failed startup probe, will be restarted' })],
      reasons: ['StartupProbeFailed'],
    },
    {
      name: 'readiness probe failures inside the window',
      pod: pod({ ready: false, startedAt: t0 - 10_000, readinessProbe: { periodSeconds: 5, failureThreshold: 3 } }),
      events: [event({ uid: 'uid-web-1', reason: 'Unhealthy', container: 'web', message: 'Readiness probe failed: HTTP 503', at: t0 - 1_000 })],
      // window = 0 + 5*3 + 1 = 16 s after start
      reasons: [],
      recheck: t0 + 6_000,
    },
    {
      name: 'readiness probe failures past the window',
      pod: pod({ ready: false, startedAt: t0 - 60_000, readinessProbe: { periodSeconds: 5, failureThreshold: 3 } }),
      events: [event({ uid: 'uid-web-1', reason: 'Unhealthy', container: 'web', message: 'Readiness probe failed: HTTP 503', at: t0 - 1_000 })],
      reasons: ['ReadinessProbeFailed'],
    },
    {
      name: 'old readiness failures of a container that is ready now',
      pod: pod({ ready: true, startedAt: t0 - 60_000, readinessProbe: { periodSeconds: 5 } }),
      events: [event({ uid: 'uid-web-1', reason: 'Unhealthy', container: 'web', message: 'Readiness probe failed: HTTP 503', at: t0 - 1_000 })],
      reasons: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = podProblems(c.pod, c.events ?? [], c.now ?? t0, defaultDetection, { jobPod: c.job === true });
      assert.deepEqual(found.problems.map((p) => p.reason), c.reasons);
      if (c.recheck !== undefined) assert.equal(found.recheckAt, c.recheck);
    });
  }

  it('names the container and asks for the crashed run\'s logs', () => {
    const [p] = podProblems(pod({ ready: false, containers: waiting('CrashLoopBackOff', 'back-off 20s restarting failed container', 4) }), [], t0, defaultDetection).problems;
    assert.equal(p?.object, 'po/web-1');
    assert.equal(p.container, 'web');
    assert.match(p.message, /container web: back-off 20s.*last exit code 2, Error/);
    assert.deepEqual(p.logs, { pod: 'web-1', container: 'web', previous: true });
    assert.equal(p.key, 'uid-web-1/web/CrashLoopBackOff/4');
  });

  it('uses a per-container window when one is configured', () => {
    const p = pod({ ready: false, startedAt: t0 - 10_000, readinessProbe: { periodSeconds: 10, failureThreshold: 3 } });
    const events = [event({ uid: 'uid-web-1', reason: 'Unhealthy', container: 'web', message: 'Readiness probe failed', at: t0 - 500 })];
    assert.equal(podProblems(p, events, t0, defaultDetection).problems.length, 0);
    assert.equal(podProblems(p, events, t0, { ...defaultDetection, readinessWindowMs: { web: 5_000 } }).problems.length, 1);
  });

  it('ignores a terminating pod', () => {
    const p = pod({ ready: false, containers: waiting('CrashLoopBackOff') });
    p.metadata = { ...p.metadata, deletionTimestamp: iso(t0) };
    assert.deepEqual(podProblems(p, [], t0, defaultDetection).problems, []);
  });
});

describe('readinessWindowMs', () => {
  it('derives the window from the probe settings, after the startup probe', () => {
    assert.equal(readinessWindowMs({ readinessProbe: {} }), 31_000);
    assert.equal(readinessWindowMs({ readinessProbe: { initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 5, timeoutSeconds: 1 } }), 16_000);
    assert.equal(readinessWindowMs({ readinessProbe: { periodSeconds: 1, failureThreshold: 1 }, startupProbe: { periodSeconds: 10, failureThreshold: 30 } }), 303_000);
    assert.equal(readinessWindowMs({}), undefined);
  });
});

describe('podStatusText', () => {
  it('reads like kubectl', () => {
    assert.equal(podStatusText(pod()), 'Running');
    assert.equal(podStatusText(pod({ containers: waiting('CrashLoopBackOff') })), 'CrashLoopBackOff');
    assert.equal(podStatusText(pod({ init: [{ name: 'i', state: { waiting: { reason: 'ImagePullBackOff' } } }] })), 'Init:ImagePullBackOff');
    assert.equal(podStatusText(pod({ unschedulableSince: t0 })), 'Unschedulable');
  });
});

describe('podRule', () => {
  const cases: { name: string; pod: Pod; state: string }[] = [
    { name: 'Ready', pod: pod(), state: 'ready' },
    { name: 'not Ready yet', pod: pod({ ready: false }), state: 'progressing' },
    { name: 'Succeeded', pod: pod({ phase: 'Succeeded', ready: false }), state: 'ready' },
    { name: 'Failed', pod: pod({ phase: 'Failed', ready: false }), state: 'failed' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(podRule(observed(c.pod), podFence(c.pod)).state, c.state);
    });
  }
  it('fails when the pod was replaced by another of the same name', () => {
    const s = podRule(observed(pod({ uid: 'new' })), { uid: 'old' });
    assert.equal(s.state, 'failed');
  });
  it('reports problems and what it waits for', () => {
    const s = podRule(observed(pod({ ready: false, containers: waiting('ImagePullBackOff') })), { uid: 'uid-web-1' });
    assert.equal(s.state, 'progressing');
    assert.deepEqual(s.problems.map((p) => p.reason), ['ImagePullBackOff']);
    assert.deepEqual(s.waitingFor, ['containers ready: web']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';
import {
  abortAction,
  ActionRefused,
  parseImageAssignment,
  pauseAction,
  promoteAction,
  restartAction,
  retryAction,
  setImageAction,
  templateOfRevision,
  undoAction,
  type ActionPlan,
} from './actions.ts';
import { podTemplateHash } from './hash.ts';

type Status = NonNullable<Rollout['status']>;

const template = (image: string): NonNullable<Rollout['spec']['template']> => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image }, { name: 'side', image: 'side:1' }], initContainers: [{ name: 'init', image: 'init:1' }] },
});

/** A canary Rollout with steps setWeight 20, pause {}, setWeight 60, pause 30s; status observed unless said. */
function canary(status: Status, spec: Partial<Rollout['spec']> = {}, generation = 2): Rollout {
  return {
    apiVersion: 'aviary.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', generation },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: template('app:2'),
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '30s' } }] } },
      ...spec,
    },
    status: { observedGeneration: '2', ...status },
  };
}

function blueGreen(status: Status, spec: Partial<Rollout['spec']> = {}): Rollout {
  return canary(status, { strategy: { blueGreen: { activeService: 'web-active', autoPromotionEnabled: false } }, ...spec });
}

const healthy: Status = { phase: 'Healthy', stableRS: 'aaa', currentPodHash: 'aaa', currentStepIndex: 4 };
const pausedAtStep: Status = {
  phase: 'Paused', message: 'CanaryPauseStep', stableRS: 'aaa', currentPodHash: 'bbb', currentStepIndex: 1, controllerPause: true,
  pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }],
};
const midStep: Status = { phase: 'Progressing', message: 'more replicas need to be updated', stableRS: 'aaa', currentPodHash: 'bbb', currentStepIndex: 2 };
const aborted: Status = { ...midStep, phase: 'Degraded', abort: true, currentStepIndex: 0 };

function refused(run: () => ActionPlan, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof ActionRefused && pattern.test(error.message), `expected a refusal matching ${pattern}`);
}

describe('promote', () => {
  const cases: { name: string; rollout: Rollout; full?: boolean; patches?: ActionPlan['patches']; message?: RegExp; refused?: RegExp }[] = [
    {
      name: 'at a pause step: clears the pause conditions through the status subresource',
      rollout: canary(pausedAtStep),
      patches: [{ target: 'status', type: 'merge', body: { status: { pauseConditions: null } } }],
      message: /^rollout 'web' promoted \(step 2\/4 \(pause\) ended\)$/,
    },
    {
      name: 'paused at a step and by hand: clears the conditions, then spec.paused',
      rollout: canary(pausedAtStep, { paused: true }),
      patches: [
        { target: 'status', type: 'merge', body: { status: { pauseConditions: null } } },
        { target: 'rollout', type: 'merge', body: { spec: { paused: false } } },
      ],
      message: /promoted .*unpaused/,
    },
    {
      name: 'paused only by hand: lifts spec.paused and nothing else',
      rollout: canary(midStep, { paused: true }),
      patches: [{ target: 'rollout', type: 'merge', body: { spec: { paused: false } } }],
      message: /manual pause lifted/,
    },
    {
      name: 'mid-step without a pause: skips the current step (currentStepIndex + 1), as Argo does',
      rollout: canary(midStep),
      patches: [{ target: 'status', type: 'merge', body: { status: { pauseConditions: null, currentStepIndex: 3 } } }],
      message: /skipped step 3\/4 \(setWeight: 60\)/,
    },
    {
      name: 'blue-green at its pause: clears BlueGreenPause',
      rollout: blueGreen({ phase: 'Paused', stableRS: 'aaa', currentPodHash: 'bbb', pauseConditions: [{ reason: 'BlueGreenPause', startTime: '2026-01-01T00:00:00Z' }] }),
      patches: [{ target: 'status', type: 'merge', body: { status: { pauseConditions: null } } }],
      message: /BlueGreenPause lifted/,
    },
    { name: 'a Healthy rollout is refused', rollout: canary(healthy), refused: /is Healthy with no update in progress and no pause: there is nothing to promote/ },
    { name: 'an aborted rollout is refused, naming retry and undo', rollout: canary(aborted), refused: /is aborted.*retry rollout web.*undo web/ },
    { name: 'blue-green before its pause is refused, naming --full', rollout: blueGreen({ phase: 'Progressing', stableRS: 'aaa', currentPodHash: 'bbb' }), refused: /blue-green.*--full/ },
    { name: 'all steps done and not paused is refused', rollout: canary({ ...midStep, currentStepIndex: 4 }), refused: /completed all 4 steps/ },
    { name: 'a step skip on a status older than the spec is refused', rollout: canary(midStep, {}, 3), refused: /has not acted on it yet/ },
    {
      name: '--full: status.promoteFull',
      rollout: canary(midStep), full: true,
      patches: [{ target: 'status', type: 'merge', body: { status: { promoteFull: true } } }],
      message: /^rollout 'web' fully promoted$/,
    },
    {
      name: '--full on a manually paused rollout also lifts spec.paused',
      rollout: canary(pausedAtStep, { paused: true }), full: true,
      patches: [
        { target: 'status', type: 'merge', body: { status: { promoteFull: true } } },
        { target: 'rollout', type: 'merge', body: { spec: { paused: false } } },
      ],
      message: /fully promoted \(and unpaused\)/,
    },
    { name: '--full on a Healthy rollout is refused', rollout: canary(healthy), full: true, refused: /already stable/ },
    { name: '--full on an aborted rollout is refused', rollout: canary(aborted), full: true, refused: /aborted/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = (): ActionPlan => promoteAction(c.rollout, { full: c.full === true });
      if (c.refused !== undefined) {
        refused(run, c.refused);
        return;
      }
      const plan = run();
      assert.deepEqual(plan.patches, c.patches);
      assert.match(plan.message, c.message ?? /./);
    });
  }
});

describe('abort, retry, pause, restart', () => {
  it('abort sets status.abort on an update in progress', () => {
    assert.deepEqual(abortAction(canary(pausedAtStep)), { patches: [{ target: 'status', type: 'merge', body: { status: { abort: true } } }], message: "rollout 'web' aborted" });
  });
  it('abort is refused when already aborted or when nothing is updating', () => {
    refused(() => abortAction(canary(aborted)), /already aborted/);
    refused(() => abortAction(canary(healthy)), /no update in progress/);
  });
  it('retry clears status.abort, and only after an abort', () => {
    assert.deepEqual(retryAction(canary(aborted)).patches, [{ target: 'status', type: 'merge', body: { status: { abort: false } } }]);
    refused(() => retryAction(canary(pausedAtStep)), /is not aborted \(it is Paused\)/);
  });
  it('pause sets spec.paused, refused when already paused', () => {
    assert.deepEqual(pauseAction(canary(healthy)).patches, [{ target: 'rollout', type: 'merge', body: { spec: { paused: true } } }]);
    refused(() => pauseAction(canary(healthy, { paused: true })), /already paused/);
  });
  it('restart sets spec.restartAt in RFC 3339 whole seconds, rounded up so pods of this second count', () => {
    const plan = restartAction(canary(healthy), new Date('2026-03-04T05:06:07.890Z'), '30s');
    assert.deepEqual(plan.patches, [{ target: 'rollout', type: 'merge', body: { spec: { restartAt: '2026-03-04T05:06:08Z' } } }]);
    assert.deepEqual(restartAction(canary(healthy), new Date('2026-03-04T05:06:07.000Z')).patches[0]?.body, { spec: { restartAt: '2026-03-04T05:06:07Z' } });
    assert.equal(plan.message, "rollout 'web' restarts in 30s");
    refused(() => restartAction(canary(healthy, { replicas: 0 }), new Date()), /0 replicas/);
  });
});

/** A ReplicaSet as the API server stores it: the template with the hash label and the server's pod defaults. */
function replicaSet(revision: number, image: string, options: { owner?: string; hashOf?: unknown; ephemeral?: Record<string, string> } = {}): ReplicaSet {
  const userTemplate = template(image);
  const hash = podTemplateHash(options.hashOf ?? userTemplate);
  const labels = { app: 'web', ...options.ephemeral, 'rollouts-pod-template-hash': hash };
  const defaulted = (c: { name: string; image: string }): Record<string, unknown> => ({ ...c, imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
  return {
    metadata: {
      name: `web-${hash}`,
      labels: { app: 'web', 'rollouts-pod-template-hash': hash },
      annotations: { 'rollout.argoproj.io/revision': String(revision), ...(options.ephemeral === undefined ? {} : { 'rollout.argoproj.io/ephemeral-metadata': JSON.stringify({ labels: options.ephemeral }) }) },
      ownerReferences: [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: options.owner ?? 'uid-web', controller: true }],
    },
    spec: {
      selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash } },
      template: {
        metadata: { labels },
        spec: {
          containers: [defaulted({ name: 'app', image }), defaulted({ name: 'side', image: 'side:1' })],
          initContainers: [defaulted({ name: 'init', image: 'init:1' })],
          restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler',
        } as never,
      },
    },
  };
}

describe('undo', () => {
  const replicaSets = [replicaSet(1, 'app:1'), replicaSet(2, 'app:2'), replicaSet(5, 'app:5', { owner: 'someone-else' })];

  it('restores the previous revision\'s template as the user wrote it, so its hash (and ReplicaSet) is reused', () => {
    const plan = undoAction(canary(pausedAtStep), replicaSets);
    assert.deepEqual(plan.patches, [{ target: 'rollout', type: 'json', body: [{ op: 'replace', path: '/spec/template', value: template('app:1') }] }]);
    assert.equal(plan.message, "rollout 'web' rolled back to revision 1: app=app:1, side=side:1");
    const restored = (plan.patches[0]?.body as { value: unknown }[])[0]?.value;
    assert.equal(podTemplateHash(restored), replicaSets[0]?.metadata?.labels?.['rollouts-pod-template-hash']);
  });

  it('--to-revision picks a revision; unknown revisions and ReplicaSets of other owners are refused', () => {
    const rollout = canary(healthy, { template: template('app:9') });
    assert.match(undoAction(rollout, replicaSets, { toRevision: 2 }).message, /revision 2: app=app:2/);
    refused(() => undoAction(rollout, replicaSets, { toRevision: 5 }), /has no revision 5 \(revisions kept: 1, 2\)/);
  });

  it('refuses to undo to the template already running, and when no earlier revision exists', () => {
    refused(() => undoAction(canary(healthy, { template: template('app:1') }), replicaSets, { toRevision: 1 }), /already runs the template of revision 1/);
    refused(() => undoAction(canary(healthy), [replicaSet(1, 'app:2')]), /no earlier revision/);
  });

  it('keeps defaults the user wrote and drops role metadata the controller added', () => {
    const written = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:1', terminationMessagePolicy: 'File' }, { name: 'side', image: 'side:1' }], initContainers: [{ name: 'init', image: 'init:1' }], restartPolicy: 'Always' } };
    const rs = replicaSet(1, 'app:1', { hashOf: written, ephemeral: { role: 'canary' } });
    const { template: restored, exact } = templateOfRevision(rs, canary(healthy, { template: { ...written, spec: { ...written.spec, containers: [{ name: 'app', image: 'app:2', terminationMessagePolicy: 'File' }, { name: 'side', image: 'side:1' }] } } }));
    assert.equal(exact, true);
    assert.deepEqual(restored, written);
  });

  it('with spec.workloadRef, patches the Deployment', () => {
    const rollout = canary(pausedAtStep, { template: undefined, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-deploy' } });
    const deployment: Deployment = { metadata: { name: 'web-deploy' }, spec: { selector: {}, template: replicaSets[1]?.spec?.template ?? {} } };
    const plan = undoAction(rollout, replicaSets, { workload: deployment });
    assert.equal(plan.patches[0]?.target, 'workload');
    assert.match(plan.message, /revision 1 \(in Deployment 'web-deploy'\)/);
    refused(() => undoAction(rollout, replicaSets), /spec.workloadRef.*not found/);
  });
});

describe('set image', () => {
  it('tests each container name and replaces its image', () => {
    const plan = setImageAction(canary(healthy), 'app', 'app:3');
    assert.deepEqual(plan.patches, [{
      target: 'rollout', type: 'json',
      body: [{ op: 'test', path: '/spec/template/spec/containers/0/name', value: 'app' }, { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:3' }],
    }]);
    assert.equal(plan.message, "rollout 'web' image updated (app=app:3)");
  });

  it('* sets every container, init containers included', () => {
    const ops = setImageAction(canary(healthy), '*', 'all:1').patches[0]?.body as { path: string }[];
    assert.deepEqual(ops.filter((_, i) => i % 2 === 1).map((o) => o.path), [
      '/spec/template/spec/initContainers/0/image', '/spec/template/spec/containers/0/image', '/spec/template/spec/containers/1/image',
    ]);
  });

  it('an unknown container is refused with the names there are; the same image is a no-op', () => {
    refused(() => setImageAction(canary(healthy), 'web', 'x:1'), /no container named "web" \(containers: init, app, side\)/);
    const same = setImageAction(canary(healthy), 'app', 'app:2');
    assert.deepEqual(same.patches, []);
    assert.match(same.message, /unchanged/);
  });

  it('parses container=image', () => {
    assert.deepEqual(parseImageAssignment('app=registry:5000/app:2'), { container: 'app', image: 'registry:5000/app:2' });
    assert.equal(parseImageAssignment('app:2'), undefined);
    assert.equal(parseImageAssignment('=app:2'), undefined);
    assert.equal(parseImageAssignment('app='), undefined);
  });
});

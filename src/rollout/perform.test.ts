/**
 * The pure parts of performing an action: how a decision's refusal becomes a result, what a failed patch means, the
 * messages for missing objects, and where patches go. The requests themselves are exercised against the real API
 * server by test/e2e/cli-actions.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argoprojGroup, aviaryGroup } from '../api/groups.ts';
import type { Rollout } from '../api/rollout.ts';
import { KubeApiError } from '../runtime/rest.ts';
import { ActionRefused, pauseAction, type ActionPatch } from './actions.ts';
import { patchPath } from './patch.ts';
import { ActionRequestFailed, decideOn, isObserved, missingTargetMessage, patchFailure, type ActionInputs } from './perform.ts';
import { rolloutNotFoundMessage, rolloutPath, selectorText } from './ref.ts';

const rollout: Rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  metadata: { name: 'web', namespace: 'shop', generation: 2 },
  spec: { selector: { matchLabels: { app: 'web', tier: 'front' } }, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-deploy' } },
  status: { observedGeneration: '2' },
};
const inputs: ActionInputs = { rollout, group: aviaryGroup, replicaSets: [] };
const merge = (target: ActionPatch['target']): ActionPatch => ({ target, type: 'merge', body: {} });
const json: ActionPatch = { target: 'rollout', type: 'json', body: [] };

describe('deciding', () => {
  it('a plan is returned as it is; a refusal becomes a "refused" result with its reason', () => {
    assert.deepEqual(decideOn(({ rollout: r }) => pauseAction(r), inputs), { patches: [{ target: 'rollout', type: 'merge', body: { spec: { paused: true } } }], message: "rollout 'web' paused" });
    assert.deepEqual(decideOn(() => { throw new ActionRefused('not now'); }, inputs), { outcome: 'refused', message: 'not now' });
  });

  it('any other error of a decision is a bug and thrown', () => {
    assert.throws(() => decideOn(() => { throw new TypeError('boom'); }, inputs), TypeError);
  });

  it('observed: the status is of the current generation', () => {
    assert.equal(isObserved(rollout), true);
    assert.equal(isObserved({ ...rollout, metadata: { ...rollout.metadata, generation: 3 } }), false);
    assert.equal(isObserved({ ...rollout, status: {} }), false);
  });
});

describe('a failed patch', () => {
  const apiError = (code: number, message: string): KubeApiError => new KubeApiError(code, { message });
  it('409 is a conflict; so is a failed test of a JSON patch, but not of a merge patch', () => {
    assert.equal(patchFailure(apiError(409, 'the object has been modified'), merge('status')), 'conflict');
    assert.equal(patchFailure(apiError(422, 'the server rejected our request due to an error in our request: test failed'), json), 'conflict');
    assert.equal(patchFailure(apiError(422, 'test failed'), merge('rollout')), 'failed');
    assert.equal(patchFailure(apiError(422, 'spec.replicas: Invalid value'), json), 'failed');
  });

  it('404 is a missing object; anything else is a failure', () => {
    assert.equal(patchFailure(apiError(404, 'not found'), merge('rollout')), 'not-found');
    assert.equal(patchFailure(apiError(403, 'forbidden'), merge('rollout')), 'failed');
    assert.equal(patchFailure(new Error('ECONNRESET'), merge('rollout')), 'failed');
  });

  it('a missing target is the Rollout, or the Deployment its workloadRef names', () => {
    const ref = { namespace: 'shop', name: 'web' };
    assert.equal(missingTargetMessage(ref, rollout, merge('workload')), "the Deployment 'web-deploy' named by spec.workloadRef of rollout 'web' was not found");
    assert.equal(missingTargetMessage(ref, rollout, merge('status')), 'rollout "web" not found in namespace "shop" (looked in API groups aviary.dev and argoproj.io)');
  });

  it('a failed request names the operation and keeps the cause', () => {
    const cause = apiError(500, 'etcd timeout');
    const error = new ActionRequestFailed('get rollout web', cause);
    assert.equal(error.operation, 'get rollout web');
    assert.equal(error.cause, cause);
    assert.match(error.message, /^get rollout web: 500/);
  });
});

describe('finding a Rollout and where patches go', () => {
  it('the not-found message names the namespace and the groups looked in', () => {
    assert.equal(rolloutNotFoundMessage({ namespace: 'shop', name: 'web', groups: [argoprojGroup] }), 'rollout "web" not found in namespace "shop" (looked in API group argoproj.io)');
    assert.equal(rolloutNotFoundMessage({ namespace: 'shop', name: 'web' }), 'rollout "web" not found in namespace "shop" (looked in API groups aviary.dev and argoproj.io)');
  });

  it('selector text of matchLabels, or none', () => {
    assert.equal(selectorText(rollout), 'app=web,tier=front');
    assert.equal(selectorText({ ...rollout, spec: {} }), undefined);
  });

  it('paths: the Rollout in its group, its status subresource, the referenced Deployment', () => {
    assert.equal(rolloutPath(aviaryGroup, 'shop', 'web'), '/apis/aviary.dev/v1alpha1/namespaces/shop/rollouts/web');
    assert.equal(patchPath(rollout, merge('rollout')), '/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web');
    assert.equal(patchPath(rollout, merge('status')), '/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web/status');
    assert.equal(patchPath(rollout, merge('workload')), '/apis/apps/v1/namespaces/shop/deployments/web-deploy');
  });
});

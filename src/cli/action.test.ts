import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aviaryGroup } from '../api/groups.ts';
import { ExitCode, ExitError } from '../util/exit-codes.ts';
import { confirmationOf } from './action.ts';

describe('the outcome of an action on the command line', () => {
  it('done prints the confirmation', () => {
    const found = { rollout: { metadata: { name: 'web' }, spec: {} }, group: aviaryGroup, path: '/apis/aviary.dev/v1alpha1/namespaces/shop/rollouts/web' };
    assert.equal(confirmationOf({ outcome: 'done', message: "rollout 'web' paused", patches: [], found }), "rollout 'web' paused");
  });

  it('refused and conflict exit 1, not-found exits 4, each with its message', () => {
    const exit = (outcome: 'refused' | 'conflict' | 'not-found'): [number, string] => {
      try {
        confirmationOf({ outcome, message: `${outcome} message` });
      } catch (error) {
        assert.ok(error instanceof ExitError);
        return [error.exitCode, error.message];
      }
      assert.fail(`${outcome} did not throw`);
    };
    assert.deepEqual(exit('refused'), [ExitCode.failed, 'refused message']);
    assert.deepEqual(exit('conflict'), [ExitCode.failed, 'conflict message']);
    assert.deepEqual(exit('not-found'), [ExitCode.notFound, 'not-found message']);
  });
});

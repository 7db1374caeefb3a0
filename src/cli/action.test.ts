import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode, ExitError } from '../util/exit-codes.ts';
import { confirmationOf, kindWord, parseTarget } from './action.ts';

describe('the outcome of an action on the command line', () => {
  it('done prints the confirmation', () => {
    assert.equal(confirmationOf({ outcome: 'done', message: "rollout 'web' paused" }), "rollout 'web' paused");
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

  it('a target is NAME, rollout/NAME or canary/NAME; another kind word or a missing name is a usage error', () => {
    assert.deepEqual(parseTarget('web'), { name: 'web' });
    assert.deepEqual(parseTarget('canary/podinfo'), { kind: 'canary', name: 'podinfo' });
    assert.deepEqual(parseTarget('Canaries/podinfo'), { kind: 'canary', name: 'podinfo' });
    assert.deepEqual(parseTarget('ro/web'), { kind: 'rollout', name: 'web' });
    assert.throws(() => parseTarget('deployment/web'), (e: unknown) => e instanceof ExitError && e.exitCode === ExitCode.usage && /must be rollout or canary, got "deployment"/.test(e.message));
    assert.throws(() => parseTarget('canary/'), (e: unknown) => e instanceof ExitError && /name the canary after "\/"/.test(e.message));
    assert.deepEqual([kindWord('canary'), kindWord('rollouts'), kindWord('web')], ['canary', 'rollout', undefined]);
  });
});

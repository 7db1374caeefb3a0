import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { statusLine } from '../view/rollout.ts';
import { exitCodeOf, settled } from './commands/status.ts';
import { bashScript, commandTree, fishScript, zshScript } from './completion.ts';
import { buildProgram, commandWord } from './program.ts';

describe('the program', () => {
  it('finds the command word after program options and their values', () => {
    assert.equal(commandWord(['get', 'rollout', 'web']), 'get');
    assert.equal(commandWord(['-n', 'shop', '--context=dev', 'promote', 'web']), 'promote');
    assert.equal(commandWord(['--kubeconfig', '/tmp/k', '--group', 'argoproj.io', 'list']), 'list');
    assert.equal(commandWord(['--help']), undefined);
  });

  it('loads only the command that runs, or all of them for help', async () => {
    assert.deepEqual((await buildProgram(['get', 'rollout', 'web'])).commands.map((c) => c.name()), ['get']);
    const all = (await buildProgram([])).commands.map((c) => c.name());
    for (const name of ['get', 'list', 'status', 'promote', 'abort', 'retry', 'pause', 'restart', 'undo', 'set', 'create', 'lint', 'completion', 'version', 'plan', 'track']) {
      assert.ok(all.includes(name), `${name} is registered`);
    }
  });
});

describe('completion scripts', () => {
  it('bash (and zsh) scripts are valid shell and know commands, subcommands, flags and which take Rollout names', async () => {
    const tree = commandTree(await buildProgram([]));
    const bash = bashScript(tree, 'aviary');
    execFileSync('bash', ['-n'], { input: bash });
    assert.match(bash, /'get rollout'\) words='[^']*--watch[^']*'; rollouts=1 ;;/);
    assert.match(bash, /'list rollouts'\) words='[^']*--all-namespaces[^']*'; rollouts=0 ;;/);
    assert.match(bash, /complete -F _aviary_complete aviary/);
    assert.match(zshScript(tree, 'kubectl-aviary'), /bashcompinit[\s\S]*complete -F _kubectl_aviary_complete kubectl-aviary/);
    const fish = fishScript(tree, 'aviary');
    assert.match(fish, /complete -c aviary -n '__fish_use_subcommand' -a 'promote'/);
    assert.match(fish, /complete -c aviary -n '__fish_seen_subcommand_from promote' -l full/);
  });
});

describe('status', () => {
  const rollout = (phase: 'Healthy' | 'Degraded' | 'Paused', generation = 1): Parameters<typeof settled>[0] => ({ metadata: { name: 'web', generation }, spec: {}, status: { observedGeneration: '1', phase, message: phase === 'Paused' ? 'CanaryPauseStep' : undefined } });
  it('stops at Healthy (0), Degraded (1), a pause with --fail-on-pause (3); a stale status keeps it waiting', () => {
    assert.equal(exitCodeOf(settled(rollout('Healthy'), false)), 0);
    assert.equal(exitCodeOf(settled(rollout('Degraded'), false)), 1);
    assert.equal(settled(rollout('Paused'), false), undefined);
    assert.equal(exitCodeOf(settled(rollout('Paused'), true)), 3);
    assert.equal(settled(rollout('Healthy', 2), false), undefined);
    assert.equal(exitCodeOf('timeout'), 2);
    assert.equal(exitCodeOf('deleted'), 4);
  });
  it('prints "Phase - message" like kubectl-argo-rollouts', () => {
    assert.equal(statusLine(rollout('Paused')), 'Paused - CanaryPauseStep');
    assert.equal(statusLine(rollout('Healthy', 2)), 'Progressing - waiting for rollout spec update to be observed');
  });
});

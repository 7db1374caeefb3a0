/**
 * The CLI with Rollouts of both API groups in one namespace: an argoproj.io Rollout (compatibility mode) is found
 * without naming its group, steered by the same commands, and told apart in lists; --group restricts the lookup.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aviaryGroup, argoprojGroup } from '../../src/api/groups.ts';
import type { Rollout } from '../../src/api/rollout.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { runAviary, type CliRun } from '../support/cli.ts';
import { applyYaml } from '../support/kube.ts';
import { canaryManifest } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';


describe('aviary CLI with argoproj.io Rollouts (compatibility mode)', () => {
  const suite = useRolloutSuite('cli-compat', { dumpKinds: [['argoproj.io/v1alpha1', 'Rollout'], ['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet']], groups: [aviaryGroup, argoprojGroup] });
  const { ns, rollouts } = suite;

  const cli = (...args: string[]): Promise<CliRun> => runAviary([...args, '-n', ns.name]);

  async function readArgo(name: string): Promise<Rollout> {
    const client = new KubeClient(ns.kc);
    try {
      return await client.get<Rollout>(resourcePath('argoproj.io/v1alpha1', 'rollouts', ns.name, name));
    } finally {
      client.close();
    }
  }

  it('finds, steers and lists an argoproj.io Rollout next to an aviary.dev one', async () => {
    await applyYaml(ns.kc, canaryManifest('argo').replace('aviary.dev/v1alpha1', 'argoproj.io/v1alpha1'), ns.name);
    await applyYaml(ns.kc, canaryManifest('native'), ns.name);
    await rollouts.waitForPhase('native', 'Healthy');
    await ns.waitFor('the argoproj.io Rollout to be Healthy', async () => (await readArgo('argo')).status?.phase === 'Healthy');

    const set = await cli('set', 'image', 'argo', 'app=app:2');
    assert.equal(set.code, 0, set.stderr);
    await ns.waitFor('the argoproj.io Rollout to pause', async () => (await readArgo('argo')).status?.phase === 'Paused');
    const get = await cli('get', 'rollout', 'argo');
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /Status: +॥ Paused[\s\S]*app:2 \(canary\)/);

    const list = await cli('list', 'rollouts');
    assert.match(list.stdout, /^NAME +GROUP +STRATEGY/);
    assert.match(list.stdout, /\nargo +argoproj\.io +Canary +Paused/);
    assert.match(list.stdout, /\nnative +aviary\.dev +Canary +Healthy/);

    const wrongGroup = await cli('promote', 'argo', '--group', 'aviary.dev');
    assert.equal(wrongGroup.code, 4);
    assert.match(wrongGroup.stderr, /rollout "argo" not found in namespace "[^"]+" \(looked in API group aviary\.dev\)/);

    const promote = await cli('promote', 'argo');
    assert.equal(promote.code, 0, promote.stderr);
    const done = await ns.waitFor('the promoted argoproj.io Rollout to be Healthy', async () => {
      const r = await readArgo('argo');
      return r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash && JSON.stringify(r.spec.template).includes('app:2') ? r : undefined;
    });
    assert.equal(done.apiVersion, 'argoproj.io/v1alpha1');
  });
});

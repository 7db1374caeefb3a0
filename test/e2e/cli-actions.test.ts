/**
 * Every Rollout action of the CLI, run as a person runs it (the `aviary` program, in a child process) against the
 * local cluster and the real controller; each test asserts the state the Rollout reaches, the one-line
 * confirmation, and the refusals and exit codes when an action makes no sense.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aviaryBin, expectRun, runAviary, type CliRun } from '../support/cli.ts';
import { applyYaml } from '../support/kube.ts';
import { canaryManifest } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

describe('aviary CLI actions against the controller', () => {
  const suite = useRolloutSuite('cli-act', { dumpKinds: [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet'], ['v1', 'Pod']] });
  const { ns, rollouts } = suite;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aviary-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<CliRun> => runAviary([...args, '-n', ns.name]);
  const expect = expectRun;

  const updated = (name: string, image: string): Promise<unknown> =>
    rollouts.waitFor(name, `running ${image}`, (r) => JSON.stringify(r.spec.template).includes(image));

  async function pausedCanary(name: string, steps: unknown[] = [{ setWeight: 50 }, { pause: {} }], replicas = 2): Promise<void> {
    await applyYaml(ns.kc, canaryManifest(name, { replicas, steps }), ns.name);
    await rollouts.waitForPhase(name, 'Healthy');
    expect(await cli('set', 'image', name, 'app=app:2'), 0, new RegExp(`^rollout '${name}' image updated \\(app=app:2\\)\\n$`));
    await rollouts.waitForPhase(name, 'Paused');
  }

  it('promote ends a pause step; promoting a Healthy rollout is refused', async () => {
    await pausedCanary('pro');
    expect(await cli('promote', 'pro'), 0, /^rollout 'pro' promoted \(step 2\/2 \(pause\) ended\)\n$/);
    const done = await rollouts.waitForPhase('pro', 'Healthy');
    assert.equal(done.status?.stableRS, done.status?.currentPodHash);
    expect(await cli('promote', 'pro'), 1, /rollout 'pro' is Healthy with no update in progress and no pause: there is nothing to promote/);
  });

  it('promote --full skips every remaining step', async () => {
    await pausedCanary('full', [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }], 5);
    expect(await cli('promote', 'full', '--full'), 0, /^rollout 'full' fully promoted\n$/);
    const done = await rollouts.waitForPhase('full', 'Healthy');
    assert.equal(done.status?.stableRS, done.status?.currentPodHash);
    assert.equal(done.status?.promoteFull, undefined, 'the controller clears promoteFull when done');
    expect(await cli('promote', 'full', '--full'), 1, /already stable/);
  });

  it('promote without a pause skips the step the canary is stuck on (its pods cannot be scheduled)', async () => {
    await applyYaml(ns.kc, canaryManifest('skip', { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }] }), ns.name);
    await rollouts.waitForPhase('skip', 'Healthy');
    const rollout = await rollouts.get('skip');
    const template = structuredClone(rollout.spec.template ?? {});
    Object.assign(template.spec ?? {}, { nodeSelector: { 'aviary.dev/no-such-node': 'true' } });
    await rollouts.patchSpec('skip', { template });
    await rollouts.waitFor('skip', 'stuck at setWeight', (r) => r.status?.phase === 'Progressing' && r.status.currentStepIndex === 0);
    expect(await cli('promote', 'skip'), 0, /^rollout 'skip' promoted \(skipped step 1\/2 \(setWeight: 50\)\)\n$/);
    const paused = await rollouts.waitForPhase('skip', 'Paused');
    assert.equal(paused.status?.currentStepIndex, 1);
  });

  it('abort goes back to stable, retry starts again; each is refused when it makes no sense', async () => {
    await pausedCanary('ab');
    expect(await cli('retry', 'rollout', 'ab'), 1, /rollout 'ab' is not aborted \(it is Paused\): there is nothing to retry/);
    expect(await cli('abort', 'ab'), 0, /^rollout 'ab' aborted\n$/);
    const aborted = await rollouts.waitForPhase('ab', 'Degraded');
    assert.equal(aborted.status?.abort, true);
    assert.match(aborted.status.message ?? '', /^RolloutAborted/);
    await ns.waitFor('the canary to be scaled down', async () => (await rollouts.counts('ab'))[aborted.status?.currentPodHash ?? ''] === 0);
    expect(await cli('abort', 'ab'), 1, /already aborted/);
    expect(await cli('promote', 'ab'), 1, /is aborted.*retry rollout ab/);
    expect(await cli('retry', 'rollout', 'ab'), 0, /^rollout 'ab' retried\n$/);
    const again = await rollouts.waitForPhase('ab', 'Paused');
    assert.equal(again.status?.abort, false, 'retry writes status.abort=false, as kubectl-argo-rollouts does');
    expect(await cli('retry', 'ab'), 1, /not aborted/);
  });

  it('pause holds a Healthy rollout (spec.paused), promote releases it; a second pause is refused', async () => {
    await applyYaml(ns.kc, canaryManifest('hold'), ns.name);
    await rollouts.waitForPhase('hold', 'Healthy');
    expect(await cli('pause', 'hold'), 0, /^rollout 'hold' paused\n$/);
    const paused = await rollouts.waitForPhase('hold', 'Paused');
    assert.equal(paused.spec.paused, true);
    assert.equal(paused.status?.message, 'manually paused');
    expect(await cli('pause', 'hold'), 1, /already paused/);
    expect(await cli('promote', 'hold'), 0, /manual pause lifted/);
    const resumed = await rollouts.waitForPhase('hold', 'Healthy');
    assert.equal(resumed.spec.paused, false);
  });

  it('restart replaces every pod (spec.restartAt); --in schedules it', async () => {
    await applyYaml(ns.kc, canaryManifest('rs', { replicas: 2 }), ns.name);
    await rollouts.waitForPhase('rs', 'Healthy');
    const podNames = async (): Promise<string[]> => (await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=rs' })).items.filter((p) => p.metadata?.deletionTimestamp === undefined).map((p) => p.metadata?.name ?? '').sort();
    const before = await podNames();
    expect(await cli('restart', 'rs'), 0, /^rollout 'rs' restarts in 0s\n$/);
    const restarted = await rollouts.waitFor('rs', 'restarted', (r) => r.status?.restartedAt !== undefined && r.status.restartedAt === r.spec.restartAt && r.status.availableReplicas === 2);
    assert.ok(restarted.spec.restartAt !== undefined);
    await ns.waitFor('every pod replaced', async () => {
      const now = await podNames();
      return now.length === 2 && now.every((p) => !before.includes(p));
    });
    expect(await cli('restart', 'rs', '--in', '1h'), 0, /^rollout 'rs' restarts in 1h\n$/);
    const later = Date.parse((await rollouts.get('rs')).spec.restartAt ?? '');
    assert.ok(later > Date.now() + 50 * 60_000, `restartAt about an hour ahead, got ${new Date(later).toISOString()}`);
  });

  it('undo restores the previous template and reuses its ReplicaSet; unknown revisions are refused', async () => {
    await pausedCanary('un');
    const paused = await rollouts.get('un');
    const stableHash = paused.status?.stableRS ?? '';
    expect(await cli('undo', 'un', '--to-revision', '9'), 1, /rollout 'un' has no revision 9 \(revisions kept: 1, 2\)/);
    expect(await cli('undo', 'un'), 0, /^rollout 'un' rolled back to revision 1: app=app:1\n$/);
    const back = await rollouts.waitFor('un', 'Healthy on the old template', (r) => r.status?.phase === 'Healthy' && r.status.currentPodHash === stableHash);
    assert.equal(back.status?.stableRS, stableHash, 'the stable ReplicaSet is reused, not a new revision created');
    assert.equal((await rollouts.replicaSets('un')).length, 2);
    expect(await cli('undo', 'un', '--to-revision', '3'), 1, /already runs the template of revision 3/);
  });

  it('set image: one container, every container, unknown containers and Rollouts', async () => {
    await applyYaml(ns.kc, canaryManifest('img', { steps: [] }), ns.name);
    await rollouts.waitForPhase('img', 'Healthy');
    expect(await cli('set', 'image', 'img', 'web=app:3'), 1, /rollout 'img' has no container named "web" \(containers: app\)/);
    expect(await cli('set', 'image', 'img', '*=app:3'), 0, /^rollout 'img' image updated \(app=app:3\)\n$/);
    await updated('img', 'app:3');
    expect(await cli('set', 'image', 'img', 'app=app:3'), 0, /image unchanged/);
    expect(await cli('set', 'image', 'img', 'app-app:4'), 64, /expected CONTAINER=IMAGE/);
    expect(await cli('set', 'image', 'nope', 'app=app:4'), 4, /rollout "nope" not found in namespace/);
  });

  it('status: exit codes for Healthy, paused (--fail-on-pause), timeout, Degraded and not found', async () => {
    await applyYaml(ns.kc, canaryManifest('st'), ns.name);
    await rollouts.waitForPhase('st', 'Healthy');
    expect(await cli('status', 'st'), 0, /Healthy\n$/);
    expect(await cli('set', 'image', 'st', 'app=app:2'), 0);
    const pausedRun = await cli('status', 'st', '--fail-on-pause');
    expect(pausedRun, 3);
    assert.match(pausedRun.stdout, /Paused - CanaryPauseStep\n$/);
    expect(await cli('status', 'st', '--timeout', '1s'), 2, /did not become Healthy within 1s/);
    expect(await cli('status', 'st', '--no-watch'), 0, /^Paused - CanaryPauseStep\n$/);
    expect(await cli('abort', 'st'), 0);
    const degraded = await cli('status', 'st');
    expect(degraded, 1);
    assert.match(degraded.stdout, /Degraded - RolloutAborted: Rollout aborted update to revision 2\n$/);
    expect(await cli('status', 'missing'), 4, /not found/);
  });

  it('status follows a rollout to Healthy, printing each phase change', async () => {
    await pausedCanary('fol');
    const child = spawn(aviaryBin, ['status', 'fol', '-o', 'json', '--timeout', '60s', '-n', ns.name], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => { child.on('exit', resolve); });
    try {
      // The first line is printed from the Rollout as read: from then on, every change is followed.
      await ns.waitFor('status to print the paused state', () => Promise.resolve(out.includes('"phase":"Paused"')));
      expect(await cli('promote', 'fol'), 0);
      assert.equal(await exited, 0, `${out}\n--- stderr\n${err}`);
    } finally {
      child.kill();
    }
    const phases = out.trim().split('\n').map((l) => (JSON.parse(l) as { phase: string }).phase);
    assert.equal(phases[0], 'Paused');
    assert.equal(phases.at(-1), 'Healthy');
  });

  it('get and list, as text and as data', async () => {
    await pausedCanary('show');
    const get = await cli('get', 'rollout', 'show');
    expect(get, 0, /Status: +॥ Paused[\s\S]*Images: +app:2 \(canary\)[\s\S]*NAME +KIND +STATUS +AGE +INFO[\s\S]*# revision:2[\s\S]*ReplicaSet +✔ Healthy .* canary/);
    const data = JSON.parse((await cli('get', 'ro', 'show', '-o', 'json')).stdout) as { phase: string; step: string; revisions: { revision: number }[] };
    assert.deepEqual([data.phase, data.step, data.revisions.map((r) => r.revision)], ['Paused', '1/2', [2, 1]]);
    const list = await cli('list', 'rollouts');
    expect(list, 0, /^NAME +STRATEGY +STATUS +STEP +SET-WEIGHT +READY +DESIRED +UP-TO-DATE +AVAILABLE\n/);
    assert.match(list.stdout, /\nshow +Canary +Paused +1\/2 +50 +2\/2 +2 +1 +2\n/);
    const rows = JSON.parse((await cli('list', 'rollouts', '-o', 'json')).stdout) as { items: { name: string; status: string }[] };
    assert.deepEqual(rows.items.find((r) => r.name === 'show')?.status, 'Paused');
    expect(await cli('list', 'rollouts', '-o', 'name', '--name', 'show'), 0, /^rollout\.aviary\.dev\/show\n$/);
  });

  it('get -w redraws on changes and ends when the Rollout is deleted', async () => {
    await applyYaml(ns.kc, canaryManifest('live'), ns.name);
    await rollouts.waitForPhase('live', 'Healthy');
    const child = spawn(aviaryBin, ['get', 'rollout', 'live', '-w', '-n', ns.name], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => { child.on('exit', resolve); });
    try {
      await ns.waitFor('the first frame', () => Promise.resolve(out.includes('✔ Healthy')));
      expect(await cli('set', 'image', 'live', 'app=app:2'), 0);
      await ns.waitFor('a frame of the paused update', () => Promise.resolve(/Status: +॥ Paused[\s\S]*app:2 \(canary\)/.test(out)));
      await rollouts.objects.deleteNamespacedCustomObject({ group: 'aviary.dev', version: 'v1alpha1', plural: 'rollouts', namespace: ns.name, name: 'live' });
      assert.equal(await exited, 0, out);
      assert.match(out, /rollout 'live' was deleted\n$/);
    } finally {
      child.kill();
    }
  });

  it('list -w ends cleanly on Ctrl-C', async () => {
    const child = spawn(aviaryBin, ['list', 'rollouts', '-w', '-n', ns.name], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    let exitCode: number | null | undefined;
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => { child.on('exit', (code) => { exitCode = code; resolve(code); }); });
    try {
      await ns.waitFor('the list', () => {
        if (exitCode !== undefined) throw new Error(`list -w exited ${String(exitCode)} before listing: ${err}`);
        return Promise.resolve(out.includes('NAME'));
      });
      child.kill('SIGINT');
      assert.equal(await exited, 0, out);
    } finally {
      child.kill();
    }
  });

  it('create makes the objects of a file once; usage errors exit 64', async () => {
    const file = join(dir, 'new.yaml');
    await writeFile(file, `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: new-config }\ndata: { a: b }\n---\n${canaryManifest('new')}`);
    expect(await cli('create', '-f', file), 0, /^configmap\/new-config created\nrollout\.aviary\.dev\/new created\n$/);
    await rollouts.waitForPhase('new', 'Healthy');
    const again = await cli('create', '-f', file);
    expect(again, 1, /configmap\/new-config already exists[\s\S]*2 of 2 objects not created/);
    expect(await cli('get', 'rollout', 'new', '--group', 'example.com'), 64, /--group must be auto or one of aviary\.dev, argoproj\.io/);
    expect(await cli('promote'), 64);
  });
});

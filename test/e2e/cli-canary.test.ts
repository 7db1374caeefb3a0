/**
 * The CLI on Canaries, run as a person runs it (the `aviary` program in a child process) against the local cluster
 * and the real controller: list, get and status (which never takes the previous release's Succeeded for the new
 * one's), pause, promote (a step, --full), abort, retry of the same release, the refusals, and `aviary track`
 * following a Canary to its result.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { aviaryBin, expectRun, runAviary, type CliRun } from '../support/cli.ts';
import { Canaries, canaryTarget } from '../support/canaries.ts';
import { applyYaml } from '../support/kube.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

const manifests = (name: string): string => `${canaryTarget(name)}
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: ${name} }
spec:
  provider: kubernetes
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  service: { port: 80, targetPort: 8080 }
  analysis: { interval: 1m, threshold: 1, iterations: 5 }
`;

describe('aviary CLI on Canaries against the controller', () => {
  const suite = useRolloutSuite('cli-canary', { dumpKinds: [['aviary.dev/v1alpha1', 'Canary'], ['apps/v1', 'Deployment']] });
  const { ns } = suite;
  const canaries = new Canaries(ns);
  const cli = (...args: string[]): Promise<CliRun> => runAviary([...args, '-n', ns.name]);
  const messages = (name: string): string[] => suite.controller.events.filter((e) => e.object === name && e.reason === 'Synced').map((e) => e.message);
  const primaryImage = async (name: string): Promise<string | undefined> => (await canaries.deployment(`${name}-primary`)).spec?.template.spec?.containers[0]?.image;

  it('lists, shows and waits for a Canary; pause holds a new release, promote steps and promotes it; abort rolls back and retry runs the same release again', async () => {
    await applyYaml(ns.kc, manifests('app'), ns.name);
    expectRun(await cli('status', 'canary/app', '--timeout', '90s'), 0, /Initialized - Deployment initialization completed\.\n$/);
    expectRun(await cli('list', 'canaries'), 0, /^NAME\s+TARGET\s+STRATEGY\s+STATUS\s+WEIGHT\s+FAILEDCHECKS\s+LASTTRANSITION\napp\s+Deployment\/app\s+blue-green\s+Initialized\s+0\s+0\/1\s+\S+\n$/);
    expectRun(await cli('get', 'canary', 'app'), 0, /Status:\s+Initialized - Deployment initialization completed\.\n.*\nPrimary:\s+app-primary {2}2\/2 ready\nCanary:\s+app {2}0\/0 ready\nEvents:\n.*Initialization done! app\./s);

    // Paused, a new release does not start, and `status` does not report the previous release's result as done.
    expectRun(await cli('pause', 'canary/app'), 0, /^canary 'app' paused: no step, analysis or new release starts/);
    expectRun(await cli('pause', 'app'), 1, /already paused/);
    await canaries.setImage('app', 'lab/echo:v2');
    const held = await cli('status', 'canary/app', '--fail-on-pause');
    expectRun(held, 3, undefined);
    assert.match(held.stdout, /^Initialized \(paused\) - the controller has not noticed the target's new release yet\n$/);
    assert.equal((await canaries.get('app')).status?.phase, 'Initialized', 'the paused Canary did not start the release');

    // promote lifts the pause; the release starts; a promote step passes one analysis (interval 1m) at once.
    expectRun(await cli('promote', 'canary/app'), 0, /^canary 'app' unpaused\n$/);
    await canaries.waitFor('app', 'the release progressing', (c) => c.status?.phase === 'Progressing' && c.metadata.annotations?.['aviary.dev/paused'] === undefined);
    await ns.waitFor('the canary pods ready', async () => ((await canaries.deployment('app')).status?.readyReplicas ?? 0) >= 2);
    expectRun(await cli('promote', 'app'), 0, /^canary 'app' promoted: the analysis or gate it waits for is passed once\n$/);
    const stepped = await canaries.waitFor('app', 'one iteration passed', (c) => (c.status?.iterations ?? 0) === 1 && c.metadata.annotations?.['aviary.dev/promote'] === undefined);
    assert.equal(stepped.status?.phase, 'Progressing');
    expectRun(await cli('promote', 'canary/app', '--full'), 0, /promoted fully/);
    expectRun(await cli('status', 'app', '--timeout', '90s'), 0, /Succeeded - Canary analysis completed successfully, promotion finished\.\n$/);
    assert.equal(await primaryImage('app'), 'lab/echo:v2');
    await canaries.untilEvent(() => messages('app'), `Advance app.${ns.name} promotion requested`);

    // abort: back to the primary; retry: the same template runs again, promoted this time.
    expectRun(await cli('abort', 'canary/app'), 1, /canary 'app' is Succeeded: only a release that is Waiting, Progressing or WaitingPromotion can be aborted/);
    await canaries.setImage('app', 'lab/echo:v3');
    await canaries.waitForPhase('app', 'Progressing');
    expectRun(await cli('abort', 'canary/app'), 0, /^canary 'app' aborted/);
    expectRun(await cli('status', 'canary/app', '--timeout', '90s'), 1, undefined);
    assert.equal(await primaryImage('app'), 'lab/echo:v2', 'the aborted release never reached the primary');
    await ns.waitFor('the canary scaled to zero', async () => (await canaries.deployment('app')).spec?.replicas === 0);
    expectRun(await cli('retry', 'canary', 'app'), 0, /^canary 'app' retried/);
    await canaries.waitForPhase('app', 'Progressing');
    await canaries.untilEvent(() => messages('app'), `Retry requested! Scaling up app.${ns.name}`);
    expectRun(await cli('promote', '--full', 'canary/app'), 0, /promoted fully/);
    expectRun(await cli('status', 'canary/app', '--timeout', '90s'), 0, /Succeeded/);
    assert.equal(await primaryImage('app'), 'lab/echo:v3');
    assert.deepEqual(messages('app').filter((m) => m.startsWith('Ignored')), [], 'every request was acted on in the phase it was made for');
  });

  it('aviary track follows a Canary release to its result', async () => {
    await applyYaml(ns.kc, manifests('tracked'), ns.name);
    await canaries.waitForPhase('tracked', 'Initialized');
    await canaries.setImage('tracked', 'lab/echo:v2');
    const child = spawn(aviaryBin, ['track', 'canary/tracked', '-n', ns.name, '--timeout', '120s'], { env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => { child.on('close', resolve); });
    await canaries.waitForPhase('tracked', 'Progressing');
    expectRun(await cli('promote', '--full', 'canary/tracked'), 0, /promoted fully/);
    assert.equal(await exited, 0, output);
    assert.match(output, /Succeeded/);
    assert.ok(output.indexOf('Progressing') >= 0 && output.indexOf('Progressing') < output.lastIndexOf('Succeeded'), `the release was followed from Progressing to Succeeded:\n${output}`);
  });

  it('refuses what makes no sense, naming the object and why', async () => {
    expectRun(await cli('promote', 'nothing'), 4, /rollout "nothing" not found in namespace ".*" \(looked in API groups aviary\.dev and argoproj\.io\), and no canary of that name either \(looked in API groups aviary\.dev and flagger\.app\)/);
    expectRun(await cli('abort', 'canary/nothing'), 4, /canary "nothing" not found in namespace ".*" \(looked in API groups aviary\.dev and flagger\.app\)/);
    expectRun(await cli('promote', 'deployment/app'), 64, /the kind before "\/" must be rollout or canary, got "deployment"/);
    expectRun(await cli('retry', 'canary/app'), 1, /is Succeeded, not Failed: there is nothing to retry/);
  });
});

/**
 * Rollouts driven by analysis against the local cluster: the real Rollout and AnalysisRun controllers, real
 * AnalysisTemplates, and a local HTTP server as the web metric whose answers each test sets.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import type { Rollout } from '../../src/api/rollout.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { installAnalysisCrds } from '../support/controller.ts';
import { applyYaml } from '../support/kube.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';
import { blueGreenManifest, canaryManifest } from '../support/rollouts.ts';
import { waitFor } from '../support/wait.ts';

/** The web metric: `GET /<path>` answers `{"score": n}`; a score of 90 or more passes, below 50 fails, else Inconclusive. */
const scores = new Map<string, number>();
let server: Server;
let serverUrl = '';

function templates(url: string): string {
  const metric = (extra: string): string => `
  args: [{ name: path }]
  metrics:
    - name: score
      successCondition: result.score >= 90
      failureCondition: result.score < 50
${extra}
      provider: { web: { url: "${url}/{{args.path}}", jsonPath: "{$}" } }`;
  return `
apiVersion: aviary.dev/v1alpha1
kind: AnalysisTemplate
metadata: { name: score }
spec:${metric('      count: 3\n      interval: 1s')}
---
apiVersion: aviary.dev/v1alpha1
kind: AnalysisTemplate
metadata: { name: score-watch }
spec:${metric('      interval: 1s')}
`;
}

const analysis = (template: string, path: string): Record<string, unknown> => ({ templates: [{ templateName: template }], args: [{ name: 'path', value: path }] });

/** Two replicas, and the previous version scaled down 1 s after an abort. */
const blueGreen = (name: string, strategy: string): string => blueGreenManifest(name, `      abortScaleDownDelaySeconds: 1\n${strategy}`, { replicas: 2 });

describe('Rollouts driven by analysis', () => {
  // Before the suite's controller starts: it turns analysis on for the groups whose AnalysisRun kind is served.
  before(async () => {
    server = createServer((req, res) => {
      const score = scores.get((req.url ?? '/').slice(1));
      res.writeHead(score === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(score === undefined ? { error: 'no score for this path' } : { score }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  const suite = useRolloutSuite('ro-analysis', {
    dumpKinds: [['aviary.dev/v1alpha1', 'Rollout'], ['aviary.dev/v1alpha1', 'AnalysisRun'], ['apps/v1', 'ReplicaSet'], ['v1', 'Service']],
  });
  const { ns, rollouts } = suite;
  const client = new KubeClient(ns.kc, { userAgent: 'aviary-e2e' });
  const runsPath = (name?: string): string => resourcePath('aviary.dev/v1alpha1', 'analysisruns', ns.name, name);

  before(async () => {
    await installAnalysisCrds(ns.kc);
    // The suite's controller started before the CRDs may have existed (a fresh cluster): start it again.
    await suite.restartController();
    await applyYaml(ns.kc, templates(serverUrl), ns.name);
  });
  after(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const runs = async (rollout: string): Promise<AnalysisRun[]> => {
    const uid = (await rollouts.get(rollout)).metadata.uid;
    const list = await client.get<{ items: AnalysisRun[] }>(runsPath());
    return list.items.filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === uid) === true);
  };
  const selector = async (service: string): Promise<string | undefined> =>
    (await ns.core.readNamespacedService({ name: service, namespace: ns.name })).spec?.selector?.['rollouts-pod-template-hash'];
  const events = (name: string): { type: string; reason: string; message: string }[] => suite.controller.events.filter((e) => e.object === name);

  it('an analysis step that succeeds moves on to the next step; background analysis stops at promotion', async () => {
    scores.set('good', 95);
    await applyYaml(ns.kc, canaryManifest('pass', {
      replicas: 2,
      steps: [{ setWeight: 50 }, { analysis: analysis('score', 'good') }, { setWeight: 100 }],
      extra: `      analysis: ${JSON.stringify(analysis('score-watch', 'good'))}`,
    }), ns.name);
    const first = await rollouts.waitForPhase('pass', 'Healthy');
    assert.equal((await runs('pass')).length, 0, 'the first deploy runs no analysis');
    await rollouts.setImage('pass', 'app:2');
    const measuring = await rollouts.waitFor('pass', 'the step analysis measuring', (r) => r.status?.canary?.currentStepAnalysisRunStatus?.status === 'Running');
    const hash = measuring.status?.currentPodHash ?? '';
    assert.equal(measuring.status?.currentStepIndex, 1);
    assert.equal(measuring.status.canary?.currentStepAnalysisRunStatus?.name, `pass-${hash}-2-1`);
    assert.equal(measuring.status.canary.currentBackgroundAnalysisRunStatus?.name, `pass-${hash}-2`);

    const done = await rollouts.waitFor('pass', 'Healthy on the new version', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === hash);
    assert.notEqual(done.status?.stableRS, first.status?.stableRS);
    assert.equal(done.status?.canary?.currentStepAnalysisRunStatus, undefined);
    assert.equal(done.status?.canary?.currentBackgroundAnalysisRunStatus, undefined);

    const byName = new Map((await runs('pass')).map((r) => [r.metadata.name, r]));
    const step = byName.get(`pass-${hash}-2-1`);
    assert.equal(step?.status?.phase, 'Successful');
    assert.deepEqual(step.metadata.labels, { 'rollouts-pod-template-hash': hash, 'rollout-type': 'Step', 'step-index': '1' });
    assert.equal(step.metadata.annotations?.['rollout.argoproj.io/revision'], '2');
    const owner = step.metadata.ownerReferences?.[0];
    assert.deepEqual([owner?.kind, owner?.name, owner?.uid, owner?.controller], ['Rollout', 'pass', done.metadata.uid, true]);
    assert.deepEqual(step.spec.args, [{ name: 'path', value: 'good' }]);
    const background = await waitFor('the background run to end once terminated', async () => {
      const run = (await runs('pass')).find((r) => r.metadata.name === `pass-${hash}-2`);
      return run?.status?.phase === 'Successful' ? run : undefined;
    });
    assert.equal(background.spec.terminate, true, 'the background run was terminated at promotion');
    assert.equal(background.metadata.labels?.['rollout-type'], 'Background');
    const reasons = events('pass').map((e) => e.reason);
    assert.ok(reasons.includes('AnalysisRunRunning') && reasons.includes('AnalysisRunSuccessful'), reasons.join(','));
    assert.ok(reasons.indexOf('AnalysisRunSuccessful') < reasons.lastIndexOf('RolloutStepCompleted'));
  });

  it('an analysis step that fails aborts: the canary is scaled down, Degraded, naming the run', async () => {
    scores.set('bad', 10);
    await applyYaml(ns.kc, canaryManifest('fail', { replicas: 2, steps: [{ setWeight: 50 }, { analysis: analysis('score', 'bad') }, { setWeight: 100 }] }), ns.name);
    const first = await rollouts.waitForPhase('fail', 'Healthy');
    await rollouts.setImage('fail', 'app:2');
    const aborted = await rollouts.waitForPhase('fail', 'Degraded');
    const hash = aborted.status?.currentPodHash ?? '';
    const run = `fail-${hash}-2-1`;
    assert.equal(aborted.status?.abort, true);
    assert.match(aborted.status.message ?? '', new RegExp(`^RolloutAborted: Rollout aborted update to revision 2: AnalysisRun "${run}" Failed`));
    assert.deepEqual(aborted.status.canary?.currentStepAnalysisRunStatus?.name, run);
    assert.equal(aborted.status.canary.currentStepAnalysisRunStatus.status, 'Failed');
    await ns.waitFor('the canary to be scaled to 0', async () => {
      const counts = await rollouts.counts('fail');
      return counts[hash] === 0 && counts[first.status?.stableRS ?? ''] === 2;
    });
    const failed = events('fail').find((e) => e.reason === 'AnalysisRunFailed');
    assert.equal(failed?.type, 'Warning');
    assert.match(failed.message, new RegExp(run));
    assert.ok(events('fail').some((e) => e.reason === 'RolloutAborted' && e.message.includes(run)));
  });

  it('an Inconclusive analysis pauses the Rollout; promote continues with the next step', async () => {
    scores.set('unsure', 70);
    await applyYaml(ns.kc, canaryManifest('unsure', { replicas: 2, steps: [{ setWeight: 50 }, { analysis: analysis('score', 'unsure') }, { setWeight: 100 }] }), ns.name);
    await rollouts.waitForPhase('unsure', 'Healthy');
    await rollouts.setImage('unsure', 'app:2');
    const paused = await rollouts.waitForPhase('unsure', 'Paused');
    assert.equal(paused.status?.message, 'InconclusiveAnalysisRun');
    assert.deepEqual(paused.status.pauseConditions?.map((c) => c.reason), ['InconclusiveAnalysisRun']);
    assert.equal(paused.status.canary?.currentStepAnalysisRunStatus?.status, 'Inconclusive');
    assert.equal(paused.status.currentStepIndex, 1);

    await rollouts.promote('unsure');
    const done = await rollouts.waitFor('unsure', 'Healthy on the new version', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash);
    assert.equal(done.status?.currentStepIndex, 3);
    assert.equal((await runs('unsure')).length, 1, 'the promoted Inconclusive result is accepted, not measured again');
  });

  it('a background analysis failing in the middle of the steps aborts', async () => {
    scores.set('watch', 95);
    await applyYaml(ns.kc, canaryManifest('bg', {
      replicas: 2,
      steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }],
      extra: `      analysis: ${JSON.stringify({ ...analysis('score-watch', 'watch'), startingStep: 1 })}`,
    }), ns.name);
    await rollouts.waitForPhase('bg', 'Healthy');
    await rollouts.setImage('bg', 'app:2');
    const paused = await rollouts.waitFor('bg', 'paused with the background analysis measuring', (r) =>
      r.status?.phase === 'Paused' && r.status.canary?.currentBackgroundAnalysisRunStatus?.status === 'Running');
    const hash = paused.status?.currentPodHash ?? '';
    assert.equal(paused.status?.canary?.currentBackgroundAnalysisRunStatus?.name, `bg-${hash}-2`);

    scores.set('watch', 5);
    const aborted = await rollouts.waitForPhase('bg', 'Degraded');
    assert.match(aborted.status?.message ?? '', new RegExp(`AnalysisRun "bg-${hash}-2" Failed`));
    assert.equal(aborted.status?.canary?.currentBackgroundAnalysisRunStatus?.status, 'Failed');
    await ns.waitFor('the canary to be scaled to 0', async () => (await rollouts.counts('bg'))[hash] === 0);
  });

  it('blue-green: a failing pre-promotion analysis keeps the active Service on the old ReplicaSet', async () => {
    scores.set('preview', 20);
    await applyYaml(ns.kc, blueGreen('pre', `      prePromotionAnalysis: ${JSON.stringify(analysis('score', 'preview'))}`), ns.name);
    const first = await rollouts.waitForPhase('pre', 'Healthy');
    const blue = first.status?.stableRS ?? '';
    await rollouts.setImage('pre', 'app:2');
    const aborted = await rollouts.waitForPhase('pre', 'Degraded');
    const green = aborted.status?.currentPodHash ?? '';
    assert.equal(aborted.status?.blueGreen?.prePromotionAnalysisRunStatus?.name, `pre-${green}-2-pre`);
    assert.equal(aborted.status.blueGreen.prePromotionAnalysisRunStatus.status, 'Failed');
    assert.equal(aborted.status.stableRS, blue);
    assert.equal(await selector('pre-active'), blue, 'the active Service never left the old version');
    assert.ok(!events('pre').some((e) => e.reason === 'SwitchService'));
    const run = (await runs('pre')).find((r) => r.metadata.name === `pre-${green}-2-pre`);
    assert.equal(run?.metadata.labels?.['rollout-type'], 'PrePromotion');
    await ns.waitFor('the preview to be scaled down after abortScaleDownDelaySeconds', async () => (await rollouts.counts('pre'))[green] === 0, { timeoutMs: 15_000 });
  });

  it('blue-green: a failing post-promotion analysis switches the active Service back', async () => {
    scores.set('post', 95);
    await applyYaml(ns.kc, blueGreen('post', `      postPromotionAnalysis: ${JSON.stringify(analysis('score-watch', 'post'))}`), ns.name);
    const first = await rollouts.waitForPhase('post', 'Healthy');
    const blue = first.status?.stableRS ?? '';
    await rollouts.setImage('post', 'app:2');
    const judging = await rollouts.waitFor('post', 'post-promotion analysis measuring after the switch', (r) =>
      r.status?.blueGreen?.postPromotionAnalysisRunStatus?.status === 'Running');
    const green = judging.status?.currentPodHash ?? '';
    assert.equal(await selector('post-active'), green);
    assert.equal(judging.status?.stableRS, blue, 'not stable before the analysis passes');
    assert.equal(judging.status.message, 'waiting for analysis to complete');
    assert.equal((await rollouts.counts('post'))[blue], 2, 'the previous version stays at full size meanwhile');

    scores.set('post', 5);
    const aborted = await rollouts.waitForPhase('post', 'Degraded');
    assert.match(aborted.status?.message ?? '', new RegExp(`AnalysisRun "post-${green}-2-post" Failed`));
    await ns.waitFor('the active Service back on the old version', async () => (await selector('post-active')) === blue);
  });

  it('a missing template is InvalidSpec naming the field, until the template appears', async () => {
    scores.set('later', 99);
    await applyYaml(ns.kc, canaryManifest('missing', { steps: [{ analysis: { templates: [{ templateName: 'later' }], args: [{ name: 'path', value: 'later' }] } }] }), ns.name);
    const invalid = await rollouts.waitForPhase('missing', 'Degraded');
    assert.equal(invalid.status?.message, 'InvalidSpec: The Rollout "missing" is invalid: spec.strategy.canary.steps[0].analysis.templates[0]: AnalysisTemplate "later" not found');
    await applyYaml(ns.kc, templates(serverUrl).replace('name: score-watch', 'name: later'), ns.name);
    const healthy: Rollout = await rollouts.waitForPhase('missing', 'Healthy');
    assert.equal(healthy.status?.conditions?.some((c) => c.type === 'InvalidSpec'), false);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalysisTemplate } from '../api/analysis.ts';
import type { AnalysisPhase, BlueGreenStrategy, CanaryStep, CanaryStrategy, Rollout } from '../api/rollout.ts';
import { analysisRunName, resolveAnalyses, runsBeyondHistory, type HistoryRun } from './analysis.ts';
import { planRollout } from './plan.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

const check = { templates: [{ templateName: 'check' }] };

function rollout(strategy: Rollout['spec']['strategy'], extra: Partial<Rollout['spec']> = {}): Rollout {
  return testRollout({ strategy, ...extra });
}

const canary = (steps: CanaryStep[], more: Partial<CanaryStrategy> = {}): Rollout => rollout({ canary: { steps, ...more } });
const blueGreen = (more: Partial<BlueGreenStrategy>): Rollout => rollout({ blueGreen: { activeService: 'active', previewService: 'preview', ...more } });

function setImage(sim: Simulation, image: string): void {
  sim.update((r) => {
    const spec = r.spec.template?.spec as { containers: { image: string }[] } | undefined;
    const container = spec?.containers[0];
    if (container !== undefined) container.image = image;
  });
}

/** Deployed at web:1, then updated to web:2 with new runs in `phase`, settled. */
function updated(r: Rollout, phase: AnalysisPhase, services: string[] = []): Simulation {
  const sim = new Simulation(r, services);
  sim.settle();
  sim.runPhase = () => phase;
  setImage(sim, 'web:2');
  sim.settle();
  return sim;
}

const runNames = (sim: Simulation): string[] => sim.runs.map((r) => r.metadata.name ?? '');
const hashOf = (sim: Simulation): string => sim.rollout.status?.currentPodHash ?? '';
const stableOf = (sim: Simulation): string => sim.rollout.status?.stableRS ?? '';

describe('analysisRunName', () => {
  const rows: [string, string, number, string, string[], string][] = [
    ['a step run', 'web', 2, '1', [], 'web-abc-2-1'],
    ['a background run has no suffix', 'web', 2, '', [], 'web-abc-2'],
    ['pre-promotion', 'web', 3, 'pre', [], 'web-abc-3-pre'],
    ['a taken name gets .1', 'web', 2, '1', ['web-abc-2-1'], 'web-abc-2-1.1'],
    ['then .2', 'web', 2, 'post', ['web-abc-2-post', 'web-abc-2-post.1'], 'web-abc-2-post.2'],
  ];
  for (const [name, ro, revision, suffix, taken, expected] of rows) {
    it(name, () => {
      assert.equal(analysisRunName(ro, 'abc', revision, suffix, new Set(taken)), expected);
    });
  }
});

describe('runsBeyondHistory', () => {
  const run = (name: string, phase: string, hash: string | undefined, createdAt: string, revision = 1): HistoryRun => ({ name, phase, hash, createdAt, revision });
  const runs = [
    run('s1', 'Successful', 'a', '2026-01-01T00:00:01Z'),
    run('s2', 'Successful', 'a', '2026-01-01T00:00:02Z'),
    run('s3', 'Successful', 'b', '2026-01-01T00:00:03Z'),
    run('f1', 'Failed', 'a', '2026-01-01T00:00:04Z'),
    run('e1', 'Error', 'b', '2026-01-01T00:00:05Z'),
    run('i1', 'Inconclusive', 'b', '2026-01-01T00:00:06Z'),
    run('r1', 'Running', 'a', '2026-01-01T00:00:00Z'),
  ];
  const rows: [string, HistoryRun[], string[], { successful: number; unsuccessful: number }, string[]][] = [
    ['within the limits nothing goes', runs, ['a', 'b'], { successful: 5, unsuccessful: 5 }, []],
    ['the oldest successful beyond the limit go', runs, ['a', 'b'], { successful: 1, unsuccessful: 5 }, ['s2', 's1']],
    ['the oldest unsuccessful beyond the limit go', runs, ['a', 'b'], { successful: 5, unsuccessful: 1 }, ['e1', 'f1']],
    ['limit 0 keeps none, never a running run', runs, ['a', 'b'], { successful: 0, unsuccessful: 0 }, ['i1', 'e1', 'f1', 's3', 's2', 's1']],
    ['runs of a ReplicaSet that is gone go, running or not', runs, ['b'], { successful: 5, unsuccessful: 5 }, ['f1', 's2', 's1', 'r1']],
    ['a higher revision is newer whatever the creation time', [run('old', 'Successful', 'a', '2026-01-01T00:00:09Z', 1), run('new', 'Successful', 'a', '2026-01-01T00:00:00Z', 2)], ['a'], { successful: 1, unsuccessful: 1 }, ['old']],
    ['a run without a hash goes', [run('x', 'Successful', undefined, '2026-01-01T00:00:00Z')], ['a'], { successful: 5, unsuccessful: 5 }, ['x']],
  ];
  for (const [name, input, hashes, limits, expected] of rows) {
    it(name, () => {
      assert.deepEqual(runsBeyondHistory(input, new Set(hashes), limits), expected);
    });
  }
});

describe('resolveAnalyses', () => {
  const template: AnalysisTemplate = { kind: 'AnalysisTemplate', metadata: { name: 'check' }, spec: { metrics: [{ name: 'm', provider: {} }] } };
  const catalog = { templates: new Map([['check', template]]), clusterTemplates: new Map<string, AnalysisTemplate>() };
  const hashes = { stable: 's', latest: 'l' };
  const rows: [string, Rollout, typeof catalog | undefined, string[], string[]][] = [
    ['steps and background resolve by key', canary([{ analysis: check }], { analysis: check }), catalog, ['step:0', 'Background'], []],
    ['pre and post promotion', blueGreen({ prePromotionAnalysis: check, postPromotionAnalysis: check }), catalog, ['PrePromotion', 'PostPromotion'], []],
    ['background analysis without templates asks for nothing', canary([], { analysis: { templates: [] } }), catalog, [], []],
    ['a missing template names the field', canary([{ setWeight: 10 }, { analysis: { templates: [{ templateName: 'nope' }] } }]), catalog, [],
      ['spec.strategy.canary.steps[1].analysis.templates[0]: AnalysisTemplate "nope" not found']],
    ['a missing cluster template', blueGreen({ postPromotionAnalysis: { templates: [{ templateName: 'check', clusterScope: true }] } }), catalog, [],
      ['spec.strategy.blueGreen.postPromotionAnalysis.templates[0]: ClusterAnalysisTemplate "check" not found']],
    ['analysis kinds not served', blueGreen({ prePromotionAnalysis: check }), undefined, [],
      ['spec.strategy.blueGreen.prePromotionAnalysis: analysis needs the AnalysisRun and AnalysisTemplate kinds of aviary.dev, which this cluster does not serve (aviary install adds them)']],
  ];
  for (const [name, r, cat, keys, issues] of rows) {
    it(name, () => {
      const resolved = resolveAnalyses(r, cat, hashes);
      assert.deepEqual([...resolved.specs.keys()], keys);
      assert.deepEqual(resolved.issues.map((i) => `${i.field}: ${i.message}`), issues);
    });
  }

  it('a Rollout whose template is missing is InvalidSpec and scales nothing', () => {
    const plan = planRollout({ rollout: canary([{ analysis: check }]), replicaSets: [], services: new Map(), analysis: { runs: [], catalog: { templates: new Map(), clusterTemplates: new Map() } }, now: new Date() });
    assert.equal(plan.status.phase, 'Degraded');
    assert.match(plan.status.message ?? '', /steps\[0\]\.analysis\.templates\[0\]: AnalysisTemplate "check" not found/);
    assert.equal(plan.createReplicaSet, undefined);
  });
});

describe('canary analysis step', () => {
  const steps: CanaryStep[] = [{ setWeight: 50 }, { analysis: check }, { setWeight: 100 }];
  interface Outcome {
    phase: string;
    abort: boolean;
    pause: string[];
    stepIndex: number;
    /** Canary pods / stable pods. */
    pods: [number, number];
    event: [string, string] | undefined;
  }
  const rows: [AnalysisPhase, Outcome][] = [
    ['Successful', { phase: 'Healthy', abort: false, pause: [], stepIndex: 3, pods: [2, 0], event: ['Normal', 'AnalysisRunSuccessful'] }],
    ['Running', { phase: 'Progressing', abort: false, pause: [], stepIndex: 1, pods: [1, 1], event: ['Normal', 'AnalysisRunRunning'] }],
    ['Failed', { phase: 'Degraded', abort: true, pause: [], stepIndex: 0, pods: [0, 2], event: ['Warning', 'AnalysisRunFailed'] }],
    ['Error', { phase: 'Degraded', abort: true, pause: [], stepIndex: 0, pods: [0, 2], event: ['Warning', 'AnalysisRunError'] }],
    ['Inconclusive', { phase: 'Paused', abort: false, pause: ['InconclusiveAnalysisRun'], stepIndex: 1, pods: [1, 1], event: ['Normal', 'AnalysisRunInconclusive'] }],
  ];
  for (const [runPhase, expected] of rows) {
    it(`a ${runPhase} run`, () => {
      const sim = new Simulation(canary(steps));
      sim.settle();
      const stable = stableOf(sim);
      sim.runPhase = () => runPhase;
      setImage(sim, 'web:2');
      sim.settle();
      const { status } = sim.rollout;
      const counts = sim.replicaCounts();
      const event = sim.events.find((e) => e.reason.startsWith('AnalysisRun'));
      assert.deepEqual({
        phase: status?.phase ?? '',
        abort: status?.abort === true,
        pause: (status?.pauseConditions ?? []).map((c) => c.reason),
        stepIndex: status?.currentStepIndex ?? -1,
        pods: [counts[hashOf(sim)] ?? 0, counts[stable] ?? 0],
        event: event === undefined ? undefined : [event.type, event.reason],
      }, expected);
      assert.deepEqual(runNames(sim), [`web-${hashOf(sim)}-2-1`]);
    });
  }

  it('names, labels, annotates and owns the run as Argo Rollouts does, with analysisRunMetadata', () => {
    const sim = updated(canary([{ analysis: { ...check, args: [{ name: 'x', value: '1' }], analysisRunMetadata: { labels: { team: 'a', 'rollout-type': 'mine' }, annotations: { note: 'n' } } } }]), 'Running');
    const run = sim.runs[0];
    const hash = hashOf(sim);
    assert.equal(run?.apiVersion, 'aviary.dev/v1alpha1');
    assert.deepEqual(run.metadata.labels, { team: 'a', 'step-index': '0', 'rollouts-pod-template-hash': hash, 'rollout-type': 'Step' });
    assert.deepEqual(run.metadata.annotations, { note: 'n', 'rollout.argoproj.io/revision': '2' });
    assert.deepEqual(run.metadata.ownerReferences, [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(sim.rollout.status?.canary?.currentStepAnalysisRunStatus, { name: `web-${hash}-2-0`, status: 'Running' });
  });

  it('creates runs in the Rollout\'s group', () => {
    const r = canary([{ analysis: check }]);
    r.apiVersion = 'argoproj.io/v1alpha1';
    const sim = updated(r, 'Running');
    assert.equal(sim.runs[0]?.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(sim.runs[0].metadata.ownerReferences?.[0]?.apiVersion, 'argoproj.io/v1alpha1');
  });

  it('the abort message names the run and what its controller said', () => {
    const sim = updated(canary(steps), 'Running');
    const name = runNames(sim)[0] ?? '';
    sim.setRunPhase(name, 'Failed', 'Metric "m" assessed Failed due to failed (1) > failureLimit (0)');
    sim.settle();
    const message = `Rollout aborted update to revision 2: AnalysisRun "${name}" Failed: Metric "m" assessed Failed due to failed (1) > failureLimit (0)`;
    assert.equal(sim.rollout.status?.message, `RolloutAborted: ${message}`);
    assert.ok(sim.events.some((e) => e.reason === 'RolloutAborted' && e.message === message));
  });

  const promotes: [string, (sim: Simulation) => void][] = [
    ['a promote that keeps controllerPause (aviary promote)', (sim) => { sim.promote(); }],
    ['a promote that clears controllerPause too', (sim) => { sim.rollout.status = { ...sim.rollout.status, pauseConditions: [], controllerPause: false }; }],
  ];
  for (const [name, promote] of promotes) {
    it(`an Inconclusive result is accepted by ${name}: the next step follows, the run is not repeated`, () => {
      const sim = updated(canary(steps), 'Inconclusive');
      assert.equal(sim.phase(), 'Paused');
      promote(sim);
      sim.settle();
      assert.equal(sim.phase(), 'Healthy');
      assert.equal(stableOf(sim), hashOf(sim));
      assert.equal(sim.runs.length, 1);
      assert.notEqual(sim.rollout.status?.controllerPause, true);
    });
  }

  it('a retry after an abort starts the analysis again with a new run (.1)', () => {
    const sim = updated(canary(steps), 'Failed');
    assert.equal(sim.phase(), 'Degraded');
    sim.runPhase = () => 'Successful';
    sim.rollout.status = { ...sim.rollout.status, abort: false };
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');
    const base = `web-${hashOf(sim)}-2-1`;
    assert.deepEqual(runNames(sim), [base, `${base}.1`]);
  });

  it('a manually paused Rollout still watches its run: a failure aborts', () => {
    const sim = updated(canary(steps), 'Running');
    sim.update((r) => { r.spec.paused = true; });
    sim.settle();
    sim.setRunPhase(runNames(sim)[0] ?? '', 'Failed');
    sim.settle();
    assert.equal(sim.phase(), 'Degraded');
    assert.equal(sim.rollout.status?.abort, true);
  });

  it('a step run still measuring is terminated by an abort, a new template, or a full promotion', () => {
    const stops: [string, (sim: Simulation) => void][] = [
      ['abort', (sim) => { sim.rollout.status = { ...sim.rollout.status, abort: true }; }],
      ['new template', (sim) => { setImage(sim, 'web:3'); }],
      ['promote full', (sim) => { sim.rollout.status = { ...sim.rollout.status, promoteFull: true }; }],
    ];
    for (const [name, stop] of stops) {
      const sim = updated(canary(steps), 'Running');
      const run = runNames(sim)[0] ?? '';
      stop(sim);
      sim.settle();
      assert.equal(sim.run(run)?.spec.terminate, true, name);
    }
  });

  it('a status write lost after a run was created does not create a second run', () => {
    const sim = updated(canary(steps), 'Running');
    const before = sim.rollout.status;
    // The run exists but the status naming it was never written.
    sim.rollout.status = { ...before, canary: {} };
    sim.settle();
    assert.equal(sim.runs.length, 1);
    assert.equal(sim.rollout.status.canary?.currentStepAnalysisRunStatus?.name, runNames(sim)[0]);
  });

  it('keeps successfulRunHistoryLimit successful runs of live ReplicaSets', () => {
    const sim = new Simulation(canary(steps, {}), []);
    sim.rollout.spec.analysis = { successfulRunHistoryLimit: 1 };
    sim.settle();
    for (const image of ['web:2', 'web:3', 'web:4']) {
      sim.advance(1000);
      setImage(sim, image);
      sim.settle();
    }
    assert.equal(sim.phase(), 'Healthy');
    assert.deepEqual(runNames(sim), [`web-${hashOf(sim)}-4-1`]);
  });
});

describe('canary background analysis', () => {
  const steps: CanaryStep[] = [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }];

  it('starts at startingStep, runs beside the steps and is terminated when the canary becomes stable', () => {
    const sim = new Simulation(canary(steps, { analysis: { ...check, startingStep: 1 } }));
    sim.settle();
    sim.runPhase = () => 'Running';
    setImage(sim, 'web:2');
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    const name = `web-${hashOf(sim)}-2`;
    assert.deepEqual(runNames(sim), [name]);
    assert.equal(sim.run(name)?.metadata.labels?.['rollout-type'], 'Background');
    assert.deepEqual(sim.rollout.status?.canary?.currentBackgroundAnalysisRunStatus, { name, status: 'Running' });
    sim.promote();
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');
    assert.equal(sim.run(name)?.spec.terminate, true);
    assert.equal(sim.rollout.status.canary, undefined);
  });

  it('waits for startingStep', () => {
    const sim = new Simulation(canary(steps, { analysis: { ...check, startingStep: 2 } }));
    sim.settle();
    setImage(sim, 'web:2');
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    assert.deepEqual(runNames(sim), []);
  });

  it('a failure in the middle of the steps aborts', () => {
    const sim = updated(canary(steps, { analysis: check }), 'Running');
    sim.setRunPhase(runNames(sim)[0] ?? '', 'Failed');
    sim.settle();
    assert.equal(sim.phase(), 'Degraded');
    assert.equal(sim.replicaCounts()[hashOf(sim)], 0);
    assert.equal(sim.rollout.status?.canary?.currentBackgroundAnalysisRunStatus?.status, 'Failed');
  });

  it('an Inconclusive result holds the steps; a promote accepts it and starts a fresh run', () => {
    const sim = new Simulation(canary([{ setWeight: 50 }, { setWeight: 100 }], { analysis: check }));
    sim.settle();
    sim.runPhase = () => 'Running';
    setImage(sim, 'web:2');
    sim.reconcile();
    sim.setRunPhase(runNames(sim)[0] ?? '', 'Inconclusive');
    sim.settle();
    assert.equal(sim.phase(), 'Paused');
    assert.equal(sim.rollout.status?.currentStepIndex, 0, 'the steps wait');
    sim.promote();
    sim.settle();
    assert.equal(sim.runs.length, 2);
    assert.equal(sim.phase(), 'Healthy');
  });
});

describe('blue-green analysis', () => {
  const services = ['active', 'preview'];
  const active = (sim: Simulation): string | undefined => sim.services.get('active')?.spec?.selector?.['rollouts-pod-template-hash'];

  it('pre-promotion: Successful lets the switch happen', () => {
    const sim = updated(blueGreen({ prePromotionAnalysis: check }), 'Successful', services);
    assert.equal(sim.phase(), 'Healthy');
    assert.equal(active(sim), hashOf(sim));
    assert.deepEqual(runNames(sim), [`web-${hashOf(sim)}-2-pre`]);
  });

  it('pre-promotion: Failed aborts, the active Service never leaves the old version', () => {
    const sim = new Simulation(blueGreen({ prePromotionAnalysis: check }), services);
    sim.settle();
    const blue = stableOf(sim);
    sim.runPhase = () => 'Failed';
    setImage(sim, 'web:2');
    sim.settle();
    assert.equal(sim.phase(), 'Degraded');
    assert.equal(active(sim), blue);
    assert.ok(!sim.events.some((e) => e.reason === 'SwitchService'));
    assert.equal(sim.rollout.status?.blueGreen?.prePromotionAnalysisRunStatus?.status, 'Failed');
  });

  it('pre-promotion: a promote before the analysis passed waits for it', () => {
    const sim = updated(blueGreen({ prePromotionAnalysis: check, autoPromotionEnabled: false }), 'Running', services);
    assert.equal(sim.phase(), 'Paused');
    sim.promote();
    sim.settle();
    assert.equal(sim.phase(), 'Progressing');
    assert.equal(sim.rollout.status?.message, 'waiting for analysis to complete');
    assert.notEqual(active(sim), hashOf(sim));
    sim.setRunPhase(runNames(sim)[0] ?? '', 'Successful');
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');
    assert.equal(active(sim), hashOf(sim));
  });

  it('pre-promotion: Inconclusive pauses, one promote accepts it and the manual promotion', () => {
    const sim = updated(blueGreen({ prePromotionAnalysis: check, autoPromotionEnabled: false }), 'Inconclusive', services);
    assert.deepEqual(sim.rollout.status?.pauseConditions?.map((c) => c.reason).sort(), ['BlueGreenPause', 'InconclusiveAnalysisRun']);
    sim.promote();
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');
  });

  it('post-promotion: the previous version stays at full size until it passes', () => {
    const sim = new Simulation(blueGreen({ postPromotionAnalysis: check }), services);
    sim.settle();
    const blue = stableOf(sim);
    sim.runPhase = () => 'Running';
    setImage(sim, 'web:2');
    sim.settle();
    const green = hashOf(sim);
    assert.equal(active(sim), green);
    assert.equal(stableOf(sim), blue);
    assert.deepEqual(sim.replicaCounts(), { [blue]: 2, [green]: 2 });
    assert.equal(sim.rollout.status?.message, 'waiting for analysis to complete');
    assert.deepEqual(runNames(sim), [`web-${green}-2-post`]);
    sim.setRunPhase(`web-${green}-2-post`, 'Successful');
    sim.settle();
    assert.equal(stableOf(sim), green);
    sim.advance(30_000);
    sim.settle();
    assert.deepEqual(sim.replicaCounts(), { [blue]: 0, [green]: 2 });
  });

  it('post-promotion: Failed aborts and switches the active Service back', () => {
    const sim = new Simulation(blueGreen({ postPromotionAnalysis: check }), services);
    sim.settle();
    const blue = stableOf(sim);
    sim.runPhase = () => 'Running';
    setImage(sim, 'web:2');
    sim.settle();
    sim.setRunPhase(runNames(sim)[0] ?? '', 'Error');
    sim.settle();
    assert.equal(sim.phase(), 'Degraded');
    assert.equal(active(sim), blue);
    assert.equal(stableOf(sim), blue);
    assert.ok(sim.events.some((e) => e.reason === 'AnalysisRunError' && e.type === 'Warning'));
  });

  it('a retry after a pre-promotion failure judges the preview again', () => {
    const sim = updated(blueGreen({ prePromotionAnalysis: check }), 'Failed', services);
    const blue = active(sim);
    sim.rollout.status = { ...sim.rollout.status, abort: false };
    sim.runPhase = () => 'Running';
    sim.settle();
    assert.equal(active(sim), blue, 'no switch before the new run passes');
    assert.equal(sim.runs.length, 2);
  });
});

/**
 * Drives real Rollouts into the states `aviary get` and `aviary list` must render well — a canary mid-way, a canary
 * paused at a step, an aborted canary, a blue-green rollout with its preview up, a Degraded rollout, a canary aborted
 * by a failed analysis after an earlier release passed it — with the real controller on the local cluster, and
 * captures each state's objects (Rollout, ReplicaSets, pods, and AnalysisRuns with their Jobs where the Rollout has
 * analysis) as the API server returns them. The snapshot tests (src/cli/render/snapshots.test.ts) render these captures.
 *
 * Every run checks that the states are reached and render as expected. To refresh the committed captures, run
 *   CAPTURE_CLI_FIXTURES=1 node --test --test-timeout=300000 --test-global-setup=test/support/global-setup.ts test/e2e/cli-fixtures.test.ts
 *   UPDATE_SNAPSHOTS=1 node --test src/cli/render/snapshots.test.ts
 * and review the diff of test/fixtures/cli/.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import type { Job, Pod, ReplicaSet } from '../../src/api/kubernetes.ts';
import type { Rollout } from '../../src/api/rollout.ts';
import { plainStyle } from '../../src/cli/render/text.ts';
import { renderRollout } from '../../src/cli/render/tree.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import type { CapturedState } from '../../src/view/captured-state.ts';
import { rolloutInfo } from '../../src/view/rollout.ts';
import { installAnalysisCrds } from '../support/controller.ts';
import { applyYaml } from '../support/kube.ts';
import { canaryManifest } from '../support/rollouts.ts';
import { useRolloutSuite } from '../support/rollout-suite.ts';

const capture = process.env.CAPTURE_CLI_FIXTURES === '1';
const fixtureDir = new URL('../fixtures/cli/', import.meta.url);

describe('CLI fixtures: Rollouts in representative states, captured from the controller', () => {
  const suite = useRolloutSuite('cli-fix', {
    dumpKinds: [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet'], ['v1', 'Pod'], ['v1', 'Service'], ['aviary.dev/v1alpha1', 'AnalysisRun'], ['batch/v1', 'Job']],
  });
  const { ns, rollouts } = suite;

  /**
   * The Rollout, its ReplicaSets and their pods, as raw JSON (managedFields dropped); with `analysis`, also its
   * AnalysisRuns and their Jobs (only then, so the captures of Rollouts without analysis keep their shape).
   */
  async function snapshot(name: string, options: { analysis?: boolean } = {}): Promise<CapturedState> {
    const client = new KubeClient(ns.kc);
    try {
      type Listed = { metadata?: { uid?: string; name?: string; managedFields?: unknown; ownerReferences?: { uid?: string }[] } };
      const strip = <T extends Listed>(obj: T): T => {
        delete obj.metadata?.managedFields;
        return obj;
      };
      const rollout = strip(await client.get<Rollout>(resourcePath('aviary.dev/v1alpha1', 'rollouts', ns.name, name)));
      const uid = rollout.metadata.uid;
      const owned = (o: Listed, uids: Set<string | undefined>): boolean => o.metadata?.ownerReferences?.some((r) => uids.has(r.uid)) === true;
      const byName = (a: Listed, b: Listed): number => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
      const listOwned = async <T extends Listed>(apiVersion: string, plural: string, uids: Set<string | undefined>): Promise<T[]> =>
        (await client.get<{ items: T[] }>(resourcePath(apiVersion, plural, ns.name))).items.filter((o) => owned(o, uids)).map(strip).sort(byName);
      const replicaSets = await listOwned<ReplicaSet>('apps/v1', 'replicasets', new Set([uid]));
      const pods = await listOwned<Pod>('v1', 'pods', new Set(replicaSets.map((rs) => rs.metadata?.uid)));
      const state: CapturedState = { capturedAt: new Date().toISOString(), rollout, replicaSets, pods };
      if (options.analysis === true) {
        state.analysisRuns = await listOwned<AnalysisRun>('aviary.dev/v1alpha1', 'analysisruns', new Set([uid]));
        state.jobs = await listOwned<Job>('batch/v1', 'jobs', new Set(state.analysisRuns.map((r) => r.metadata.uid)));
      }
      return state;
    } finally {
      client.close();
    }
  }

  /** Checks the capture renders as the state it stands for, and saves it when asked to. */
  async function keep(file: string, state: CapturedState, expected: RegExp[]): Promise<void> {
    const text = renderRollout(rolloutInfo({ ...state, now: new Date(state.capturedAt) }), { style: plainStyle, now: new Date(state.capturedAt) }).join('\n');
    for (const pattern of expected) assert.match(text, pattern, `${file} renders:\n${text}`);
    if (capture) await writeFile(new URL(file, fixtureDir), `${JSON.stringify(state, null, 2)}\n`);
  }

  const unschedulable = '{ "aviary.dev/no-such-node": "true" }';
  const setTemplate = async (name: string, image: string, nodeSelector?: string): Promise<void> => {
    const rollout = await rollouts.get(name);
    const template = structuredClone(rollout.spec.template ?? {});
    const spec = template.spec as { containers: { image?: string }[]; nodeSelector?: unknown };
    for (const c of spec.containers) c.image = image;
    if (nodeSelector !== undefined) spec.nodeSelector = JSON.parse(nodeSelector) as unknown;
    await rollouts.patchSpec(name, { template });
  };

  it('a canary mid-way: step 4/6 at 50%, waiting out a timed pause, with an older revision scaled down', async () => {
    await applyYaml(ns.kc, canaryManifest('midway', { replicas: 4, steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1h' } }, { setWeight: 75 }, { pause: {} }] }), ns.name);
    await rollouts.waitForPhase('midway', 'Healthy');
    await setTemplate('midway', 'app:2');
    await rollouts.waitFor('midway', 'revision 2 paused at step 2', (r) => r.status?.currentStepIndex === 1 && r.status.phase === 'Paused');
    await rollouts.patchStatus('midway', { promoteFull: true });
    await rollouts.waitFor('midway', 'promoted fully to app:2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash);
    await setTemplate('midway', 'app:3');
    await rollouts.waitFor('midway', 'paused at step 2', (r) => r.status?.currentStepIndex === 1 && r.status.phase === 'Paused');
    await rollouts.promote('midway');
    const state = await rollouts.waitFor('midway', 'the timed pause of step 4', (r) => r.status?.currentStepIndex === 3 && r.status.phase === 'Paused' && r.status.availableReplicas === 4);
    assert.equal(state.status?.message, 'CanaryPauseStep');
    await keep('canary-midway.json', await snapshot('midway'), [/Step: +3\/6 · pause: 1h \(\S+ left\)/, /SetWeight: +50/, /app:3 \(canary\)/, /app:2 \(stable\)/, /# revision:3/, /ScaledDown/]);
  });

  it('a canary paused at a pause step until promoted', async () => {
    await applyYaml(ns.kc, canaryManifest('paused', { replicas: 5, steps: [{ setWeight: 40 }, { pause: {} }] }), ns.name);
    await rollouts.waitForPhase('paused', 'Healthy');
    await setTemplate('paused', 'app:2');
    await rollouts.waitFor('paused', 'paused with 2 canary pods available', (r) => r.status?.phase === 'Paused' && r.status.availableReplicas === 5 && r.status.updatedReplicas === 2);
    await keep('canary-paused.json', await snapshot('paused'), [/Status: +॥ Paused/, /Message: +CanaryPauseStep/, /Step: +1\/2 · pause \(until promoted\)/, /ActualWeight: +40/]);
  });

  it('an aborted canary: Degraded, back on the stable ReplicaSet', async () => {
    await applyYaml(ns.kc, canaryManifest('aborted', { replicas: 3, steps: [{ setWeight: 34 }, { pause: {} }] }), ns.name);
    await rollouts.waitForPhase('aborted', 'Healthy');
    await setTemplate('aborted', 'app:2');
    await rollouts.waitForPhase('aborted', 'Paused');
    await rollouts.patchStatus('aborted', { abort: true });
    await rollouts.waitFor('aborted', 'aborted with the canary scaled down', (r) => r.status?.phase === 'Degraded' && r.status.updatedReplicas === 0 && r.status.availableReplicas === 3);
    await keep('canary-aborted.json', await snapshot('aborted'), [/Status: +✖ Degraded/, /RolloutAborted/, /SetWeight: +0/, /ScaledDown +\S+ +canary/]);
  });

  it('a blue-green rollout with its preview up, waiting for promotion', async () => {
    await applyYaml(ns.kc, `
apiVersion: v1
kind: Service
metadata: { name: bg-active }
spec: { selector: { app: bg }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: bg-preview }
spec: { selector: { app: bg }, ports: [{ port: 80 }] }
---
apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata: { name: bg }
spec:
  replicas: 3
  selector: { matchLabels: { app: bg } }
  template:
    metadata: { labels: { app: bg } }
    spec: { containers: [{ name: app, image: "app:1" }] }
  strategy:
    blueGreen: { activeService: bg-active, previewService: bg-preview, autoPromotionEnabled: false, previewReplicaCount: 1 }
`, ns.name);
    await rollouts.waitForPhase('bg', 'Healthy');
    await setTemplate('bg', 'app:2');
    await rollouts.waitFor('bg', 'paused with the preview available', (r) => r.status?.phase === 'Paused' && r.status.blueGreen?.previewSelector === r.status.currentPodHash && r.status.availableReplicas === 4);
    await keep('bluegreen-preview.json', await snapshot('bg'), [/Strategy: +BlueGreen/, /app:2 \(preview\)/, /app:1 \(stable, active\)/, /stable,active/, /preview/]);
  });

  it('a Degraded rollout: the new pods cannot be scheduled and the progress deadline passes', async () => {
    await applyYaml(ns.kc, canaryManifest('stuck', { replicas: 2, steps: [{ setWeight: 50 }, { pause: {} }], extra: '  progressDeadlineSeconds: 5' }), ns.name);
    await rollouts.waitForPhase('stuck', 'Healthy');
    await setTemplate('stuck', 'app:2', unschedulable);
    await rollouts.waitFor('stuck', 'ProgressDeadlineExceeded', (r) => r.status?.phase === 'Degraded' && (r.status.message ?? '').startsWith('ProgressDeadlineExceeded'), 60_000);
    await keep('degraded.json', await snapshot('stuck'), [/Status: +✖ Degraded/, /ProgressDeadlineExceeded/, /◷ Pending/, /ready:0\/1/]);
  });

  describe('with analysis', () => {
    /** The web metric: `GET /success-rate` answers `{"successRate": <rate>}`; the test sets the rate. */
    let rate = 1;
    let server: Server | undefined;
    let url = '';

    before(async () => {
      const listening = createServer((req, res) => {
        res.writeHead(req.url === '/success-rate' ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/success-rate' ? { successRate: rate } : { error: `no metric at ${req.url ?? ''}` }));
      });
      server = listening;
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${String((listening.address() as AddressInfo).port)}/success-rate`;
      await installAnalysisCrds(ns.kc);
      // The suite's controller may have started before the analysis CRDs existed (a fresh cluster): analysis is on
      // only for a controller started after them.
      await suite.restartController();
    });
    after(async () => {
      const listening = server;
      if (listening !== undefined) await new Promise((resolve) => listening.close(resolve));
    });

    it('a canary aborted by a failed analysis step, after the previous release passed the same steps', async () => {
      await applyYaml(ns.kc, `
apiVersion: aviary.dev/v1alpha1
kind: AnalysisTemplate
metadata: { name: smoke }
spec:
  metrics:
    - name: smoke
      provider:
        job:
          spec:
            backoffLimit: 0
            template:
              spec:
                restartPolicy: Never
                containers: [{ name: smoke, image: "busybox:1.36", command: [sh, -c, "exit 0"] }]
---
apiVersion: aviary.dev/v1alpha1
kind: AnalysisTemplate
metadata: { name: success-rate }
spec:
  metrics:
    - name: success-rate
      count: 3
      interval: 1s
      successCondition: result >= 0.95
      provider: { web: { url: "${url}", jsonPath: "{$.successRate}" } }
`, ns.name);
      const analysis = (template: string): Record<string, unknown> => ({ analysis: { templates: [{ templateName: template }] } });
      await applyYaml(ns.kc, canaryManifest('judged', { replicas: 2, steps: [{ setWeight: 50 }, analysis('smoke'), analysis('success-rate')] }), ns.name);
      await rollouts.waitForPhase('judged', 'Healthy');

      rate = 0.99;
      await setTemplate('judged', 'app:2');
      const passed = await rollouts.waitFor('judged', 'revision 2 through both analysis steps and stable', (r) =>
        r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash && r.status.currentStepIndex === 3 && r.status.updatedReplicas === 2);
      const good = passed.status?.stableRS ?? '';

      rate = 0.42;
      await setTemplate('judged', 'app:3');
      const aborted = await rollouts.waitFor('judged', 'aborted with the canary scaled down', (r) =>
        r.status?.phase === 'Degraded' && r.status.abort === true && r.status.updatedReplicas === 0 && r.status.availableReplicas === 2, 120_000);
      const bad = aborted.status?.currentPodHash ?? '';
      assert.match(aborted.status?.message ?? '', new RegExp(`^RolloutAborted: Rollout aborted update to revision 3: AnalysisRun "judged-${bad}-3-2" Failed`));

      const state = await snapshot('judged', { analysis: true });
      assert.deepEqual(
        (state.analysisRuns ?? []).map((r) => `${r.metadata.name ?? ''} ${r.status?.phase ?? ''}`).sort(),
        [`judged-${good}-2-1 Successful`, `judged-${good}-2-2 Successful`, `judged-${bad}-3-1 Successful`, `judged-${bad}-3-2 Failed`].sort(),
      );
      assert.equal(state.jobs?.length, 2, 'one smoke Job per release');
      await keep('canary-analysis-failed.json', state, [
        /Status: +✖ Degraded/,
        /AnalysisRun "judged-\S+-3-2" Failed/,
        /Step: +\d\/3 · aborted/,
        /α judged-\S+-3-2 +AnalysisRun +✖ Failed +\S+ +✖ 1$/m,
        /α judged-\S+-2-2 +AnalysisRun +✔ Successful +\S+ +✔ 3$/m,
        /⊞ \S+\.smoke\.1 +Job +✔ Successful/,
        /app:2 \(stable\)/,
      ]);
    });
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ApiException, AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { Rollout } from '../../src/api/rollout.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { kubeConfig } from '../support/kube.ts';

const aviary = new URL('../../bin/aviary', import.meta.url).pathname;
const kc = kubeConfig();
const created: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `aviary demo` as a user would, without a terminal, and returns what it printed. */
function demo(args: string[], timeoutMs = 240_000, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(aviary, ['demo', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aviary demo ${args.join(' ')} did not finish in ${timeoutMs} ms\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function namespace(prefix: string): string {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  created.push(name);
  return name;
}

async function rollout(ns: string): Promise<Rollout> {
  const client = new KubeClient(kc);
  try {
    return await client.get<Rollout>(resourcePath('aviary.dev/v1alpha1', 'rollouts', ns, 'web'));
  } finally {
    client.close();
  }
}

/** The Rollout is Healthy on the released image, and that image's ReplicaSet is the stable one with every pod. */
async function assertReleased(ns: string, replicas: number): Promise<void> {
  const ro = await rollout(ns);
  assert.equal(ro.status?.phase, 'Healthy');
  assert.equal(ro.status.observedGeneration, String(ro.metadata.generation));
  assert.equal(ro.spec.template?.spec?.containers[0]?.image, 'nginx:1.28-alpine');
  const stable = await kc.makeApiClient(AppsV1Api).readNamespacedReplicaSet({ name: `web-${ro.status.stableRS ?? ''}`, namespace: ns });
  assert.equal(ro.status.stableRS, ro.status.currentPodHash);
  assert.equal(stable.spec?.template?.spec?.containers[0]?.image, 'nginx:1.28-alpine');
  assert.equal(stable.status?.readyReplicas, replicas);
}

const explain = (run: Run): string => `exit ${String(run.code)}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;

/** What the demo measured of its real traffic through the lab's gateway at one point: `label: v answered N% ...`. */
function measured(run: Run, label: string): { share: number; responses: number; errors: number } {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`↳ traffic ${escaped}: 1\\.28-alpine answered ([\\d.]+)% of (\\d+) responses, errors ([\\d.]+)%`).exec(run.stdout);
  assert.ok(match !== null, `a traffic line "${label}"\n${explain(run)}`);
  return { share: Number(match[1]), responses: Number(match[2]), errors: Number(match[3]) };
}

/** Measured shares are real traffic: Traefik balances exactly by pods, the window's edges blur a point or two. */
function assertShare(run: Run, label: string, expected: number, errors = 0): void {
  const m = measured(run, label);
  assert.ok(m.responses >= 100, `${label}: ${String(m.responses)} responses measured`);
  assert.ok(Math.abs(m.share - expected) <= 8, `${label}: the new version answered ${String(m.share)}%, expected about ${String(expected)}%\n${explain(run)}`);
  if (errors === 0) assert.equal(m.errors, 0, `${label}: no errors\n${explain(run)}`);
  else assert.ok(Math.abs(m.errors - errors) <= 5, `${label}: errors ${String(m.errors)}%, expected about ${String(errors)}%\n${explain(run)}`);
}

describe('aviary demo', () => {
  after(async () => {
    const core = kc.makeApiClient(CoreV1Api);
    for (const name of created) {
      await core.deleteNamespace({ name }).catch((error: unknown) => {
        if (!(error instanceof ApiException && error.code === 404)) throw error;
      });
    }
  });

  it('releases the canary example step by step, promotes its indefinite pause and ends Healthy', async () => {
    const ns = namespace('demo');
    const run = await demo(['--no-interactive', '--namespace', ns]);
    assert.equal(run.code, 0, explain(run));
    const lines = run.stdout.split('\n');
    const release = lines.findIndex((l) => l.startsWith('Releasing nginx:1.28-alpine'));
    assert.ok(release > 0, explain(run));
    const progress = lines.slice(release + 1);
    // Every step shows up in order, with the weight it sets.
    let at = 0;
    for (const [step, text] of [[1, 'setWeight 20'], [2, 'setWeight 20  pause 3s'], [3, 'setWeight 40'], [4, 'setWeight 40  pause until promoted'], [5, 'setWeight 80'], [6, 'setWeight 80  pause 3s']] as const) {
      const found = progress.findIndex((l, i) => i >= at && l.includes(`step ${step}/6  ${text}`));
      assert.ok(found >= 0, `step ${step}/6 (${text}) after line ${at}\n${explain(run)}`);
      at = found;
    }
    assert.ok(progress.some((l) => l.includes('stable r1 4/4  canary r2 1/1')), `20% of 5 replicas is 1 canary pod\n${explain(run)}`);
    assert.ok(progress.some((l) => l.includes('step 4/6 (pause until promoted): promoting in')), explain(run));
    assert.ok(progress.some((l) => l.includes('▶ promoted')), explain(run));
    const lastProgress = progress.filter((l) => l.startsWith('[') && !l.includes('↳ traffic')).at(-1) ?? '';
    assert.match(lastProgress, /stable r2 5\/5 {3}steps 6\/6 done {2}setWeight 100 {3}Healthy$/, explain(run));
    assert.match(run.stdout, /✔ Rollout web is Healthy: nginx:1\.28-alpine is stable \(revision 2\)/);
    assert.match(run.stdout, /npx aviary cluster down/);
    assert.match(run.stdout, new RegExp(`get rollouts\\.aviary\\.dev,replicasets,pods -n ${ns}`));
    assert.match(run.stderr, /local cluster is running/);
    assert.match(run.stdout, /traffic: 100 requests\/s through the lab's gateway \(http:\/\/127\.0\.0\.1:\d+, Host demo-[0-9a-f]+\.web\.local\); 1\.27-alpine answers 100%/, explain(run));
    assertShare(run, 'at setWeight 20', 20);
    assertShare(run, 'at setWeight 40', 40);
    assertShare(run, 'at setWeight 80', 80);
    assertShare(run, 'after the release', 100);
    await assertReleased(ns, 5);
  });

  it('releases the blue-green example through its promotion pause', async () => {
    const ns = namespace('demo-bg');
    const run = await demo(['--no-interactive', '--scenario', 'bluegreen', '--namespace', ns]);
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stdout, /active r1 3\/3 {2}preview r2 3\/3 {3}Paused: BlueGreenPause/);
    assert.match(run.stdout, /blue-green pause before promotion: promoting in/);
    assert.match(run.stdout, /active r2 3\/3 .*Healthy/);
    // The users' Ingress goes to the active Service: nothing of the new version before promotion, all of it after.
    assertShare(run, 'before promotion', 0);
    assertShare(run, 'after the release', 100);
    await assertReleased(ns, 3);
  });

  it('--scenario gateway: the HTTPRoute\'s weights carry each step exactly, whatever the pod counts', async () => {
    const ns = namespace('demo-gw');
    const run = await demo(['--no-interactive', '--scenario', 'gateway', '--namespace', ns]);
    assert.equal(run.code, 0, explain(run));
    // The stable keeps its 5 pods: at 60% (3 canary pods) a split by pods would give 3 of 8, 37%.
    assert.ok(run.stdout.includes('stable r1 5/5  canary r2 1/1   step 3/7  setWeight 10  pause 3s'), `ceil(10% × 5) = 1 canary pod, the stable stays at 5\n${explain(run)}`);
    assertShare(run, 'at setWeight 10', 10);
    assertShare(run, 'at setWeight 30', 30);
    assertShare(run, 'at setWeight 60', 60);
    assertShare(run, 'after the release', 100);
    await assertReleased(ns, 5);
  });

  it('--failing: a real Prometheus metric fails the canary\'s analysis and the Rollout rolls it back by itself', async () => {
    const ns = namespace('demo-fail');
    const run = await demo(['--no-interactive', '--failing', '--namespace', ns]);
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stderr, /Prometheus at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(run.stdout, /Releasing nginx:1\.28-alpine \(was nginx:1\.27-alpine\): a version that answers 30% of its requests with HTTP 500/);
    // 1 of 4 pods answers 30% errors: 7.5% of all responses, really answered; none once it is rolled back.
    assertShare(run, 'at setWeight 25', 25, 7.5);
    assertShare(run, 'after the rollback', 0);
    assert.match(run.stdout, /step 2\/4 {2}setWeight 25 {3}analysis Running/, explain(run));
    assert.match(run.stdout, /✔ the analysis failed the release and Aviary rolled it back: RolloutAborted: .*AnalysisRun "web-[a-z0-9]+-2-1" Failed: Metric "error-rate" assessed Failed/, explain(run));

    // What the cluster holds afterwards: the Rollout aborted on the old stable, the canary empty, the run Failed on
    // a measured error rate well above the 5% the template allows.
    const ro = await rollout(ns);
    assert.equal(ro.status?.phase, 'Degraded');
    assert.equal(ro.status.abort, true);
    assert.notEqual(ro.status.stableRS, ro.status.currentPodHash);
    const apps = kc.makeApiClient(AppsV1Api);
    assert.equal((await apps.readNamespacedReplicaSet({ name: `web-${ro.status.currentPodHash ?? ''}`, namespace: ns })).spec?.replicas, 0);
    assert.equal((await apps.readNamespacedReplicaSet({ name: `web-${ro.status.stableRS ?? ''}`, namespace: ns })).status?.readyReplicas, 4);
    const client = new KubeClient(kc);
    try {
      const runName = ro.status.canary?.currentStepAnalysisRunStatus?.name ?? '';
      const analysis = await client.get<{ status?: { phase?: string; metricResults?: { measurements?: { phase?: string; value?: string }[] }[] } }>(resourcePath('aviary.dev/v1alpha1', 'analysisruns', ns, runName));
      assert.equal(analysis.status?.phase, 'Failed');
      const failed = analysis.status.metricResults?.[0]?.measurements?.find((m) => m.phase === 'Failed');
      assert.ok(failed !== undefined, JSON.stringify(analysis.status));
      assert.ok(Number(/[\d.]+/.exec(failed.value ?? '')?.[0]) > 0.05, `measured ${failed.value ?? ''}`);
    } finally {
      client.close();
    }
  });

  it('--scenario flagger: the Canary of examples/flagger in flagger.app, its measured shares at 25% and 50%, promoted', async () => {
    const ns = namespace('demo-fl');
    const run = await demo(['--no-interactive', '--scenario', 'flagger', '--namespace', ns]);
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stdout, /Initialized - Deployment initialization completed\./);
    assert.match(run.stdout, /Progressing - weight 25, failed checks 0\/5/);
    assert.match(run.stdout, /Progressing - weight 50, failed checks 0\/5/);
    assert.match(run.stdout, /Succeeded - Canary analysis completed successfully, promotion finished\./);
    assert.doesNotMatch(run.stdout, /Invalid/, 'the Canary never waited for its target');
    const share = (label: string): number => {
      const match = new RegExp(`↳ traffic ${label}: 6\\.7\\.2 answered ([\\d.]+)% of (\\d+) responses, errors 0%`).exec(run.stdout);
      assert.ok(match !== null && Number(match[2]) >= 100, `a traffic line "${label}"\n${explain(run)}`);
      return Number(match[1]);
    };
    for (const [label, expected] of [['at canary weight 25', 25], ['at canary weight 50', 50], ['after the promotion', 100]] as const) {
      assert.ok(Math.abs(share(label) - expected) <= 8, `${label}: about ${String(expected)}%\n${explain(run)}`);
    }
    assert.match(run.stdout, /✔ Canary podinfo promoted ghcr\.io\/stefanprodan\/podinfo:6\.7\.2 into podinfo-primary/);
    const client = new KubeClient(kc);
    try {
      const primary = await client.get<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(resourcePath('apps/v1', 'deployments', ns, 'podinfo-primary'));
      assert.equal(primary.spec.template.spec.containers[0]?.image, 'ghcr.io/stefanprodan/podinfo:6.7.2');
    } finally {
      client.close();
    }
  });

  it('recreates its own namespace on a second run, and refuses a namespace it did not create', async () => {
    const ns = created[0] ?? namespace('demo');
    const again = await demo(['--no-interactive', '--namespace', ns, '--timeout', '3m']);
    assert.equal(again.code, 0, explain(again));
    assert.match(again.stderr, new RegExp(`deleting namespace ${ns} left by an earlier demo`));
    const ro = await rollout(ns);
    assert.equal(ro.status?.stableRS, ro.status?.currentPodHash);

    const refused = await demo(['--no-interactive', '--namespace', 'default'], 60_000);
    assert.equal(refused.code, 64, explain(refused));
    assert.match(refused.stderr, /namespace default exists and was not created by aviary demo/);
  });

  it('says clearly when the local cluster cannot start', async () => {
    // A second cluster in a state directory of its own, on the ports the running one holds: up() must refuse at once.
    const dir = await mkdtemp(join(tmpdir(), 'aviary-demo-'));
    try {
      const base = new URL(kc.getCurrentCluster()?.server ?? '').port;
      const run = await demo(['--no-interactive', '--namespace', 'demo-never'], 120_000, { AVIARY_CLUSTER_DIR: dir, AVIARY_CLUSTER_PORT_BASE: base });
      assert.equal(run.code, 64, explain(run));
      assert.match(run.stderr, /the local cluster could not start: port \d+ \(etcd\) is in use/);
      assert.match(run.stderr, /--kubeconfig/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a timeout with exit code 2', async () => {
    const run = await demo(['--no-interactive', '--namespace', namespace('demo-to'), '--timeout', '2s'], 60_000);
    assert.equal(run.code, 2, explain(run));
    assert.match(run.stderr, /timed out after 2s waiting for/);
  });
});

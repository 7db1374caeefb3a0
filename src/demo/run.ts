/**
 * `aviary demo`: a whole release on the local cluster, watched live. Brings the cluster up when needed, installs
 * the CRDs, runs the controller in this process, deploys an example, releases a new image and shows every change
 * of the Rollout and its ReplicaSets until it is Healthy, promoting through pauses that wait for a promote. With
 * analysis (`--scenario canary-analysis`, `--failing`), a real Prometheus judges the release; `--failing` releases a
 * version that fails requests and ends when the analysis has rolled it back.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import pc from 'picocolors';
import type { CustomResourceDefinition } from '../api/crd.ts';
import { aviaryGroup, groupOfApiVersion } from '../api/groups.ts';
import type { Rollout } from '../api/rollout.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { status as clusterStatus } from '../cluster/control-plane.ts';
import { applyObjects, CrdWaitTimeout, installCrds } from '../install/apply.ts';
import { installManifests } from '../install/manifests.ts';
import { startRolloutController, type RunningController } from '../rollout/run.ts';
import { loadKubeConnection, type KubeConnection } from '../runtime/kubeconfig.ts';
import { createLogger } from '../runtime/logger.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { isNotFound, KubeClient, resourcePath } from '../runtime/rest.ts';
import { formatDuration } from '../util/duration.ts';
import { RolloutObserver, type ObservedState } from './observer.ts';
import { indefinitePause, promote, type IndefinitePause } from './promote.ts';
import { formatView, progressView, type Paint } from './render.ts';
import { failingErrorRatio, needsPrometheus, pointAtPrometheus, startDemoMetrics, type DemoMetrics } from './metrics.ts';
import { loadExample, scenario, type ScenarioName } from './scenarios.ts';
import { podTemplateHashLabel, revisionAnnotation } from '../api/labels.ts';
import { currentLayout, labStatus, labUp } from '../lab/lab.ts';
import { hostAddress } from '../lab/layout.ts';
import { LabUnavailable } from '../lab/netns.ts';
import { imageVersion } from '../lab/runtime/desired.ts';
import { upWithLab } from '../lab/stack.ts';
import { holdOf, measureWindowMs, startDemoTraffic, trafficLine, withNamespacedHosts, type DemoTraffic } from './traffic.ts';

/** Marks namespaces the demo created, the only ones it will delete to start afresh. */
export const demoNamespaceLabel = 'aviary.dev/demo';

export interface DemoOptions {
  scenario: ScenarioName;
  namespace: string;
  /** For the demo's own work, from installing the CRDs to Healthy; starting the cluster is not counted. */
  timeoutMs: number;
  /** Wait for Enter at pauses that need a promote; otherwise promote after promoteDelayMs. */
  interactive: boolean;
  promoteDelayMs?: number;
  /** Release a version that fails its analysis; the demo succeeds when the Rollout has rolled it back. */
  failing?: boolean;
  /** Use this cluster instead of the local one. */
  kubeconfig?: string;
  context?: string;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
}

export interface DemoResult {
  connection: KubeConnection;
  local: boolean;
  elapsedMs: number;
  releaseMs: number;
}

type Phase = 'first deploy' | 'release';

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const paint: Paint = pc.createColors(out.isTTY === true);
  const progress = (message: string): void => {
    err.write(`${paint.dim('•')} ${message}\n`);
  };
  const say = (message: string): void => {
    out.write(`${paint.dim(elapsed(started))} ${message}\n`);
  };

  const { connection, local, gatewayUrl } = await clusterConnection(options, progress);
  const { namespace } = options;
  const example = await loadExample(scenario(options.scenario).directory);
  const group = groupOfApiVersion(example.rollout.apiVersion ?? '') ?? aviaryGroup;
  const name = example.rollout.metadata.name ?? '';
  const nextImage = scenario(options.scenario).nextImage;

  const timeout = AbortSignal.timeout(options.timeoutMs);
  const client = new KubeClient(connection, { userAgent: 'aviary-demo' });
  const observer = new RolloutObserver(client, { apiVersion: `${group.name}/${group.version}`, namespace, name });
  const failing = options.failing === true;
  let controller: RunningController | undefined;
  let metrics: DemoMetrics | undefined;
  let traffic: DemoTraffic | undefined;
  let phase: Phase = 'first deploy';
  let lastLine = '';
  let hold: { key: string; label: string } | undefined;
  const released = imageVersion(nextImage);
  const stopRendering = observer.onChange((state) => {
    const line = render(state, paint);
    if (line === undefined || line.plain === lastLine) return;
    lastLine = line.plain;
    say(line.painted);
    if (traffic === undefined || phase !== 'release' || state.rollout === undefined) return;
    // What the traffic did while the Rollout held still, printed when the hold ends: the share the weight promised
    // next to the share the new version really answered.
    const next = holdOf(state.rollout);
    if (next?.key === hold?.key) return;
    const measured = traffic.mark();
    if (hold !== undefined) say(paint.cyan(`  ↳ traffic ${trafficLine(hold.label, measured, released)}`));
    hold = next;
  });

  try {
    const crds = installManifests({ controller: false, compat: group === aviaryGroup ? [] : [group] }) as CustomResourceDefinition[];
    await installCrds(client, crds, { timeoutMs: options.timeoutMs, signal: timeout });
    progress(`CRD ${crds.map((c) => c.metadata.name).join(', ')} installed`);
    await recreateNamespace(client, namespace, timeout, progress);

    const logger = createLogger({ level: process.env.AVIARY_LOG_LEVEL ?? 'error', pretty: false, destination: err, name: 'aviary-controller' });
    controller = await startRolloutController({ kubeConfig: connection, namespace, groups: [group], logger });
    progress(`controller running in this process, reconciling Rollouts in namespace ${namespace}`);
    await observer.start(timeout);
    let rollout = example.rollout;
    if (needsPrometheus(rollout)) {
      if (gatewayUrl === undefined) {
        throw new ExitError(`examples/${options.scenario} judges the release by the requests its pods answer, which needs the local cluster's traffic lab (see docs/lab.md); run it on the local cluster as root`, ExitCode.usage);
      }
      const layout = await currentLayout();
      metrics = await startDemoMetrics({ targets: [hostAddress(layout, 'runtimeMetrics'), hostAddress(layout, 'gatewayMetrics')], progress });
      rollout = pointAtPrometheus(rollout, metrics.prometheusUrl);
    }
    const { objects: others, hosts } = withNamespacedHosts(example.others, namespace);

    out.write(`\n${paint.bold(`Deploying examples/${options.scenario} (Rollout ${name}, ${example.rollout.spec.replicas ?? 1} replicas) into namespace ${namespace}`)}\n`);
    await applyObjects(client, others, { namespace, signal: timeout, onApplied: (_o, what) => { progress(`applied ${what}`); } });
    const [applied] = await applyObjects(client, [rollout], { namespace, signal: timeout, onApplied: (_o, what) => { progress(`applied ${what}`); } });
    await untilHealthy(observer, applied?.metadata.generation ?? 1, timeout);
    const container = example.rollout.spec.template?.spec?.containers[0];
    const [host] = hosts;
    if (gatewayUrl !== undefined && host !== undefined) {
      traffic = startDemoTraffic({ gatewayUrl, host, rps: trafficRps, maxDurationMs: options.timeoutMs });
      const serving = await untilAnswered(traffic, timeout);
      say(`traffic: ${String(trafficRps)} requests/s through the lab's gateway (${gatewayUrl}, Host ${host}); ${serving}`);
    } else {
      progress(gatewayUrl === undefined ? 'no traffic: the traffic lab is not running (docs/lab.md)' : 'no traffic: the example has no Ingress');
    }

    phase = 'release';
    out.write(`\n${paint.bold(`Releasing ${nextImage} (was ${container?.image ?? '?'})${failing ? `: a version that answers ${String(failingErrorRatio * 100)}% of its requests with HTTP 500` : ''}`)}\n`);
    const stableBefore = observer.state().rollout?.status?.stableRS;
    const releaseStarted = Date.now();
    // The bad version is bad in its own pod spec: the lab's pod runtime answers errors for pods that ask for them.
    const badVersion = failing ? [{ op: 'add', path: '/spec/template/spec/containers/0/env', value: [...(container?.env ?? []), { name: 'AVIARY_LAB_ERROR_RATIO', value: String(failingErrorRatio) }] }] : [];
    const updated = await client.request<Rollout>({
      method: 'PATCH',
      path: resourcePath(`${group.name}/${group.version}`, 'rollouts', namespace, name),
      body: [
        { op: 'test', path: '/spec/template/spec/containers/0/name', value: container?.name },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: nextImage },
        ...badVersion,
      ],
      contentType: 'application/json-patch+json',
      signal: timeout,
    });
    const release = { observer, client, generation: updated.metadata.generation ?? 1, signal: timeout, interactive: options.interactive, promoteDelayMs: options.promoteDelayMs ?? 2000, say, paint, stdin: options.stdin ?? process.stdin };
    if (failing) {
      const rolledBack = await releaseUntilRolledBack(release, stableBefore);
      const releaseMs = Date.now() - releaseStarted;
      if (traffic !== undefined) say(paint.cyan(`  ↳ traffic ${await settledTraffic(traffic, { released, answering: (version) => version !== released, label: 'after the rollback' }, timeout)}`));
      out.write(`\n${paint.green('✔')} ${paint.bold(`the analysis failed the release and Aviary rolled it back`)}: ${rolledBack}; ` +
        `the stable version keeps serving (revision ${revisionOf(observer.state(), stableBefore)}). The release took ${seconds(releaseMs)}, the whole demo ${seconds(Date.now() - started)}.\n`);
      return { connection, local, elapsedMs: Date.now() - started, releaseMs };
    }
    await releaseUntilHealthy(release);

    const final = observer.state().rollout;
    const releaseMs = Date.now() - releaseStarted;
    if (traffic !== undefined) say(paint.cyan(`  ↳ traffic ${await settledTraffic(traffic, { released, answering: (version) => version === released, label: 'after the release' }, timeout)}`));
    out.write(`\n${paint.green('✔')} ${paint.bold(`Rollout ${name} is Healthy`)}: ${nextImage} is stable (revision ${revisionOf(observer.state(), final?.status?.stableRS)}); ` +
      `the release took ${seconds(releaseMs)}, the whole demo ${seconds(Date.now() - started)}.\n`);
    return { connection, local, elapsedMs: Date.now() - started, releaseMs };
  } catch (error) {
    if (timeout.aborted) {
      const what = phase === 'first deploy' ? `the first deploy of Rollout ${name}` : `the release of ${nextImage}`;
      throw new ExitError(`timed out after ${formatDuration(options.timeoutMs)} waiting for ${what} to become Healthy${lastLine === '' ? '' : ` (last seen: ${lastLine})`}`, ExitCode.timeout, { cause: error });
    }
    if (error instanceof CrdWaitTimeout) throw new ExitError(error.message, ExitCode.timeout, { cause: error });
    if (error instanceof ExitError) throw error;
    throw new ExitError(`demo failed: ${error instanceof Error ? error.message : String(error)}`, ExitCode.failed, { cause: error });
  } finally {
    stopRendering();
    await traffic?.stop();
    await observer.stop();
    await controller?.stop();
    await metrics?.stop();
    client.close();
  }
}

/** Closing words: how to look around and how to stop. */
export function demoEpilogue(result: DemoResult, namespace: string, kinds = 'rollouts.aviary.dev,replicasets,pods'): string {
  const kubectl = result.local ? 'npx aviary cluster kubectl' : 'kubectl';
  const lines = [
    '',
    'Look around:',
    `  ${kubectl} get ${kinds} -n ${namespace}`,
    `  ${kubectl} get events -n ${namespace} --sort-by=.lastTimestamp`,
  ];
  if (result.local) lines.push('', 'The local cluster keeps running. Stop it with:', '  npx aviary cluster down');
  return `${lines.join('\n')}\n`;
}

interface DemoCluster {
  connection: KubeConnection;
  local: boolean;
  /** The traffic lab's gateway on the host, when the lab runs. */
  gatewayUrl?: string;
}

export async function clusterConnection(options: DemoOptions, progress: (message: string) => void): Promise<DemoCluster> {
  if (options.kubeconfig !== undefined || options.context !== undefined) {
    const connection = loadKubeConnection({ kubeconfig: options.kubeconfig, context: options.context });
    progress(`using the cluster at ${connection.server}`);
    return { connection, local: false };
  }
  const report = await clusterStatus();
  let file = report.kubeconfig;
  let gatewayUrl: string | undefined;
  if (report.components.every((c) => c.healthy)) {
    progress('local cluster is running');
    gatewayUrl = await ensureLab(file, progress);
  } else {
    progress('starting the local cluster (the very first start also builds it from source: 15–25 minutes)');
    try {
      const result = await upWithLab({ nodes: 3, lab: true, progress });
      file = result.cluster.kubeconfig;
      gatewayUrl = result.lab?.gatewayUrl;
      progress(`local cluster ready in ${seconds(result.cluster.elapsedMs)}`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ExitError(
        `the local cluster could not start: ${reason}\n` +
          'Fix the cause above and run the demo again, or run it on another cluster with --kubeconfig <file>.',
        error instanceof ExitError ? error.exitCode : ExitCode.failed,
        { cause: error },
      );
    }
  }
  return { connection: loadKubeConnection({ kubeconfig: file }), local: true, ...(gatewayUrl === undefined ? {} : { gatewayUrl }) };
}

/** The lab on a running cluster: already up, or started now; undefined (with the reason said) where it cannot run. */
async function ensureLab(kubeconfig: string, progress: (message: string) => void): Promise<string | undefined> {
  const lab = await labStatus();
  if (lab.present && lab.components.every((c) => c.healthy)) return lab.gatewayUrl;
  try {
    return (await labUp({ kubeconfig, progress })).gatewayUrl;
  } catch (error) {
    if (!(error instanceof LabUnavailable)) throw error;
    progress(`the traffic lab stays off: ${error.message}`);
    return undefined;
  }
}

/** The demo's request rate: enough for a share within a point or two over a 3 s window, little for the machine. */
export const trafficRps = 100;

/**
 * Waits until the gateway answers every request through the example's Ingress (the gateway has programmed the
 * route: until then it answers 404); says who answers.
 */
export async function untilAnswered(traffic: DemoTraffic, signal: AbortSignal): Promise<string> {
  for (;;) {
    const latest = traffic.latest();
    if (latest.total > 0 && latest.byCode['200'] === latest.total) {
      return Object.entries(latest.versionShare).map(([version, share]) => `${version} answers ${(share * 100).toFixed(0)}%`).join(', ');
    }
    await sleep(100, undefined, { signal });
  }
}

/**
 * The traffic once the release has settled: waits (at most 10 s) until the last second's answers all come from the
 * version that should answer now — the gateway's endpoints follow the ReplicaSets and Services by a moment — then
 * measures one fresh window, which may still show stragglers: it is a measurement, not a formality.
 */
export async function settledTraffic(
  traffic: DemoTraffic,
  expect: { released: string; answering: (version: string) => boolean; label: string },
  signal: AbortSignal,
): Promise<string> {
  const settled = (): boolean => {
    const versions = Object.keys(traffic.latest().byVersion);
    return versions.length > 0 && versions.every(expect.answering);
  };
  const deadline = Date.now() + 10_000;
  while (!settled() && Date.now() < deadline) await sleep(100, undefined, { signal });
  traffic.mark();
  await sleep(measureWindowMs, undefined, { signal });
  return trafficLine(expect.label, traffic.mark(), expect.released);
}

interface NamespaceObject {
  metadata?: { labels?: Record<string, string>; deletionTimestamp?: string };
}

/** A fresh namespace for the demo; one left by an earlier demo is deleted first, any other is refused. */
export async function recreateNamespace(client: KubeClient, namespace: string, signal: AbortSignal, progress: (message: string) => void): Promise<void> {
  const path = resourcePath('v1', 'namespaces', undefined, namespace);
  const existing = await client.get<NamespaceObject>(path, undefined, signal).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (existing !== undefined) {
    if (existing.metadata?.labels?.[demoNamespaceLabel] !== 'true') {
      throw new ExitError(`namespace ${namespace} exists and was not created by aviary demo; pass another --namespace (the demo deletes and recreates its namespace)`, ExitCode.usage);
    }
    progress(`deleting namespace ${namespace} left by an earlier demo`);
    if (existing.metadata.deletionTimestamp === undefined) {
      await client.delete(path, undefined, signal).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
    await pollUntil(() => client.get(path, undefined, signal).then(() => false, (error: unknown) => {
      if (isNotFound(error)) return true;
      throw error;
    }), signal);
  }
  await client.create(resourcePath('v1', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [demoNamespaceLabel]: 'true' } } }, signal);
  // Pods cannot be created before the namespace's default ServiceAccount exists.
  const serviceAccount = resourcePath('v1', 'serviceaccounts', namespace, 'default');
  await pollUntil(() => client.get(serviceAccount, undefined, signal).then(() => true, (error: unknown) => {
    if (isNotFound(error)) return false;
    throw error;
  }), signal);
  progress(`namespace ${namespace} created`);
}

/** For the namespace's life cycle only, which has nothing to watch cheaply; the Rollout itself is watched. */
async function pollUntil(check: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  while (!(await check())) await sleep(200, undefined, { signal });
}

function render(state: ObservedState, paint: Paint): { plain: string; painted: string } | undefined {
  if (state.rollout === undefined) return undefined;
  const view = progressView(state.rollout, state.replicaSets);
  return { plain: formatView(view), painted: formatView(view, paint) };
}

/** The Rollout has acted on `generation` (or later) and reached a final phase. */
function outcome(rollout: DeepReadonly<Rollout> | undefined, generation: number): 'healthy' | 'degraded' | undefined {
  if (rollout === undefined) return undefined;
  const current = rollout.metadata.generation ?? 0;
  if (current < generation || rollout.status?.observedGeneration !== String(current)) return undefined;
  if (rollout.status.phase === 'Degraded') return 'degraded';
  if (rollout.status.phase === 'Healthy' && rollout.status.stableRS === rollout.status.currentPodHash) return 'healthy';
  return undefined;
}

function degraded(rollout: DeepReadonly<Rollout> | undefined): ExitError {
  return new ExitError(`Rollout ${rollout?.metadata.name ?? ''} is Degraded: ${rollout?.status?.message ?? 'no message'}`, ExitCode.failed);
}

async function untilHealthy(observer: RolloutObserver, generation: number, signal: AbortSignal): Promise<void> {
  const result = await observer.until((state) => outcome(state.rollout, generation), signal);
  if (result === 'degraded') throw degraded(observer.state().rollout);
}

interface ReleaseOptions {
  observer: RolloutObserver;
  client: KubeClient;
  generation: number;
  signal: AbortSignal;
  interactive: boolean;
  promoteDelayMs: number;
  say: (message: string) => void;
  paint: Paint;
  stdin: NodeJS.ReadableStream;
}

/** Follows the release to Healthy, promoting each pause that waits for a promote (once). */
async function releaseUntilHealthy(options: ReleaseOptions): Promise<void> {
  const { observer, generation, signal } = options;
  const promoted = new Set<string>();
  for (;;) {
    const { rollout } = observer.state();
    const result = outcome(rollout, generation);
    if (result === 'healthy') return;
    if (result === 'degraded') throw degraded(rollout);
    const pause = rollout === undefined ? undefined : indefinitePause(rollout);
    if (pause !== undefined && !promoted.has(pause.key)) {
      promoted.add(pause.key);
      await promoteThrough(pause, options);
      continue;
    }
    await observer.changed(signal);
  }
}

/**
 * `--failing`: follows the release until the Rollout has aborted it and scaled the new version down (the stable
 * ReplicaSet unchanged); returns the Rollout's message. Healthy on the new version means the analysis let a bad
 * version through: that fails the demo.
 */
async function releaseUntilRolledBack(options: ReleaseOptions, stableBefore: string | undefined): Promise<string> {
  const { observer, generation, signal } = options;
  const result = await observer.until((state) => {
    const rollout = state.rollout;
    const verdict = outcome(rollout, generation);
    if (verdict === 'healthy') return 'healthy' as const;
    if (verdict !== 'degraded' || rollout?.status?.abort !== true || rollout.status.stableRS !== stableBefore) return undefined;
    const canary = state.replicaSets.find((rs) => rs.metadata?.labels?.[podTemplateHashLabel] === rollout.status?.currentPodHash);
    return canary !== undefined && (canary.spec?.replicas ?? 0) === 0 && (canary.status?.replicas ?? 0) === 0 ? 'rolled back' as const : undefined;
  }, signal);
  const rollout = observer.state().rollout;
  if (result === 'healthy') {
    throw new ExitError(`Rollout ${rollout?.metadata.name ?? ''} became Healthy on the failing version: the analysis did not stop it`, ExitCode.failed);
  }
  return rollout?.status?.message ?? 'aborted';
}

async function promoteThrough(pause: IndefinitePause, options: ReleaseOptions): Promise<void> {
  const { observer, signal, say, paint } = options;
  if (options.interactive) {
    say(paint.yellow(`⏸ ${pause.description}: press Enter to promote`));
    const race = new AbortController();
    const both = AbortSignal.any([signal, race.signal]);
    const how = await Promise.race([
      enterPressed(options.stdin, both),
      observer.until((state) => (state.rollout === undefined || indefinitePause(state.rollout)?.key !== pause.key ? 'lifted' as const : undefined), both),
    ]).finally(() => { race.abort(); });
    if (how === 'lifted') {
      say(paint.dim('the pause was lifted elsewhere'));
      return;
    }
  } else {
    say(paint.yellow(`⏸ ${pause.description}: promoting in ${seconds(options.promoteDelayMs)} (non-interactive)`));
    await sleep(options.promoteDelayMs, undefined, { signal });
  }
  const rollout = observer.state().rollout;
  if (rollout === undefined || indefinitePause(rollout)?.key !== pause.key) return;
  await promote(options.client, rollout, signal);
  say(paint.green('▶ promoted'));
}

function enterPressed(input: NodeJS.ReadableStream, signal: AbortSignal): Promise<'enter'> {
  // terminal: false keeps the TTY in cooked mode, so Ctrl-C still interrupts the process as usual.
  const rl = createInterface({ input, terminal: false });
  return new Promise<'enter'>((resolve, reject) => {
    const finish = (): void => {
      signal.removeEventListener('abort', onAbort);
      rl.close();
    };
    const onAbort = (): void => {
      finish();
      reject(signal.reason as Error);
    };
    rl.once('line', () => {
      finish();
      resolve('enter');
    });
    // stdin closed: nobody can press Enter, so promote as a non-interactive run would.
    rl.once('close', () => {
      finish();
      resolve('enter');
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function revisionOf(state: ObservedState, hash: string | undefined): string {
  const rs = state.replicaSets.find((r) => r.metadata?.labels?.[podTemplateHashLabel] === hash);
  return rs?.metadata?.annotations?.[revisionAnnotation] ?? '?';
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function elapsed(since: number): string {
  return `[${((Date.now() - since) / 1000).toFixed(1).padStart(5)}s]`;
}

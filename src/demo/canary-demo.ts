/**
 * `aviary demo --scenario flagger`: Flagger's flow with real traffic. Serves flagger.app, runs the controller in this
 * process with a local Prometheus as the Canaries' metrics server, applies examples/flagger (podinfo, its HPA and a
 * Gateway API Canary) with the lab's gateway in front, sends steady requests through it, releases a new image and
 * prints each change of the Canary with the share the new version really answered at each weight, until the release
 * is promoted — or, with `--failing` (pods answering 500s), rolled back by Flagger's built-in request-success-rate.
 */
import pc from 'picocolors';
import type { Canary } from '../api/canary.ts';
import type { CustomResourceDefinition } from '../api/crd.ts';
import { flaggerGroup, apiVersionOf } from '../api/groups.ts';
import type { Deployment } from '../api/kubernetes.ts';
import { applyObjects, CrdWaitTimeout, installCrds } from '../install/apply.ts';
import { installManifests } from '../install/manifests.ts';
import { currentLayout } from '../lab/lab.ts';
import { hostAddress } from '../lab/layout.ts';
import { imageVersion } from '../lab/runtime/desired.ts';
import { startRolloutController, type RunningController } from '../rollout/run.ts';
import { Informer } from '../runtime/informer.ts';
import { createLogger } from '../runtime/logger.ts';
import { KubeClient, resourcePath } from '../runtime/rest.ts';
import { formatDuration } from '../util/duration.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { canaryStatusLine } from '../view/canary.ts';
import { failingErrorRatio, startDemoMetrics, type DemoMetrics } from './metrics.ts';
import type { Paint } from './render.ts';
import { clusterConnection, elapsed, recreateNamespace, seconds, settledTraffic, trafficRps, untilAnswered, type DemoOptions, type DemoResult } from './run.ts';
import { examplesDirectory, loadManifests } from './scenarios.ts';
import { demoHost, startDemoTraffic, trafficLine, type DemoTraffic } from './traffic.ts';

/** The image the demo releases (the next podinfo). */
export const flaggerNextImage = 'ghcr.io/stefanprodan/podinfo:6.7.2';

export async function runCanaryDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const paint: Paint = pc.createColors(out.isTTY === true);
  const progress = (message: string): void => { err.write(`${paint.dim('•')} ${message}\n`); };
  const say = (message: string): void => { out.write(`${paint.dim(elapsed(started))} ${message}\n`); };

  const { connection, local, gatewayUrl } = await clusterConnection(options, progress);
  if (gatewayUrl === undefined) {
    throw new ExitError('examples/flagger is judged by the requests its pods answer, which needs the local cluster\'s traffic lab (see docs/lab.md); run it on the local cluster as root', ExitCode.usage);
  }
  const { namespace } = options;
  const objects = await loadManifests(`${examplesDirectory}flagger`);
  const canary = objects.find((o): o is Canary => o.kind === 'Canary');
  const target = objects.find((o): o is Deployment => o.kind === 'Deployment');
  if (canary === undefined || target === undefined) throw new Error('examples/flagger: expected a Canary and its Deployment');
  // One host per namespace, so demos side by side do not mix.
  const hosts = (canary.spec.service.hosts ?? []).map((h) => demoHost(namespace, h));
  canary.spec.service.hosts = hosts;
  const name = canary.metadata.name ?? '';
  const failing = options.failing === true;
  const released = imageVersion(flaggerNextImage);

  const timeout = AbortSignal.timeout(options.timeoutMs);
  const client = new KubeClient(connection, { userAgent: 'aviary-demo' });
  const canaries = new Informer<Canary>(client, { resource: { apiVersion: apiVersionOf(flaggerGroup), kind: 'Canary', plural: 'canaries' }, namespace });
  let controller: RunningController | undefined;
  let metrics: DemoMetrics | undefined;
  let traffic: DemoTraffic | undefined;
  let lastLine = '';
  let hold: { key: string; weight: number; analysed: boolean } | undefined;
  let releasing = false;
  const seen = (c: Canary): void => {
    const line = canaryStatusLine(c);
    if (line !== lastLine) {
      lastLine = line;
      say(line);
    }
    if (!releasing || traffic === undefined) return;
    // What the traffic did while a weight was analysed, printed when the weight or the phase moves on (once
    // promotion starts, the primary itself rolls to the new version: that is no longer the canary's share).
    const weight = c.status?.canaryWeight ?? 0;
    const phase = c.status?.phase ?? '';
    const key = `${phase}/${String(weight)}`;
    if (hold?.key === key) return;
    const measured = traffic.mark();
    if (hold !== undefined && hold.analysed && hold.weight > 0) say(paint.cyan(`  ↳ traffic ${trafficLine(`at canary weight ${String(hold.weight)}`, measured, released)}`));
    hold = { key, weight, analysed: phase === 'Progressing' || phase === 'WaitingPromotion' };
  };
  const changed: (() => void)[] = [];
  canaries.addEventHandler({
    onAdd: (c) => { seen(c as Canary); for (const f of changed) f(); },
    onUpdate: (_o, c) => { seen(c as Canary); for (const f of changed) f(); },
  });
  /** Resolves once the Canary satisfies `done` (checked on every change). */
  const until = (done: (c: Canary | undefined) => boolean): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (done(canaries.getByName(namespace, name) as Canary | undefined)) {
        changed.splice(changed.indexOf(check), 1);
        resolve();
      }
    };
    timeout.addEventListener('abort', () => { reject(timeout.reason as Error); }, { once: true });
    changed.push(check);
    check();
  });

  try {
    const crds = installManifests({ controller: false, compat: [flaggerGroup] }) as CustomResourceDefinition[];
    await installCrds(client, crds, { timeoutMs: options.timeoutMs, signal: timeout });
    progress(`CRDs installed (flagger.app served: ${crds.filter((c) => c.spec.group === flaggerGroup.name).map((c) => c.spec.names.plural).join(', ')})`);
    await recreateNamespace(client, namespace, timeout, progress);
    const layout = await currentLayout();
    metrics = await startDemoMetrics({ targets: [hostAddress(layout, 'runtimeMetrics'), hostAddress(layout, 'gatewayMetrics')], progress });
    const logger = createLogger({ level: process.env.AVIARY_LOG_LEVEL ?? 'error', pretty: false, destination: err, name: 'aviary-controller' });
    controller = await startRolloutController({ kubeConfig: connection, namespace, groups: [flaggerGroup], logger, metricsServer: metrics.prometheusUrl });
    progress(`controller running in this process, reconciling flagger.app Canaries in namespace ${namespace} (metrics server ${metrics.prometheusUrl})`);
    canaries.start();
    await canaries.waitForSync(timeout);

    out.write(`\n${paint.bold(`Deploying examples/flagger (Canary ${name} for Deployment ${target.metadata?.name ?? ''}, provider ${canary.spec.provider ?? ''}) into namespace ${namespace}`)}\n`);
    // The workload first: a Canary applied before its target would be held (Invalid) for a moment.
    const ordered = [...objects.filter((o) => o.kind !== 'Canary'), canary];
    await applyObjects(client, ordered, { namespace, signal: timeout, onApplied: (_o, what) => { progress(`applied ${what}`); } });
    await until((c) => c?.status?.phase === 'Initialized');
    const [host = ''] = hosts;
    traffic = startDemoTraffic({ gatewayUrl, host, rps: trafficRps, maxDurationMs: options.timeoutMs });
    say(`traffic: ${String(trafficRps)} requests/s through the lab's gateway (${gatewayUrl}, Host ${host}); ${await untilAnswered(traffic, timeout)}`);

    const before = canaries.getByName(namespace, name)?.status?.lastAppliedSpec;
    const container = target.spec?.template.spec?.containers[0];
    out.write(`\n${paint.bold(`Releasing ${flaggerNextImage} (was ${container?.image ?? '?'})${failing ? `: a version that answers ${String(failingErrorRatio * 100)}% of its requests with HTTP 500` : ''}`)}\n`);
    releasing = true;
    const releaseStarted = Date.now();
    const env = failing ? [{ name: 'AVIARY_LAB_ERROR_RATIO', value: String(failingErrorRatio) }] : [];
    await client.patch(resourcePath('apps/v1', 'deployments', namespace, target.metadata?.name ?? ''), {
      spec: { template: { spec: { containers: [{ name: container?.name ?? '', image: flaggerNextImage, ...(env.length === 0 ? {} : { env }) }] } } },
    }, 'application/strategic-merge-patch+json', timeout);
    await until((c) => c?.status?.lastAppliedSpec !== before && (c?.status?.phase === 'Succeeded' || c?.status?.phase === 'Failed'));
    const releaseMs = Date.now() - releaseStarted;
    const phase = canaries.getByName(namespace, name)?.status?.phase;
    if (failing) {
      if (phase !== 'Failed') throw new ExitError(`Canary ${name} promoted the failing version: the analysis did not stop it`, ExitCode.failed);
      say(paint.cyan(`  ↳ traffic ${await settledTraffic(traffic, { released, answering: (version) => version !== released, label: 'after the rollback' }, timeout)}`));
      out.write(`\n${paint.green('✔')} ${paint.bold('the built-in request-success-rate failed the release and Aviary rolled it back')}: ${container?.image ?? ''} keeps serving from ${name}-primary. The release took ${seconds(releaseMs)}, the whole demo ${seconds(Date.now() - started)}.\n`);
      return { connection, local, elapsedMs: Date.now() - started, releaseMs };
    }
    if (phase !== 'Succeeded') throw new ExitError(`Canary ${name} failed the release: ${lastLine}`, ExitCode.failed);
    say(paint.cyan(`  ↳ traffic ${await settledTraffic(traffic, { released, answering: (version) => version === released, label: 'after the promotion' }, timeout)}`));
    out.write(`\n${paint.green('✔')} ${paint.bold(`Canary ${name} promoted ${flaggerNextImage}`)} into ${name}-primary; the release took ${seconds(releaseMs)}, the whole demo ${seconds(Date.now() - started)}.\n`);
    return { connection, local, elapsedMs: Date.now() - started, releaseMs };
  } catch (error) {
    if (timeout.aborted) throw new ExitError(`timed out after ${formatDuration(options.timeoutMs)} waiting for Canary ${name}${lastLine === '' ? '' : ` (last seen: ${lastLine})`}`, ExitCode.timeout, { cause: error });
    if (error instanceof CrdWaitTimeout) throw new ExitError(error.message, ExitCode.timeout, { cause: error });
    if (error instanceof ExitError) throw error;
    throw new ExitError(`demo failed: ${error instanceof Error ? error.message : String(error)}`, ExitCode.failed, { cause: error });
  } finally {
    await traffic?.stop();
    await canaries.stop();
    await controller?.stop();
    await metrics?.stop();
    client.close();
  }
}

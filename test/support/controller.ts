import type { KubeConfig } from '@kubernetes/client-node';
import { Histogram } from 'prom-client';
import type { CustomResourceDefinition } from '../../src/api/crd.ts';
import { aviaryGroup, type ApiGroup } from '../../src/api/groups.ts';
import { crdsFor, groupServes } from '../../src/api/registry.ts';
import { installCrds } from '../../src/install/apply.ts';
import { KubeClient } from '../../src/runtime/rest.ts';
import { startRolloutController, type RunningController, type StartControllerOptions } from '../../src/rollout/run.ts';
import { involvedObject } from '../../src/runtime/events.ts';

/** Installs (server-side applies) the Rollout CRD of an API group and waits until it is served. */
export async function installRolloutCrd(kc: KubeConfig, group: ApiGroup = aviaryGroup): Promise<void> {
  await installWith(kc, crdsFor({ kind: 'Rollout', group }));
}

/** Installs the Canary, MetricTemplate and AlertProvider CRDs of an API group and waits until they are served. */
export async function installCanaryCrds(kc: KubeConfig, group: ApiGroup = aviaryGroup): Promise<void> {
  await installWith(kc, ['Canary', 'MetricTemplate', 'AlertProvider'].flatMap((kind) => crdsFor({ kind, group })));
}

/**
 * Installs the analysis CRDs (AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate) and waits until they are served.
 * A controller turns analysis on only for the groups whose AnalysisRun kind is served when it starts, so a suite that
 * needs analysis restarts its controller after this.
 */
export async function installAnalysisCrds(kc: KubeConfig): Promise<void> {
  await installWith(kc, ['AnalysisRun', 'AnalysisTemplate', 'ClusterAnalysisTemplate'].flatMap((kind) => crdsFor({ kind, group: aviaryGroup })));
}

async function installWith(kc: KubeConfig, crds: CustomResourceDefinition[]): Promise<void> {
  const client = new KubeClient(kc, { userAgent: 'aviary-test' });
  try {
    await installCrds(client, crds, { timeoutMs: 120_000 });
  } finally {
    client.close();
  }
}

export interface RecordedEvent {
  object: string;
  type: string;
  reason: string;
  message: string;
}

export interface TestController extends RunningController {
  /** Every Event the controller recorded, in the order it recorded them. */
  events: RecordedEvent[];
  reasonsFor(name: string): string[];
  /** How many reconciles of the Rollout this controller has finished (from its rollout_reconcile histogram). */
  reconciles(name: string): Promise<number>;
}

/**
 * The real controller, in this process and scoped to the test's namespace, so test files running in parallel
 * never reconcile each other's objects. Events are also captured in the order the controller emits them (the
 * API server stores repeats of one Event as a count, which loses their order).
 */
export async function startTestController(
  kc: KubeConfig,
  namespace: string,
  groups: readonly ApiGroup[] = [aviaryGroup],
  address: string | false = false,
  canaries: Pick<StartControllerOptions, 'metricsServer' | 'defaultProvider'> = {},
): Promise<TestController> {
  for (const group of groups) {
    if (groupServes(group, 'Rollout')) await installRolloutCrd(kc, group);
    if (groupServes(group, 'Canary')) await installCanaryCrds(kc, group);
  }
  const running = await startRolloutController({ kubeConfig: kc, namespace, groups, address, ...canaries });
  const events: RecordedEvent[] = [];
  const recorder = running.manager.events;
  const record = recorder.event.bind(recorder);
  recorder.event = (object, type, reason, message) => {
    const name = involvedObject(object).name ?? '';
    events.push({ object: name, type, reason, message });
    record(object, type, reason, message);
  };
  return {
    ...running,
    events,
    reasonsFor: (name) => events.filter((e) => e.object === name).map((e) => e.reason),
    reconciles: async (name) => {
      const metric = running.manager.registry.getSingleMetric('rollout_reconcile');
      if (!(metric instanceof Histogram)) return 0;
      const count = (await metric.get()).values.find((v) => v.metricName === 'rollout_reconcile_count' && v.labels.name === name && v.labels.namespace === namespace);
      return count?.value ?? 0;
    },
  };
}

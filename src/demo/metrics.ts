/**
 * The metrics side of the analysis demo: simulated traffic exported to a real Prometheus on loopback, and the
 * example Rollout pointed at that Prometheus through its `prometheus-address` analysis argument.
 */
import type { ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';
import { ensurePrometheus, LocalPrometheus } from '../cluster/prometheus.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { SimulatedTraffic } from './traffic.ts';
import { podTemplateHashLabel } from '../api/labels.ts';

/** The analysis argument the examples use for the Prometheus address. */
export const prometheusAddressArg = 'prometheus-address';

/** The share of failed requests the bad version of `aviary demo --failing` serves. */
export const failingErrorRatio = 0.3;

export interface DemoMetrics {
  prometheusUrl: string;
  /** From now on, every version but `stableHash` is the one released; with `failing`, it fails requests. */
  releasing(stableHash: string | undefined): void;
  stop(): Promise<void>;
}

/** Whether the example has analysis that needs the demo's Prometheus. */
export function needsPrometheus(rollout: Rollout): boolean {
  return analysisArgs(rollout).some((arg) => arg.name === prometheusAddressArg);
}

/** The example's Rollout with every `prometheus-address` argument set to `url`. */
export function pointAtPrometheus(rollout: Rollout, url: string): Rollout {
  const copy = structuredClone(rollout);
  for (const arg of analysisArgs(copy)) {
    if (arg.name === prometheusAddressArg) arg.value = url;
  }
  return copy;
}

function analysisArgs(rollout: Rollout): { name: string; value?: string }[] {
  const canary = rollout.spec.strategy?.canary;
  const blueGreen = rollout.spec.strategy?.blueGreen;
  const analyses = [
    ...(canary?.steps ?? []).map((s) => s.analysis),
    canary?.analysis,
    blueGreen?.prePromotionAnalysis,
    blueGreen?.postPromotionAnalysis,
  ];
  return analyses.flatMap((a) => a?.args ?? []);
}

export async function startDemoMetrics(options: {
  rollout: string;
  failing: boolean;
  replicaSets: () => readonly (ReplicaSet | DeepReadonly<ReplicaSet>)[];
  progress: (message: string) => void;
}): Promise<DemoMetrics> {
  await ensurePrometheus(options.progress);
  let stable: string | undefined;
  let released = false;
  const traffic = new SimulatedTraffic({
    rollout: options.rollout,
    // Versions with pods serve traffic.
    versions: () => options.replicaSets()
      .filter((rs) => (rs.status?.readyReplicas ?? 0) > 0)
      .map((rs) => rs.metadata?.labels?.[podTemplateHashLabel] ?? '')
      .filter((hash) => hash !== ''),
    errorRatio: (hash) => (options.failing && released && hash !== stable ? failingErrorRatio : 0),
  });
  const prometheus = new LocalPrometheus();
  try {
    const target = await traffic.start();
    await prometheus.start([target], { scrapeIntervalMs: 1000 });
  } catch (error) {
    await Promise.all([traffic.stop(), prometheus.stop()]);
    throw error;
  }
  options.progress(`Prometheus at ${prometheus.url}, scraping the demo's simulated traffic every second`);
  return {
    prometheusUrl: prometheus.url,
    releasing(stableHash) {
      stable = stableHash;
      released = true;
    },
    async stop() {
      await Promise.all([traffic.stop(), prometheus.stop()]);
    },
  };
}

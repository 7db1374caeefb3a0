/**
 * The metrics side of the analysis demo: a real Prometheus on loopback scraping the traffic lab, and the example
 * Rollout pointed at it through its `prometheus-address` analysis argument.
 */
import type { Rollout } from '../api/rollout.ts';
import { ensurePrometheus, LocalPrometheus } from '../cluster/prometheus.ts';

/** The analysis argument the examples use for the Prometheus address. */
export const prometheusAddressArg = 'prometheus-address';

/** The share of requests the bad version of `aviary demo --failing` answers with HTTP 500 (its AVIARY_LAB_ERROR_RATIO). */
export const failingErrorRatio = 0.3;

export interface DemoMetrics {
  prometheusUrl: string;
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

/**
 * A real Prometheus on loopback scraping, every second, the lab's pod runtime (the pods' own request metrics) and
 * its gateway, through their bridges.
 */
export async function startDemoMetrics(options: { targets: readonly string[]; progress: (message: string) => void }): Promise<DemoMetrics> {
  await ensurePrometheus(options.progress);
  const prometheus = new LocalPrometheus();
  try {
    await prometheus.start(options.targets, { scrapeIntervalMs: 1000 });
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
  options.progress(`Prometheus at ${prometheus.url}, scraping the lab's pods and gateway every second`);
  return {
    prometheusUrl: prometheus.url,
    async stop() {
      await prometheus.stop();
    },
  };
}

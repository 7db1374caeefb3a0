import { Gauge, Histogram, type Registry } from 'prom-client';
import type { AnalysisRun } from '../api/analysis.ts';
import type { Informer } from '../runtime/informer.ts';
import { perRegistry } from '../runtime/metrics.ts';

/**
 * The AnalysisRun metrics Argo Rollouts exports, under its names and labels, so existing dashboards and alerts keep
 * working. Gauges are computed from the informer cache when Prometheus scrapes; reconciles pay only the histogram.
 */

const phases = ['Error', 'Failed', 'Inconclusive', 'Pending', 'Running', 'Successful'] as const;

/** The provider's type as Argo Rollouts names it in metric labels (`Web`, `Prometheus`, `NewRelic`, ...). */
const typeNames: Readonly<Record<string, string>> = {
  prometheus: 'Prometheus',
  kayenta: 'Kayenta',
  web: 'Web',
  datadog: 'Datadog',
  wavefront: 'Wavefront',
  newRelic: 'NewRelic',
  job: 'Job',
  cloudWatch: 'CloudWatch',
  graphite: 'Graphite',
  influxdb: 'Influxdb',
  skywalking: 'SkyWalking',
  plugin: 'Plugin',
};

export function metricTypeLabel(provider: object | undefined): string {
  const key = Object.entries(provider ?? {}).find(([, value]) => value !== undefined && value !== null)?.[0];
  return key === undefined ? '' : typeNames[key] ?? key;
}

export class AnalysisMetrics {
  static readonly #of = perRegistry((registry) => new AnalysisMetrics(registry));
  readonly reconcile: Histogram<'namespace' | 'name'>;
  readonly #runs: Informer<AnalysisRun>[] = [];

  /** One set per registry (prom-client refuses duplicate names), fed by the AnalysisRun informers of every group. */
  static for(registry: Registry, runs: Informer<AnalysisRun>): AnalysisMetrics {
    const metrics = AnalysisMetrics.#of(registry);
    if (!metrics.#runs.includes(runs)) metrics.#runs.push(runs);
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    const every = (): AnalysisRun[] => this.#runs.flatMap((i) => i.list()) as AnalysisRun[];
    const labels = (run: AnalysisRun): { namespace: string; name: string } => ({ namespace: run.metadata.namespace ?? '', name: run.metadata.name ?? '' });
    const runPhase = (run: AnalysisRun): string => run.status?.phase ?? 'Pending';
    new Gauge({
      name: 'analysis_run_info',
      help: 'Information about an AnalysisRun (always 1).',
      labelNames: ['namespace', 'name', 'phase'],
      registers,
      collect() {
        this.reset();
        for (const run of every()) this.set({ ...labels(run), phase: runPhase(run) }, 1);
      },
    });
    new Gauge({
      name: 'analysis_run_phase',
      help: 'The phase of an AnalysisRun, 1 for the current one (deprecated: use analysis_run_info).',
      labelNames: ['namespace', 'name', 'phase'],
      registers,
      collect() {
        this.reset();
        for (const run of every()) {
          for (const phase of phases) this.set({ ...labels(run), phase }, runPhase(run) === phase ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'analysis_run_metric_type',
      help: 'The provider type of each metric of an AnalysisRun (always 1).',
      labelNames: ['namespace', 'name', 'metric', 'type'],
      registers,
      collect() {
        this.reset();
        for (const run of every()) {
          for (const metric of run.spec.metrics) this.set({ ...labels(run), metric: metric.name, type: metricTypeLabel(metric.provider) }, 1);
        }
      },
    });
    new Gauge({
      name: 'analysis_run_metric_phase',
      help: 'The phase of each metric of an AnalysisRun, 1 for the current one.',
      labelNames: ['namespace', 'name', 'metric', 'type', 'dry_run', 'phase'],
      registers,
      collect() {
        this.reset();
        for (const run of every()) {
          const dryRun = new Set((run.spec.dryRun ?? []).map((d) => d.metricName));
          for (const metric of run.spec.metrics) {
            const current = run.status?.metricResults?.find((r) => r.name === metric.name)?.phase ?? 'Pending';
            const base = { ...labels(run), metric: metric.name, type: metricTypeLabel(metric.provider), dry_run: String(dryRun.has(metric.name) || dryRun.has('*')) };
            for (const phase of phases) this.set({ ...base, phase }, current === phase ? 1 : 0);
          }
        }
      },
    });
    this.reconcile = new Histogram({
      name: 'analysis_run_reconcile',
      help: 'AnalysisRun reconciliation performance, in seconds.',
      labelNames: ['namespace', 'name'],
      buckets: [0.01, 0.15, 0.25, 0.5, 1],
      registers,
    });
  }
}

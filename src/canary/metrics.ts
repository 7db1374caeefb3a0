import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Canary } from '../api/canary.ts';
import type { Informer } from '../runtime/informer.ts';
import { perRegistry } from '../runtime/metrics.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { aviaryVersion } from '../version.ts';
import { canaryStrategy, totalWeight } from './analysis-settings.ts';

/**
 * Flagger's own metrics, with its names and labels, so its Grafana dashboards and alerts keep working. Like Flagger,
 * `name` is the target's name. The gauges of state (total, status, weight) are computed from the informer cache when
 * Prometheus scrapes; the analysis values, the durations of analysis passes and the results are recorded as they happen.
 */

/** Flagger's deployment_strategy label. */
export function deploymentStrategy(canary: DeepReadonly<Canary>): 'canary' | 'blue-green' | 'ab-testing' {
  const strategy = canaryStrategy(canary);
  return strategy === 'abTesting' ? 'ab-testing' : strategy === 'blueGreen' ? 'blue-green' : 'canary';
}

/** flagger_canary_status: 0 Progressing, 2 Failed, 1 any other phase. */
export function statusValue(phase: string | undefined): number {
  return phase === 'Progressing' ? 0 : phase === 'Failed' ? 2 : 1;
}

export class CanaryMetrics {
  static readonly #of = perRegistry((registry) => new CanaryMetrics(registry));
  readonly #canaries: Informer<Canary>[] = [];
  readonly #info: Gauge<'version' | 'mesh_provider'>;
  readonly analysis: Gauge<'name' | 'namespace' | 'metric'>;
  readonly duration: Histogram<'name' | 'namespace'>;
  readonly #successes: Counter<'name' | 'namespace' | 'deployment_strategy' | 'analysis_status'>;
  readonly #failures: Counter<'name' | 'namespace' | 'deployment_strategy' | 'analysis_status'>;

  /** One set per registry, fed by the Canary informers of every API group. */
  static for(registry: Registry, canaries: Informer<Canary>, meshProvider: string): CanaryMetrics {
    const metrics = CanaryMetrics.#of(registry);
    metrics.#canaries.push(canaries);
    metrics.#info.set({ version: aviaryVersion, mesh_provider: meshProvider }, 1);
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    const every = (): DeepReadonly<Canary>[] => this.#canaries.flatMap((i) => i.list());
    this.#info = new Gauge({ name: 'flagger_info', help: 'Flagger version and mesh provider information', labelNames: ['version', 'mesh_provider'], registers });
    new Gauge({
      name: 'flagger_canary_total', help: 'Total number of canary object', labelNames: ['namespace'], registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const c of every()) counts.set(c.metadata.namespace ?? '', (counts.get(c.metadata.namespace ?? '') ?? 0) + 1);
        for (const [namespace, n] of counts) this.set({ namespace }, n);
      },
    });
    new Gauge({
      name: 'flagger_canary_status', help: 'Last canary analysis result', labelNames: ['name', 'namespace'], registers,
      collect() {
        this.reset();
        for (const c of every()) this.set({ name: c.spec.targetRef.name, namespace: c.metadata.namespace ?? '' }, statusValue(c.status?.phase));
      },
    });
    new Gauge({
      name: 'flagger_canary_weight', help: 'The virtual service destination weight current value', labelNames: ['workload', 'namespace'], registers,
      collect() {
        this.reset();
        for (const c of every()) {
          const weight = c.status?.canaryWeight ?? 0;
          const namespace = c.metadata.namespace ?? '';
          this.set({ workload: `${c.spec.targetRef.name}-primary`, namespace }, totalWeight - weight);
          this.set({ workload: c.spec.targetRef.name, namespace }, weight);
        }
      },
    });
    this.analysis = new Gauge({ name: 'flagger_canary_metric_analysis', help: 'Last canary analysis result per metric', labelNames: ['name', 'namespace', 'metric'], registers });
    this.duration = new Histogram({ name: 'flagger_canary_duration_seconds', help: 'Seconds spent performing canary analysis.', labelNames: ['name', 'namespace'], registers });
    const results = ['name', 'namespace', 'deployment_strategy', 'analysis_status'] as const;
    this.#successes = new Counter({ name: 'flagger_canary_successes_total', help: 'Total number of canary successes', labelNames: results, registers });
    this.#failures = new Counter({ name: 'flagger_canary_failures_total', help: 'Total number of canary failures', labelNames: results, registers });
  }

  /** A pass moved the Canary from `before` to `after`: a release that ended is counted as a success or a failure. */
  recordTransition(canary: DeepReadonly<Canary>, before: string | undefined, after: string | undefined): void {
    if (before === after || (after !== 'Succeeded' && after !== 'Failed')) return;
    const labels = {
      name: canary.spec.targetRef.name,
      namespace: canary.metadata.namespace ?? '',
      deployment_strategy: deploymentStrategy(canary),
      analysis_status: canary.spec.skipAnalysis === true ? 'skipped' : 'completed',
    };
    (after === 'Succeeded' ? this.#successes : this.#failures).inc(labels);
  }

  /** The values one analysis measured, by metric name. */
  recordAnalysis(canary: DeepReadonly<Canary>, values: Readonly<Record<string, number>>, seconds: number): void {
    const labels = { name: canary.spec.targetRef.name, namespace: canary.metadata.namespace ?? '' };
    for (const [metric, value] of Object.entries(values)) this.analysis.set({ ...labels, metric }, value);
    this.duration.observe(labels, seconds);
  }
}

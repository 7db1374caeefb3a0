import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Rollout } from '../api/rollout.ts';
import type { Informer } from '../runtime/informer.ts';
import { perRegistry } from '../runtime/metrics.ts';
import { trafficRouterNames } from '../traffic/registry.ts';

/** rollout_info{traffic_router} as Argo Rollouts names routers ("Istio", "SMI", "Traefik"): capitalised, comma-separated. */
export function trafficRouterLabel(rollout: Rollout): string {
  return trafficRouterNames(rollout).map((name) => argoRouterLabels[name] ?? name.charAt(0).toUpperCase() + name.slice(1)).join(',');
}

/** Where Argo Rollouts spells a router's label otherwise than capitalised (the rest: Istio, Nginx, AppMesh, ...). */
const argoRouterLabels: Readonly<Record<string, string>> = { alb: 'ALB', smi: 'SMI' };

/**
 * The metric names Argo Rollouts exports, so existing Grafana dashboards and alerts keep working. The gauges are
 * computed from the informer cache when Prometheus scrapes, so reconciles pay nothing for them.
 */

export class RolloutMetrics {
  static readonly #of = perRegistry((registry) => new RolloutMetrics(registry));
  readonly reconcile: Histogram<'namespace' | 'name'>;
  readonly reconcileErrors: Counter<'namespace' | 'name'>;
  readonly events: Counter<'namespace' | 'name' | 'type' | 'reason'>;
  readonly #rollouts: Informer<Rollout>[] = [];

  /** One set per registry (prom-client refuses duplicate names), fed by the Rollout informers of every API group. */
  static for(registry: Registry, rollouts: Informer<Rollout>): RolloutMetrics {
    const metrics = RolloutMetrics.#of(registry);
    metrics.#rollouts.push(rollouts);
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    const every = (): Rollout[] => this.#rollouts.flatMap((i) => i.list()) as Rollout[];
    const labels = (r: Rollout): { namespace: string; name: string } => ({ namespace: r.metadata.namespace ?? '', name: r.metadata.name ?? '' });
    new Gauge({
      name: 'rollout_info',
      help: 'Information about a Rollout (always 1).',
      labelNames: ['namespace', 'name', 'strategy', 'traffic_router', 'phase'],
      registers,
      collect() {
        this.reset();
        for (const r of every()) {
          const strategy = r.spec.strategy?.blueGreen !== undefined ? 'blueGreen' : 'canary';
          this.set({ ...labels(r), strategy, traffic_router: trafficRouterLabel(r), phase: r.status?.phase ?? '' }, 1);
        }
      },
    });
    const replicaGauge = (suffix: string, help: string, value: (r: Rollout) => number): void => {
      new Gauge({
        name: `rollout_info_replicas_${suffix}`,
        help,
        labelNames: ['namespace', 'name'],
        registers,
        collect() {
          this.reset();
          for (const r of every()) this.set(labels(r), value(r));
        },
      });
    };
    replicaGauge('available', 'Available pods of a Rollout.', (r) => r.status?.availableReplicas ?? 0);
    replicaGauge('unavailable', 'Pods of a Rollout that are not available.', (r) => Math.max(0, (r.status?.replicas ?? 0) - (r.status?.availableReplicas ?? 0)));
    replicaGauge('desired', 'Desired pods of a Rollout.', (r) => r.spec.replicas ?? 1);
    replicaGauge('updated', 'Pods of a Rollout running the current template.', (r) => r.status?.updatedReplicas ?? 0);
    this.reconcile = new Histogram({
      name: 'rollout_reconcile',
      help: 'Rollout reconciliation performance, in seconds.',
      labelNames: ['namespace', 'name'],
      buckets: [0.01, 0.15, 0.25, 0.5, 1],
      registers,
    });
    this.reconcileErrors = new Counter({ name: 'rollout_reconcile_error', help: 'Errors during Rollout reconciliation.', labelNames: ['namespace', 'name'], registers });
    this.events = new Counter({ name: 'rollout_events_total', help: 'Events recorded about Rollouts.', labelNames: ['namespace', 'name', 'type', 'reason'], registers });
  }
}

/** Prometheus metrics of the runtime, registered once per registry and labelled per controller / queue. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkQueueMetrics } from './workqueue.ts';

/**
 * A set of metrics made once per registry: prom-client refuses a second registration of a name, and every controller
 * of a manager shares its registry.
 */
export function perRegistry<T>(create: (registry: Registry) => T): (registry: Registry) => T {
  const made = new WeakMap<Registry, T>();
  return (registry) => {
    let metrics = made.get(registry);
    if (metrics === undefined) {
      metrics = create(registry);
      made.set(registry, metrics);
    }
    return metrics;
  };
}


export class RuntimeMetrics {
  static readonly #of = perRegistry((registry) => new RuntimeMetrics(registry));
  readonly reconcileDuration: Histogram<'controller'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly workqueueDepth: Gauge<'name'>;
  readonly workqueueAdds: Counter<'name'>;
  readonly workqueueRetries: Counter<'name'>;
  readonly workqueueQueueDuration: Histogram<'name'>;
  readonly workqueueWorkDuration: Histogram<'name'>;
  readonly informerRestarts: Counter<'informer'>;
  readonly leader: Gauge<'lease'>;

  /** The runtime metrics of a registry, created on first use (prom-client refuses duplicate registrations). */
  static for(registry: Registry): RuntimeMetrics {
    return RuntimeMetrics.#of(registry);
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    const seconds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    this.reconcileDuration = new Histogram({
      name: 'aviary_reconcile_duration_seconds',
      help: 'Time spent in one reconcile, per controller.',
      labelNames: ['controller'],
      buckets: seconds,
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'aviary_reconcile_errors_total',
      help: 'Reconciles that ended in an error (retried or terminal), per controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTotal = new Counter({
      name: 'aviary_reconcile_total',
      help: 'Reconciles per controller and result (success, requeue_after, error, terminal_error).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.workqueueDepth = new Gauge({
      name: 'aviary_workqueue_depth',
      help: 'Keys waiting in the work queue (not counting keys in process or waiting on a timer).',
      labelNames: ['name'],
      registers,
    });
    this.workqueueAdds = new Counter({
      name: 'aviary_workqueue_adds_total',
      help: 'Keys added to the work queue (a key already queued is not counted again).',
      labelNames: ['name'],
      registers,
    });
    this.workqueueRetries = new Counter({
      name: 'aviary_workqueue_retries_total',
      help: 'Rate-limited re-adds after errors.',
      labelNames: ['name'],
      registers,
    });
    this.workqueueQueueDuration = new Histogram({
      name: 'aviary_workqueue_queue_duration_seconds',
      help: 'Time a key waited in the queue before a worker took it.',
      labelNames: ['name'],
      buckets: seconds,
      registers,
    });
    this.workqueueWorkDuration = new Histogram({
      name: 'aviary_workqueue_work_duration_seconds',
      help: 'Time a worker held a key.',
      labelNames: ['name'],
      buckets: seconds,
      registers,
    });
    this.informerRestarts = new Counter({
      name: 'aviary_informer_restarts_total',
      help: 'List/watch restarts after errors, per informer.',
      labelNames: ['informer'],
      registers,
    });
    this.leader = new Gauge({
      name: 'aviary_leader_election_is_leader',
      help: '1 while this process holds the leader Lease.',
      labelNames: ['lease'],
      registers,
    });
  }

  /** Hooks that feed a work queue's activity into these metrics under the queue's name. */
  queueMetrics(name: string): WorkQueueMetrics {
    const labels = { name };
    this.workqueueDepth.set(labels, 0);
    this.workqueueAdds.inc(labels, 0);
    this.workqueueRetries.inc(labels, 0);
    return {
      add: () => {
        this.workqueueAdds.inc(labels);
      },
      depth: (length) => {
        this.workqueueDepth.set(labels, length);
      },
      retry: () => {
        this.workqueueRetries.inc(labels);
      },
      queueLatency: (s) => {
        this.workqueueQueueDuration.observe(labels, s);
      },
      workDuration: (s) => {
        this.workqueueWorkDuration.observe(labels, s);
      },
    };
  }
}

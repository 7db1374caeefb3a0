/**
 * The pod runtime's Prometheus metrics: what each lab pod would export if it were a real instrumented service,
 * labelled the way a Prometheus with kubernetes_sd_configs (role: pod) and a labelmap of the pod labels would label
 * its series, so analysis queries written for a real cluster (`http_requests_total{app="web",code=~"5.."}`) work here.
 *
 * The exposition text is rendered here rather than through prom-client: every pod has its own set of label names,
 * and prom-client needs one metric object per label-name set. A pod's series are a few numbers per status code.
 *
 *   http_requests_total{namespace,pod,<pod labels>,code}             counter
 *   http_request_duration_seconds{namespace,pod,<pod labels>,code}   histogram, 1 ms .. 10 s
 *   aviary_lab_pods_served                                           gauge: pods with at least one listener
 *   aviary_lab_listeners                                             gauge: accepting ip:port listeners
 */
import type { PodIdentity } from './desired.ts';

export const durationBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The runtime's own label names: a pod label that maps onto one of them is dropped, the runtime's value wins. */
const ownLabels = new Set(['namespace', 'pod', 'code', 'le']);

export const exposition = { contentType: 'text/plain; version=0.0.4; charset=utf-8' } as const;

/**
 * A pod label's name as Prometheus' kubernetes_sd + labelmap turn it into a label name: every character outside
 * [a-zA-Z0-9_] becomes "_" (`rollouts-pod-template-hash` → `rollouts_pod_template_hash`, `app.kubernetes.io/name`
 * → `app_kubernetes_io_name`); a leading digit, which a label name cannot start with, gets a "_" in front.
 */
export function sanitiseLabelName(name: string): string {
  const replaced = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * The label pairs of a pod's series, rendered once: namespace, pod, then the pod's labels by sanitised name. Two
 * labels that sanitise to one name keep the first by original name (Prometheus' own choice there is arbitrary).
 */
export function podLabelPairs(identity: PodIdentity): string {
  const pairs = new Map<string, string>([['namespace', identity.namespace], ['pod', identity.pod]]);
  const mapped: [string, string][] = Object.keys(identity.labels)
    .sort()
    .map((name) => [sanitiseLabelName(name), identity.labels[name] ?? '']);
  mapped.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, value] of mapped) {
    if (ownLabels.has(name) || name.startsWith('__') || pairs.has(name)) continue;
    pairs.set(name, value);
  }
  return [...pairs].map(([name, value]) => `${name}="${escapeValue(value)}"`).join(',');
}

interface CodeSeries {
  count: number;
  sum: number;
  /** Per bucket, not cumulative; the last slot is +Inf. */
  buckets: number[];
}

/** One pod's requests, by status code. */
export class PodSeries {
  #labels: string;
  readonly #byCode = new Map<number, CodeSeries>();

  constructor(identity: PodIdentity) {
    this.#labels = podLabelPairs(identity);
  }

  /** New labels (a pod's labels changed): the counts carry over under them. */
  relabel(identity: PodIdentity): void {
    this.#labels = podLabelPairs(identity);
  }

  record(code: number, seconds: number): void {
    let series = this.#byCode.get(code);
    if (series === undefined) {
      series = { count: 0, sum: 0, buckets: new Array<number>(durationBuckets.length + 1).fill(0) };
      this.#byCode.set(code, series);
    }
    series.count++;
    series.sum += seconds;
    let slot = durationBuckets.findIndex((le) => seconds <= le);
    if (slot < 0) slot = durationBuckets.length;
    series.buckets[slot] = (series.buckets[slot] ?? 0) + 1;
  }

  /** Requests answered with `code` so far. */
  count(code: number): number {
    return this.#byCode.get(code)?.count ?? 0;
  }

  renderCounter(lines: string[]): void {
    for (const [code, series] of this.#codes()) lines.push(`http_requests_total{${this.#labels},code="${code}"} ${series.count}`);
  }

  renderHistogram(lines: string[]): void {
    for (const [code, series] of this.#codes()) {
      const labels = `${this.#labels},code="${code}"`;
      let cumulative = 0;
      durationBuckets.forEach((le, i) => {
        cumulative += series.buckets[i] ?? 0;
        lines.push(`http_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}`);
      });
      lines.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${series.count}`);
      lines.push(`http_request_duration_seconds_sum{${labels}} ${series.sum}`);
      lines.push(`http_request_duration_seconds_count{${labels}} ${series.count}`);
    }
  }

  #codes(): [number, CodeSeries][] {
    return [...this.#byCode].sort(([a], [b]) => a - b);
  }
}

export interface RuntimeGauges {
  podsServed: number;
  listeners: number;
}

/** Every served pod's series; a pod's series leave when it stops being served. */
export class LabMetrics {
  readonly #series = new Set<PodSeries>();

  add(identity: PodIdentity): PodSeries {
    const series = new PodSeries(identity);
    this.#series.add(series);
    return series;
  }

  remove(series: PodSeries): void {
    this.#series.delete(series);
  }

  get size(): number {
    return this.#series.size;
  }

  /** The text exposition format (version 0.0.4). */
  render(gauges: RuntimeGauges): string {
    const lines: string[] = [
      '# HELP http_requests_total Requests answered by lab pods, per pod and status code.',
      '# TYPE http_requests_total counter',
    ];
    for (const series of this.#series) series.renderCounter(lines);
    lines.push(
      '# HELP http_request_duration_seconds Time lab pods took to answer, injected latency included.',
      '# TYPE http_request_duration_seconds histogram',
    );
    for (const series of this.#series) series.renderHistogram(lines);
    lines.push(
      '# HELP aviary_lab_pods_served Pods the lab runtime accepts connections for (lingering ones included).',
      '# TYPE aviary_lab_pods_served gauge',
      `aviary_lab_pods_served ${gauges.podsServed}`,
      '# HELP aviary_lab_listeners Pod IP and port pairs the lab runtime accepts connections on.',
      '# TYPE aviary_lab_listeners gauge',
      `aviary_lab_listeners ${gauges.listeners}`,
    );
    return `${lines.join('\n')}\n`;
  }
}

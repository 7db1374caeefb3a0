/**
 * Flagger's built-in metrics, `request-success-rate` (percent of non-5xx responses) and `request-duration` (p99, in
 * milliseconds), as PromQL for each provider: the same series and labels Flagger queries, so a Canary that passed
 * under Flagger passes the same way here. Queries are built from label matchers, not templates, so every value is
 * quoted and escaped.
 */
import { escapeRegExp } from '../util/regex.ts';

/** What a query is about: the Canary's namespace, target and Services, and the metric's interval. */
export interface MetricScope {
  namespace: string;
  target: string;
  /** The apex Service's name. */
  service: string;
  /** spec.ingressRef.name (nginx, skipper). */
  ingress?: string | undefined;
  /** spec.routeRef.name (apisix). */
  route?: string | undefined;
  /** A Prometheus range: "1m", "30s". */
  interval: string;
}

type Matcher = [label: string, op: '=' | '!=' | '=~' | '!~', value: string];

interface RateRatio {
  metric: string;
  /** Selects the canary's requests. */
  matchers: (s: MetricScope) => Matcher[];
  /** Added to the numerator: the requests that did not fail. */
  ok: Matcher;
  /** Added to both sides (a histogram's +Inf bucket counts every request). */
  both?: Matcher[];
}

type Duration =
  | { kind: 'p99'; bucket: string; matchers: (s: MetricScope) => Matcher[]; unit: 'ms' | 's' }
  | { kind: 'mean'; sum: string; count: string; matchers: (s: MetricScope) => Matcher[]; unit: 'ms' | 's' };

interface Observer { successRate: RateRatio; duration: Duration }

/** Pods of a workload: `<target>-<hash>(-<id>)`. */
const podsOf = (s: MetricScope): string => `${escapeRegExp(s.target)}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)`;

const envoy = (cluster: (s: MetricScope) => Matcher[]): Observer => ({
  successRate: { metric: 'envoy_cluster_upstream_rq', matchers: cluster, ok: ['envoy_response_code', '!~', '5.*'] },
  duration: { kind: 'p99', bucket: 'envoy_cluster_upstream_rq_time_bucket', matchers: cluster, unit: 'ms' },
});

const appLevel: Observer = {
  successRate: {
    metric: 'http_request_duration_seconds_count',
    matchers: (s) => [['kubernetes_namespace', '=', s.namespace], ['kubernetes_pod_name', '=~', podsOf(s)]],
    ok: ['status', '!~', '5.*'],
  },
  duration: { kind: 'p99', bucket: 'http_request_duration_seconds_bucket', matchers: (s) => [['kubernetes_namespace', '=', s.namespace], ['kubernetes_pod_name', '=~', podsOf(s)]], unit: 's' },
};

const istio: Observer = {
  successRate: {
    metric: 'istio_requests_total',
    matchers: (s) => [['reporter', '=', 'destination'], ['destination_workload_namespace', '=', s.namespace], ['destination_workload', '=~', escapeRegExp(s.target)]],
    ok: ['response_code', '!~', '5.*'],
  },
  duration: {
    kind: 'p99', bucket: 'istio_request_duration_milliseconds_bucket', unit: 'ms',
    matchers: (s) => [['reporter', '=', 'destination'], ['destination_workload_namespace', '=', s.namespace], ['destination_workload', '=~', escapeRegExp(s.target)]],
  },
};

const linkerd: Observer = {
  successRate: {
    metric: 'response_total',
    matchers: (s) => [['namespace', '=', s.namespace], ['deployment', '=~', escapeRegExp(s.target)], ['direction', '=', 'inbound']],
    ok: ['classification', '!=', 'failure'],
  },
  duration: { kind: 'p99', bucket: 'response_latency_ms_bucket', unit: 'ms', matchers: (s) => [['namespace', '=', s.namespace], ['deployment', '=~', escapeRegExp(s.target)], ['direction', '=', 'inbound']] },
};

const nginxScope = (s: MetricScope): Matcher[] => [['namespace', '=', s.namespace], ['ingress', '=', s.ingress ?? ''], ['canary', '!=', '']];
const nginx: Observer = {
  successRate: { metric: 'nginx_ingress_controller_requests', matchers: nginxScope, ok: ['status', '!~', '5.*'] },
  duration: { kind: 'mean', sum: 'nginx_ingress_controller_response_duration_seconds_sum', count: 'nginx_ingress_controller_response_duration_seconds_count', matchers: nginxScope, unit: 's' },
};

const traefikScope = (s: MetricScope): Matcher[] => [['service', '=~', `${escapeRegExp(`${s.namespace}-${s.target}`)}-canary-[0-9a-zA-Z-]+@kubernetescrd`]];
const traefik: Observer = {
  successRate: { metric: 'traefik_service_request_duration_seconds_bucket', matchers: traefikScope, ok: ['code', '!~', '5..'], both: [['le', '=', '+Inf']] },
  duration: { kind: 'p99', bucket: 'traefik_service_request_duration_seconds_bucket', matchers: traefikScope, unit: 's' },
};

const osmScope = (s: MetricScope): Matcher[] => [['destination_namespace', '=', s.namespace], ['destination_kind', '=', 'Deployment'], ['destination_name', '=', s.target]];
const osm: Observer = {
  successRate: { metric: 'osm_request_total', matchers: osmScope, ok: ['response_code', '!~', '5.*'] },
  duration: { kind: 'p99', bucket: 'osm_request_duration_ms_bucket', matchers: osmScope, unit: 'ms' },
};

const apisixRoute = (s: MetricScope): Matcher[] => [['route', '=~', `${escapeRegExp(`${s.namespace}_${s.route ?? ''}-${s.target}`)}-canary_.+`]];
const apisix: Observer = {
  successRate: { metric: 'apisix_http_status', matchers: apisixRoute, ok: ['code', '!~', '5..'] },
  duration: { kind: 'p99', bucket: 'apisix_http_latency_bucket', matchers: (s) => [['type', '=~', 'request'], ...apisixRoute(s)], unit: 'ms' },
};

/** The observer each provider's Canaries are measured by (Flagger's: app-level metrics for kubernetes and Gateway API). */
const observers: Readonly<Record<string, Observer>> = {
  istio,
  linkerd,
  smi: linkerd,
  nginx,
  traefik,
  osm,
  apisix,
  kubernetes: appLevel,
  gatewayapi: appLevel,
  appmesh: envoy((s) => [['kubernetes_namespace', '=', s.namespace], ['kubernetes_pod_name', '=~', podsOf(s)]]),
  contour: envoy((s) => [['envoy_cluster_name', '=~', `${escapeRegExp(`${s.namespace}_${s.service}`)}-canary_[0-9a-zA-Z-]+`]]),
  gloo: envoy((s) => [['envoy_cluster_name', '=~', `${escapeRegExp(`${s.namespace}-${s.target}`)}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+`]]),
  kuma: envoy((s) => [['service', '=~', `${escapeRegExp(`${s.target}-canary_${s.namespace}`)}_svc_[0-9a-zA-Z-]+`]]),
};

export const builtinMetricNames = ['request-success-rate', 'request-duration'] as const;
export type BuiltinMetric = (typeof builtinMetricNames)[number];

export function isBuiltinMetric(name: string): name is BuiltinMetric {
  return (builtinMetricNames as readonly string[]).includes(name);
}

/** The observer of a provider name as spec.provider writes it ("gatewayapi:v1", "appmesh:v1beta2", "smi:v1alpha3"). */
function observerOf(provider: string): Observer | undefined {
  const base = provider.split(':')[0] ?? provider;
  return observers[base];
}

/** Whether Aviary has built-in metrics for the provider (knative and skipper do not yet). */
export function hasBuiltinMetrics(provider: string): boolean {
  return observerOf(provider) !== undefined;
}

/**
 * The PromQL of a built-in metric for a provider, and how to turn its value into the metric's unit (percent for the
 * success rate, milliseconds for the duration).
 */
export function builtinQuery(provider: string, metric: BuiltinMetric, scope: MetricScope): { query: string; toUnit: (value: number) => number } | undefined {
  const observer = observerOf(provider);
  if (observer === undefined) return undefined;
  const range = `[${scope.interval}]`;
  if (metric === 'request-success-rate') {
    const r = observer.successRate;
    const all = [...r.matchers(scope), ...(r.both ?? [])];
    return { query: `sum(rate(${selector(r.metric, [...all, r.ok])}${range})) / sum(rate(${selector(r.metric, all)}${range})) * 100`, toUnit: (v) => v };
  }
  const d = observer.duration;
  const toUnit = d.unit === 's' ? (v: number): number => v * 1000 : (v: number): number => v;
  if (d.kind === 'p99') return { query: `histogram_quantile(0.99, sum(rate(${selector(d.bucket, d.matchers(scope))}${range})) by (le))`, toUnit };
  return { query: `sum(rate(${selector(d.sum, d.matchers(scope))}${range})) / sum(rate(${selector(d.count, d.matchers(scope))}${range}))`, toUnit };
}

function selector(metric: string, matchers: readonly Matcher[]): string {
  return `${metric}{${matchers.map(([label, op, value]) => `${label}${op}${JSON.stringify(value)}`).join(',')}}`;
}

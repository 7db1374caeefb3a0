/**
 * The `provider` section of an AnalysisTemplate metric: which external system a measurement asks and how. Field
 * names follow argoproj.io/v1alpha1 (MetricProvider and the per-provider structs) so templates written for Argo
 * Rollouts validate unchanged. The provider implementations under src/analysis/providers/ take these Static types
 * as their configuration types.
 *
 * Deliberate simplifications, as for the Rollout's pod template:
 * - `job.spec` (a batch/v1 JobSpec) is an object with `x-kubernetes-preserve-unknown-fields`, typed as the client
 *   library's JobSpec; the Job's own API validation applies when the provider creates it.
 * - `web.jsonBody` and `plugin` are kept as they are (any JSON), as Argo's CRD does.
 *
 * Values that may carry `{{args.x}}` placeholders before the run resolves them (timeouts, steps, thresholds) are
 * still typed as Argo types them: a placeholder in a numeric field is rejected by Argo's CRD too.
 */
import type { JobSpec } from './kubernetes.ts';
import { Optional, Type, type Static } from '@sinclair/typebox';
import {
  DurationString,
  Int64,
  IntOrString,
  PodTemplateMetadata,
  PreservedObject,
  PreservedValue,
  StringEnum,
  StringMap,
} from './schema-helpers.ts';

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

export const WebMetricHeader = Type.Object({
  key: Type.String({ minLength: 1 }),
  value: Type.String(),
});
export type WebMetricHeader = Static<typeof WebMetricHeader>;

export const Sigv4Config = Type.Object({
  region: Optional(Type.String({ description: 'AWS region the request is signed for.' })),
  profile: Optional(Type.String({ description: 'Credential profile used to sign.' })),
  roleArn: Optional(Type.String({ description: 'IAM role assumed to sign.' })),
});
export type Sigv4Config = Static<typeof Sigv4Config>;

export const OAuth2Config = Type.Object({
  tokenUrl: Optional(Type.String({ description: 'Token endpoint (client credentials grant).' })),
  clientId: Optional(Type.String()),
  clientSecret: Optional(Type.String()),
  scopes: Optional(Type.Array(Type.String())),
});
export type OAuth2Config = Static<typeof OAuth2Config>;

export const BasicAuth = Type.Object({
  username: Optional(Type.String()),
  password: Optional(Type.String()),
});
export type BasicAuth = Static<typeof BasicAuth>;

export const Authentication = Type.Object({
  sigv4: Optional(Sigv4Config),
  oauth2: Optional(OAuth2Config),
  basicAuth: Optional(BasicAuth),
});
export type Authentication = Static<typeof Authentication>;

// ---------------------------------------------------------------------------------------------------------------
// Providers

export const PrometheusRangeQuery = Type.Object({
  start: Optional(Type.String({ description: 'Expression returning a time, e.g. now() - duration("1h").' })),
  end: Optional(Type.String({ description: 'Expression returning a time, e.g. now().' })),
  step: Optional(Type.String({ description: 'Resolution step, a duration ("1m") or seconds.' })),
});
export type PrometheusRangeQuery = Static<typeof PrometheusRangeQuery>;

export const PrometheusMetric = Type.Object({
  address: Optional(
    Type.String({ description: 'Prometheus base URL; default from ARGO_ROLLOUTS_PROMETHEUS_ADDRESS.' }),
  ),
  query: Optional(Type.String({ description: 'PromQL query.' })),
  authentication: Optional(Authentication),
  timeout: Optional(Int64({ minimum: 0, description: 'Query timeout in seconds.' })),
  insecure: Optional(Type.Boolean({ description: 'Skip TLS certificate verification.' })),
  headers: Optional(Type.Array(WebMetricHeader)),
  rangeQuery: Optional(PrometheusRangeQuery),
});
export type PrometheusMetric = Static<typeof PrometheusMetric>;

export const webMetricMethods = ['GET', 'POST', 'PUT'] as const;

export const WebMetric = Type.Object({
  method: Optional(StringEnum(webMetricMethods, { description: 'HTTP method; default GET.' })),
  url: Type.String({ minLength: 1 }),
  headers: Optional(Type.Array(WebMetricHeader)),
  body: Optional(Type.String({ description: 'Request body (POST/PUT only).' })),
  timeoutSeconds: Optional(Int64({ minimum: 0, description: 'Request timeout in seconds; default 10.' })),
  jsonPath: Optional(Type.String({ description: 'JSONPath selecting the result, e.g. {$.data.ok}; default {$}.' })),
  insecure: Optional(Type.Boolean({ description: 'Skip TLS certificate verification.' })),
  jsonBody: Optional(PreservedValue({ description: 'Request body as JSON (POST/PUT only).' })),
  authentication: Optional(Authentication),
});
export type WebMetric = Static<typeof WebMetric>;

export const JobMetric = Type.Object({
  metadata: Optional(PodTemplateMetadata),
  spec: PreservedObject<JobSpec>({ description: 'A batch/v1 JobSpec.' }),
});
export type JobMetric = Static<typeof JobMetric>;

export const datadogAggregators = ['avg', 'min', 'max', 'sum', 'last', 'percentile', 'mean', 'l2norm', 'area'] as const;

export const DatadogSecretRef = Type.Object({
  name: Optional(Type.String({ description: 'Secret holding api-key, app-key, address; default "datadog".' })),
  namespaced: Optional(Type.Boolean({ description: 'Read the Secret from the run\'s namespace.' })),
});

export const DatadogMetric = Type.Object({
  interval: Optional(DurationString({ description: 'Window queried, ending now; default 5m.' })),
  query: Optional(Type.String()),
  queries: Optional(StringMap({ description: 'Named queries combined by formula (API v2 only).' })),
  formula: Optional(Type.String()),
  apiVersion: Optional(StringEnum(['v1', 'v2'] as const, { description: 'Datadog API version; default v1.' })),
  aggregator: Optional(StringEnum(datadogAggregators, { description: 'Aggregation of the series (v2); default last.' })),
  secretRef: Optional(DatadogSecretRef),
});
export type DatadogMetric = Static<typeof DatadogMetric>;

export const NewRelicMetric = Type.Object({
  profile: Optional(Type.String({ description: 'Secret holding the account settings; default "newrelic".' })),
  query: Type.String({ description: 'NRQL query.' }),
  timeout: Optional(Int64({ minimum: 0, description: 'NerdGraph query timeout in seconds.' })),
});
export type NewRelicMetric = Static<typeof NewRelicMetric>;

export const WavefrontMetric = Type.Object({
  address: Optional(Type.String({ description: 'Wavefront host; its token is in Secret wavefront-api-tokens.' })),
  query: Optional(Type.String()),
});
export type WavefrontMetric = Static<typeof WavefrontMetric>;

export const KayentaThreshold = Type.Object({
  pass: Int64({ minimum: 0, maximum: 100 }),
  marginal: Int64({ minimum: 0, maximum: 100 }),
});

export const KayentaScopeDetail = Type.Object({
  scope: Type.String(),
  region: Type.String(),
  step: Int64({ minimum: 0 }),
  start: Type.String(),
  end: Type.String(),
});
export type KayentaScopeDetail = Static<typeof KayentaScopeDetail>;

export const KayentaScope = Type.Object({
  name: Type.String(),
  controlScope: KayentaScopeDetail,
  experimentScope: KayentaScopeDetail,
});

export const KayentaMetric = Type.Object({
  address: Type.String(),
  application: Type.String(),
  canaryConfigName: Type.String(),
  metricsAccountName: Type.String(),
  configurationAccountName: Type.String(),
  storageAccountName: Type.String(),
  threshold: KayentaThreshold,
  scopes: Type.Array(KayentaScope),
  lookback: Optional(Type.String({ description: 'Lookback window handed to Kayenta, a duration.' })),
});
export type KayentaMetric = Static<typeof KayentaMetric>;

export const CloudWatchMetricDimension = Type.Object({
  name: Optional(Type.String()),
  value: Optional(Type.String()),
});

export const CloudWatchMetricStat = Type.Object({
  metric: Optional(
    Type.Object({
      dimensions: Optional(Type.Array(CloudWatchMetricDimension)),
      metricName: Optional(Type.String()),
      namespace: Optional(Type.String()),
    }),
  ),
  period: Optional(IntOrString({ description: 'Seconds per data point.' })),
  stat: Optional(Type.String({ description: 'Statistic, e.g. Average, Sum, p99.' })),
  unit: Optional(Type.String()),
});

export const CloudWatchMetricDataQuery = Type.Object({
  id: Optional(Type.String()),
  expression: Optional(Type.String()),
  label: Optional(Type.String()),
  metricStat: Optional(CloudWatchMetricStat),
  period: Optional(IntOrString()),
  returnData: Optional(Type.Boolean()),
});
export type CloudWatchMetricDataQuery = Static<typeof CloudWatchMetricDataQuery>;

export const CloudWatchMetric = Type.Object({
  interval: Optional(DurationString({ description: 'Window queried, ending now; default 5m.' })),
  metricDataQueries: Type.Array(CloudWatchMetricDataQuery),
});
export type CloudWatchMetric = Static<typeof CloudWatchMetric>;

export const GraphiteMetric = Type.Object({
  address: Optional(Type.String()),
  query: Optional(Type.String()),
});
export type GraphiteMetric = Static<typeof GraphiteMetric>;

export const InfluxdbMetric = Type.Object({
  profile: Optional(Type.String({ description: 'Secret holding authToken, org, address; default "influxdb".' })),
  query: Optional(Type.String({ description: 'Flux query.' })),
});
export type InfluxdbMetric = Static<typeof InfluxdbMetric>;

export const SkyWalkingMetric = Type.Object({
  address: Optional(Type.String()),
  query: Optional(Type.String({ description: 'GraphQL query.' })),
  interval: Optional(DurationString()),
});
export type SkyWalkingMetric = Static<typeof SkyWalkingMetric>;

/** The provider keys, in Argo's order. */
export const metricProviderKeys = [
  'prometheus',
  'kayenta',
  'web',
  'datadog',
  'wavefront',
  'newRelic',
  'job',
  'cloudWatch',
  'graphite',
  'influxdb',
  'skywalking',
  'plugin',
] as const;

export const MetricProviderSchema = Type.Object(
  {
    prometheus: Optional(PrometheusMetric),
    kayenta: Optional(KayentaMetric),
    web: Optional(WebMetric),
    datadog: Optional(DatadogMetric),
    wavefront: Optional(WavefrontMetric),
    newRelic: Optional(NewRelicMetric),
    job: Optional(JobMetric),
    cloudWatch: Optional(CloudWatchMetric),
    graphite: Optional(GraphiteMetric),
    influxdb: Optional(InfluxdbMetric),
    skywalking: Optional(SkyWalkingMetric),
    plugin: Optional(
      PreservedObject({ description: 'Metric plugins by name, each with its own configuration.' }),
    ),
  },
  {
    minProperties: 1,
    maxProperties: 1,
    errorMessage: `must set exactly one of ${metricProviderKeys.join(', ')}`,
    description: 'The external system measured; exactly one key.',
  },
);
export type MetricProvider = Static<typeof MetricProviderSchema>;

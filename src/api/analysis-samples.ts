/**
 * Sample objects of the analysis kinds, valid ones and refused ones, each refused one with the field it is refused
 * at. The unit tests check them against the TypeBox schema (what `aviary lint` uses) and test/e2e/analysis-crd.test.ts
 * against the API server with the generated CRDs, so both judges are held to the same cases.
 */

type Json = Record<string, unknown>;

export type AnalysisSampleKind = 'AnalysisTemplate' | 'ClusterAnalysisTemplate' | 'AnalysisRun';

export interface AnalysisSample {
  name: string;
  kind: AnalysisSampleKind;
  spec: Json;
}

export interface RefusedAnalysisSample extends AnalysisSample {
  /** Where `aviary lint` reports the problem. */
  path: string;
  /** Where the API server reports it, when it names another node (a CEL rule reports at the node carrying it). */
  serverPath?: string;
}

/** The sample as an object of `apiVersion` (e.g. aviary.dev/v1alpha1), with the given metadata. */
export function sampleObject(sample: AnalysisSample, apiVersion: string, metadata: Json): Json {
  return { apiVersion, kind: sample.kind, metadata, spec: structuredClone(sample.spec) };
}

const prometheus = { prometheus: { address: 'http://prometheus.monitoring:9090', query: 'vector(1)' } };

/** A metric with the fields every sample needs, plus `extra`. */
export function sampleMetric(extra: Json = {}): Json {
  return { name: 'ok', successCondition: 'result[0] == 1', provider: prometheus, ...extra };
}

export const acceptedAnalysisSamples: readonly AnalysisSample[] = [
  {
    name: 'success rate from Prometheus with a required and a defaulted argument',
    kind: 'AnalysisTemplate',
    spec: {
      args: [{ name: 'service-name' }, { name: 'threshold', value: '0.95' }],
      metrics: [{
        name: 'success-rate',
        interval: '1m',
        count: 5,
        successCondition: 'result[0] >= {{args.threshold}}',
        failureLimit: 2,
        provider: {
          prometheus: {
            address: 'http://prometheus.monitoring:9090',
            query: 'sum(rate(http_requests_total{service="{{args.service-name}}",code!~"5.."}[1m])) / sum(rate(http_requests_total{service="{{args.service-name}}"}[1m]))',
          },
        },
      }],
    },
  },
  {
    name: 'a web check with a secret header, a field reference and placeholders in counts and durations',
    kind: 'AnalysisTemplate',
    spec: {
      args: [
        { name: 'token', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
        { name: 'app', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'count', value: '3' },
        { name: 'every', value: '30s' },
      ],
      metrics: [{
        name: 'health',
        interval: '{{args.every}}',
        initialDelay: '{{ args.every }}',
        count: '{{args.count}}',
        failureLimit: '-1',
        consecutiveErrorLimit: '{{args.count}}',
        consecutiveSuccessLimit: 2,
        inconclusiveLimit: '1',
        successCondition: 'result.ok == true',
        provider: {
          web: {
            url: 'https://status.example.com/apps/{{args.app}}',
            headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
            jsonPath: '{$.data}',
            timeoutSeconds: 5,
          },
        },
      }],
      dryRun: [{ metricName: 'health' }],
      measurementRetention: [{ metricName: 'health', limit: 20 }],
    },
  },
  {
    name: 'a Job metric',
    kind: 'AnalysisTemplate',
    spec: {
      metrics: [{
        name: 'smoke',
        provider: {
          job: {
            metadata: { labels: { suite: 'smoke' } },
            spec: {
              backoffLimit: 0,
              template: { spec: { restartPolicy: 'Never', containers: [{ name: 'test', image: 'busybox:1.36', command: ['true'] }] } },
            },
          },
        },
      }],
    },
  },
  {
    name: 'only nested templates (arguments passed through)',
    kind: 'AnalysisTemplate',
    spec: {
      args: [{ name: 'service-name' }],
      templates: [{ templateName: 'success-rate' }, { templateName: 'latency', clusterScope: true }],
    },
  },
  {
    name: 'a cluster-wide template with every limit set literally',
    kind: 'ClusterAnalysisTemplate',
    spec: {
      metrics: [sampleMetric({
        interval: '1h30m',
        initialDelay: '0',
        count: 0,
        failureLimit: -1,
        inconclusiveLimit: 2,
        consecutiveErrorLimit: 0,
        consecutiveSuccessLimit: 0,
        failureCondition: 'result[0] < 0.5',
      })],
    },
  },
  {
    name: 'a run with everything Argo accepts',
    kind: 'AnalysisRun',
    spec: {
      metrics: [sampleMetric({ interval: '10s', count: 3 })],
      args: [{ name: 'service-name', value: 'web' }],
      terminate: false,
      dryRun: [{ metricName: '*' }],
      measurementRetention: [{ metricName: 'ok', limit: 5 }],
      ttlStrategy: { secondsAfterCompletion: 3600, secondsAfterFailure: 86400, secondsAfterSuccess: 0 },
    },
  },
];

/** A status as the controller writes it, for the AnalysisRun samples (the status subresource). */
export const sampleAnalysisRunStatus: Json = {
  phase: 'Failed',
  message: 'Metric "ok" assessed Failed due to failed (2) > failureLimit (1)',
  startedAt: '2025-03-01T10:00:00Z',
  completedAt: '2025-03-01T10:01:00Z',
  runSummary: { count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 },
  dryRunSummary: { count: 0 },
  metricResults: [{
    name: 'ok',
    phase: 'Failed',
    count: 2,
    failed: 2,
    successful: 0,
    inconclusive: 0,
    error: 1,
    consecutiveError: 0,
    consecutiveSuccess: 0,
    dryRun: false,
    metadata: { note: 'kept as written' },
    message: 'failed twice',
    measurements: [
      { phase: 'Error', message: 'connection refused', startedAt: '2025-03-01T10:00:00Z', finishedAt: '2025-03-01T10:00:00Z' },
      { phase: 'Failed', value: '[0.4]', startedAt: '2025-03-01T10:00:10Z', finishedAt: '2025-03-01T10:00:11Z' },
      {
        phase: 'Running',
        startedAt: '2025-03-01T10:00:20Z',
        resumeAt: '2025-03-01T10:00:30Z',
        metadata: { 'job-name': 'run-1.ok.3' },
      },
    ],
  }],
};

const template = (name: string, spec: Json, path: string, serverPath?: string): RefusedAnalysisSample => ({
  name,
  kind: 'AnalysisTemplate',
  spec,
  path,
  ...(serverPath === undefined ? {} : { serverPath }),
});

const oneMetric = (extra: Json): Json => ({ metrics: [sampleMetric(extra)] });

export const refusedAnalysisSamples: readonly RefusedAnalysisSample[] = [
  template('a metric without a name', { metrics: [{ provider: prometheus }] }, 'spec.metrics[0].name'),
  template('a metric without a provider', { metrics: [{ name: 'x' }] }, 'spec.metrics[0].provider'),
  template('a metric with an empty provider', oneMetric({ provider: {} }), 'spec.metrics[0].provider'),
  template(
    'a metric with two providers',
    oneMetric({ provider: { ...prometheus, web: { url: 'http://example.com' } } }),
    'spec.metrics[0].provider',
  ),
  template('a count that is not a number', oneMetric({ count: 'three', interval: '1m' }), 'spec.metrics[0].count'),
  template('a negative count', oneMetric({ count: -1 }), 'spec.metrics[0].count'),
  template('a failureLimit below -1', oneMetric({ failureLimit: -2 }), 'spec.metrics[0].failureLimit'),
  template('a negative consecutiveErrorLimit', oneMetric({ consecutiveErrorLimit: -1 }), 'spec.metrics[0].consecutiveErrorLimit'),
  template('a negative inconclusiveLimit in a string', oneMetric({ inconclusiveLimit: '-1' }), 'spec.metrics[0].inconclusiveLimit'),
  template('a consecutiveSuccessLimit that is a word', oneMetric({ consecutiveSuccessLimit: 'all' }), 'spec.metrics[0].consecutiveSuccessLimit'),
  template('an interval that is not a duration', oneMetric({ interval: '5 minutes' }), 'spec.metrics[0].interval'),
  template('an initialDelay without unit', oneMetric({ initialDelay: '30' }), 'spec.metrics[0].initialDelay'),
  template('a count above 1 without interval', oneMetric({ count: 3 }), 'spec.metrics[0].interval', 'spec.metrics[0]'),
  template(
    'two metrics with one name',
    { metrics: [sampleMetric(), sampleMetric()] },
    'spec.metrics[1].name',
    'spec.metrics[1]',
  ),
  template('an argument with value and valueFrom', {
    ...oneMetric({}),
    args: [{ name: 'a', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
  }, 'spec.args[0]'),
  template('an argument with an empty valueFrom', { ...oneMetric({}), args: [{ name: 'a', valueFrom: {} }] }, 'spec.args[0].valueFrom'),
  template('an argument with two sources', {
    ...oneMetric({}),
    args: [{ name: 'a', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, fieldRef: { fieldPath: 'metadata.name' } } }],
  }, 'spec.args[0].valueFrom'),
  template(
    'a secretKeyRef without key',
    { ...oneMetric({}), args: [{ name: 'a', valueFrom: { secretKeyRef: { name: 's' } } }] },
    'spec.args[0].valueFrom.secretKeyRef.key',
  ),
  template('two arguments with one name', { ...oneMetric({}), args: [{ name: 'a' }, { name: 'a', value: '1' }] }, 'spec.args[1].name', 'spec.args[1]'),
  template('an argument without a name', { ...oneMetric({}), args: [{ value: '1' }] }, 'spec.args[0].name'),
  template('neither metrics nor templates', { args: [{ name: 'a' }] }, 'spec.metrics', 'spec'),
  template('a nested template without templateName', { templates: [{ clusterScope: true }] }, 'spec.templates[0].templateName'),
  template(
    'a negative measurement retention',
    { ...oneMetric({}), measurementRetention: [{ metricName: 'ok', limit: -1 }] },
    'spec.measurementRetention[0].limit',
  ),
  template('a dryRun entry without metricName', { ...oneMetric({}), dryRun: [{}] }, 'spec.dryRun[0].metricName'),
  {
    name: 'a cluster template with a bad provider field',
    kind: 'ClusterAnalysisTemplate',
    spec: oneMetric({ provider: { web: { url: 'http://example.com', method: 'DELETE' } } }),
    path: 'spec.metrics[0].provider.web.method',
  },
  template(
    'more metrics than the API server can bound its rules for',
    { metrics: Array.from({ length: 101 }, (_, index) => sampleMetric({ name: `m${String(index)}` })) },
    'spec.metrics',
  ),
  { name: 'a run without metrics', kind: 'AnalysisRun', spec: { args: [] }, path: 'spec.metrics' },
  { name: 'a run with an empty metric list', kind: 'AnalysisRun', spec: { metrics: [] }, path: 'spec.metrics' },
  {
    name: 'a run with a negative ttl',
    kind: 'AnalysisRun',
    spec: { ...oneMetric({}), ttlStrategy: { secondsAfterSuccess: -5 } },
    path: 'spec.ttlStrategy.secondsAfterSuccess',
  },
  {
    name: 'a run whose terminate is not a boolean',
    kind: 'AnalysisRun',
    spec: { ...oneMetric({}), terminate: 'yes' },
    path: 'spec.terminate',
  },
];

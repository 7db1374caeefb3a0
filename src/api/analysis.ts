/**
 * The analysis kinds: AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun, field for field the
 * argoproj.io/v1alpha1 API, served in aviary.dev and (compatibility mode) argoproj.io. Like the Rollout, this is the
 * only definition: TypeScript types, the CRDs under deploy/crds/ and `aviary lint` all derive from it. The provider
 * section of a metric comes from metric-provider.ts.
 *
 * Placeholders: Argo resolves `{{args.name}}` over the whole metric before reading it, so users put placeholders in
 * int-or-string fields (`count: "{{args.count}}"`) and in durations (`interval: "{{args.interval}}"`). The schema
 * accepts a placeholder wherever Argo's CRD does; a literal value is checked at admission, a placeholder only once
 * the run resolved it (effectiveMetricLimits in defaults.ts).
 *
 * Stricter than Argo's CRD (which checks these only when a run starts, as an Error phase), so the mistake is
 * refused when the manifest is applied, with a message that names the field:
 * - a metric names exactly one provider; metric, argument and dry-run/retention names are unique in their list;
 * - limits and counts are non-negative integers (failureLimit may be -1), or a placeholder;
 * - interval and initialDelay are durations, or a placeholder; count above 1 needs an interval;
 * - an argument sets at most one of value and valueFrom, and valueFrom exactly one source;
 * - a template has at least one metric or nested template; a run has at least one metric.
 *
 * Defaults the CRD does not write into stored objects (as with the Rollout, objects keep what users wrote):
 * failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4, consecutiveSuccessLimit 0 (disabled), count 1
 * without interval and unbounded with one, 10 measurements kept per metric. The controller reads them through
 * analysisDefaults / effectiveMetricLimits (defaults.ts).
 */
import { Optional, Type, type ArrayOptions, type Static, type TSchema } from '@sinclair/typebox';
import { MetricProviderSchema } from './metric-provider.ts';
import {
  celRule,
  durationPattern,
  field,
  has,
  Int32,
  IntOrString,
  isRecord,
  ObjectMeta,
  OpenString,
  StringMap,
  Time,
  type CelRule,
} from './schema-helpers.ts';
import { argoprojGroup, aviaryGroup } from './groups.ts';
import type { KindDefinition } from './kind.ts';
import { DryRun, FieldRef, MeasurementRetention, type AnalysisPhase } from './rollout.ts';

export type { AnalysisPhase };

/** Every phase of a run, a metric result or a measurement, in Argo's order. */
export const analysisPhases = ['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive'] as const satisfies readonly AnalysisPhase[];

// Does not compile once the AnalysisPhase union (rollout.ts) gains a phase the list above lacks.
const _everyPhaseListed: [Exclude<AnalysisPhase, (typeof analysisPhases)[number]>] extends [never] ? true : never = true;

/** Phases after which nothing changes any more. */
export const completedAnalysisPhases: readonly AnalysisPhase[] = ['Successful', 'Failed', 'Error', 'Inconclusive'];

export function isCompletedAnalysisPhase(phase: string | undefined): boolean {
  return completedAnalysisPhases.some((completed) => completed === phase);
}

// ---------------------------------------------------------------------------------------------------------------
// Placeholders and int-or-string limits

/** `{{args.name}}` somewhere in the text (whitespace inside the braces allowed, as Argo trims it). */
const placeholderPattern = '\\{\\{[^{}]+\\}\\}';

/** Bounds the text of int-or-string and duration fields; also bounds the API server's CEL cost estimate. */
const shortTextLength = 64;

/**
 * Metrics per template or run. Argo sets no bound, but the API server refuses CEL rules inside a list whose size it
 * cannot bound (the rules on the limits above would exceed its cost budget); no real analysis comes near this.
 */
const maxMetrics = 100;

function limitRule(minimum: 0 | -1): CelRule {
  const digits = minimum === 0 ? '^[0-9]+$' : '^(-1|[0-9]+)$';
  const stringPattern = `${digits}|${placeholderPattern}`;
  const allowed = minimum === 0 ? 'a non-negative integer' : 'an integer of at least -1';
  return celRule(
    `type(self) == string ? self.matches(r'${stringPattern}') : self >= ${String(minimum)}`,
    `must be ${allowed}, or a {{args.name}} placeholder`,
    (self) => (typeof self === 'string' ? new RegExp(stringPattern).test(self) : typeof self !== 'number' || self >= minimum),
  );
}

const nonNegativeLimit = limitRule(0);
const failureLimitRule = limitRule(-1);

/** An int-or-string count or limit: an integer, or a string holding one or a placeholder. */
function Limit(rule: CelRule, description: string) {
  return IntOrString({
    maxLength: shortTextLength,
    description,
    errorMessage: rule.message,
    'x-kubernetes-validations': [rule],
  });
}

/** A Go duration ("30s", "1m30s"), or a placeholder resolved when the run starts. */
function DurationOrPlaceholder(description: string) {
  return Type.String({
    pattern: `^(${durationPattern.slice(1, -1)}|0)$|${placeholderPattern}`,
    maxLength: shortTextLength,
    description,
    errorMessage: 'must be a duration such as "30s", "5m" or "1h", or a {{args.name}} placeholder',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Metric

const intervalForCount = celRule(
  '!(has(self.count) && type(self.count) == int && self.count > 1) || has(self.interval)',
  'interval is required when count is greater than 1',
  (self) => {
    const count = field(self, 'count');
    return !(typeof count === 'number' && count > 1) || has(self, 'interval') ? true : ['interval'];
  },
);

export const MetricSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Name of the metric, unique within the template or run.' }),
    interval: Optional(DurationOrPlaceholder('Time between measurements; absent: a single measurement.')),
    initialDelay: Optional(DurationOrPlaceholder('Wait before the first measurement.')),
    count: Optional(
      Limit(nonNegativeLimit, 'Measurements to take; default 1 without interval, unbounded with one (until terminated).'),
    ),
    successCondition: Optional(Type.String({ description: 'Expression on `result` that makes a measurement Successful.' })),
    failureCondition: Optional(Type.String({ description: 'Expression on `result` that makes a measurement Failed.' })),
    failureLimit: Optional(Limit(failureLimitRule, 'Failed measurements tolerated before the metric fails; default 0, -1 for no limit.')),
    inconclusiveLimit: Optional(
      Limit(nonNegativeLimit, 'Inconclusive measurements tolerated before the metric is Inconclusive; default 0.'),
    ),
    consecutiveErrorLimit: Optional(
      Limit(nonNegativeLimit, 'Errors in a row tolerated before the metric is Error; default 4.'),
    ),
    consecutiveSuccessLimit: Optional(
      Limit(nonNegativeLimit, 'Successful measurements in a row that complete the metric; default 0 (disabled).'),
    ),
    provider: MetricProviderSchema,
  },
  { 'x-kubernetes-validations': [intervalForCount] },
);

// ---------------------------------------------------------------------------------------------------------------
// Arguments

export const SecretKeyRef = Type.Object({
  name: Type.String({ minLength: 1, description: 'Secret in the AnalysisRun\'s own namespace.' }),
  key: Type.String({ minLength: 1, description: 'Key within the Secret.' }),
});

export const ValueFrom = Type.Object(
  {
    secretKeyRef: Optional(SecretKeyRef),
    fieldRef: Optional(FieldRef),
  },
  {
    minProperties: 1,
    maxProperties: 1,
    errorMessage: 'must set exactly one of secretKeyRef, fieldRef',
    description: 'Where the value comes from; secrets are read only from the run\'s own namespace.',
  },
);

const valueOrValueFrom = celRule(
  '!(has(self.value) && has(self.valueFrom))',
  'set value or valueFrom, not both',
  (self) => !(has(self, 'value') && has(self, 'valueFrom')),
);

export const ArgumentSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Referenced as {{args.<name>}}.' }),
    value: Optional(Type.String({ description: 'The value; with neither value nor valueFrom the argument is required.' })),
    valueFrom: Optional(ValueFrom),
  },
  { 'x-kubernetes-validations': [valueOrValueFrom] },
);

export const AnalysisTemplateRef = Type.Object({
  templateName: Type.String({ minLength: 1, description: 'AnalysisTemplate (or ClusterAnalysisTemplate) to include.' }),
  clusterScope: Optional(Type.Boolean({ description: 'Look the name up among ClusterAnalysisTemplates.' })),
});

export const TTLStrategy = Type.Object({
  secondsAfterCompletion: Optional(
    Int32({ minimum: 0, description: 'Delete the run this long after it completes, whatever its phase.' }),
  ),
  secondsAfterFailure: Optional(Int32({ minimum: 0, description: 'Overrides secondsAfterCompletion for Failed runs.' })),
  secondsAfterSuccess: Optional(
    Int32({ minimum: 0, description: 'Overrides secondsAfterCompletion for Successful runs.' }),
  ),
});

/**
 * A list whose items are unique by `keys` (`x-kubernetes-list-type: map`): the API server refuses duplicates, and
 * server-side apply merges the items by key instead of replacing the list.
 */
function ListByKey<T extends TSchema>(items: T, keys: string[], options: ArrayOptions) {
  return Type.Array(items, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys, ...options });
}

const sharedSpecProperties = {
  args: Optional(ListByKey(ArgumentSchema, ['name'], { description: 'Arguments, referenced as {{args.<name>}}.' })),
  dryRun: Optional(ListByKey(DryRun, ['metricName'], { description: 'Metrics whose result does not decide the run ("*": all).' })),
  measurementRetention: Optional(
    ListByKey(MeasurementRetention, ['metricName'], { description: 'Measurements kept per metric; default 10.' }),
  ),
};

function nonEmptyList(self: unknown, key: string): boolean {
  const list = field(self, key);
  return Array.isArray(list) && list.length > 0;
}

const metricsOrTemplates = celRule(
  '(has(self.metrics) && size(self.metrics) > 0) || (has(self.templates) && size(self.templates) > 0)',
  'a template needs at least one metric or nested template',
  (self) => nonEmptyList(self, 'metrics') || nonEmptyList(self, 'templates') || ['metrics'],
);

export const AnalysisTemplateSpec = Type.Object(
  {
    metrics: Optional(ListByKey(MetricSchema, ['name'], { maxItems: maxMetrics, description: 'Metrics measured by runs of this template.' })),
    ...sharedSpecProperties,
    templates: Optional(
      Type.Array(AnalysisTemplateRef, { description: 'Templates whose metrics and arguments are merged into this one.' }),
    ),
  },
  { 'x-kubernetes-validations': [metricsOrTemplates] },
);

export const AnalysisRunSpec = Type.Object({
  // A run without metrics can neither succeed nor fail; Argo marks it Error when it starts.
  metrics: ListByKey(MetricSchema, ['name'], { minItems: 1, maxItems: maxMetrics, description: 'Metrics measured by this run.' }),
  ...sharedSpecProperties,
  terminate: Optional(Type.Boolean({ description: 'Set to stop the run early; its phase is then decided by what was measured.' })),
  ttlStrategy: Optional(TTLStrategy),
});

// ---------------------------------------------------------------------------------------------------------------
// Status

export const MeasurementSchema = Type.Object({
  phase: OpenString<AnalysisPhase>(),
  message: Optional(Type.String()),
  startedAt: Optional(Time()),
  finishedAt: Optional(Time()),
  value: Optional(Type.String({ description: 'The measured value as text.' })),
  metadata: Optional(StringMap({ description: 'Provider bookkeeping, e.g. the job name.' })),
  resumeAt: Optional(Time({ description: 'When a running measurement is looked at again.' })),
});

export const MetricResultSchema = Type.Object({
  name: Type.String(),
  phase: OpenString<AnalysisPhase>(),
  measurements: Optional(Type.Array(MeasurementSchema, { description: 'The latest measurements, oldest first.' })),
  message: Optional(Type.String()),
  count: Optional(Int32({ description: 'Measurements without error: successful + failed + inconclusive.' })),
  successful: Optional(Int32()),
  failed: Optional(Int32()),
  inconclusive: Optional(Int32()),
  error: Optional(Int32()),
  consecutiveError: Optional(Int32()),
  consecutiveSuccess: Optional(Int32()),
  dryRun: Optional(Type.Boolean({ description: 'Measured in dry-run mode: does not decide the run.' })),
  metadata: Optional(StringMap()),
});

export const RunSummary = Type.Object({
  count: Optional(Int32({ description: 'Metrics in the run.' })),
  successful: Optional(Int32()),
  failed: Optional(Int32()),
  inconclusive: Optional(Int32()),
  error: Optional(Int32()),
});

export const AnalysisRunStatusSchema = Type.Object({
  phase: OpenString<AnalysisPhase>(),
  message: Optional(Type.String()),
  metricResults: Optional(Type.Array(MetricResultSchema)),
  startedAt: Optional(Time()),
  completedAt: Optional(Time({ description: 'When the run reached a completed phase; ttlStrategy counts from here.' })),
  runSummary: Optional(RunSummary),
  dryRunSummary: Optional(RunSummary),
});

// ---------------------------------------------------------------------------------------------------------------
// The kinds

/** apiVersion, kind and metadata: the part every kind's object shares. */
const objectFields = {
  apiVersion: Optional(Type.String()),
  kind: Optional(Type.String()),
  metadata: ObjectMeta,
};

export const AnalysisTemplateSchema = Type.Object({ ...objectFields, spec: AnalysisTemplateSpec });

/** A ClusterAnalysisTemplate has the shape of an AnalysisTemplate; only its scope differs. */
export const ClusterAnalysisTemplateSchema = AnalysisTemplateSchema;

export const AnalysisRunSchema = Type.Object({
  ...objectFields,
  spec: AnalysisRunSpec,
  status: Optional(AnalysisRunStatusSchema),
});

export type Metric = Static<typeof MetricSchema>;
export type Argument = Static<typeof ArgumentSchema>;
export type ValueFrom = Static<typeof ValueFrom>;
export type SecretKeyRef = Static<typeof SecretKeyRef>;
export type AnalysisTemplateRef = Static<typeof AnalysisTemplateRef>;
export type TTLStrategy = Static<typeof TTLStrategy>;
export type AnalysisTemplateSpec = Static<typeof AnalysisTemplateSpec>;
export type AnalysisRunSpec = Static<typeof AnalysisRunSpec>;
export type Measurement = Static<typeof MeasurementSchema>;
export type MetricResult = Static<typeof MetricResultSchema>;
export type RunSummary = Static<typeof RunSummary>;
export type AnalysisRunStatus = Static<typeof AnalysisRunStatusSchema>;
export type AnalysisTemplate = Static<typeof AnalysisTemplateSchema>;
export type ClusterAnalysisTemplate = Static<typeof ClusterAnalysisTemplateSchema>;
export type AnalysisRun = Static<typeof AnalysisRunSchema>;

/** A cheap guard before full validation: an object of the kind, with spec and metadata. */
function looksLike(value: unknown, kind: string): boolean {
  return isRecord(value) && value.kind === kind && isRecord(value.spec) && isRecord(value.metadata);
}

export function isAnalysisTemplateObject(value: unknown): value is AnalysisTemplate {
  return looksLike(value, 'AnalysisTemplate');
}

export function isAnalysisRunObject(value: unknown): value is AnalysisRun {
  return looksLike(value, 'AnalysisRun');
}

const ageColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation',
} as const;

/** The two template kinds: one schema, served namespaced and cluster-wide. */
function templateKind(kind: string, scope: KindDefinition['scope'], shortName: string, description: string): KindDefinition {
  const plural = `${kind.toLowerCase()}s`;
  return {
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames: [shortName],
    scope,
    schema: AnalysisTemplateSchema,
    description,
    subresources: { status: false },
    printerColumns: [ageColumn],
    groups: [aviaryGroup, argoprojGroup],
  };
}

export const analysisTemplateKind: KindDefinition = templateKind(
  'AnalysisTemplate',
  'Namespaced',
  'at',
  'An AnalysisTemplate says which metrics judge a release, how often they are measured and what passes.',
);

export const clusterAnalysisTemplateKind: KindDefinition = templateKind(
  'ClusterAnalysisTemplate',
  'Cluster',
  'cat',
  'A ClusterAnalysisTemplate is an AnalysisTemplate usable from every namespace (clusterScope: true).',
);

export const analysisRunKind: KindDefinition = {
  kind: 'AnalysisRun',
  listKind: 'AnalysisRunList',
  plural: 'analysisruns',
  singular: 'analysisrun',
  shortNames: ['ar'],
  scope: 'Namespaced',
  schema: AnalysisRunSchema,
  description: 'An AnalysisRun measures metrics of a template instance and records each measurement in its status.',
  subresources: { status: true },
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Phase of the analysis run' },
    ageColumn,
  ],
  groups: [aviaryGroup, argoprojGroup],
};

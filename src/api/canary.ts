/**
 * The Canary kind in Flagger's shape (flagger.app/v1beta1), field for field: a Deployment or DaemonSet target that
 * the controller clones into `<target>-primary`, with the Services, analysis, metrics, webhooks and alerts that
 * drive a release. The one definition the types (and, once the Canary controller serves the kind, its CRDs and
 * `aviary lint`) derive from.
 *
 * Served as aviary.dev/v1alpha1 and, in compatibility mode, as flagger.app/v1beta1 (registry.ts).
 *
 * Defaults Flagger applies when it reads a Canary, not written into stored objects: analysis.interval 60s,
 * threshold 1 (≤ 0 counts as 1), maxWeight 100, primaryReadyThreshold and canaryReadyThreshold 100,
 * progressDeadlineSeconds 600, service.portName "http", metric interval 1m, webhook timeout 10s.
 */
import { Optional, Type, type Static } from '@sinclair/typebox';
import { aviaryGroup, flaggerGroup } from './groups.ts';
import type { KindDefinition } from './kind.ts';
import { celRule, field, Int32, IntOrString, isRecord, ObjectMeta, OpenString, PreservedObject, StringMap, Time } from './schema-helpers.ts';

export const canaryPhases = [
  'Initializing', 'Initialized', 'Waiting', 'Progressing', 'WaitingPromotion', 'Promoting', 'Finalising', 'Succeeded',
  'Failed', 'Terminating', 'Terminated',
] as const;
export type CanaryPhase = (typeof canaryPhases)[number];

/** The providers Flagger routes through (spec.provider, or the controller's default mesh provider). */
export const canaryProviders = [
  'apisix', 'appmesh', 'appmesh:v1beta2', 'contour', 'gatewayapi:v1', 'gatewayapi:v1beta1', 'gloo', 'istio', 'knative',
  'kubernetes', 'kuma', 'linkerd', 'nginx', 'osm', 'skipper', 'smi:v1alpha1', 'smi:v1alpha2', 'smi:v1alpha3', 'traefik',
] as const;

const LocalObjectReference = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: Optional(Type.String()),
  name: Type.String(),
});

const CrossNamespaceReference = Type.Object({ name: Type.String(), namespace: Optional(Type.String()) });

const TargetRef = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: OpenString<'Deployment' | 'DaemonSet' | 'Service'>({ description: 'Deployment or DaemonSet (Service: routing only).' }),
  name: Type.String(),
});

const AutoscalerRef = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: OpenString<'HorizontalPodAutoscaler' | 'ScaledObject'>(),
  name: Type.String(),
  primaryScalerQueries: Optional(StringMap()),
  primaryScalerReplicas: Optional(Type.Object({ minReplicas: Optional(Int32({ minimum: 0 })), maxReplicas: Optional(Int32({ minimum: 1 })) })),
});

const CustomMetadata = Type.Object({ labels: Optional(StringMap()), annotations: Optional(StringMap()) });

export const CanaryService = Type.Object({
  name: Optional(Type.String({ description: 'The apex Service; defaults to targetRef.name.' })),
  port: Int32({ minimum: 1, maximum: 65535 }),
  portName: Optional(Type.String({ description: 'Defaults to "http".' })),
  targetPort: Optional(IntOrString({ integer: { minimum: 1, maximum: 65535 } })),
  appProtocol: Optional(Type.String()),
  portDiscovery: Optional(Type.Boolean({ description: 'Also expose every other container port of the target.' })),
  headless: Optional(Type.Boolean()),
  timeout: Optional(Type.String()),
  gateways: Optional(Type.Array(Type.String())),
  hosts: Optional(Type.Array(Type.String())),
  delegation: Optional(Type.Boolean()),
  gatewayRefs: Optional(Type.Array(PreservedObject({ description: 'Gateway API parentRefs of the generated HTTPRoute.' }))),
  trafficPolicy: Optional(PreservedObject()),
  match: Optional(Type.Array(PreservedObject())),
  rewrite: Optional(PreservedObject()),
  retries: Optional(PreservedObject()),
  headers: Optional(PreservedObject()),
  corsPolicy: Optional(PreservedObject()),
  mirror: Optional(Type.Array(PreservedObject())),
  backends: Optional(Type.Array(Type.String())),
  apex: Optional(CustomMetadata),
  primary: Optional(CustomMetadata),
  canary: Optional(CustomMetadata),
  unmanagedMetadata: Optional(PreservedObject()),
});

const rangeInOrder = celRule('!has(self.min) || !has(self.max) || self.min <= self.max', 'thresholdRange.min must not be above max', (self) => {
  if (!isRecord(self)) return true;
  const min = field(self, 'min');
  const max = field(self, 'max');
  return typeof min !== 'number' || typeof max !== 'number' || min <= max;
});

export const CanaryMetric = Type.Object({
  name: Type.String(),
  interval: Optional(Type.String()),
  threshold: Optional(Type.Number({ description: 'Deprecated: thresholdRange.min for success rate, max for duration.' })),
  thresholdRange: Optional(Type.Object({ min: Optional(Type.Number()), max: Optional(Type.Number()) }, { 'x-kubernetes-validations': [rangeInOrder] })),
  query: Optional(Type.String()),
  templateRef: Optional(CrossNamespaceReference),
  templateVariables: Optional(StringMap()),
});

export const webhookTypes = ['confirm-rollout', 'pre-rollout', 'rollout', 'confirm-traffic-increase', 'confirm-promotion', 'post-rollout', 'rollback', 'event'] as const;

export const CanaryWebhook = Type.Object({
  type: Optional(OpenString<(typeof webhookTypes)[number]>({ description: 'Empty means rollout.' })),
  name: Type.String(),
  url: Type.String(),
  muteAlert: Optional(Type.Boolean()),
  timeout: Optional(Type.String()),
  metadata: Optional(StringMap()),
  retries: Optional(Int32({ minimum: 0 })),
  disableTLS: Optional(Type.Boolean()),
});

export const CanaryAlert = Type.Object({
  name: Type.String(),
  severity: Optional(OpenString<'info' | 'warn' | 'error'>()),
  providerRef: CrossNamespaceReference,
});

export const SessionAffinity = Type.Object({
  cookieName: Type.String(),
  primaryCookieName: Optional(Type.String()),
  domain: Optional(Type.String()),
  httpOnly: Optional(Type.Boolean()),
  maxAge: Optional(Int32()),
  path: Optional(Type.String()),
  sameSite: Optional(Type.String()),
  secure: Optional(Type.Boolean()),
});

export const CanaryAnalysis = Type.Object({
  interval: Optional(Type.String()),
  threshold: Optional(Int32()),
  maxWeight: Optional(Int32({ minimum: 0 })),
  stepWeight: Optional(Int32({ minimum: 0 })),
  stepWeights: Optional(Type.Array(Int32({ minimum: 0 }))),
  stepWeightPromotion: Optional(Int32({ minimum: 0 })),
  iterations: Optional(Int32({ minimum: 0 })),
  mirror: Optional(Type.Boolean()),
  mirrorWeight: Optional(Int32({ minimum: 0, maximum: 100 })),
  primaryReadyThreshold: Optional(Int32({ minimum: 0, maximum: 100 })),
  canaryReadyThreshold: Optional(Int32({ minimum: 0, maximum: 100 })),
  alerts: Optional(Type.Array(CanaryAlert)),
  metrics: Optional(Type.Array(CanaryMetric)),
  webhooks: Optional(Type.Array(CanaryWebhook)),
  match: Optional(Type.Array(PreservedObject({ description: 'A/B: header, cookie or query matches routed to the canary.' }))),
  sessionAffinity: Optional(SessionAffinity),
});

export const CanarySpec = Type.Object({
  provider: Optional(OpenString<(typeof canaryProviders)[number]>()),
  metricsServer: Optional(Type.String()),
  targetRef: TargetRef,
  autoscalerRef: Optional(AutoscalerRef),
  ingressRef: Optional(LocalObjectReference),
  routeRef: Optional(LocalObjectReference),
  upstreamRef: Optional(CrossNamespaceReference),
  service: CanaryService,
  analysis: CanaryAnalysis,
  progressDeadlineSeconds: Optional(Int32({ minimum: 0 })),
  skipAnalysis: Optional(Type.Boolean()),
  revertOnDeletion: Optional(Type.Boolean()),
  suspend: Optional(Type.Boolean()),
});

export const CanaryCondition = Type.Object({
  type: Type.String(),
  status: Type.String(),
  lastUpdateTime: Optional(Time()),
  lastTransitionTime: Optional(Time()),
  reason: Optional(Type.String()),
  message: Optional(Type.String()),
});

export const CanaryStatus = Type.Object({
  observedGeneration: Optional(Type.Integer()),
  phase: Optional(OpenString<CanaryPhase>()),
  failedChecks: Optional(Int32()),
  canaryWeight: Optional(Int32()),
  iterations: Optional(Int32()),
  trackedConfigs: Optional(StringMap({ description: '"configmap/<name>" or "secret/<name>" → checksum of its data.' })),
  lastAppliedSpec: Optional(Type.String()),
  lastPromotedSpec: Optional(Type.String()),
  lastTransitionTime: Optional(Time()),
  conditions: Optional(Type.Array(CanaryCondition)),
});

export const CanarySchema = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: Optional(Type.String()),
  metadata: ObjectMeta,
  spec: CanarySpec,
  status: Optional(CanaryStatus),
});

export type Canary = Static<typeof CanarySchema>;
export type CanarySpec = Static<typeof CanarySpec>;
export type CanaryService = Static<typeof CanaryService>;
export type CanaryAnalysis = Static<typeof CanaryAnalysis>;
export type CanaryStatus = Static<typeof CanaryStatus>;
export type CanaryCondition = Static<typeof CanaryCondition>;
export type CanaryMetric = Static<typeof CanaryMetric>;
export type CanaryWebhook = Static<typeof CanaryWebhook>;
export type CanaryAlert = Static<typeof CanaryAlert>;

/** Flagger's MetricTemplate: a query against a metrics provider, with template variables ({{ target }}, ...). */
export const metricTemplateProviders = ['prometheus', 'influxdb', 'datadog', 'externalmetrics', 'stackdriver', 'cloudwatch', 'newrelic', 'graphite', 'dynatrace', 'keptn', 'splunk'] as const;

export const MetricTemplateSpec = Type.Object({
  provider: Type.Object({
    type: OpenString<(typeof metricTemplateProviders)[number]>(),
    address: Optional(Type.String()),
    headers: Optional(PreservedObject()),
    secretRef: Optional(Type.Object({ name: Type.String() })),
    region: Optional(Type.String()),
    insecureSkipVerify: Optional(Type.Boolean()),
  }),
  query: Type.String(),
});

export const MetricTemplateSchema = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: Optional(Type.String()),
  metadata: ObjectMeta,
  spec: MetricTemplateSpec,
  status: Optional(PreservedObject()),
});
export type MetricTemplate = Static<typeof MetricTemplateSchema>;

/** Flagger's AlertProvider: where a Canary's alerts go. The address may come from a Secret (key `address`). */
export const alertProviderTypes = ['slack', 'msteams', 'discord', 'rocket', 'gchat'] as const;

export const AlertProviderSchema = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: Optional(Type.String()),
  metadata: ObjectMeta,
  spec: Type.Object({
    type: OpenString<(typeof alertProviderTypes)[number]>(),
    channel: Optional(Type.String()),
    username: Optional(Type.String()),
    address: Optional(Type.String()),
    proxy: Optional(Type.String()),
    secretRef: Optional(Type.Object({ name: Type.String() })),
  }),
  status: Optional(PreservedObject()),
});
export type AlertProvider = Static<typeof AlertProviderSchema>;

/** Both groups serve the Flagger kinds; printer columns as Flagger's (Weight is an integer here, a string there). */
const canaryGroups = [aviaryGroup, flaggerGroup] as const;

export const canaryKind: KindDefinition = {
  kind: 'Canary',
  listKind: 'CanaryList',
  plural: 'canaries',
  singular: 'canary',
  shortNames: [],
  scope: 'Namespaced',
  schema: CanarySchema,
  description: 'A Canary releases a new version of a Deployment or DaemonSet through `<target>-primary`, shifting traffic step by step while metrics and webhooks judge it.',
  subresources: { status: true },
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    { name: 'Weight', type: 'integer', jsonPath: '.status.canaryWeight' },
    { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend', priority: 1 },
    { name: 'FailedChecks', type: 'integer', jsonPath: '.status.failedChecks', priority: 1 },
    { name: 'Interval', type: 'string', jsonPath: '.spec.analysis.interval', priority: 1 },
    { name: 'Mirror', type: 'boolean', jsonPath: '.spec.analysis.mirror', priority: 1 },
    { name: 'StepWeight', type: 'integer', jsonPath: '.spec.analysis.stepWeight', priority: 1 },
    { name: 'StepWeights', type: 'string', jsonPath: '.spec.analysis.stepWeights', priority: 1 },
    { name: 'MaxWeight', type: 'integer', jsonPath: '.spec.analysis.maxWeight', priority: 1 },
    { name: 'LastTransitionTime', type: 'string', jsonPath: '.status.lastTransitionTime' },
  ],
  groups: canaryGroups,
};

export const metricTemplateKind: KindDefinition = {
  kind: 'MetricTemplate',
  listKind: 'MetricTemplateList',
  plural: 'metrictemplates',
  singular: 'metrictemplate',
  shortNames: [],
  scope: 'Namespaced',
  schema: MetricTemplateSchema,
  description: 'A MetricTemplate is a query against a metrics provider that Canaries reference from analysis.metrics[].templateRef.',
  subresources: { status: true },
  printerColumns: [{ name: 'Provider', type: 'string', jsonPath: '.spec.provider.type' }],
  groups: canaryGroups,
};

export const alertProviderKind: KindDefinition = {
  kind: 'AlertProvider',
  listKind: 'AlertProviderList',
  plural: 'alertproviders',
  singular: 'alertprovider',
  shortNames: [],
  scope: 'Namespaced',
  schema: AlertProviderSchema,
  description: 'An AlertProvider is where a Canary\'s alerts go (Slack, Microsoft Teams, ...).',
  subresources: { status: true },
  printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.spec.type' }],
  groups: canaryGroups,
};

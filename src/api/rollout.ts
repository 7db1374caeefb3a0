/**
 * The Rollout kind: the argoproj.io/v1alpha1 Rollout API, field for field, plus Aviary's extensions. This is the
 * only definition: the TypeScript types, the CRDs under deploy/crds/ (both groups) and the validation used by
 * `aviary lint` and the controller all derive from it.
 *
 * Deliberate simplification: `spec.template.spec` (a core/v1 PodSpec) is not spelled out. It is an object with
 * `x-kubernetes-preserve-unknown-fields`, typed as src/api/kubernetes.ts's PodSpec. This keeps the CRDs small; the
 * pods' own API validation still applies when the ReplicaSets are created.
 *
 * Aviary extensions (absent from Argo's schema, where such fields are silently pruned):
 * - `spec.strategy.canary.trafficRouting.gatewayAPI`: native Gateway API routing (HTTPRoute, GRPCRoute, TCPRoute,
 *   TLSRoute), shaped like the configuration of the Gateway API traffic plugin so a manifest can move over.
 * - `contour`, `gloo`, `kuma`, `skipper` under trafficRouting: the routers Flagger has and Argo offers only as plugins
 *   (or not at all). `contour` and `gloo` are shaped like the argoproj-labs/contour and solo-io/glooedge plugins'
 *   configuration, which is read in their place.
 * - Validation the API server enforces at admission (CEL rules, ranges) where Argo reports InvalidSpec later.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PodSpec } from './kubernetes.ts';
import { Optional, Type, type Static } from '@sinclair/typebox';
import {
  celRule,
  DurationString,
  field,
  has,
  Int32,
  Int64,
  IntOrPercent,
  LabelSelector as LabelSelectorSchema,
  ObjectMeta,
  OpenString,
  PodTemplateMetadata as PodTemplateMetadataSchema,
  PreservedObject,
  PreservedValue,
  SecondsOrDuration,
  StringEnum,
  StringMap,
  Time,
} from './schema-helpers.ts';
import { argoprojGroup, aviaryGroup } from './groups.ts';
import type { KindDefinition } from './kind.ts';

/** Kubernetes object names referenced by the strategies (Services are DNS-1035 labels). */
const ServiceName = (description: string) => Type.String({ maxLength: 63, description });

// ---------------------------------------------------------------------------------------------------------------
// Analysis references

export const AnalysisRunMetadata = Type.Object(
  { labels: Optional(StringMap()), annotations: Optional(StringMap()) },
  { description: 'Labels and annotations added to the AnalysisRuns this creates.' },
);

export const RolloutAnalysisTemplate = Type.Object({
  templateName: Optional(Type.String({ description: 'Name of the AnalysisTemplate (or ClusterAnalysisTemplate).' })),
  clusterScope: Optional(Type.Boolean({ description: 'Look the template up among ClusterAnalysisTemplates.' })),
});

export const FieldRef = Type.Object({
  fieldPath: Type.String({ description: 'Path of a field of the Rollout, e.g. metadata.labels[\'app\'].' }),
});

export const ArgumentValueFrom = Type.Object({
  podTemplateHashValue: Optional(StringEnum(['Stable', 'Latest'] as const)),
  fieldRef: Optional(FieldRef),
});

export const AnalysisRunArgument = Type.Object({
  name: Type.String(),
  value: Optional(Type.String()),
  valueFrom: Optional(ArgumentValueFrom),
});

export const DryRun = Type.Object({
  metricName: Type.String({ description: 'Metric to run in dry-run mode; "*" for all.' }),
});

export const MeasurementRetention = Type.Object({
  metricName: Type.String(),
  limit: Int32({ minimum: 0 }),
});

const rolloutAnalysisProperties = {
  templates: Optional(Type.Array(RolloutAnalysisTemplate)),
  args: Optional(Type.Array(AnalysisRunArgument)),
  dryRun: Optional(Type.Array(DryRun)),
  measurementRetention: Optional(Type.Array(MeasurementRetention)),
  analysisRunMetadata: Optional(AnalysisRunMetadata),
};

export const RolloutAnalysis = Type.Object(rolloutAnalysisProperties);

export const RolloutAnalysisBackground = Type.Object({
  ...rolloutAnalysisProperties,
  startingStep: Optional(Int32({ minimum: 0, description: 'Index of the step at which background analysis starts.' })),
});

// ---------------------------------------------------------------------------------------------------------------
// Canary steps

export const RolloutPause = Type.Object({
  duration: Optional(SecondsOrDuration({ description: 'How long to pause; absent means until promoted.' })),
});

export const SetCanaryScale = Type.Object({
  weight: Optional(Int32({ minimum: 0, maximum: 100, description: 'Canary size as a percentage of spec.replicas.' })),
  replicas: Optional(Int32({ minimum: 0, description: 'Canary size as a number of pods.' })),
  matchTrafficWeight: Optional(Type.Boolean({ description: 'Size the canary after its traffic weight again.' })),
});

const exactlyOneMatch = 'must set exactly one of exact, prefix, regex';

export const StringMatch = Type.Object(
  { exact: Optional(Type.String()), prefix: Optional(Type.String()), regex: Optional(Type.String()) },
  { minProperties: 1, maxProperties: 1, errorMessage: exactlyOneMatch },
);

export const HeaderRoutingMatch = Type.Object({
  headerName: Type.String(),
  headerValue: StringMatch,
});

export const SetHeaderRoute = Type.Object({
  name: Optional(Type.String({ description: 'A route listed in trafficRouting.managedRoutes.' })),
  match: Optional(Type.Array(HeaderRoutingMatch, { description: 'Absent: remove the route.' })),
});

export const RouteMatch = Type.Object({
  method: Optional(StringMatch),
  path: Optional(StringMatch),
  headers: Optional(Type.Record(Type.String(), StringMatch)),
});

export const SetMirrorRoute = Type.Object({
  name: Type.String({ description: 'A route listed in trafficRouting.managedRoutes.' }),
  match: Optional(Type.Array(RouteMatch, { description: 'Conditions within a match are ANDed, matches are ORed.' })),
  percentage: Optional(Int32({ minimum: 0, maximum: 100 })),
});

export const TemplateService = Type.Object({ name: Optional(Type.String()) });

export const RolloutExperimentTemplate = Type.Object({
  name: Type.String(),
  specRef: StringEnum(['canary', 'stable'] as const, { description: 'Which pod template the ReplicaSet runs.' }),
  replicas: Optional(Int32({ minimum: 0 })),
  metadata: Optional(PodTemplateMetadataSchema),
  selector: Optional(LabelSelectorSchema),
  weight: Optional(Int32({ minimum: 0, maximum: 100, description: 'Traffic percentage (needs traffic routing).' })),
  service: Optional(TemplateService),
});

export const RolloutExperimentStepAnalysisTemplateRef = Type.Object({
  name: Type.String(),
  templateName: Type.String(),
  clusterScope: Optional(Type.Boolean()),
  args: Optional(Type.Array(AnalysisRunArgument)),
  requiredForCompletion: Optional(Type.Boolean()),
});

export const RolloutExperimentStep = Type.Object({
  templates: Type.Array(RolloutExperimentTemplate),
  duration: Optional(DurationString()),
  analyses: Optional(Type.Array(RolloutExperimentStepAnalysisTemplateRef)),
  dryRun: Optional(Type.Array(DryRun)),
  analysisRunMetadata: Optional(AnalysisRunMetadata),
  scaleDownDelaySeconds: Optional(Int32({ minimum: 0 })),
});

export const PluginStep = Type.Object({
  name: Type.String({ description: 'Name of the step plugin.' }),
  config: Optional(PreservedValue({ description: 'Configuration handed to the plugin as it is.' })),
});

export const canaryStepKinds = [
  'setWeight',
  'pause',
  'setCanaryScale',
  'analysis',
  'experiment',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
] as const;


export const CanaryStep = Type.Object(
  {
    setWeight: Optional(
      Int32({ minimum: 0, description: 'Percentage of traffic (or of pods, without traffic routing) for the canary.' }),
    ),
    pause: Optional(RolloutPause),
    setCanaryScale: Optional(SetCanaryScale),
    analysis: Optional(RolloutAnalysis),
    experiment: Optional(RolloutExperimentStep),
    setHeaderRoute: Optional(SetHeaderRoute),
    setMirrorRoute: Optional(SetMirrorRoute),
    plugin: Optional(PluginStep),
  },
  // Argo accepts several fields in one step (its APISIX example: setCanaryScale, setHeaderRoute and pause): each
  // takes effect, and the step completes as the first of pause, setCanaryScale, setWeight, ... does.
  { minProperties: 1, errorMessage: `a step must set at least one of ${canaryStepKinds.join(', ')}` },
);

// ---------------------------------------------------------------------------------------------------------------
// Traffic routing

export const IstioTLSRoute = Type.Object({
  port: Optional(Int64()),
  sniHosts: Optional(Type.Array(Type.String())),
});

export const IstioTCPRoute = Type.Object({ port: Optional(Int64()) });

export const IstioVirtualService = Type.Object({
  name: Type.String(),
  routes: Optional(Type.Array(Type.String())),
  tlsRoutes: Optional(Type.Array(IstioTLSRoute)),
  tcpRoutes: Optional(Type.Array(IstioTCPRoute)),
});

export const IstioDestinationRule = Type.Object({
  name: Type.String(),
  canarySubsetName: Type.String(),
  stableSubsetName: Type.String(),
  additionalSubsetNames: Optional(Type.Array(Type.String())),
});

export const IstioTrafficRouting = Type.Object({
  virtualService: Optional(IstioVirtualService),
  virtualServices: Optional(Type.Array(IstioVirtualService)),
  destinationRule: Optional(IstioDestinationRule),
});

export const NginxTrafficRouting = Type.Object({
  annotationPrefix: Optional(Type.String({ description: 'Defaults to nginx.ingress.kubernetes.io.' })),
  stableIngress: Optional(Type.String()),
  stableIngresses: Optional(Type.Array(Type.String())),
  additionalIngressAnnotations: Optional(StringMap()),
  canaryIngressAnnotations: Optional(StringMap()),
});

export const StickinessConfig = Type.Object({
  enabled: Type.Boolean(),
  durationSeconds: Int64({ minimum: 0 }),
});

export const ALBTrafficRouting = Type.Object({
  ingress: Optional(Type.String()),
  ingresses: Optional(Type.Array(Type.String())),
  servicePort: Int32({ minimum: 0 }),
  rootService: Optional(Type.String()),
  annotationPrefix: Optional(Type.String({ description: 'Defaults to alb.ingress.kubernetes.io.' })),
  stickinessConfig: Optional(StickinessConfig),
});

export const SMITrafficRouting = Type.Object({
  rootService: Optional(Type.String()),
  trafficSplitName: Optional(Type.String({ description: 'Defaults to the Rollout name.' })),
});

export const AmbassadorTrafficRouting = Type.Object({ mappings: Type.Array(Type.String()) });

export const AppMeshVirtualService = Type.Object({
  name: Type.String(),
  routes: Optional(Type.Array(Type.String())),
});

export const AppMeshVirtualNodeReference = Type.Object({ name: Type.String() });

export const AppMeshVirtualNodeGroup = Type.Object({
  canaryVirtualNodeRef: AppMeshVirtualNodeReference,
  stableVirtualNodeRef: AppMeshVirtualNodeReference,
});

export const AppMeshTrafficRouting = Type.Object({
  virtualService: Optional(AppMeshVirtualService),
  virtualNodeGroup: Optional(AppMeshVirtualNodeGroup),
});

export const TraefikTrafficRouting = Type.Object({ weightedTraefikServiceName: Type.String() });

export const ApisixRoute = Type.Object({
  name: Type.String(),
  rules: Optional(Type.Array(Type.String())),
});

export const ApisixTrafficRouting = Type.Object({ route: Optional(ApisixRoute) });

export const ManagedRoute = Type.Object({ name: Type.String() });

export const GatewayAPIRouteRef = Type.Object({
  name: Type.String(),
  useHeaderRoutes: Optional(
    Type.Boolean({ description: 'Add the routes of setHeaderRoute steps to this route.' }),
  ),
});

const gatewayRouteFields = [
  'httpRoute',
  'httpRoutes',
  'grpcRoute',
  'grpcRoutes',
  'tcpRoute',
  'tcpRoutes',
  'tlsRoute',
  'tlsRoutes',
] as const;

const gatewayNeedsRoute = celRule(
  gatewayRouteFields.map((name) => `has(self.${name})`).join(' || '),
  'gatewayAPI needs at least one route (httpRoute(s), grpcRoute(s), tcpRoute(s) or tlsRoute(s))',
  (self) => gatewayRouteFields.some((name) => has(self, name)),
);

/** Aviary extension: Gateway API routing without a plugin. */
export const GatewayAPITrafficRouting = Type.Object(
  {
    namespace: Optional(Type.String({ description: 'Namespace of the routes; defaults to the Rollout\'s.' })),
    httpRoute: Optional(Type.String({ description: 'Name of an HTTPRoute whose backends Aviary weights.' })),
    httpRoutes: Optional(Type.Array(GatewayAPIRouteRef)),
    grpcRoute: Optional(Type.String({ description: 'Name of a GRPCRoute.' })),
    grpcRoutes: Optional(Type.Array(GatewayAPIRouteRef)),
    tcpRoute: Optional(Type.String({ description: 'Name of a TCPRoute.' })),
    tcpRoutes: Optional(Type.Array(GatewayAPIRouteRef)),
    tlsRoute: Optional(Type.String({ description: 'Name of a TLSRoute.' })),
    tlsRoutes: Optional(Type.Array(GatewayAPIRouteRef)),
  },
  {
    description: 'Aviary extension: weights the canary and stable Services as backends of Gateway API routes.',
    'x-kubernetes-validations': [gatewayNeedsRoute],
  },
);

const ObjectRef = Type.Object({
  name: Type.String(),
  namespace: Optional(Type.String({ description: 'Defaults to the Rollout\'s namespace.' })),
});

/** Aviary extension (the argoproj-labs/contour plugin's configuration): Contour HTTPProxy routes. */
export const ContourTrafficRouting = Type.Object(
  { httpProxies: Type.Array(Type.String(), { minItems: 1, description: 'HTTPProxies whose routes send to both the canary and the stable Service.' }) },
  { description: 'Aviary extension: weights the canary and stable Services in the routes of Contour HTTPProxies.' },
);

/** Aviary extension (the solo-io/glooedge plugin's configuration): Gloo Edge route destinations. */
export const GlooTrafficRouting = Type.Object(
  {
    routeTable: Optional(ObjectRef),
    virtualService: Optional(ObjectRef),
    routes: Optional(Type.Array(Type.String(), { description: 'Names of the routes to weight; all routes sending to both Services when absent.' })),
  },
  { description: 'Aviary extension: weights the canary and stable destinations of a Gloo Edge RouteTable or VirtualService.' },
);

/** Aviary extension: a Kuma MeshHTTPRoute's backendRefs. */
export const KumaTrafficRouting = Type.Object(
  { meshHTTPRoute: Type.String({ description: 'The MeshHTTPRoute whose rules send to both the canary and the stable Service.' }) },
  { description: 'Aviary extension: weights the canary and stable backends of a Kuma MeshHTTPRoute.' },
);

/** Aviary extension: Skipper's backend-weights annotation on an Ingress. */
export const SkipperTrafficRouting = Type.Object(
  { ingress: Type.String({ description: 'The Ingress with paths to both the canary and the stable Service.' }) },
  { description: 'Aviary extension: weights the canary and stable backends of an Ingress served by Skipper (zalando.org/backend-weights).' },
);

export const RolloutTrafficRouting = Type.Object({
  istio: Optional(IstioTrafficRouting),
  nginx: Optional(NginxTrafficRouting),
  alb: Optional(ALBTrafficRouting),
  smi: Optional(SMITrafficRouting),
  ambassador: Optional(AmbassadorTrafficRouting),
  appMesh: Optional(AppMeshTrafficRouting),
  traefik: Optional(TraefikTrafficRouting),
  apisix: Optional(ApisixTrafficRouting),
  plugins: Optional(
    PreservedObject({ description: 'Traffic router plugins by name, each with its own configuration.' }),
  ),
  gatewayAPI: Optional(GatewayAPITrafficRouting),
  contour: Optional(ContourTrafficRouting),
  gloo: Optional(GlooTrafficRouting),
  kuma: Optional(KumaTrafficRouting),
  skipper: Optional(SkipperTrafficRouting),
  managedRoutes: Optional(
    Type.Array(ManagedRoute, { description: 'Routes the rollout adds and removes, highest precedence first.' }),
  ),
  maxTrafficWeight: Optional(Int32({ minimum: 1, description: 'Total weight that means all traffic; default 100.' })),
});

// ---------------------------------------------------------------------------------------------------------------
// Strategies

export const AntiAffinity = Type.Object(
  {
    preferredDuringSchedulingIgnoredDuringExecution: Optional(
      Type.Object({ weight: Int32({ minimum: 1, maximum: 100 }) }),
    ),
    requiredDuringSchedulingIgnoredDuringExecution: Optional(Type.Object({})),
  },
  {
    minProperties: 1,
    maxProperties: 1,
    errorMessage:
      'must set exactly one of preferredDuringSchedulingIgnoredDuringExecution, requiredDuringSchedulingIgnoredDuringExecution',
  },
);

export const PingPongSpec = Type.Object({
  pingService: ServiceName('One of the two Services that take turns as stable.'),
  pongService: ServiceName('The other Service.'),
});

export type ReplicaProgressType = 'Percent' | 'Pods';

const percentAtMost100 = celRule(
  "self.type != 'Percent' || self.value <= 100",
  'a Percent threshold must be at most 100',
  (self) => field(self, 'type') !== 'Percent' || !(Number(field(self, 'value')) > 100),
);

export const ReplicaProgressThreshold = Type.Object(
  {
    type: OpenString<ReplicaProgressType>({ description: 'Percent or Pods.' }),
    value: Int32({ minimum: 0 }),
  },
  { 'x-kubernetes-validations': [percentAtMost100] },
);

// Canary rules.

/** The steps that only make sense with traffic routing. */
const trafficOnlySteps = ['setCanaryScale', 'setHeaderRoute', 'setMirrorRoute'] as const;

function stepsOf(self: unknown): unknown[] {
  const steps = field(self, 'steps');
  return Array.isArray(steps) ? steps : [];
}

function maxTrafficWeightOf(canary: unknown): number {
  const weight = field(field(canary, 'trafficRouting'), 'maxTrafficWeight');
  return typeof weight === 'number' ? weight : 100;
}

const setWeightWithinMax = celRule(
  '!has(self.steps) || self.steps.all(s, !has(s.setWeight) || s.setWeight <= ' +
    '(has(self.trafficRouting) && has(self.trafficRouting.maxTrafficWeight) ? self.trafficRouting.maxTrafficWeight : 100))',
  'setWeight must not exceed trafficRouting.maxTrafficWeight (100 unless set)',
  (self) => {
    const max = maxTrafficWeightOf(self);
    const bad: string[] = [];
    stepsOf(self).forEach((step, index) => {
      const weight = field(step, 'setWeight');
      if (typeof weight === 'number' && weight > max) bad.push(`steps[${index}].setWeight`);
    });
    return bad;
  },
);

const trafficStepsNeedRouting = celRule(
  'has(self.trafficRouting) || !has(self.steps) || ' +
    `self.steps.all(s, ${trafficOnlySteps.map((kind) => `!has(s.${kind})`).join(' && ')})`,
  'setCanaryScale, setHeaderRoute and setMirrorRoute steps need trafficRouting',
  (self) => {
    if (has(self, 'trafficRouting')) return true;
    const bad: string[] = [];
    stepsOf(self).forEach((step, index) => {
      for (const kind of trafficOnlySteps) if (has(step, kind)) bad.push(`steps[${index}].${kind}`);
    });
    return bad;
  },
);

function isZero(value: unknown): boolean {
  return value === 0 || value === '0' || value === '0%';
}

const surgeOrUnavailable = celRule(
  "!(has(self.maxSurge) && has(self.maxUnavailable) && string(self.maxSurge) in ['0', '0%'] && " +
    "string(self.maxUnavailable) in ['0', '0%'])",
  'maxSurge and maxUnavailable cannot both be 0',
  (self) => !(isZero(field(self, 'maxSurge')) && isZero(field(self, 'maxUnavailable'))),
);

const canaryServicesDiffer = celRule(
  "!has(self.canaryService) || !has(self.stableService) || self.canaryService == '' || " +
    'self.canaryService != self.stableService',
  'canaryService and stableService must name two different Services',
  (self) => {
    const canary = field(self, 'canaryService');
    return typeof canary !== 'string' || canary === '' || canary !== field(self, 'stableService');
  },
);

const dynamicStableScaleAlone = celRule(
  '!(has(self.dynamicStableScale) && self.dynamicStableScale && has(self.scaleDownDelaySeconds))',
  'dynamicStableScale cannot be combined with scaleDownDelaySeconds',
  (self) => !(field(self, 'dynamicStableScale') === true && has(self, 'scaleDownDelaySeconds')),
);

export const CanaryStrategy = Type.Object(
  {
    canaryService: Optional(ServiceName('Service that selects only the canary pods.')),
    stableService: Optional(ServiceName('Service that selects only the stable pods.')),
    // maxItems bounds the cost the API server estimates for the CEL rules that iterate over the steps.
    steps: Optional(Type.Array(CanaryStep, { maxItems: 1000, description: 'The release plan, run in order.' })),
    trafficRouting: Optional(RolloutTrafficRouting),
    maxUnavailable: Optional(IntOrPercent({ description: 'Pods that may be unavailable during the update; default 25%.' })),
    maxSurge: Optional(IntOrPercent({ description: 'Pods that may be created above spec.replicas; default 25%.' })),
    analysis: Optional(RolloutAnalysisBackground),
    antiAffinity: Optional(AntiAffinity),
    canaryMetadata: Optional(PodTemplateMetadataSchema),
    stableMetadata: Optional(PodTemplateMetadataSchema),
    scaleDownDelaySeconds: Optional(
      Int32({ minimum: 0, description: 'Delay before the old ReplicaSet scales down (traffic routing; default 30).' }),
    ),
    scaleDownDelayRevisionLimit: Optional(Int32({ minimum: 0 })),
    abortScaleDownDelaySeconds: Optional(
      Int32({ minimum: 0, description: 'Delay before an aborted canary scales down; 0 keeps it (default 30).' }),
    ),
    dynamicStableScale: Optional(Type.Boolean({ description: 'Scale the stable side down as traffic moves away.' })),
    pingPong: Optional(PingPongSpec),
    minPodsPerReplicaSet: Optional(Int32({ minimum: 1 })),
    replicaProgressThreshold: Optional(ReplicaProgressThreshold),
  },
  {
    'x-kubernetes-validations': [
      setWeightWithinMax,
      trafficStepsNeedRouting,
      surgeOrUnavailable,
      canaryServicesDiffer,
      dynamicStableScaleAlone,
    ],
  },
);

const blueGreenServicesDiffer = celRule(
  "!has(self.previewService) || self.previewService == '' || self.previewService != self.activeService",
  'activeService and previewService must name two different Services',
  (self) => {
    const preview = field(self, 'previewService');
    return typeof preview !== 'string' || preview === '' || preview !== field(self, 'activeService');
  },
);

export const BlueGreenStrategy = Type.Object(
  {
    activeService: ServiceName('Service that receives production traffic.'),
    previewService: Optional(ServiceName('Service that points at the new version before promotion.')),
    previewReplicaCount: Optional(Int32({ minimum: 0 })),
    autoPromotionEnabled: Optional(Type.Boolean({ description: 'Promote without waiting for a person; default true.' })),
    autoPromotionSeconds: Optional(Int32({ minimum: 0 })),
    maxUnavailable: Optional(IntOrPercent()),
    scaleDownDelaySeconds: Optional(Int32({ minimum: 0, description: 'Default 30.' })),
    scaleDownDelayRevisionLimit: Optional(Int32({ minimum: 0 })),
    prePromotionAnalysis: Optional(RolloutAnalysis),
    postPromotionAnalysis: Optional(RolloutAnalysis),
    antiAffinity: Optional(AntiAffinity),
    previewMetadata: Optional(PodTemplateMetadataSchema),
    activeMetadata: Optional(PodTemplateMetadataSchema),
    abortScaleDownDelaySeconds: Optional(Int32({ minimum: 0, description: 'Default 30; 0 keeps the preview.' })),
  },
  { 'x-kubernetes-validations': [blueGreenServicesDiffer] },
);

const oneStrategy = celRule(
  '!(has(self.canary) && has(self.blueGreen))',
  'set only one strategy: canary or blueGreen',
  (self) => !(has(self, 'canary') && has(self, 'blueGreen')),
);

export const RolloutStrategy = Type.Object(
  {
    blueGreen: Optional(BlueGreenStrategy),
    canary: Optional(CanaryStrategy),
  },
  { 'x-kubernetes-validations': [oneStrategy] },
);

// ---------------------------------------------------------------------------------------------------------------
// Spec

export const WorkloadRef = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: Optional(Type.String()),
  name: Optional(Type.String()),
  scaleDown: Optional(
    StringEnum(['never', 'onsuccess', 'progressively'] as const, {
      description: 'What happens to the referenced workload once the Rollout runs the pods.',
    }),
  ),
});

export const PodTemplateSpec = Type.Object({
  metadata: Optional(PodTemplateMetadataSchema),
  spec: Optional(PreservedObject<PodSpec>({ description: 'A core/v1 PodSpec.' })),
});

export const RollbackWindowSpec = Type.Object({ revisions: Optional(Int32({ minimum: 0 })) });

export const AnalysisRunStrategy = Type.Object({
  successfulRunHistoryLimit: Optional(Int32({ minimum: 0, description: 'Default 5.' })),
  unsuccessfulRunHistoryLimit: Optional(Int32({ minimum: 0, description: 'Default 5.' })),
});

const selectorImmutable = celRule('self == oldSelf', 'selector is immutable', (self, oldSelf) =>
  isDeepStrictEqual(self, oldSelf),
);

const selectorOrWorkloadRef = celRule(
  'has(self.selector) || has(self.workloadRef)',
  'selector is required (unless workloadRef supplies the pods)',
  (self) => (has(self, 'selector') || has(self, 'workloadRef') ? true : ['selector']),
);

const deadlineAfterMinReady = celRule(
  '(has(self.progressDeadlineSeconds) ? self.progressDeadlineSeconds : 600) > ' +
    '(has(self.minReadySeconds) ? self.minReadySeconds : 0)',
  'progressDeadlineSeconds (default 600) must be greater than minReadySeconds',
  (self) => {
    const deadline = field(self, 'progressDeadlineSeconds');
    const minReady = field(self, 'minReadySeconds');
    return (typeof deadline === 'number' ? deadline : 600) > (typeof minReady === 'number' ? minReady : 0);
  },
);

export const RolloutSpec = Type.Object(
  {
    replicas: Optional(Int32({ minimum: 0, description: 'Desired number of pods; default 1.' })),
    selector: Optional({
      ...LabelSelectorSchema,
      description: 'Selects the pods of this Rollout; must match the template labels. Immutable.',
      'x-kubernetes-validations': [selectorImmutable],
    }),
    template: Optional(PodTemplateSpec),
    workloadRef: Optional(WorkloadRef),
    minReadySeconds: Optional(Int32({ minimum: 0 })),
    rollbackWindow: Optional(RollbackWindowSpec),
    strategy: Optional(RolloutStrategy),
    revisionHistoryLimit: Optional(Int32({ minimum: 0, description: 'Old ReplicaSets to keep; default 10.' })),
    paused: Optional(Type.Boolean()),
    progressDeadlineSeconds: Optional(
      Int32({ minimum: 1, description: 'Seconds without progress before the rollout is Degraded; default 600.' }),
    ),
    progressDeadlineAbort: Optional(Type.Boolean({ description: 'Abort when the progress deadline passes.' })),
    restartAt: Optional(Time({ description: 'Restart every pod created before this time.' })),
    analysis: Optional(AnalysisRunStrategy),
  },
  { 'x-kubernetes-validations': [selectorOrWorkloadRef, deadlineAfterMinReady] },
);

// ---------------------------------------------------------------------------------------------------------------
// Status

export const rolloutPhases = ['Healthy', 'Degraded', 'Progressing', 'Paused'] as const;
export type RolloutPhase = (typeof rolloutPhases)[number];

export const rolloutConditionTypes = [
  'InvalidSpec',
  'Available',
  'Progressing',
  'ReplicaFailure',
  'Paused',
  'Completed',
  'Healthy',
  // Aviary: a traffic router cannot act (docs/traffic-routing.md); absent while it can.
  'TrafficRouting',
] as const;
export type RolloutConditionType = (typeof rolloutConditionTypes)[number];

export const pauseReasons = [
  'CanaryPauseStep',
  'BlueGreenPause',
  'InconclusiveAnalysisRun',
  'InconclusiveExperiment',
] as const;
export type PauseReason = (typeof pauseReasons)[number];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

export const PauseCondition = Type.Object({
  reason: OpenString<PauseReason>(),
  startTime: Time(),
});

export const RolloutCondition = Type.Object({
  type: OpenString<RolloutConditionType>(),
  status: OpenString<ConditionStatus>(),
  lastUpdateTime: Time(),
  lastTransitionTime: Time(),
  reason: Type.String(),
  message: Type.String(),
});

export const RolloutAnalysisRunStatus = Type.Object({
  name: Type.String(),
  status: OpenString<AnalysisPhase>(),
  message: Optional(Type.String()),
});

export const WeightDestination = Type.Object({
  weight: Int32(),
  serviceName: Optional(Type.String()),
  podTemplateHash: Optional(Type.String()),
});

export const TrafficWeights = Type.Object({
  canary: WeightDestination,
  stable: WeightDestination,
  additional: Optional(Type.Array(WeightDestination)),
  verified: Optional(Type.Boolean()),
});

export const CanaryStatus = Type.Object({
  currentStepAnalysisRunStatus: Optional(RolloutAnalysisRunStatus),
  currentBackgroundAnalysisRunStatus: Optional(RolloutAnalysisRunStatus),
  currentExperiment: Optional(Type.String()),
  weights: Optional(TrafficWeights),
  stablePingPong: Optional(OpenString<'ping' | 'pong'>()),
});

export const BlueGreenStatus = Type.Object({
  previewSelector: Optional(Type.String()),
  activeSelector: Optional(Type.String()),
  scaleUpPreviewCheckPoint: Optional(Type.Boolean()),
  prePromotionAnalysisRunStatus: Optional(RolloutAnalysisRunStatus),
  postPromotionAnalysisRunStatus: Optional(RolloutAnalysisRunStatus),
});

export const AwsResourceRef = Type.Object({
  name: Type.String(),
  arn: Type.String(),
  fullName: Optional(Type.String()),
});

export const ALBStatus = Type.Object({
  loadBalancer: Optional(AwsResourceRef),
  canaryTargetGroup: Optional(AwsResourceRef),
  stableTargetGroup: Optional(AwsResourceRef),
  ingress: Optional(Type.String()),
});

export const RolloutStatus = Type.Object({
  abort: Optional(Type.Boolean({ description: 'Set to abort the update in progress; cleared to retry.' })),
  pauseConditions: Optional(Type.Array(PauseCondition)),
  controllerPause: Optional(Type.Boolean()),
  abortedAt: Optional(Time()),
  currentPodHash: Optional(Type.String()),
  currentStepHash: Optional(Type.String()),
  replicas: Optional(Int32()),
  updatedReplicas: Optional(Int32()),
  readyReplicas: Optional(Int32()),
  availableReplicas: Optional(Int32()),
  currentStepIndex: Optional(Int32()),
  collisionCount: Optional(Int32()),
  observedGeneration: Optional(Type.String({ description: 'metadata.generation last acted upon, as text.' })),
  conditions: Optional(Type.Array(RolloutCondition)),
  canary: Optional(CanaryStatus),
  blueGreen: Optional(BlueGreenStatus),
  HPAReplicas: Optional(Int32({ description: 'Pods receiving traffic; read by the scale subresource.' })),
  selector: Optional(Type.String({ description: 'Label selector of the pods receiving traffic, as text.' })),
  stableRS: Optional(Type.String()),
  restartedAt: Optional(Time()),
  promoteFull: Optional(Type.Boolean({ description: 'Set to skip the remaining steps, pauses and analyses.' })),
  phase: Optional(OpenString<RolloutPhase>()),
  message: Optional(Type.String()),
  workloadObservedGeneration: Optional(Type.String()),
  alb: Optional(ALBStatus),
  albs: Optional(Type.Array(ALBStatus)),
});

// ---------------------------------------------------------------------------------------------------------------
// The kind

export const RolloutSchema = Type.Object({
  apiVersion: Optional(Type.String()),
  kind: Optional(Type.String()),
  metadata: ObjectMeta,
  spec: RolloutSpec,
  status: Optional(RolloutStatus),
});

export type Rollout = Static<typeof RolloutSchema>;
export type RolloutSpec = Static<typeof RolloutSpec>;
export type RolloutStatus = Static<typeof RolloutStatus>;
export type RolloutStrategy = Static<typeof RolloutStrategy>;
export type CanaryStrategy = Static<typeof CanaryStrategy>;
export type BlueGreenStrategy = Static<typeof BlueGreenStrategy>;
export type CanaryStep = Static<typeof CanaryStep>;
export type RolloutPause = Static<typeof RolloutPause>;
export type SetCanaryScale = Static<typeof SetCanaryScale>;
export type SetHeaderRoute = Static<typeof SetHeaderRoute>;
export type HeaderRoutingMatch = Static<typeof HeaderRoutingMatch>;
export type SetMirrorRoute = Static<typeof SetMirrorRoute>;
export type RouteMatch = Static<typeof RouteMatch>;
export type StringMatch = Static<typeof StringMatch>;
export type PluginStep = Static<typeof PluginStep>;
export type RolloutExperimentStep = Static<typeof RolloutExperimentStep>;
export type RolloutExperimentTemplate = Static<typeof RolloutExperimentTemplate>;
export type RolloutExperimentStepAnalysisTemplateRef = Static<typeof RolloutExperimentStepAnalysisTemplateRef>;
export type RolloutAnalysis = Static<typeof RolloutAnalysis>;
export type RolloutAnalysisBackground = Static<typeof RolloutAnalysisBackground>;
export type RolloutAnalysisTemplate = Static<typeof RolloutAnalysisTemplate>;
export type AnalysisRunArgument = Static<typeof AnalysisRunArgument>;
export type AnalysisRunMetadata = Static<typeof AnalysisRunMetadata>;
export type DryRun = Static<typeof DryRun>;
export type MeasurementRetention = Static<typeof MeasurementRetention>;
export type RolloutTrafficRouting = Static<typeof RolloutTrafficRouting>;
export type IstioTrafficRouting = Static<typeof IstioTrafficRouting>;
export type IstioVirtualService = Static<typeof IstioVirtualService>;
export type IstioDestinationRule = Static<typeof IstioDestinationRule>;
export type NginxTrafficRouting = Static<typeof NginxTrafficRouting>;
export type ALBTrafficRouting = Static<typeof ALBTrafficRouting>;
export type SMITrafficRouting = Static<typeof SMITrafficRouting>;
export type AmbassadorTrafficRouting = Static<typeof AmbassadorTrafficRouting>;
export type AppMeshTrafficRouting = Static<typeof AppMeshTrafficRouting>;
export type ContourTrafficRouting = Static<typeof ContourTrafficRouting>;
export type GlooTrafficRouting = Static<typeof GlooTrafficRouting>;
export type KumaTrafficRouting = Static<typeof KumaTrafficRouting>;
export type SkipperTrafficRouting = Static<typeof SkipperTrafficRouting>;
export type TraefikTrafficRouting = Static<typeof TraefikTrafficRouting>;
export type ApisixTrafficRouting = Static<typeof ApisixTrafficRouting>;
export type GatewayAPITrafficRouting = Static<typeof GatewayAPITrafficRouting>;
export type ManagedRoute = Static<typeof ManagedRoute>;
export type AntiAffinity = Static<typeof AntiAffinity>;
export type PingPongSpec = Static<typeof PingPongSpec>;
export type ReplicaProgressThreshold = Static<typeof ReplicaProgressThreshold>;
export type WorkloadRef = Static<typeof WorkloadRef>;
export type PodTemplateSpec = Static<typeof PodTemplateSpec>;
export type PodTemplateMetadata = Static<typeof PodTemplateMetadataSchema>;
export type LabelSelector = Static<typeof LabelSelectorSchema>;
export type AnalysisRunStrategy = Static<typeof AnalysisRunStrategy>;
export type RolloutCondition = Static<typeof RolloutCondition>;
export type PauseCondition = Static<typeof PauseCondition>;
export type CanaryStatus = Static<typeof CanaryStatus>;
export type BlueGreenStatus = Static<typeof BlueGreenStatus>;
export type TrafficWeights = Static<typeof TrafficWeights>;
export type WeightDestination = Static<typeof WeightDestination>;
export type RolloutAnalysisRunStatus = Static<typeof RolloutAnalysisRunStatus>;
export type ALBStatus = Static<typeof ALBStatus>;

export const rolloutKind: KindDefinition = {
  kind: 'Rollout',
  listKind: 'RolloutList',
  plural: 'rollouts',
  singular: 'rollout',
  shortNames: ['ro'],
  scope: 'Namespaced',
  schema: RolloutSchema,
  description: 'A Rollout replaces the pods of a workload step by step (canary or blue-green), judged by analysis.',
  subresources: {
    status: true,
    // HPAReplicas counts the pods that receive traffic: what a HorizontalPodAutoscaler should scale on.
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.HPAReplicas', labelSelectorPath: '.status.selector' },
  },
  printerColumns: [
    { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'Pods wanted' },
    { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'Pods that exist' },
    { name: 'Up-to-date', type: 'integer', jsonPath: '.status.updatedReplicas', description: 'Pods of the latest template' },
    { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas', description: 'Pods ready for minReadySeconds' },
    { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Phase of the rollout', nativeOnly: true },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' },
  ],
  groups: [aviaryGroup, argoprojGroup],
};

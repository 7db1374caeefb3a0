import type { CanaryStep, CanaryStrategy, Rollout } from '../api/rollout.ts';
import { routerDefinitions, routersFor } from '../traffic/registry.ts';
import { serviceSelector } from '../traffic/service-selector.ts';
import { parseDuration } from '../util/duration.ts';
import { canaryFenceposts, fencepostsBothZero } from './int-or-percent.ts';

/** One reason a Rollout cannot be acted on, naming the field at fault. */
export interface SpecIssue {
  field: string;
  message: string;
}

/** Features of the Rollout API that this controller accepts in the schema but does not run yet. */
const stepsNotYetSupported = ['experiment', 'plugin'] as const;

/** trafficRouting fields that name a router of Argo Rollouts' that Aviary does not have yet. */
/**
 * Semantic checks the CRD schema cannot express. `existingServices` are the names of Services found in the
 * Rollout's namespace (a referenced Service that does not exist makes the spec invalid, as in Argo Rollouts).
 */
export function validateRollout(rollout: Rollout, existingServices: ReadonlySet<string>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const { spec } = rollout;
  const add = (field: string, message: string): void => {
    issues.push({ field, message });
  };

  if (spec.template === undefined) {
    add('spec.template', 'required: the pod template to release');
  }
  const matchLabels = spec.selector?.matchLabels ?? {};
  if (spec.selector === undefined || (Object.keys(matchLabels).length === 0 && (spec.selector.matchExpressions ?? []).length === 0)) {
    add('spec.selector', 'required: a non-empty label selector');
  } else if (spec.template !== undefined) {
    const labels = spec.template.metadata?.labels ?? {};
    const mismatched = Object.entries(matchLabels).filter(([k, v]) => labels[k] !== v);
    if (mismatched.length > 0) {
      add('spec.selector', `selector does not match template labels (${mismatched.map(([k, v]) => `${k}=${v}`).join(', ')} missing from spec.template.metadata.labels)`);
    }
  }
  if (spec.replicas !== undefined && spec.replicas < 0) add('spec.replicas', `must be >= 0, got ${spec.replicas}`);

  const { canary, blueGreen } = spec.strategy ?? {};
  if (canary !== undefined && blueGreen !== undefined) add('spec.strategy', 'set exactly one of canary or blueGreen, not both');
  if (canary === undefined && blueGreen === undefined) add('spec.strategy', 'set exactly one of canary or blueGreen');

  const requireService = (field: string, name: string | undefined): void => {
    if (name !== undefined && name !== '' && !existingServices.has(name)) add(field, `service "${name}" not found`);
  };

  if (canary !== undefined) {
    const base = 'spec.strategy.canary';
    if (canary.trafficRouting !== undefined) validateTrafficRouting(rollout, canary, add);
    if (canary.canaryService !== undefined && canary.canaryService === canary.stableService) {
      add(`${base}.stableService`, 'must differ from canaryService');
    }
    requireService(`${base}.canaryService`, canary.canaryService);
    requireService(`${base}.stableService`, canary.stableService);
    try {
      if (fencepostsBothZero(canary.maxSurge, canary.maxUnavailable)) add(`${base}.maxUnavailable`, 'maxSurge and maxUnavailable cannot both be 0');
      canaryFenceposts(spec.replicas ?? 1, canary.maxSurge, canary.maxUnavailable);
    } catch (error) {
      add(base, error instanceof Error ? error.message : String(error));
    }
    const trafficOnly = ['scaleDownDelaySeconds', 'abortScaleDownDelaySeconds', 'dynamicStableScale', 'minPodsPerReplicaSet'] as const;
    for (const field of trafficOnly) {
      if (canary[field] !== undefined && canary.trafficRouting === undefined) add(`${base}.${field}`, 'only valid with trafficRouting');
    }
    const maxWeight = canary.trafficRouting?.maxTrafficWeight ?? 100;
    (canary.steps ?? []).forEach((step, i) => {
      validateStep(step, `${base}.steps[${i}]`, maxWeight, add);
    });
  }

  if (blueGreen !== undefined) {
    const base = 'spec.strategy.blueGreen';
    if (blueGreen.activeService === '') add(`${base}.activeService`, 'required');
    if (blueGreen.previewService !== undefined && blueGreen.previewService === blueGreen.activeService) {
      add(`${base}.previewService`, 'must differ from activeService');
    }
    requireService(`${base}.activeService`, blueGreen.activeService);
    requireService(`${base}.previewService`, blueGreen.previewService);
    if (blueGreen.previewReplicaCount !== undefined && blueGreen.previewReplicaCount < 0) add(`${base}.previewReplicaCount`, 'must be >= 0');
  }
  return issues;
}

/**
 * trafficRouting: only routers that exist, each configured as its router's own checks want, the Services they
 * weight between, and setHeaderRoute / setMirrorRoute steps only where a router carries them and only for routes
 * listed in managedRoutes (which are what is removed at the end).
 */
function validateTrafficRouting(rollout: Rollout, canary: CanaryStrategy, add: (field: string, message: string) => void): void {
  const base = 'spec.strategy.canary';
  const routing = canary.trafficRouting ?? {};
  const readPlugins = routerDefinitions.flatMap((d) => (d.plugin === undefined ? [] : [`${d.plugin} (as ${d.name})`]));
  for (const plugin of Object.keys(routing.plugins ?? {})) {
    if (!routerDefinitions.some((d) => d.plugin === plugin)) add(`${base}.trafficRouting.plugins["${plugin}"]`, `plugin ${plugin} is not supported: Aviary runs no plugins, and reads the configuration of ${readPlugins.join(', ')} as its native routers`);
  }
  const routers = routersFor(rollout).filter((d) => d !== serviceSelector);
  if (routers.length === 0) {
    add(`${base}.trafficRouting`, `names no router: set one of ${routerDefinitions.filter((d) => d !== serviceSelector).map((d) => d.name).join(', ')}`);
  }
  for (const definition of routers) for (const issue of definition.specIssues?.(rollout) ?? []) add(issue.field, issue.message);
  if (routers.some((d) => d.weighsServices?.(rollout) ?? true)) {
    if (canary.canaryService === undefined || canary.canaryService === '') add(`${base}.canaryService`, 'required with trafficRouting: the Service the routers send the canary\'s share to');
    if (canary.stableService === undefined || canary.stableService === '') add(`${base}.stableService`, 'required with trafficRouting: the Service the routers send the rest to');
  }

  const managed = new Set<string>();
  (routing.managedRoutes ?? []).forEach((route, i) => {
    if (managed.has(route.name)) add(`${base}.trafficRouting.managedRoutes[${i}].name`, `"${route.name}" is listed twice`);
    managed.add(route.name);
  });
  const carriers = (kind: 'headerRoutes' | 'mirrorRoutes'): boolean => routers.some((d) => d.supports(rollout)[kind]);
  const names = routers.map((d) => d.name).join(' and ');
  (canary.steps ?? []).forEach((step, i) => {
    const field = `${base}.steps[${i}]`;
    const header = step.setHeaderRoute;
    if (header !== undefined) {
      if (header.name === undefined || header.name === '') add(`${field}.setHeaderRoute.name`, 'required: a route listed in trafficRouting.managedRoutes');
      else if (!managed.has(header.name)) add(`${field}.setHeaderRoute.name`, `route "${header.name}" is not listed in trafficRouting.managedRoutes`);
      if (routers.length > 0 && !carriers('headerRoutes')) add(`${field}.setHeaderRoute`, `the ${names} router cannot route by header; use istio, alb, apisix, or gatewayAPI with an HTTPRoute (httpRoute, or httpRoutes with useHeaderRoutes: true)`);
    }
    const mirror = step.setMirrorRoute;
    if (mirror !== undefined) {
      if (!managed.has(mirror.name)) add(`${field}.setMirrorRoute.name`, `route "${mirror.name}" is not listed in trafficRouting.managedRoutes`);
      if (routers.length > 0 && !carriers('mirrorRoutes')) add(`${field}.setMirrorRoute`, `the ${names} router cannot mirror requests; use istio, or gatewayAPI with an HTTPRoute (httpRoute, or httpRoutes with useHeaderRoutes: true)`);
    }
    const scale = step.setCanaryScale;
    if (scale !== undefined && [scale.weight, scale.replicas, scale.matchTrafficWeight].filter((v) => v !== undefined).length !== 1) {
      add(`${field}.setCanaryScale`, 'set exactly one of weight, replicas or matchTrafficWeight');
    }
  });
}

function validateStep(step: CanaryStep, field: string, maxWeight: number, add: (field: string, message: string) => void): void {
  const set = Object.keys(step).filter((k) => (step as Record<string, unknown>)[k] !== undefined);
  if (set.length === 0) {
    add(field, 'a step must set at least one of setWeight, pause, setCanaryScale, analysis, experiment, setHeaderRoute, setMirrorRoute, plugin');
    return;
  }
  if (step.setWeight !== undefined && (step.setWeight < 0 || step.setWeight > maxWeight)) {
    add(`${field}.setWeight`, `must be between 0 and ${maxWeight}${maxWeight === 100 ? '' : ' (trafficRouting.maxTrafficWeight)'}, got ${step.setWeight}`);
  }
  const duration = step.pause?.duration;
  if (duration !== undefined) {
    try {
      parseDuration(duration);
    } catch (error) {
      add(`${field}.pause.duration`, error instanceof Error ? error.message : String(error));
    }
  }
  for (const kind of stepsNotYetSupported) {
    if (step[kind] !== undefined) add(`${field}.${kind}`, `${kind} steps are not supported yet by this controller`);
  }
}

/** The InvalidSpec condition message, in the form Argo Rollouts users see. */
export function invalidSpecMessage(name: string, issues: readonly SpecIssue[]): string {
  return `The Rollout "${name}" is invalid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
}

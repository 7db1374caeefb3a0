import type { Deployment } from '../api/kubernetes.ts';
import type { PodTemplateSpec, Rollout } from '../api/rollout.ts';
import type { Informer, InformerFactory } from '../runtime/informer.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';
import type { PlanContext } from './context.ts';
import { viewReplicaSet, type ObservedRollout, type ReplicaSetView } from './observed.ts';
import type { SpecIssue } from './validate.ts';
import { deploymentSource } from './workload-deployment.ts';

/**
 * What is being released (DESIGN.md's workload): the pod template the next version runs and the versions that run
 * now, counted the way the planner decides on them. A Rollout's versions are its ReplicaSets, and its template is
 * its own spec.template or that of the object spec.workloadRef names (a WorkloadSource). A Flagger-shaped Canary
 * builds its own from its Deployment/DaemonSet/StatefulSet target: the target's template, primary and canary as
 * the versions.
 */
export interface Workload<Version = ReplicaSetView> {
  /** The pod template of the version to run next. */
  readonly template: PodTemplateSpec | undefined;
  /** The selector of every version's pods. */
  readonly selector: Rollout['spec']['selector'];
  /** The versions that exist, oldest revision first. */
  readonly versions: readonly Version[];
  /**
   * Generation of the object the template comes from when that is not the release itself ('' when it is missing):
   * a version is adopted only while it is unchanged.
   */
  readonly sourceGeneration?: string;
}

/**
 * An object kind spec.workloadRef may name: where the template comes from, and what happens to that object while
 * the Rollout takes over its pods. One file per kind, one line in workloadSources.
 */
export interface WorkloadSource<T extends KubeObject = Deployment> {
  readonly apiVersion: string;
  readonly kind: string;
  /** The shared informer of the kind, stripped to the fields the source reads. */
  informer(factory: InformerFactory, namespace: string | undefined): Informer<T>;
  /** The referenced object's pod template and selector. */
  template(object: T): { template: PodTemplateSpec; selector: Rollout['spec']['selector'] };
  generation(object: T): number;
  /** Plans what happens to the referenced object this pass (spec.workloadRef.scaleDown). */
  planScaleDown(ctx: PlanContext, object: T): void;
}

export const workloadSources: readonly WorkloadSource[] = [
  deploymentSource,
];

/** The source for a workloadRef, when its kind is one Aviary reads templates from. */
export function workloadSourceFor(ref: DeepReadonly<NonNullable<Rollout['spec']['workloadRef']>>): WorkloadSource | undefined {
  return workloadSources.find((s) => s.kind === (ref.kind ?? '') && s.apiVersion === (ref.apiVersion ?? 'apps/v1'));
}

export interface ResolvedWorkload {
  /** The Rollout as if written with the workload's template (and selector, when it has none). */
  rollout: Rollout;
  workload: Workload;
  /** What prevents reading the template, each naming its field. */
  issues: SpecIssue[];
}

/**
 * The workload a Rollout releases, from what the informers observed: its ReplicaSets as versions, and the template
 * of spec.template — or, with spec.workloadRef, of the referenced object, so a team can adopt Aviary without
 * rewriting its Deployment.
 */
export function resolveWorkload(observed: ObservedRollout): ResolvedWorkload {
  const { rollout } = observed;
  const versions = observed.replicaSets.map(viewReplicaSet).sort((a, b) => a.revision - b.revision || a.createdAt.localeCompare(b.createdAt));
  const own = (r: Rollout, extra: Partial<Workload> = {}): Workload => ({ template: r.spec.template, selector: r.spec.selector, versions, ...extra });
  const ref = rollout.spec.workloadRef;
  if (ref === undefined) return { rollout, workload: own(rollout), issues: [] };

  const sourceGeneration = String(observed.workload?.metadata?.generation ?? '');
  const issues: SpecIssue[] = [];
  if (rollout.spec.template !== undefined && Object.keys(rollout.spec.template).length > 0) {
    issues.push({ field: 'spec.template', message: 'must be empty when spec.workloadRef is set' });
  }
  const source = workloadSourceFor(ref);
  if (source === undefined) {
    issues.push({ field: 'spec.workloadRef', message: `only apps/v1 Deployment is supported, got ${ref.apiVersion ?? ''} ${ref.kind ?? ''}` });
  } else if (observed.workload === undefined) {
    issues.push({ field: 'spec.workloadRef.name', message: `${source.kind.toLowerCase()} "${ref.name ?? ''}" not found` });
  }
  if (issues.length > 0 || source === undefined || observed.workload === undefined) return { rollout, workload: own(rollout, { sourceGeneration }), issues };
  const { template, selector } = source.template(observed.workload);
  const spec = { ...rollout.spec, template };
  if (spec.selector === undefined && selector !== undefined) spec.selector = selector;
  const resolved = { ...rollout, spec };
  return { rollout: resolved, workload: own(resolved, { sourceGeneration }), issues };
}

/** What happens this pass to the object spec.workloadRef names, if any. */
export function planWorkloadSource(ctx: PlanContext): void {
  const ref = ctx.rollout.spec.workloadRef;
  const object = ctx.observed.workload;
  const source = ref === undefined ? undefined : workloadSourceFor(ref);
  if (source === undefined || object === undefined) return;
  ctx.status.workloadObservedGeneration = String(source.generation(object));
  source.planScaleDown(ctx, object);
}

import type { V1Deployment } from '@kubernetes/client-node';
import type { PodTemplateSpec, Rollout } from '../api/rollout.ts';
import type { PlanContext } from './context.ts';
import type { SpecIssue } from './validate.ts';

/**
 * spec.workloadRef: the Rollout takes its pod template (and, when it has none, its selector) from an existing
 * Deployment, so a team can adopt Aviary without rewriting the Deployment. Returns the Rollout as if it had been
 * written with that template, or the issue that prevents it.
 */
export function resolveWorkload(rollout: Rollout, deployment: V1Deployment | undefined): { rollout: Rollout; issues: SpecIssue[] } {
  const ref = rollout.spec.workloadRef;
  if (ref === undefined) return { rollout, issues: [] };
  const issues: SpecIssue[] = [];
  if (rollout.spec.template !== undefined && Object.keys(rollout.spec.template).length > 0) {
    issues.push({ field: 'spec.template', message: 'must be empty when spec.workloadRef is set' });
  }
  if ((ref.kind ?? '') !== 'Deployment' || (ref.apiVersion ?? 'apps/v1') !== 'apps/v1') {
    issues.push({ field: 'spec.workloadRef', message: `only apps/v1 Deployment is supported, got ${ref.apiVersion ?? ''} ${ref.kind ?? ''}` });
  } else if (deployment === undefined) {
    issues.push({ field: 'spec.workloadRef.name', message: `deployment "${ref.name ?? ''}" not found` });
  }
  if (issues.length > 0 || deployment === undefined) return { rollout, issues };
  const spec = { ...rollout.spec, template: deployment.spec?.template as PodTemplateSpec };
  if (spec.selector === undefined && deployment.spec?.selector !== undefined) spec.selector = deployment.spec.selector as Rollout['spec']['selector'];
  return { rollout: { ...rollout, spec }, issues };
}

/**
 * What happens to the referenced Deployment: `never` leaves it alone; `onsuccess` scales it to zero once the
 * Rollout is Healthy; `progressively` gives back one Deployment pod for each Rollout pod that becomes available.
 */
export function planWorkloadScaleDown(ctx: PlanContext, deployment: V1Deployment | undefined): void {
  const ref = ctx.rollout.spec.workloadRef;
  if (ref === undefined || deployment === undefined) return;
  ctx.status.workloadObservedGeneration = String(deployment.metadata?.generation ?? 0);
  const current = deployment.spec?.replicas ?? 1;
  let target = current;
  if (ref.scaleDown === 'onsuccess' && ctx.status.phase === 'Healthy') target = 0;
  if (ref.scaleDown === 'progressively') target = Math.min(current, Math.max(0, ctx.replicas - (ctx.status.availableReplicas ?? 0)));
  if (target !== current) {
    ctx.plan.workloadScale = { name: deployment.metadata?.name ?? '', replicas: target };
    ctx.event('Normal', 'ScalingDeployment', `Scaled Deployment ${deployment.metadata?.name ?? ''} from ${current} to ${target} (scaleDown: ${ref.scaleDown ?? 'never'})`, 'trailing');
  }
}

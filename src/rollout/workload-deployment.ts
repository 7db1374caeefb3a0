import type { Deployment } from '../api/kubernetes.ts';
import type { PodTemplateSpec, Rollout } from '../api/rollout.ts';
import type { Informer, InformerFactory } from '../runtime/informer.ts';
import { withoutLastApplied } from '../runtime/objects.ts';
import type { PlanContext } from './context.ts';
import type { WorkloadSource } from './workload.ts';

/**
 * The one Deployment informer of a controller process: workloadRef sources read templates from it, the Canary
 * controller targets, primaries and their status. Shared informers are keyed by resource, not by transform, so
 * every user must agree on one shape: the object without kubectl's last-applied copy of itself (often its largest
 * field, and never read).
 */
export function deploymentInformer(factory: InformerFactory, namespace: string | undefined): Informer<Deployment> {
  return factory.informer<Deployment>({
    resource: { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
    transform: withoutLastApplied,
    ...(namespace === undefined ? {} : { namespace }),
  });
}

/**
 * spec.workloadRef to an apps/v1 Deployment: its template and selector are the Rollout's. `scaleDown: never` leaves
 * the Deployment alone; `onsuccess` scales it to zero once the Rollout is Healthy; `progressively` gives back one
 * Deployment pod for each Rollout pod that becomes available.
 */
export const deploymentSource: WorkloadSource = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  informer: (factory, namespace) => deploymentInformer(factory, namespace),
  template(deployment) {
    return {
      template: deployment.spec?.template as PodTemplateSpec,
      selector: deployment.spec?.selector as Rollout['spec']['selector'],
    };
  },
  generation: (deployment) => deployment.metadata?.generation ?? 0,
  planScaleDown(ctx: PlanContext, deployment) {
    const ref = ctx.rollout.spec.workloadRef;
    if (ref === undefined) return;
    const current = deployment.spec?.replicas ?? 1;
    let target = current;
    if (ref.scaleDown === 'onsuccess' && ctx.status.phase === 'Healthy') target = 0;
    if (ref.scaleDown === 'progressively') target = Math.min(current, Math.max(0, ctx.replicas - (ctx.status.availableReplicas ?? 0)));
    if (target === current) return;
    const name = deployment.metadata?.name ?? '';
    ctx.plan.workloadScale = { name, replicas: target };
    ctx.event('Normal', 'ScalingDeployment', `Scaled Deployment ${name} from ${current} to ${target} (scaleDown: ${ref.scaleDown ?? 'never'})`, 'trailing');
  },
};

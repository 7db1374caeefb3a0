import { scaleDownDeadlineAnnotation } from '../api/labels.ts';
import { formatTime } from '../runtime/time.ts';
import type { PlanContext } from './context.ts';
import type { ReplicaSetView } from './observed.ts';

/** Scale a ReplicaSet to 0 once its deadline (recorded in an annotation, so restarts keep it) has passed. */
export function scaleDownAfter(ctx: PlanContext, view: ReplicaSetView, delaySeconds: number): void {
  if (view.current === 0) {
    if (view.scaleDownDeadline !== undefined) ctx.plan.annotate.push({ name: view.name, annotations: { [scaleDownDeadlineAnnotation]: null } });
    return;
  }
  if (delaySeconds <= 0) {
    ctx.scale(view, 0);
    return;
  }
  const deadline = view.scaleDownDeadline === undefined ? Number.NaN : Date.parse(view.scaleDownDeadline);
  if (Number.isNaN(deadline)) {
    const at = new Date(ctx.now.getTime() + delaySeconds * 1000);
    ctx.plan.annotate.push({ name: view.name, annotations: { [scaleDownDeadlineAnnotation]: formatTime(at.getTime()) } });
    ctx.requeueAfter(delaySeconds * 1000);
    return;
  }
  const remaining = deadline - ctx.now.getTime();
  if (remaining > 0) ctx.requeueAfter(remaining);
  else ctx.scale(view, 0);
}

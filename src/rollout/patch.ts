/**
 * Sends the patches of an action (src/rollout/actions.ts) to the API server: merge patches and JSON patches, to the
 * Rollout, its status subresource, or the Deployment its spec.workloadRef names. Shared by performAction and the demo.
 */
import type { Rollout } from '../api/rollout.ts';
import type { ActionPatch } from './actions.ts';
import { PatchType, resourcePath, type KubeClient } from '../runtime/rest.ts';

/** The REST path a patch goes to. */
export function patchPath(rollout: Pick<Rollout, 'apiVersion' | 'metadata' | 'spec'>, patch: ActionPatch): string {
  const namespace = rollout.metadata.namespace ?? '';
  if (patch.target === 'workload') {
    const ref = rollout.spec.workloadRef;
    return resourcePath(ref?.apiVersion ?? 'apps/v1', 'deployments', namespace, ref?.name ?? '');
  }
  return resourcePath(rollout.apiVersion ?? 'aviary.dev/v1alpha1', 'rollouts', namespace, rollout.metadata.name ?? '', patch.target === 'status' ? 'status' : undefined);
}

export async function sendPatch(client: KubeClient, rollout: Pick<Rollout, 'apiVersion' | 'metadata' | 'spec'>, patch: ActionPatch, signal?: AbortSignal): Promise<void> {
  await client.request({ method: 'PATCH', path: patchPath(rollout, patch), body: patch.body, contentType: patch.type === 'json' ? PatchType.json : PatchType.merge, ...(signal === undefined ? {} : { signal }) });
}

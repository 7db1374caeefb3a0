import type { KubeObject } from '../runtime/objects.ts';
import type { JsonPatchOperation } from '../util/json-patch.ts';
export type { JsonPatchOperation } from '../util/json-patch.ts';
import { isNotFound, PatchType, resourcePath, type KubeClient } from '../runtime/rest.ts';

/** The named object a write goes to. */
export interface WriteTarget {
  apiVersion: string;
  kind: string;
  /** The resource's plural, as in its REST path (services, httproutes, ...). */
  plural: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}


interface WriteBase {
  target: WriteTarget;
  /** A missing object is not an error (it is gone; the next plan sees that). Default false. */
  ignoreNotFound?: boolean;
  /** The Event the write is reported with on the Rollout (CreatingCanaryIngress, ...), if the router names one. */
  event?: { reason: string; message: string };
}

/**
 * One write to one named object, as precise as the change: a merge patch names only the fields it sets, a JSON
 * patch can `test` a value before it replaces it (so two writers never overwrite each other's list entries), and
 * apply takes ownership of exactly the fields of `object` under `fieldManager`. Planners (pure) produce them; an
 * executor applies them in order with `applyWrites`.
 */
export type ObjectWrite =
  | (WriteBase & { type: 'merge'; patch: Record<string, unknown> })
  | (WriteBase & { type: 'json'; patch: readonly JsonPatchOperation[] })
  | (WriteBase & { type: 'apply'; object: KubeObject; fieldManager: string })
  /** Removes an object the router created (Ambassador's canary Mapping); `uid` guards against deleting a successor. */
  | (WriteBase & { type: 'delete'; uid?: string });

/** `Service default/web`: how a write names its object in logs and errors. */
export function describeTarget(target: WriteTarget): string {
  return `${target.kind} ${target.namespace === undefined ? '' : `${target.namespace}/`}${target.name}`;
}

/** Applies the writes in order; the first failure stops the rest (the next reconcile plans again from fresh data). */
export async function applyWrites(client: KubeClient, writes: readonly ObjectWrite[], signal: AbortSignal): Promise<void> {
  for (const write of writes) {
    const { target } = write;
    const path = resourcePath(target.apiVersion, target.plural, target.namespace, target.name);
    try {
      if (write.type === 'apply') {
        await client.request({ method: 'PATCH', path, body: write.object, contentType: PatchType.apply, query: { fieldManager: write.fieldManager, force: true }, signal });
      } else if (write.type === 'delete') {
        const preconditions = write.uid === undefined ? {} : { preconditions: { uid: write.uid } };
        await client.request({ method: 'DELETE', path, body: { apiVersion: 'v1', kind: 'DeleteOptions', ...preconditions }, signal });
      } else {
        await client.request({ method: 'PATCH', path, body: write.patch, contentType: write.type === 'merge' ? PatchType.merge : PatchType.json, signal });
      }
    } catch (error) {
      if (write.ignoreNotFound === true && isNotFound(error)) continue;
      throw error;
    }
  }
}

/**
 * Performs one manual action on a Canary against the API server, with no terminal I/O: find the Canary (aviary.dev
 * first, then flagger.app), let a pure decision (manual.ts) produce the annotations or refuse, and write them with
 * the Canary's resourceVersion as a precondition: a concurrent change means deciding again on the fresh object.
 */
import { apiVersionOf, type ApiGroup } from '../api/groups.ts';
import { canaryKind, type Canary } from '../api/canary.ts';
import { isApiError, PatchType, resourcePath, type KubeClient } from '../runtime/rest.ts';
import { ActionRefused } from '../rollout/actions.ts';
import { ActionRequestFailed } from '../rollout/perform.ts';
import type { CanaryActionPlan } from './manual.ts';

export interface CanaryRef {
  namespace: string;
  name: string;
  /** Groups to look in, in order; only those serving Canaries count (default both, aviary.dev first). */
  groups?: readonly ApiGroup[];
}

export interface FoundCanary {
  canary: Canary;
  group: ApiGroup;
}

export type CanaryActionResult =
  | { outcome: 'done'; message: string; found: FoundCanary }
  | { outcome: 'refused' | 'not-found' | 'conflict'; message: string };

export const canaryGroupsOf = (ref: Pick<CanaryRef, 'groups'>): readonly ApiGroup[] =>
  (ref.groups ?? canaryKind.groups).filter((g) => canaryKind.groups.some((c) => c.name === g.name));

export const canaryPath = (group: ApiGroup, namespace: string, name?: string): string => resourcePath(apiVersionOf(group), 'canaries', namespace, name);

/** The Canary from the first group that has it; undefined when none does (a group whose CRD is absent counts as none). */
export async function findCanary(client: KubeClient, ref: CanaryRef, signal?: AbortSignal): Promise<FoundCanary | undefined> {
  for (const group of canaryGroupsOf(ref)) {
    try {
      return { canary: await client.get<Canary>(canaryPath(group, ref.namespace, ref.name), undefined, signal), group };
    } catch (error) {
      if (isApiError(error, 404)) continue;
      throw error;
    }
  }
  return undefined;
}

const groupsText = (ref: CanaryRef): string => {
  const groups = canaryGroupsOf(ref).map((g) => g.name);
  return `API group${groups.length === 1 ? '' : 's'} ${groups.join(' and ')}`;
};

export function canaryNotFoundMessage(ref: CanaryRef): string {
  return `canary "${ref.name}" not found in namespace "${ref.namespace}" (looked in ${groupsText(ref)})`;
}

/** For a NAME that may be either: the Rollout's not-found message, and that no Canary has the name either. */
export function neitherFoundMessage(rolloutMessage: string, ref: CanaryRef): string {
  return `${rolloutMessage}, and no canary of that name either (looked in ${groupsText(ref)})`;
}

export async function performCanaryAction(client: KubeClient, ref: CanaryRef, decide: (canary: Canary) => CanaryActionPlan, options: { maxAttempts?: number; signal?: AbortSignal } = {}): Promise<CanaryActionResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let found: FoundCanary | undefined;
    try {
      found = await findCanary(client, ref, options.signal);
    } catch (error) {
      throw new ActionRequestFailed(`get canary ${ref.name}`, error);
    }
    if (found === undefined) return { outcome: 'not-found', message: canaryNotFoundMessage(ref) };
    let plan: CanaryActionPlan;
    try {
      plan = decide(found.canary);
    } catch (error) {
      if (error instanceof ActionRefused) return { outcome: 'refused', message: error.message };
      throw error;
    }
    const path = canaryPath(found.group, ref.namespace, ref.name);
    try {
      await client.patch(path, { metadata: { resourceVersion: found.canary.metadata.resourceVersion, annotations: plan.annotations } }, PatchType.merge, options.signal);
      return { outcome: 'done', message: plan.message, found };
    } catch (error) {
      if (isApiError(error, 404)) return { outcome: 'not-found', message: canaryNotFoundMessage(ref) };
      if (!isApiError(error, 409)) throw new ActionRequestFailed(`patch ${path}`, error);
    }
    if (attempt >= maxAttempts) return { outcome: 'conflict', message: `canary '${ref.name}' kept changing while it was being patched (${maxAttempts} attempts); try again` };
  }
}

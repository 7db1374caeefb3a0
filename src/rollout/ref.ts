/**
 * Finding a Rollout by name. Rollouts live in aviary.dev; in compatibility mode also in argoproj.io (the objects of a
 * team moving from Argo Rollouts). A reference names the groups to look in, in order — by default every group serving
 * Rollouts, Aviary's own first — so a person does not need to know which group a Rollout was written in.
 */
import { apiVersionOf, type ApiGroup } from '../api/groups.ts';
import { rolloutKind, type Rollout } from '../api/rollout.ts';
import { isApiError, resourcePath, type KubeClient } from '../runtime/rest.ts';

export interface RolloutRef {
  namespace: string;
  name: string;
  /** The groups to look the Rollout up in, in order (default: every group serving Rollouts, aviary.dev first). */
  groups?: readonly ApiGroup[];
}

export interface FoundRollout {
  rollout: Rollout;
  group: ApiGroup;
  /** REST path of the object. */
  path: string;
}

export const rolloutPath = (group: ApiGroup, namespace: string, name?: string, subresource?: string): string =>
  resourcePath(apiVersionOf(group), 'rollouts', namespace, name, subresource);

/** The groups to look in: those asked for that serve Rollouts (a `--group flagger.app` finds none). */
export const groupsOf = (ref: Pick<RolloutRef, 'groups'>): readonly ApiGroup[] =>
  (ref.groups ?? rolloutKind.groups).filter((g) => rolloutKind.groups.some((r) => r.name === g.name));

/**
 * Reads the Rollout from the first group that has it; undefined when none has it (404 in each). Any other failure
 * of the API server is thrown as it came.
 */
export async function findRollout(client: KubeClient, ref: RolloutRef, signal?: AbortSignal): Promise<FoundRollout | undefined> {
  for (const group of groupsOf(ref)) {
    const path = rolloutPath(group, ref.namespace, ref.name);
    try {
      const rollout = await client.get<Rollout>(path, undefined, signal);
      return { rollout, group, path };
    } catch (error) {
      if (isApiError(error, 404)) continue;
      throw error;
    }
  }
  return undefined;
}

/** `rollout "web" not found in namespace "shop" (looked in API groups aviary.dev and argoproj.io)`. */
export function rolloutNotFoundMessage(ref: RolloutRef): string {
  const groups = groupsOf(ref);
  if (groups.length === 0) return `rollout "${ref.name}" not found: the API group asked for (${(ref.groups ?? []).map((g) => g.name).join(', ')}) serves no Rollouts`;
  const where = groups.length === 1 ? `group ${groups[0]?.name ?? ''}` : `groups ${groups.map((g) => g.name).join(' and ')}`;
  return `rollout "${ref.name}" not found in namespace "${ref.namespace}" (looked in API ${where})`;
}

/** Label selector text of the Rollout's matchLabels, or undefined when there are none (then owner references decide). */
export function selectorText(rollout: Rollout): string | undefined {
  const labels = rollout.spec.selector?.matchLabels ?? {};
  const text = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  return text === '' ? undefined : text;
}

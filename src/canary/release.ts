/**
 * Which release a Canary's target carries now: the fingerprint of its pod template and tracked configs, as the
 * controller records it in status.lastAppliedSpec once it has noticed the release. The controller computes it from
 * its caches; a command (`aviary status canary/NAME`) reads the same objects, so it can tell a Succeeded that belongs
 * to the release just applied from one left by the previous release.
 */
import type { ConfigMap, Secret } from '../api/kubernetes.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { isApiError, resourcePath, type KubeClient } from '../runtime/rest.ts';
import { configReferences, trackConfigs, type TrackedConfigs } from './config-tracking.ts';
import { releaseTemplate, type TargetWorkload } from './desired.ts';
import { releaseFingerprint } from './plan.ts';

/**
 * Whether a status.lastAppliedSpec was written by Aviary (16 hex digits) rather than by Flagger (its own hash, which
 * cannot be computed outside Flagger): only Aviary's can be compared with the target's fingerprint.
 */
export const isAviaryFingerprint = (value: string | undefined): boolean => value !== undefined && /^[0-9a-f]{16}$/.test(value);

export function fingerprintOf(target: DeepReadonly<TargetWorkload>, tracked: Pick<TrackedConfigs, 'checksums'>): string {
  return releaseFingerprint(releaseTemplate(target), tracked.checksums);
}

/** The target's release fingerprint, reading the ConfigMaps and Secrets it references (a missing one is left out). */
export async function readReleaseFingerprint(client: KubeClient, target: DeepReadonly<TargetWorkload>, signal?: AbortSignal): Promise<string> {
  const namespace = target.metadata?.namespace;
  const refs = configReferences(target.spec?.template.spec);
  const read = async <T>(plural: string, names: Iterable<string>): Promise<Map<string, T>> => {
    const found = new Map<string, T>();
    for (const name of names) {
      try {
        found.set(name, await client.get<T>(resourcePath('v1', plural, namespace, name), undefined, signal));
      } catch (error) {
        if (!isApiError(error, 404)) throw error;
      }
    }
    return found;
  };
  const tracked = trackConfigs(refs, await read<ConfigMap>('configmaps', refs.configmap.keys()), await read<Secret>('secrets', refs.secret.keys()));
  return fingerprintOf(target, tracked);
}

/**
 * The Canaries as the commands read them: every Canary of a namespace from each group serving them, one Canary by
 * name, and what `get canary` shows beside it (its primary and target workloads, its recent Events, the release
 * its target carries now). Reads only; the read models are src/view/canary.ts.
 */
import { apiVersionOf, type ApiGroup } from '../api/groups.ts';
import type { Canary } from '../api/canary.ts';
import type { Event } from '../api/kubernetes.ts';
import { canaryGroupsOf, canaryNotFoundMessage, findCanary, type FoundCanary } from '../canary/perform.ts';
import { primaryName } from '../canary/primary.ts';
import { readReleaseFingerprint } from '../canary/release.ts';
import type { TargetWorkload } from '../canary/desired.ts';
import { isApiError, resourcePath } from '../runtime/rest.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { apiFailure, type CliKube } from './kube.ts';

export async function listCanaries(kube: CliKube, namespace: string | undefined): Promise<{ items: Canary[]; served: ApiGroup[] }> {
  const out: { items: Canary[]; served: ApiGroup[] } = { items: [], served: [] };
  const groups = canaryGroupsOf(kube);
  for (const group of groups) {
    try {
      const list = await kube.client.get<{ items?: Canary[] }>(resourcePath(apiVersionOf(group), 'canaries', namespace));
      out.served.push(group);
      for (const canary of list.items ?? []) out.items.push({ ...canary, apiVersion: canary.apiVersion ?? apiVersionOf(group), kind: 'Canary' });
    } catch (error) {
      if (isApiError(error, 404)) continue;
      throw apiFailure(kube, 'list canaries', error);
    }
  }
  if (out.served.length === 0) {
    throw new ExitError(`the API server at ${kube.server} serves no Canary resource (looked in ${groups.map((g) => g.name).join(', ')}): install the CRDs with \`aviary install\``, ExitCode.notFound);
  }
  return out;
}

export async function getCanary(kube: CliKube, name: string): Promise<FoundCanary> {
  let found: FoundCanary | undefined;
  try {
    found = await findCanary(kube.client, { namespace: kube.namespace, name, groups: kube.groups });
  } catch (error) {
    throw apiFailure(kube, `get canary ${name}`, error);
  }
  if (found === undefined) throw new ExitError(canaryNotFoundMessage({ namespace: kube.namespace, name, groups: kube.groups }), ExitCode.notFound);
  return { ...found, canary: { ...found.canary, apiVersion: found.canary.apiVersion ?? apiVersionOf(found.group), kind: 'Canary' } };
}

const pluralOf = (kind: string): string => (kind === 'DaemonSet' ? 'daemonsets' : 'deployments');

async function getOptional<T>(kube: CliKube, path: string, query?: Record<string, string>): Promise<T | undefined> {
  try {
    return await kube.client.get<T>(path, query);
  } catch (error) {
    if (isApiError(error, 404)) return undefined;
    throw apiFailure(kube, `get ${path}`, error);
  }
}

/** The Canary's target (its canary pods), or undefined when it does not exist. */
export async function getTarget(kube: CliKube, canary: Canary): Promise<TargetWorkload | undefined> {
  const { kind, name } = canary.spec.targetRef;
  const target = await getOptional<TargetWorkload>(kube, resourcePath('apps/v1', pluralOf(kind), canary.metadata.namespace, name));
  return target === undefined ? undefined : { ...target, kind };
}

/** The release fingerprint of the target as it is now, or undefined without a target. */
export async function currentRelease(kube: CliKube, canary: Canary, target?: TargetWorkload): Promise<string | undefined> {
  target ??= await getTarget(kube, canary);
  if (target === undefined) return undefined;
  try {
    return await readReleaseFingerprint(kube.client, target);
  } catch (error) {
    throw apiFailure(kube, `read the configs of ${canary.spec.targetRef.kind} ${canary.spec.targetRef.name}`, error);
  }
}

export interface CanaryDetails {
  target?: TargetWorkload;
  primary?: TargetWorkload;
  release?: string;
  /** Newest last. */
  events: Event[];
}

export async function canaryDetails(kube: CliKube, canary: Canary): Promise<CanaryDetails> {
  const namespace = canary.metadata.namespace;
  const { kind, name } = canary.spec.targetRef;
  const target = await getTarget(kube, canary);
  const primary = await getOptional<TargetWorkload>(kube, resourcePath('apps/v1', pluralOf(kind), namespace, primaryName(name)));
  const events = await getOptional<{ items?: Event[] }>(kube, resourcePath('v1', 'events', namespace), { fieldSelector: `involvedObject.kind=Canary,involvedObject.name=${canary.metadata.name ?? ''}` });
  const when = (e: Event): number => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '') || 0;
  return {
    ...(target === undefined ? {} : { target, release: await currentRelease(kube, canary, target) }),
    ...(primary === undefined ? {} : { primary }),
    events: [...(events?.items ?? [])].filter((e) => e.involvedObject.uid === undefined || e.involvedObject.uid === canary.metadata.uid).sort((a, b) => when(a) - when(b)),
  };
}

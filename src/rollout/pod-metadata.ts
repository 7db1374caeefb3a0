import type { Affinity } from '../api/kubernetes.ts';
import type { AntiAffinity, PodTemplateMetadata } from '../api/rollout.ts';
import type { PlanContext } from './context.ts';
import { ephemeralMetadataAnnotation, podTemplateHashLabel } from '../api/labels.ts';


export interface PodMetadataChange {
  replicaSet: string;
  hash: string;
  /** Running pods of that ReplicaSet, patched in place. */
  pods: string[];
  /** The role metadata now in force (written into the annotation). */
  applied: PodTemplateMetadata;
  /** Merge-patch maps for labels and annotations: values to set, null to remove. */
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
}

/**
 * Role metadata (canaryMetadata/stableMetadata, previewMetadata/activeMetadata) follows a ReplicaSet's role:
 * when the canary becomes stable its pods lose the canary labels and gain the stable ones, on the ReplicaSet's
 * template and on the running pods alike, without restarting them.
 */
export function planPodMetadata(ctx: PlanContext): void {
  const { canary, blueGreen } = ctx.rollout.spec.strategy ?? {};
  for (const view of ctx.views) {
    let desired: PodTemplateMetadata | undefined;
    if (canary !== undefined) {
      if (view.hash === ctx.status.stableRS) desired = canary.stableMetadata;
      else if (view.hash === ctx.hash) desired = canary.canaryMetadata;
      else continue;
    } else if (blueGreen !== undefined) {
      if (view.hash === ctx.status.blueGreen?.activeSelector) desired = blueGreen.activeMetadata;
      else if (view.hash === ctx.hash) desired = blueGreen.previewMetadata;
      else continue;
    }
    const want = normalize(desired);
    const had = normalize(parseApplied(view.ephemeralMetadata));
    if (JSON.stringify(want) === JSON.stringify(had)) continue;
    if (view.hash === ctx.hash && ctx.plan.createReplicaSet?.metadata?.name === view.name) {
      // A ReplicaSet created in this pass gets its role metadata in the template it is created with.
      const template = ctx.plan.createReplicaSet.spec?.template;
      if (template !== undefined) {
        template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...want.labels }, annotations: { ...template.metadata?.annotations, ...want.annotations } };
      }
      ctx.plan.createReplicaSet.metadata.annotations = { ...ctx.plan.createReplicaSet.metadata.annotations, [ephemeralMetadataAnnotation]: JSON.stringify(want) };
      continue;
    }
    const pods = (ctx.observed.pods ?? []).filter((p) => p.hash === view.hash && !p.deleting).map((p) => p.name);
    ctx.plan.podMetadata.push({ replicaSet: view.name, hash: view.hash, pods, applied: want, labels: diff(had.labels, want.labels), annotations: diff(had.annotations, want.annotations) });
  }
}

function parseApplied(text: string | undefined): PodTemplateMetadata | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as PodTemplateMetadata;
  } catch {
    return undefined;
  }
}

function normalize(meta: PodTemplateMetadata | undefined): { labels: Record<string, string>; annotations: Record<string, string> } {
  const sorted = (m: Record<string, string> | undefined): Record<string, string> => Object.fromEntries(Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return { labels: sorted(meta?.labels), annotations: sorted(meta?.annotations) };
}

function diff(had: Record<string, string>, want: Record<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = { ...want };
  for (const key of Object.keys(had)) if (!(key in want)) out[key] = null;
  return out;
}

/**
 * The anti-affinity rule injected into a new canary or preview ReplicaSet: keep its pods off the nodes that run the
 * stable pods, so a bad node does not take both versions down together.
 */
export function antiAffinityFor(existing: Affinity | undefined, rule: AntiAffinity, stableHash: string): Affinity {
  const term: NonNullable<NonNullable<Affinity['podAntiAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>[number] = {
    labelSelector: { matchExpressions: [{ key: podTemplateHashLabel, operator: 'In', values: [stableHash] }] },
    topologyKey: 'kubernetes.io/hostname',
  };
  const anti = { ...(existing?.podAntiAffinity ?? {}) };
  const preferred = rule.preferredDuringSchedulingIgnoredDuringExecution;
  if (preferred !== undefined) {
    anti.preferredDuringSchedulingIgnoredDuringExecution = [...(anti.preferredDuringSchedulingIgnoredDuringExecution ?? []), { weight: preferred.weight, podAffinityTerm: term }];
  } else {
    anti.requiredDuringSchedulingIgnoredDuringExecution = [...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []), term];
  }
  return { ...(existing ?? {}), podAntiAffinity: anti };
}

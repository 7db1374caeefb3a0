/**
 * The one list of custom resource kinds Aviary serves. Adding a kind (Experiment, Canary, ...) means
 * writing its definition and adding one line to `kinds`; CRD generation, `aviary install` and the committed files
 * under deploy/crds/ follow.
 */
import { stringify } from 'yaml';
import { customResourceDefinition, type CustomResourceDefinition } from './crd.ts';
import type { ApiGroup } from './groups.ts';
import type { KindDefinition } from './kind.ts';
import { analysisRunKind, analysisTemplateKind, clusterAnalysisTemplateKind } from './analysis.ts';
import { alertProviderKind, canaryKind, metricTemplateKind } from './canary.ts';
import { rolloutKind } from './rollout.ts';

export const kinds: readonly KindDefinition[] = [
  rolloutKind, analysisTemplateKind, clusterAnalysisTemplateKind, analysisRunKind,
  canaryKind, metricTemplateKind, alertProviderKind,
];

/** Whether a group serves a kind (flagger.app serves no Rollouts, argoproj.io no Canaries). */
export function groupServes(group: ApiGroup, kind: string): boolean {
  return kinds.some((definition) => definition.kind === kind && definition.groups.some((g) => g.name === group.name));
}

/** Every CRD: each kind in each group serving it, in registry order, Aviary's own group first. */
export function allCrds(): CustomResourceDefinition[] {
  return kinds.flatMap((definition) => definition.groups.map((group) => customResourceDefinition(definition, group)));
}

/** The CRDs of one kind, or of all kinds in one group. */
export function crdsFor(filter: { kind?: string; group?: ApiGroup | string }): CustomResourceDefinition[] {
  const groupName = typeof filter.group === 'string' ? filter.group : filter.group?.name;
  return allCrds().filter(
    (crd) =>
      (filter.kind === undefined || crd.spec.names.kind === filter.kind) &&
      (groupName === undefined || crd.spec.group === groupName),
  );
}

/** The Rollout CRDs (aviary.dev and argoproj.io). */
export function rolloutCrds(): CustomResourceDefinition[] {
  return crdsFor({ kind: rolloutKind.kind });
}

/** File name of a CRD under deploy/crds/: `<group>_<plural>.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

const header = '# Generated from src/api by `npm run gen:crds`. Do not edit by hand.\n';

/** A CRD as YAML with a stable key order (maps sorted, lists as defined). */
export function crdYaml(crd: CustomResourceDefinition): string {
  return header + stringify(crd, { sortMapEntries: true, lineWidth: 0, indent: 2 });
}

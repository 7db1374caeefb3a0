/**
 * The description of a custom resource kind, independent of the API group serving it. The CRD generator (crd.ts)
 * combines one of these with an ApiGroup; registry.ts lists the kinds.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ApiGroup } from './groups.ts';

export interface PrinterColumn {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  /** Shown only in Aviary's own group (role `native`), not in a compatibility group. */
  nativeOnly?: boolean;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface KindDefinition {
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  scope: 'Namespaced' | 'Cluster';
  /** The whole object: apiVersion, kind, metadata, spec, status. */
  schema: TSchema;
  /** Short text shown by `kubectl explain` for the kind. */
  description: string;
  subresources: { status: boolean; scale?: ScaleSubresource };
  printerColumns: readonly PrinterColumn[];
  /** The groups serving this kind. */
  groups: readonly ApiGroup[];
}

/** The API package: kinds, groups, CRD generation, defaults and validation. */
export * from './groups.ts';
export type * from './kind.ts';
export * from './crd.ts';
export * from './rollout.ts';
export * from './analysis.ts';
export * from './defaults.ts';
export * from './validate.ts';
export { kinds, allCrds, crdsFor, rolloutCrds, crdFileName, crdYaml } from './registry.ts';
export {
  IntOrString,
  type CelRule,
  LabelSelector as LabelSelectorSchema,
  PodTemplateMetadata as PodTemplateMetadataSchema,
  ObjectMeta as ObjectMetaSchema,
} from './schema-helpers.ts';

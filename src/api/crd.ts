/**
 * Generic CRD generation: a kind definition (TypeBox schema + names) and an API group become an
 * apiextensions.k8s.io/v1 CustomResourceDefinition with a structural OpenAPI v3 schema.
 *
 * The conversion keeps only what a structural schema may hold: types, properties/required, items,
 * additionalProperties for maps (never next to properties), value validations (ranges, lengths, patterns, enums,
 * property counts), descriptions and the x-kubernetes-* extensions. TypeBox bookkeeping ($id, $schema, symbols,
 * errorMessage) is dropped. Constructs with no structural equivalent throw, so a schema author finds out at
 * generation time rather than when the API server refuses the CRD.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import type { ApiGroup } from './groups.ts';
import type { KindDefinition, PrinterColumn } from './kind.ts';
import type { CelRule } from './schema-helpers.ts';

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** The subset of JSONSchemaProps that generated CRDs use. */
export interface StructuralSchema {
  type?: SchemaType;
  description?: string;
  format?: string;
  enum?: (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema;
  items?: StructuralSchema;
  anyOf?: StructuralSchema[];
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-embedded-resource'?: true;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
}

export interface CustomResourceColumn {
  name: string;
  type: PrinterColumn['type'];
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: StructuralSchema };
      subresources?: {
        status?: Record<string, never>;
        scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
      };
      additionalPrinterColumns?: CustomResourceColumn[];
    }[];
  };
}

/** Label put on every CRD Aviary generates, so an install or uninstall can tell its own CRDs apart. */
export const partOfLabel = { 'app.kubernetes.io/part-of': 'aviary' } as const;

/** A schema node seen as plain data (TSchema's own index signature is `any`). */
type Node = Record<string | symbol, unknown>;

const copiedValueKeys = [
  'description',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;

const copiedExtensionKeys = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
] as const;

function copyKeys(from: Node, to: StructuralSchema, keys: readonly string[]): void {
  const target = to as Record<string, unknown>;
  for (const key of keys) {
    const value: unknown = from[key];
    if (value === undefined) continue;
    // Plain JSON copies: the CRD object must not share arrays with the schema it came from.
    target[key] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
}

function describe(node: Node, path: string): string {
  const kind = node[Kind];
  return `${path || '(root)'} (${typeof kind === 'string' ? kind : 'no kind'})`;
}

/** Converts a TypeBox schema into a structural OpenAPI v3 schema. `path` only serves error messages. */
export function toStructuralSchema(schema: TSchema, path = ''): StructuralSchema {
  const node = schema as unknown as Node;
  const out: StructuralSchema = {};

  if (node['x-kubernetes-int-or-string'] === true) {
    // The canonical form; restrictions of the branches are not allowed here, so they are dropped. A maxLength
    // on the node itself is kept: it bounds the cost the API server estimates for CEL rules on the value.
    copyKeys(node, out, ['description', 'maxLength']);
    out['x-kubernetes-int-or-string'] = true;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    copyKeys(node, out, ['x-kubernetes-validations']);
    return out;
  }

  switch (node[Kind]) {
    case 'Object': {
      out.type = 'object';
      copyKeys(node, out, copiedValueKeys);
      const properties = (node.properties ?? {}) as Record<string, TSchema>;
      const names = Object.keys(properties);
      if (names.length > 0) {
        out.properties = {};
        for (const name of names) {
          out.properties[name] = toStructuralSchema(properties[name] as TSchema, path ? `${path}.${name}` : name);
        }
      } else if (typeof node.additionalProperties === 'object') {
        out.additionalProperties = toStructuralSchema(node.additionalProperties as TSchema, `${path}.*`);
      }
      const required = Array.isArray(node.required) ? (node.required as string[]) : [];
      if (required.length > 0) out.required = [...required];
      break;
    }
    case 'Record': {
      out.type = 'object';
      copyKeys(node, out, copiedValueKeys);
      const patterns = Object.values((node.patternProperties ?? {}) as Record<string, TSchema>);
      if (patterns.length !== 1) throw new Error(`${describe(node, path)}: a map needs exactly one value schema`);
      out.additionalProperties = toStructuralSchema(patterns[0] as TSchema, `${path}.*`);
      break;
    }
    case 'Array': {
      out.type = 'array';
      copyKeys(node, out, copiedValueKeys);
      out.items = toStructuralSchema(node.items as TSchema, `${path}[]`);
      break;
    }
    case 'Union': {
      const members = (node.anyOf ?? []) as Node[];
      const literals: unknown[] = members.map((member) => (member[Kind] === 'Literal' ? member.const : undefined));
      if (members.length === 0 || !literals.every((value) => typeof value === 'string')) {
        throw new Error(`${describe(node, path)}: only string enums and int-or-string unions have a structural form`);
      }
      out.type = 'string';
      copyKeys(node, out, ['description']);
      out.enum = literals.filter((value) => typeof value === 'string');
      break;
    }
    case 'Literal': {
      const value: unknown = node.const;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new Error(`${describe(node, path)}: unsupported literal`);
      }
      out.type = typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'boolean' : 'number';
      copyKeys(node, out, copiedValueKeys);
      out.enum = [value];
      break;
    }
    case 'String':
      out.type = 'string';
      copyKeys(node, out, copiedValueKeys);
      break;
    case 'Integer':
      out.type = 'integer';
      copyKeys(node, out, copiedValueKeys);
      break;
    case 'Number':
      out.type = 'number';
      copyKeys(node, out, copiedValueKeys);
      break;
    case 'Boolean':
      out.type = 'boolean';
      copyKeys(node, out, copiedValueKeys);
      break;
    case 'Unknown':
    case 'Any':
      if (node['x-kubernetes-preserve-unknown-fields'] !== true) {
        throw new Error(`${describe(node, path)}: a value of any type must preserve unknown fields`);
      }
      copyKeys(node, out, ['description']);
      break;
    default:
      throw new Error(`${describe(node, path)}: no structural form`);
  }
  copyKeys(node, out, copiedExtensionKeys);
  return out;
}

/**
 * The root schema of a kind: apiVersion, kind and metadata are left to the API server (Kubernetes only lets a CRD
 * say `type: object` for the root metadata); spec, status and anything else come from the kind's schema.
 */
export function rootSchema(definition: KindDefinition): StructuralSchema {
  const converted = toStructuralSchema(definition.schema);
  const properties: Record<string, StructuralSchema> = {
    apiVersion: { type: 'string', description: 'The versioned schema of this object (group/version).' },
    kind: { type: 'string', description: 'The REST resource this object represents.' },
    metadata: { type: 'object' },
  };
  for (const [name, property] of Object.entries(converted.properties ?? {})) {
    if (!(name in properties)) properties[name] = property;
  }
  const required = (converted.required ?? []).filter((name) => !['apiVersion', 'kind', 'metadata'].includes(name));
  const root: StructuralSchema = { type: 'object', description: definition.description, properties };
  if (required.length > 0) root.required = required;
  return root;
}

/** The CustomResourceDefinition serving `definition` in `group`. */
export function customResourceDefinition(definition: KindDefinition, group: ApiGroup): CustomResourceDefinition {
  const columns = definition.printerColumns
    .filter((column) => column.nativeOnly !== true || group.role === 'native')
    .map(({ nativeOnly: _nativeOnly, ...column }) => column);

  const subresources: CustomResourceDefinition['spec']['versions'][number]['subresources'] = {};
  if (definition.subresources.status) subresources.status = {};
  if (definition.subresources.scale) subresources.scale = { ...definition.subresources.scale };

  const names: CustomResourceDefinition['spec']['names'] = {
    kind: definition.kind,
    listKind: definition.listKind,
    plural: definition.plural,
    singular: definition.singular,
  };
  if (definition.shortNames.length > 0) names.shortNames = [...definition.shortNames];
  if (group.categories.length > 0) names.categories = [...group.categories];

  const version: CustomResourceDefinition['spec']['versions'][number] = {
    name: group.version,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: rootSchema(definition) },
  };
  if (Object.keys(subresources).length > 0) version.subresources = subresources;
  if (columns.length > 0) version.additionalPrinterColumns = columns;

  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${group.name}`, labels: { ...partOfLabel } },
    spec: { group: group.name, names, scope: definition.scope, versions: [version] },
  };
}

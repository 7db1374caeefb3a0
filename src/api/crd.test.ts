import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { toStructuralSchema, type CustomResourceDefinition, type StructuralSchema } from './crd.ts';
import { crdDirectory, crdFiles } from './generate-crds.ts';
import { argoprojGroup, aviaryGroup } from './groups.ts';
import { allCrds, crdsFor, kinds, rolloutCrds } from './registry.ts';
import { ruleCheck } from './schema-helpers.ts';

const allowedKeys = new Set([
  'type',
  'description',
  'format',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'anyOf',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
]);

/** Every rule of a structural schema that Aviary's generator is expected to honour; returns the violations. */
function structuralProblems(schema: StructuralSchema, path = '', out: string[] = []): string[] {
  const node = schema as Record<string, unknown>;
  const at = path || '(root)';
  if (Object.getOwnPropertySymbols(node).length > 0) out.push(`${at}: carries symbols`);
  for (const key of Object.keys(node)) if (!allowedKeys.has(key)) out.push(`${at}: unexpected key ${key}`);

  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined && !intOrString && !preserve) out.push(`${at}: no type`);
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) {
    out.push(`${at}: properties together with additionalProperties`);
  }
  if (typeof node.additionalProperties === 'boolean') out.push(`${at}: boolean additionalProperties`);
  if (schema.anyOf !== undefined) {
    const canonical = JSON.stringify(schema.anyOf) === JSON.stringify([{ type: 'integer' }, { type: 'string' }]);
    if (!intOrString || !canonical) out.push(`${at}: anyOf outside the int-or-string form`);
  }
  if (intOrString && schema.type !== undefined) out.push(`${at}: int-or-string with a type`);
  if (schema.type === 'array' && schema.items === undefined) out.push(`${at}: array without items`);
  for (const name of schema.required ?? []) {
    if (schema.properties?.[name] === undefined) out.push(`${at}: required ${name} is not a property`);
  }
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    if (typeof rule.rule !== 'string' || typeof rule.message !== 'string') out.push(`${at}: malformed CEL rule`);
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    structuralProblems(property, path ? `${path}.${name}` : name, out);
  }
  if (schema.additionalProperties !== undefined) structuralProblems(schema.additionalProperties, `${path}.*`, out);
  if (schema.items !== undefined) structuralProblems(schema.items, `${path}[]`, out);
  return out;
}

function schemaOf(crd: CustomResourceDefinition): StructuralSchema {
  const version = crd.spec.versions[0];
  assert.ok(version);
  return version.schema.openAPIV3Schema;
}

/** The schema node at a dotted path; `[]` steps into list items. */
function nodeAt(schema: StructuralSchema, path: string): StructuralSchema {
  let node = schema;
  for (const part of path.split('.')) {
    const items = part.endsWith('[]');
    const name = items ? part.slice(0, -2) : part;
    const next = node.properties?.[name];
    assert.ok(next, `no schema at ${path} (${name})`);
    node = next;
    if (items) {
      assert.ok(node.items, `${name} has no items`);
      node = node.items;
    }
  }
  return node;
}

function walk(schema: StructuralSchema, visit: (node: StructuralSchema) => void): void {
  visit(schema);
  for (const property of Object.values(schema.properties ?? {})) walk(property, visit);
  if (schema.additionalProperties !== undefined) walk(schema.additionalProperties, visit);
  if (schema.items !== undefined) walk(schema.items, visit);
}

describe('committed CRDs', () => {
  for (const file of crdFiles()) {
    it(`deploy/crds/${file.name} is up to date (run npm run gen:crds)`, async () => {
      const committed = await readFile(join(crdDirectory, file.name), 'utf8');
      assert.equal(committed, file.content);
    });
  }

  it('generation is deterministic', () => {
    assert.deepEqual(crdFiles(), crdFiles());
  });
});

describe('generated schemas are structural', () => {
  for (const crd of allCrds()) {
    it(crd.metadata.name, () => {
      const schema = schemaOf(crd);
      assert.deepEqual(structuralProblems(schema), []);
      // JSON all the way down: no symbols, functions or undefined hiding in the object.
      assert.deepEqual(JSON.parse(JSON.stringify(crd)), crd);
      assert.deepEqual(schema.properties?.metadata, { type: 'object' });
      assert.ok(!JSON.stringify(crd).includes('"$'), 'no $id / $schema / $ref');
      assert.ok(!JSON.stringify(crd).includes('errorMessage'));
    });
  }

  it('every CEL rule has a JavaScript twin', () => {
    for (const crd of allCrds()) {
      walk(schemaOf(crd), (node) => {
        for (const { rule } of node['x-kubernetes-validations'] ?? []) {
          assert.ok(ruleCheck(rule), `no twin for ${rule}`);
        }
      });
    }
  });
});

describe('Rollout CRDs', () => {
  const [aviary, argo] = rolloutCrds();
  assert.ok(aviary && argo);

  it('one per group, the kind definition shared', () => {
    assert.deepEqual(
      rolloutCrds().map((crd) => crd.metadata.name),
      ['rollouts.aviary.dev', 'rollouts.argoproj.io'],
    );
    assert.deepEqual(schemaOf(aviary), schemaOf(argo));
    assert.equal(crdsFor({ group: argoprojGroup }).length, kinds.filter((k) => k.groups.includes(argoprojGroup)).length);
  });

  it('names, scope and subresources', () => {
    for (const crd of [aviary, argo]) {
      assert.deepEqual(
        { ...crd.spec.names, categories: undefined },
        { kind: 'Rollout', listKind: 'RolloutList', plural: 'rollouts', singular: 'rollout', shortNames: ['ro'], categories: undefined },
      );
      assert.equal(crd.spec.scope, 'Namespaced');
      const [version] = crd.spec.versions;
      assert.equal(version?.name, 'v1alpha1');
      assert.equal(version.served && version.storage, true);
      assert.deepEqual(version.subresources, {
        status: {},
        scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.HPAReplicas', labelSelectorPath: '.status.selector' },
      });
    }
    assert.equal(aviary.spec.group, aviaryGroup.name);
    assert.equal(argo.spec.group, argoprojGroup.name);
    assert.deepEqual(aviary.spec.names.categories, ['aviary']);
    assert.equal(argo.spec.names.categories, undefined);
  });

  it('printer columns: the five of Argo, plus Status in aviary.dev only', () => {
    const columns = (crd: CustomResourceDefinition) => crd.spec.versions[0]?.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath]);
    const argoColumns = [
      ['Desired', '.spec.replicas'],
      ['Current', '.status.replicas'],
      ['Up-to-date', '.status.updatedReplicas'],
      ['Available', '.status.availableReplicas'],
      ['Age', '.metadata.creationTimestamp'],
    ];
    assert.deepEqual(columns(argo), argoColumns);
    assert.deepEqual(columns(aviary), [...argoColumns.slice(0, 4), ['Status', '.status.phase'], argoColumns[4]]);
  });

  it('int-or-string fields', () => {
    const schema = schemaOf(aviary);
    for (const path of [
      'spec.strategy.canary.maxSurge',
      'spec.strategy.canary.maxUnavailable',
      'spec.strategy.blueGreen.maxUnavailable',
      'spec.strategy.canary.steps[].pause.duration',
    ]) {
      const node = nodeAt(schema, path);
      assert.equal(node['x-kubernetes-int-or-string'], true, path);
      assert.equal(node.type, undefined, path);
    }
  });

  it('validation carried into the CRD', () => {
    const schema = schemaOf(aviary);
    assert.deepEqual(
      nodeAt(schema, 'spec.selector')['x-kubernetes-validations']?.map((r) => r.rule),
      ['self == oldSelf'],
    );
    assert.deepEqual(
      nodeAt(schema, 'spec.strategy')['x-kubernetes-validations']?.map((r) => r.rule),
      ['!(has(self.canary) && has(self.blueGreen))'],
    );
    assert.equal(nodeAt(schema, 'spec.replicas').minimum, 0);
    assert.equal(nodeAt(schema, 'spec.strategy.canary.steps[].setWeight').minimum, 0);
    assert.equal(nodeAt(schema, 'spec.strategy.canary.steps[]').minProperties, 1);
    assert.equal(nodeAt(schema, 'spec.strategy.canary.steps[]').maxProperties, undefined, 'a step may combine fields, as Argo accepts');
    assert.deepEqual(nodeAt(schema, 'spec.strategy.blueGreen').required, ['activeService']);
    assert.deepEqual(nodeAt(schema, 'spec').required, undefined);
    assert.deepEqual(schema.required, ['spec']);
    assert.equal(nodeAt(schema, 'status.observedGeneration').type, 'string');
    assert.equal(nodeAt(schema, 'spec.template.spec')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(nodeAt(schema, 'spec.strategy.canary.trafficRouting.plugins')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(nodeAt(schema, 'spec.strategy.canary.trafficRouting.gatewayAPI').type, 'object');
    assert.deepEqual(nodeAt(schema, 'spec.workloadRef.scaleDown').enum, ['never', 'onsuccess', 'progressively']);
  });
});

describe('analysis CRDs', () => {
  const expected = [
    { kind: 'AnalysisTemplate', plural: 'analysistemplates', shortNames: ['at'], scope: 'Namespaced', status: false, columns: ['Age'] },
    { kind: 'ClusterAnalysisTemplate', plural: 'clusteranalysistemplates', shortNames: ['cat'], scope: 'Cluster', status: false, columns: ['Age'] },
    { kind: 'AnalysisRun', plural: 'analysisruns', shortNames: ['ar'], scope: 'Namespaced', status: true, columns: ['Status', 'Age'] },
  ];

  for (const want of expected) {
    it(`${want.kind}: names, scope, subresources and printer columns, the same in both groups`, () => {
      const crds = crdsFor({ kind: want.kind });
      assert.deepEqual(crds.map((crd) => crd.metadata.name), [`${want.plural}.aviary.dev`, `${want.plural}.argoproj.io`]);
      const [aviary, argo] = crds;
      assert.ok(aviary && argo);
      assert.deepEqual(schemaOf(aviary), schemaOf(argo));
      for (const crd of crds) {
        const { categories: _categories, ...names } = crd.spec.names;
        assert.deepEqual(names, {
          kind: want.kind,
          listKind: `${want.kind}List`,
          plural: want.plural,
          singular: want.plural.slice(0, -1),
          shortNames: want.shortNames,
        });
        assert.equal(crd.spec.scope, want.scope);
        const [version] = crd.spec.versions;
        assert.equal(version?.name, 'v1alpha1');
        assert.deepEqual(version.subresources, want.status ? { status: {} } : undefined);
        assert.deepEqual(version.additionalPrinterColumns?.map((c) => c.name), want.columns);
        assert.deepEqual(schemaOf(crd).required, ['spec']);
      }
      assert.deepEqual(aviary.spec.names.categories, ['aviary']);
    });
  }

  it('AnalysisRun columns read the phase and the creation time', () => {
    const [run] = crdsFor({ kind: 'AnalysisRun', group: argoprojGroup });
    assert.ok(run);
    assert.deepEqual(run.spec.versions[0]?.additionalPrinterColumns?.map((c) => [c.name, c.type, c.jsonPath]), [
      ['Status', 'string', '.status.phase'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ]);
  });

  it('metric fields: int-or-string limits with their rules, required name and provider, one provider', () => {
    const [template] = crdsFor({ kind: 'AnalysisTemplate', group: aviaryGroup });
    assert.ok(template);
    const schema = schemaOf(template);
    const metric = nodeAt(schema, 'spec.metrics[]');
    assert.deepEqual(metric.required, ['name', 'provider']);
    for (const name of ['count', 'failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit', 'consecutiveSuccessLimit']) {
      const node = nodeAt(schema, `spec.metrics[].${name}`);
      assert.equal(node['x-kubernetes-int-or-string'], true, name);
      assert.equal(node['x-kubernetes-validations']?.length, 1, name);
      assert.ok(node.maxLength !== undefined, `${name} bounds its CEL cost`);
    }
    assert.match(nodeAt(schema, 'spec.metrics[].failureLimit')['x-kubernetes-validations']?.[0]?.rule ?? '', /self >= -1$/);
    assert.deepEqual(metric['x-kubernetes-validations']?.map((r) => r.message), ['interval is required when count is greater than 1']);
    assert.equal(nodeAt(schema, 'spec.metrics[].provider').maxProperties, 1);
    assert.equal(nodeAt(schema, 'spec.metrics[].provider.job.spec')['x-kubernetes-preserve-unknown-fields'], true);
    assert.ok(nodeAt(schema, 'spec.metrics[].interval').pattern?.includes('\\{\\{'), 'interval accepts a placeholder');
  });

  it('lists keyed by name are list-type map; templates and status lists stay atomic', () => {
    const [run] = crdsFor({ kind: 'AnalysisRun', group: aviaryGroup });
    const [template] = crdsFor({ kind: 'AnalysisTemplate', group: aviaryGroup });
    assert.ok(run && template);
    for (const [path, key] of [['spec.metrics', 'name'], ['spec.args', 'name'], ['spec.dryRun', 'metricName'], ['spec.measurementRetention', 'metricName']] as const) {
      for (const crd of [run, template]) {
        const node = nodeAt(schemaOf(crd), path);
        assert.equal(node['x-kubernetes-list-type'], 'map', path);
        assert.deepEqual(node['x-kubernetes-list-map-keys'], [key], path);
      }
    }
    assert.equal(nodeAt(schemaOf(template), 'spec.templates')['x-kubernetes-list-type'], undefined);
    assert.equal(nodeAt(schemaOf(run), 'status.metricResults')['x-kubernetes-list-type'], undefined);
    assert.equal(nodeAt(schemaOf(run), 'spec.metrics').minItems, 1);
    assert.equal(nodeAt(schemaOf(template), 'spec').required, undefined);
    assert.deepEqual(nodeAt(schemaOf(run), 'spec').required, ['metrics']);
    assert.deepEqual(nodeAt(schemaOf(run), 'status').required, ['phase']);
    assert.deepEqual(nodeAt(schemaOf(run), 'status.metricResults[]').required, ['name', 'phase']);
    assert.deepEqual(nodeAt(schemaOf(run), 'status.metricResults[].measurements[]').required, ['phase']);
    assert.deepEqual(Object.keys(nodeAt(schemaOf(run), 'spec.ttlStrategy').properties ?? {}), ['secondsAfterCompletion', 'secondsAfterFailure', 'secondsAfterSuccess']);
    assert.deepEqual(Object.keys(nodeAt(schemaOf(template), 'spec.args[].valueFrom').properties ?? {}), ['secretKeyRef', 'fieldRef']);
  });
});

describe('toStructuralSchema', () => {
  it('maps records to additionalProperties and drops additionalProperties: false', () => {
    assert.deepEqual(toStructuralSchema(Type.Record(Type.String(), Type.Integer())), {
      type: 'object',
      additionalProperties: { type: 'integer' },
    });
    assert.deepEqual(toStructuralSchema(Type.Object({ a: Type.String() }, { additionalProperties: false, $id: 'X' })), {
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
  });

  it('refuses what has no structural form', () => {
    assert.throws(() => toStructuralSchema(Type.Union([Type.String(), Type.Number()])), /structural/);
    assert.throws(() => toStructuralSchema(Type.Object({ x: Type.Unknown() })), /x \(Unknown\)/);
    assert.throws(() => toStructuralSchema(Type.Null()), /no structural form/);
  });
});

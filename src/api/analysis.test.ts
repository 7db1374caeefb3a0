import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { parseAllDocuments } from 'yaml';
import {
  acceptedAnalysisSamples,
  refusedAnalysisSamples,
  sampleAnalysisRunStatus,
  sampleMetric,
  sampleObject,
  type AnalysisSample,
} from './analysis-samples.ts';
import { AnalysisRunSchema, analysisPhases, AnalysisTemplateSchema, ClusterAnalysisTemplateSchema, isAnalysisRunObject, isAnalysisTemplateObject, isCompletedAnalysisPhase, type AnalysisRun, type AnalysisTemplate, type Metric } from './analysis.ts';
import {
  unknownObjectFields,
  validateAnalysisRunSchema,
  validateAnalysisTemplateSchema,
  validateClusterAnalysisTemplateSchema,
  validateObjectSchema,
} from './validate.ts';

const validators = {
  AnalysisTemplate: validateAnalysisTemplateSchema,
  ClusterAnalysisTemplate: validateClusterAnalysisTemplateSchema,
  AnalysisRun: validateAnalysisRunSchema,
} as const;

const schemas = {
  AnalysisTemplate: AnalysisTemplateSchema,
  ClusterAnalysisTemplate: ClusterAnalysisTemplateSchema,
  AnalysisRun: AnalysisRunSchema,
} as const;

const objectOf = (sample: AnalysisSample, group = 'aviary.dev') =>
  sampleObject(sample, `${group}/v1alpha1`, { name: 'sample', ...(sample.kind === 'ClusterAnalysisTemplate' ? {} : { namespace: 'shop' }) });

describe('analysis schemas accept', () => {
  for (const sample of acceptedAnalysisSamples) {
    it(`${sample.kind}: ${sample.name}`, () => {
      for (const group of ['aviary.dev', 'argoproj.io']) {
        const obj = objectOf(sample, group);
        assert.deepEqual(validators[sample.kind](obj), []);
        assert.deepEqual(validateObjectSchema(obj), []);
        assert.deepEqual(unknownObjectFields(obj), []);
        assert.equal(Value.Check(schemas[sample.kind], obj), true, 'TypeBox agrees');
      }
    });
  }

  it('an AnalysisRun with the status the controller writes', () => {
    const [run] = acceptedAnalysisSamples.filter((s) => s.kind === 'AnalysisRun');
    assert.ok(run);
    const obj = { ...objectOf(run), status: sampleAnalysisRunStatus };
    assert.deepEqual(validateAnalysisRunSchema(obj), []);
    assert.deepEqual(unknownObjectFields(obj), []);
  });

  it('a status phase a newer controller might write (the status is open for the controller)', () => {
    const [run] = acceptedAnalysisSamples.filter((s) => s.kind === 'AnalysisRun');
    assert.ok(run);
    assert.deepEqual(validateAnalysisRunSchema({ ...objectOf(run), status: { phase: 'Paused' } }), []);
  });
});

describe('analysis schemas refuse', () => {
  for (const sample of refusedAnalysisSamples) {
    it(`${sample.kind}: ${sample.name}, at ${sample.path}`, () => {
      const issues = validators[sample.kind](objectOf(sample));
      assert.deepEqual(issues.map((i) => i.path), [sample.path], JSON.stringify(issues));
      assert.ok(issues.every((i) => i.message.length > 0));
    });
  }

  it('every refused sample differs from an accepted shape by one mistake only: the same metric without it is accepted', () => {
    assert.deepEqual(validateAnalysisTemplateSchema(objectOf({ name: 'base', kind: 'AnalysisTemplate', spec: { metrics: [sampleMetric()] } })), []);
  });

  it('says what is wrong', () => {
    const message = (extra: Record<string, unknown>) => {
      const issues = validateAnalysisTemplateSchema(objectOf({ name: 'x', kind: 'AnalysisTemplate', spec: { metrics: [sampleMetric(extra)] } }));
      return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    };
    assert.equal(message({ count: 'three', interval: '1m' }), 'spec.metrics[0].count: must be a non-negative integer, or a {{args.name}} placeholder');
    assert.equal(message({ failureLimit: -2 }), 'spec.metrics[0].failureLimit: must be an integer of at least -1, or a {{args.name}} placeholder');
    assert.equal(message({ count: 2 }), 'spec.metrics[0].interval: interval is required when count is greater than 1');
    assert.equal(
      message({ interval: 'soon' }),
      'spec.metrics[0].interval: must be a duration such as "30s", "5m" or "1h", or a {{args.name}} placeholder',
    );
    assert.match(message({ provider: {} }), /^spec\.metrics\[0\]\.provider: must set exactly one of prometheus, kayenta, web, /);
    const duplicates = validateAnalysisTemplateSchema(objectOf({ name: 'x', kind: 'AnalysisTemplate', spec: { metrics: [sampleMetric(), sampleMetric({ name: 'b' }), sampleMetric()] } }));
    assert.deepEqual(duplicates, [{ path: 'spec.metrics[2].name', message: 'duplicate name: item 0 has the same' }]);
  });

  it('an object of another kind', () => {
    assert.deepEqual(validateObjectSchema({ kind: 'Experiment', metadata: {}, spec: {} }).map((i) => i.path), ['kind']);
    assert.match(validateObjectSchema({}).map((i) => i.message).join(), /null is not one of Aviary's kinds \(Rollout, AnalysisTemplate/);
    assert.deepEqual(unknownObjectFields({ kind: 'Experiment', spec: { x: 1 } }), []);
  });

  it('finds fields the API server would prune', () => {
    const obj = objectOf({ name: 'x', kind: 'AnalysisTemplate', spec: { metrics: [sampleMetric({ sucessCondition: 'typo' })], arg: [] } });
    assert.deepEqual(unknownObjectFields(obj), ['spec.metrics[0].sucessCondition', 'spec.arg']);
  });
});

describe('analysis types', () => {
  it('phases and the completed ones', () => {
    assert.deepEqual(analysisPhases, ['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive']);
    assert.deepEqual(analysisPhases.filter(isCompletedAnalysisPhase), ['Successful', 'Failed', 'Error', 'Inconclusive']);
    assert.equal(isCompletedAnalysisPhase(undefined), false);
  });

  it('guards tell the kinds apart', () => {
    const [template] = acceptedAnalysisSamples;
    assert.ok(template);
    const obj: unknown = objectOf(template);
    assert.equal(isAnalysisTemplateObject(obj), true);
    assert.equal(isAnalysisRunObject(obj), false);
    assert.equal(isAnalysisTemplateObject({ kind: 'AnalysisTemplate', metadata: {} }), false);
  });

  it('literals of the static types type-check', () => {
    const metric: Metric = { name: 'm', count: '{{args.n}}', failureLimit: -1, provider: { web: { url: 'http://x' } } };
    const template: AnalysisTemplate = { metadata: { name: 't' }, spec: { metrics: [metric], templates: [{ templateName: 'other' }] } };
    const run: AnalysisRun = {
      metadata: { name: 'r' },
      spec: { metrics: [metric], terminate: true },
      status: { phase: 'Running', metricResults: [{ name: 'm', phase: 'Running', measurements: [{ phase: 'Running' }] }] },
    };
    assert.equal(template.spec.metrics?.[0]?.name, run.spec.metrics[0]?.name);
  });
});

describe('examples/analysis', () => {
  const directory = new URL('../../examples/analysis/', import.meta.url);

  it('holds a Prometheus success-rate template and a web template, every document valid against the schema', async () => {
    const files = (await readdir(directory)).filter((f) => /\.ya?ml$/.test(f)).sort();
    assert.ok(files.length >= 2, `example files: ${files.join(', ')}`);
    const providers = new Set<string>();
    for (const file of files) {
      const documents = parseAllDocuments(await readFile(new URL(file, directory), 'utf8'));
      assert.ok(documents.length > 0, `${file} has documents`);
      for (const document of documents) {
        assert.deepEqual(document.errors, [], file);
        const obj = document.toJS() as { kind?: string; spec?: { metrics?: Metric[] } };
        assert.ok(['AnalysisTemplate', 'ClusterAnalysisTemplate'].includes(obj.kind ?? ''), `${file}: kind ${String(obj.kind)}`);
        assert.deepEqual(validateObjectSchema(obj), [], file);
        assert.deepEqual(unknownObjectFields(obj), [], file);
        for (const metric of obj.spec?.metrics ?? []) for (const key of Object.keys(metric.provider)) providers.add(key);
      }
    }
    assert.ok(providers.has('prometheus') && providers.has('web'), `providers used: ${[...providers].join(', ')}`);
  });
});

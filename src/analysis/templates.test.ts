import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalysisTemplate, AnalysisTemplateSpec, Metric } from '../api/analysis.ts';
import type { Rollout, RolloutAnalysis } from '../api/rollout.ts';
import { resolveRolloutAnalysis, rolloutFieldValue, templateKeys, type TemplateCatalog } from './templates.ts';

function metric(name: string): Metric {
  return { name, successCondition: 'result[0] >= 0.95', provider: { prometheus: { address: 'http://prom:9090', query: 'vector(1)' } } };
}

function template(name: string, spec: AnalysisTemplateSpec): AnalysisTemplate {
  return { apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisTemplate', metadata: { name }, spec };
}

function catalog(templates: AnalysisTemplate[], clusterTemplates: AnalysisTemplate[] = []): TemplateCatalog {
  return {
    templates: new Map(templates.map((t) => [t.metadata.name ?? '', t])),
    clusterTemplates: new Map(clusterTemplates.map((t) => [t.metadata.name ?? '', { ...t, kind: 'ClusterAnalysisTemplate' }])),
  };
}

const rollout: Rollout = {
  apiVersion: 'aviary.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' }, annotations: { team: 'payments' } },
  spec: {
    replicas: 3,
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:2', ports: [{ containerPort: 8080 }] }] } },
    strategy: { canary: {} },
  },
  status: { stableRS: 'abc', readyReplicas: 3, controllerPause: false },
};

const sources = { rollout, stableHash: 'stable1', latestHash: 'latest2' };

const rate = template('rate', {
  args: [{ name: 'service' }, { name: 'threshold', value: '0.95' }],
  metrics: [metric('success-rate')],
});
const latency = template('latency', { args: [{ name: 'service' }], metrics: [metric('p99')], dryRun: [{ metricName: 'p99' }] });
const shared = template('shared', { metrics: [metric('errors')], measurementRetention: [{ metricName: 'errors', limit: 3 }] });
const umbrella = template('umbrella', { templates: [{ templateName: 'rate' }, { templateName: 'shared', clusterScope: true }] });
const diamond = template('diamond', { templates: [{ templateName: 'umbrella' }, { templateName: 'rate' }] });
const loopA = template('loop-a', { templates: [{ templateName: 'loop-b' }] });
const loopB = template('loop-b', { templates: [{ templateName: 'loop-a' }] });
const clash = template('clash', { metrics: [metric('success-rate')] });
const otherThreshold = template('other-threshold', { args: [{ name: 'threshold', value: '0.99' }], metrics: [metric('other')] });
const secretArg = template('secret-arg', { args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }], metrics: [metric('api')] });
const all = catalog([rate, latency, umbrella, diamond, loopA, loopB, clash, otherThreshold, secretArg], [shared, template('cluster-clash', { metrics: [metric('p99')] })]);

describe('resolveRolloutAnalysis: a run spec from templates and the Rollout', () => {
  const ok: [string, RolloutAnalysis, (spec: NonNullable<ReturnType<typeof specOf>>) => void][] = [
    ['one template: its metrics, its defaulted argument, the Rollout filling the required one', {
      templates: [{ templateName: 'rate' }],
      args: [{ name: 'service', value: 'web-canary' }],
    }, (spec) => {
      assert.deepEqual(spec.metrics.map((m) => m.name), ['success-rate']);
      assert.deepEqual(spec.args, [{ name: 'service', value: 'web-canary' }, { name: 'threshold', value: '0.95' }]);
      assert.equal(spec.dryRun, undefined);
    }],
    ['the Rollout overrides a template default and its unknown arguments are left out (as Argo does)', {
      templates: [{ templateName: 'rate' }],
      args: [{ name: 'service', value: 's' }, { name: 'threshold', value: '0.5' }, { name: 'unused', value: 'x' }],
    }, (spec) => {
      assert.deepEqual(spec.args, [{ name: 'service', value: 's' }, { name: 'threshold', value: '0.5' }]);
    }],
    ['podTemplateHashValue Latest and Stable', {
      templates: [{ templateName: 'rate' }],
      args: [{ name: 'service', valueFrom: { podTemplateHashValue: 'Latest' } }, { name: 'threshold', valueFrom: { podTemplateHashValue: 'Stable' } }],
    }, (spec) => {
      assert.deepEqual(spec.args, [{ name: 'service', value: 'latest2' }, { name: 'threshold', value: 'stable1' }]);
    }],
    ['fieldRef on the Rollout (metadata and spec paths)', {
      templates: [{ templateName: 'rate' }],
      args: [{ name: 'service', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }, { name: 'threshold', valueFrom: { fieldRef: { fieldPath: 'spec.template.spec.containers[0].image' } } }],
    }, (spec) => {
      assert.deepEqual(spec.args, [{ name: 'service', value: 'web' }, { name: 'threshold', value: 'web:2' }]);
    }],
    ['nested templates, a ClusterAnalysisTemplate among them; AnalysisTemplates come first', {
      templates: [{ templateName: 'umbrella' }],
      args: [{ name: 'service', value: 's' }],
    }, (spec) => {
      assert.deepEqual(spec.metrics.map((m) => m.name), ['success-rate', 'errors']);
      assert.deepEqual(spec.measurementRetention, [{ metricName: 'errors', limit: 3 }]);
    }],
    ['a template reached twice (diamond) counts once', {
      templates: [{ templateName: 'diamond' }, { templateName: 'rate' }],
      args: [{ name: 'service', value: 's' }],
    }, (spec) => {
      assert.deepEqual(spec.metrics.map((m) => m.name), ['success-rate', 'errors']);
    }],
    ['two templates sharing a required argument; dryRun rules of the Rollout then of the templates', {
      templates: [{ templateName: 'rate' }, { templateName: 'latency' }],
      args: [{ name: 'service', value: 's' }],
      dryRun: [{ metricName: 'success-rate' }],
    }, (spec) => {
      assert.deepEqual(spec.metrics.map((m) => m.name), ['success-rate', 'p99']);
      assert.deepEqual(spec.args, [{ name: 'service', value: 's' }, { name: 'threshold', value: '0.95' }]);
      assert.deepEqual(spec.dryRun, [{ metricName: 'success-rate' }, { metricName: 'p99' }]);
    }],
    ['a template argument from a Secret stays for the run to resolve; a Rollout value replaces it', {
      templates: [{ templateName: 'secret-arg' }],
    }, (spec) => {
      assert.deepEqual(spec.args, [{ name: 'token', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }]);
    }],
  ];
  for (const [name, analysis, check] of ok) {
    it(name, () => {
      check(specOf(analysis));
    });
  }

  it('a Rollout value replaces a template valueFrom (a run argument may not carry both)', () => {
    assert.deepEqual(specOf({ templates: [{ templateName: 'secret-arg' }], args: [{ name: 'token', value: 'literal' }] }).args, [{ name: 'token', value: 'literal' }]);
  });

  it('copies the templates: the run spec shares no object with them', () => {
    const spec = specOf({ templates: [{ templateName: 'rate' }], args: [{ name: 'service', value: 's' }] });
    assert.notEqual(spec.metrics[0], rate.spec.metrics?.[0]);
    assert.deepEqual(spec.metrics[0], rate.spec.metrics?.[0]);
  });

  const refused: [string, RolloutAnalysis, string, RegExp][] = [
    ['no templates', { templates: [] }, 'templates', /at least one template/],
    ['a missing AnalysisTemplate, named', { templates: [{ templateName: 'rate' }, { templateName: 'nope' }], args: [{ name: 'service', value: 's' }] }, 'templates[1]', /^AnalysisTemplate "nope" not found$/],
    ['a missing ClusterAnalysisTemplate', { templates: [{ templateName: 'rate', clusterScope: true }] }, 'templates[0]', /^ClusterAnalysisTemplate "rate" not found$/],
    ['a missing nested template names the template that refers to it', { templates: [{ templateName: 'nested-missing' }] }, 'templates[0]', /AnalysisTemplate "gone" not found \(referenced by AnalysisTemplate "nested-missing"\)/],
    ['a cycle of nested templates, with the chain', { templates: [{ templateName: 'loop-a' }] }, 'templates[0]', /cycle: AnalysisTemplate "loop-a" → AnalysisTemplate "loop-b" → AnalysisTemplate "loop-a"/],
    ['a metric name in two templates names both', { templates: [{ templateName: 'rate' }, { templateName: 'clash' }], args: [{ name: 'service', value: 's' }] }, 'templates', /metric "success-rate" is defined by both AnalysisTemplate "rate" and AnalysisTemplate "clash"/],
    ['a clash between an AnalysisTemplate and a ClusterAnalysisTemplate', { templates: [{ templateName: 'latency' }, { templateName: 'cluster-clash', clusterScope: true }], args: [{ name: 'service', value: 's' }] }, 'templates', /metric "p99" is defined by both AnalysisTemplate "latency" and ClusterAnalysisTemplate "cluster-clash"/],
    ['an argument with two different values', { templates: [{ templateName: 'rate' }, { templateName: 'other-threshold' }], args: [{ name: 'service', value: 's' }] }, 'templates', /argument "threshold" has two values: "0\.95" in AnalysisTemplate "rate" and "0\.99" in AnalysisTemplate "other-threshold"/],
    ['a required argument nobody gives', { templates: [{ templateName: 'rate' }] }, 'args', /argument "service" of AnalysisTemplate "rate" has no value/],
    ['a fieldRef to nothing', { templates: [{ templateName: 'rate' }], args: [{ name: 'service', valueFrom: { fieldRef: { fieldPath: 'spec.nothing.here' } } }] }, 'args[0].valueFrom.fieldRef.fieldPath', /does not exist in the Rollout/],
    ['two dryRun rules for one metric', { templates: [{ templateName: 'latency' }], args: [{ name: 'service', value: 's' }], dryRun: [{ metricName: 'p99' }] }, 'dryRun', /two dryRun rules for metric "p99": in the Rollout and in AnalysisTemplate "latency"/],
    ['a reference without a name', { templates: [{}] }, 'templates[0].templateName', /required/],
  ];
  const withNested = catalog([...all.templates.values(), template('nested-missing', { templates: [{ templateName: 'gone' }] })], [...all.clusterTemplates.values()]);
  for (const [name, analysis, field, message] of refused) {
    it(`refuses ${name}`, () => {
      const result = resolveRolloutAnalysis(analysis, withNested, sources);
      assert.equal(result.ok, false);
      assert.equal(result.issue.field, field);
      assert.match(result.issue.message, message);
    });
  }
});

function specOf(analysis: RolloutAnalysis): NonNullable<Extract<ReturnType<typeof resolveRolloutAnalysis>, { ok: true }>['spec']> {
  const result = resolveRolloutAnalysis(analysis, all, sources);
  if (!result.ok) assert.fail(`${result.issue.field}: ${result.issue.message}`);
  return result.spec;
}

describe('rolloutFieldValue', () => {
  const table: [string, string][] = [
    ['metadata.name', 'web'],
    ['metadata.namespace', 'shop'],
    ['metadata.uid', 'u-1'],
    ["metadata.labels['app.kubernetes.io/part-of']", 'shop'],
    ['metadata.annotations["team"]', 'payments'],
    ["metadata.labels['absent']", ''],
    ['spec.replicas', '3'],
    ['spec.template.spec.containers[0].ports[0].containerPort', '8080'],
    ['status.stableRS', 'abc'],
    ['status.controllerPause', 'false'],
  ];
  for (const [path, value] of table) {
    it(`${path} → ${JSON.stringify(value)}`, () => {
      assert.equal(rolloutFieldValue(rollout, path), value);
    });
  }
  const errors: [string, RegExp][] = [
    ['metadata.generateName', /unsupported fieldPath "metadata\.generateName"/],
    ['spec.template', /must end at a string, number or boolean, not at an object/],
    ['spec.template.spec.containers', /not at a list/],
    ['spec.template.spec.containers[3].image', /index 3 is out of range \(the list has 1 items\)/],
    ['spec.template.spec.containers.name', /"name" is not an index of a list/],
    ['status.pauseConditions', /does not exist/],
    ['spec.constructor', /does not exist/],
    ['', /empty/],
  ];
  for (const [path, message] of errors) {
    it(`refuses ${JSON.stringify(path)}`, () => {
      assert.throws(() => rolloutFieldValue(rollout, path), message);
    });
  }
});

describe('templateKeys', () => {
  it('follows nested references and keeps the names of missing templates', () => {
    assert.deepEqual([...templateKeys([{ templateName: 'umbrella' }, { templateName: 'later', clusterScope: true }], all)].sort(), [
      'AnalysisTemplate/rate', 'AnalysisTemplate/umbrella', 'ClusterAnalysisTemplate/later', 'ClusterAnalysisTemplate/shared',
    ]);
  });
  it('stops at cycles', () => {
    assert.deepEqual([...templateKeys([{ templateName: 'loop-a' }], all)].sort(), ['AnalysisTemplate/loop-a', 'AnalysisTemplate/loop-b']);
  });
});

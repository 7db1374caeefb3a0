import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingLine, lintManifests, pathSegments } from './lint.ts';

const rollout = (strategy: string, extra = ''): string => `apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers: [{ name: app, image: "app:1" }]
${extra}  strategy:
${strategy}`;

const canary = (steps: string, more = ''): string => rollout(`    canary:\n${more}      steps:\n${steps}`);

const lines = (text: string): string[] => lintManifests(text, 'r.yaml').findings.map(findingLine);

describe('lint', () => {
  it('a valid Rollout has no findings', () => {
    const result = lintManifests(canary('      - setWeight: 20\n      - pause: {}\n'), 'r.yaml');
    assert.deepEqual(result, { findings: [], rollouts: 1, analysis: 0 });
  });

  it('an empty step and a weight out of range, at their lines; a step with two fields is fine', () => {
    assert.deepEqual(lines(canary('      - setWeight: 120\n      - {}\n      - setWeight: 20\n        pause: {}\n')), [
      'r.yaml:17:9: error: Rollout "web": spec.strategy.canary.steps[0].setWeight: setWeight must not exceed trafficRouting.maxTrafficWeight (100 unless set)',
      'r.yaml:18:9: error: Rollout "web": spec.strategy.canary.steps[1]: a step must set at least one of setWeight, pause, setCanaryScale, analysis, experiment, setHeaderRoute, setMirrorRoute, plugin',
    ]);
  });

  it('a type error names the field and line; a misspelt field is an unknown field; semantics wait for a valid schema', () => {
    const text = canary('      - setweight: 20\n').replace('replicas: 2', 'replicas: two').replace('labels: { app: web }', 'labels: { app: webx }');
    assert.deepEqual(lines(text), [
      'r.yaml:6:3: error: Rollout "web": spec.replicas: Expected integer',
      'r.yaml:17:9: error: Rollout "web": spec.strategy.canary.steps[0].setweight: unknown field: the API server would drop it silently (misspelt?)',
    ]);
  });

  it('selector/template label mismatch and traffic-routing-only fields (the controller\'s own checks)', () => {
    const text = canary('      - setWeight: 20\n', '      scaleDownDelaySeconds: 30\n').replace('labels: { app: web }', 'labels: { app: webx }');
    const found = lines(text);
    assert.ok(found.some((l) => l.startsWith('r.yaml:7:3: error: Rollout "web": spec.selector: selector does not match template labels')), found.join('\n'));
    assert.ok(found.some((l) => /spec\.strategy\.canary\.scaleDownDelaySeconds: only valid with trafficRouting/.test(l)), found.join('\n'));
  });

  it('Services: warnings when the file has none, errors for the missing ones when it has some', () => {
    const bg = rollout('    blueGreen: { activeService: web-active, previewService: web-preview }\n');
    assert.deepEqual(lintManifests(bg, 'r.yaml').findings.map((f) => [f.severity, f.path]), [
      ['warning', 'spec.strategy.blueGreen.activeService'], ['warning', 'spec.strategy.blueGreen.previewService'],
    ]);
    const withService = `apiVersion: v1\nkind: Service\nmetadata: { name: web-active }\n---\n${bg}`;
    const findings = lintManifests(withService, 'r.yaml').findings;
    assert.deepEqual(findings.map((f) => [f.severity, f.path, f.line]), [['error', 'spec.strategy.blueGreen.previewService', 19]]);
    assert.match(findings[0]?.message ?? '', /service "web-preview" not found/);
  });

  it('AnalysisTemplates: unknown names are errors when the file defines templates', () => {
    const steps = '      - analysis:\n          templates: [{ templateName: rate }, { templateName: errors, clusterScope: true }]\n';
    const template = 'apiVersion: aviary.dev/v1alpha1\nkind: AnalysisTemplate\nmetadata: { name: latency }\nspec: { metrics: [] }\n';
    const found = lintManifests(`${template}---\n${canary(steps)}`, 'r.yaml').findings.filter((f) => (f.path ?? '').includes('templateName'));
    assert.deepEqual(found.map((f) => [f.severity, f.message]), [
      ['error', 'AnalysisTemplate "rate" is not defined in this file'],
      ['error', 'ClusterAnalysisTemplate "errors" is not defined in this file'],
    ]);
    const alone = lintManifests(canary(steps), 'r.yaml').findings.filter((f) => (f.path ?? '').includes('templateName'));
    assert.deepEqual(alone.map((f) => f.severity), ['warning', 'warning']);
  });

  it('analysis objects: schema, unknown fields and condition syntax, each at its line', () => {
    const template = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: AnalysisTemplate',
      'metadata: { name: rate }',
      'spec:',
      '  metrics:',
      '    - name: ok',
      '      successCondition: "result[0] >= {{args.min}}"',
      '      provider: { web: { url: "http://x" } }',
      '    - name: broken',
      '      successCondition: "result[0] >= "',
      '      failureLimit: -2',
      '      provider: { web: { url: "http://x" } }',
      '    - name: typo',
      '      sucessCondition: "result == 1"',
      '      provider: { web: { url: "http://x" } }',
      '',
    ].join('\n');
    const result = lintManifests(template, 't.yaml');
    assert.equal(result.analysis, 1);
    assert.deepEqual(result.findings.map((f) => [f.object, f.path, f.line]), [
      ['AnalysisTemplate "rate"', 'spec.metrics[1].failureLimit', 11],
      ['AnalysisTemplate "rate"', 'spec.metrics[2].sucessCondition', 14],
    ]);
    // Condition syntax is checked once the schema admits the object (as the controller would see it).
    const fixed = template.replace('      failureLimit: -2\n', '').replace('      sucessCondition: "result == 1"\n', '');
    const syntax = lintManifests(fixed, 't.yaml').findings;
    assert.deepEqual(syntax.map((f) => [f.path, f.line]), [['spec.metrics[1].successCondition', 10]]);
    assert.match(syntax[0]?.message ?? '', /expected|unexpected|end/i);
  });

  it('multi-document files and Lists: each Rollout is checked; other kinds are skipped; YAML errors have a line', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: argoproj.io/v1alpha1\n  kind: Rollout\n  metadata: { name: a }\n  spec: { replicas: -1, selector: { matchLabels: { app: a } }, template: { metadata: { labels: { app: a } } }, strategy: { canary: {} } }\n`;
    const result = lintManifests(`${list}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n`, 'r.yaml');
    assert.equal(result.rollouts, 1);
    assert.deepEqual(result.findings.map(findingLine), ['r.yaml:7:11: error: Rollout "a": spec.replicas: Expected integer to be greater or equal to 0']);
    const broken = lintManifests('kind: Rollout\nmetadata: {name: [\n', 'r.yaml').findings;
    const [first] = broken;
    assert.ok(first !== undefined);
    assert.match(findingLine(first), /^r\.yaml:\d+:\d+: error: invalid YAML/);
  });

  it('paths split into segments', () => {
    assert.deepEqual(pathSegments('spec.steps[0].setWeight'), ['spec', 'steps', 0, 'setWeight']);
    assert.deepEqual(pathSegments('metadata.labels["app.kubernetes.io/name"]'), ['metadata', 'labels', 'app.kubernetes.io/name']);
  });
});

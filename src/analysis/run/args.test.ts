import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalysisRun, Argument, Metric } from '../../api/analysis.ts';
import { ArgumentError, fieldValue, redact, resolveArgs, substituteArgs } from './args.ts';

const run = (args: Argument[]): AnalysisRun => ({
  apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun',
  metadata: { name: 'r', namespace: 'team', labels: { app: 'shop' } },
  spec: { args, metrics: [{ name: 'm', provider: { web: { url: 'http://x' } } }] },
});
const secrets = { readSecret: (name: string, key: string) => Promise.resolve(name === 'creds' && key === 'token' ? 's3cr3t' : undefined) };

describe('resolveArgs', () => {
  it('takes values, Secret keys of the run namespace and fields of the run; remembers which are secret', async () => {
    const resolved = await resolveArgs(run([
      { name: 'plain', value: 'v' },
      { name: 'token', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
      { name: 'app', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
    ]), secrets);
    assert.deepEqual([...resolved.values], [['plain', 'v'], ['token', 's3cr3t'], ['app', 'shop']]);
    assert.deepEqual([...resolved.secrets], ['s3cr3t']);
  });

  const failures: { name: string; arg: Argument; message: RegExp }[] = [
    { name: 'a required argument without value', arg: { name: 'need' }, message: /args\[need\]: a value is required/ },
    { name: 'a missing Secret key', arg: { name: 'k', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope' } } }, message: /args\[k\]\.valueFrom\.secretKeyRef: key "nope" of Secret "creds" not found in namespace team/ },
    { name: 'a missing field', arg: { name: 'f', valueFrom: { fieldRef: { fieldPath: 'metadata.annotations.x' } } }, message: /args\[f\]\.valueFrom\.fieldRef: the AnalysisRun has no field metadata\.annotations\.x/ },
  ];
  for (const c of failures) {
    it(`explains ${c.name}`, async () => {
      await assert.rejects(resolveArgs(run([c.arg]), secrets), (error: unknown) => error instanceof ArgumentError && c.message.test(error.message));
    });
  }
});

describe('substituteArgs', () => {
  const metric: Metric = {
    name: 'rate', count: '{{ args.count }}', successCondition: 'result[0] >= {{args.min}}',
    provider: { prometheus: { address: 'http://prom', query: 'rate{svc="{{args.svc}}"}', headers: [{ key: 'x', value: '{{args.svc}}' }] } },
  };
  it('replaces placeholders in every string, whitespace inside the braces allowed', () => {
    const out = substituteArgs(metric, new Map([['count', '3'], ['min', '0.95'], ['svc', 'shop']]));
    assert.equal(out.count, '3');
    assert.equal(out.successCondition, 'result[0] >= 0.95');
    assert.deepEqual(out.provider.prometheus, { address: 'http://prom', query: 'rate{svc="shop"}', headers: [{ key: 'x', value: 'shop' }] });
  });
  it('names the metric, the field and the argument of an unresolved placeholder', () => {
    assert.throws(() => substituteArgs(metric, new Map([['count', '3'], ['min', '1']])), /metrics\[rate\]\.provider\.prometheus\.query: \{\{args\.svc\}\} has no value/);
  });
});

describe('fieldValue and redact', () => {
  const object = { metadata: { name: 'n', labels: { 'app.kubernetes.io/name': 'shop' } }, spec: { list: [{ v: 1 }] } };
  const cases: [string, string | undefined][] = [
    ['metadata.name', 'n'],
    ["metadata.labels['app.kubernetes.io/name']", 'shop'],
    ['spec.list[0].v', '1'],
    ['spec.list', undefined],
    ['metadata.constructor', undefined],
    ['metadata.__proto__', undefined],
  ];
  for (const [path, expected] of cases) it(`fieldValue ${path}`, () => { assert.equal(fieldValue(object, path), expected); });
  it('redact hides every secret value', () => { assert.equal(redact('token s3cr3t failed: s3cr3t', new Set(['s3cr3t'])), 'token ***** failed: *****'); });
});

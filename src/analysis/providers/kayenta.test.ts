import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { KayentaMetric } from '../../api/metric-provider.ts';
import { executionIdKey, judge, kayentaProvider, resumeDelayMs, validateKayenta } from './kayenta.ts';
import { configCases, serveApi, testContext, type RecordedRequest, type Reply } from './testing.ts';

const scope = (s: string) => ({ scope: s, region: 'us-west-2', step: 60, start: '2024-05-01T11:00:00Z', end: '2024-05-01T12:00:00Z' });

describe('kayenta provider', () => {
  let execution: Reply = { body: { complete: false } };
  const server = serveApi((req: RecordedRequest): Reply => {
    if (req.method === 'GET' && req.path === '/canaryConfig') return { body: [{ id: 'other-id', name: 'other' }, { id: 'cfg-42', name: 'mann-whitney' }] };
    if (req.method === 'POST' && req.path === '/canary/cfg-42') return { body: { canaryExecutionId: 'exec-7' } };
    if (req.method === 'GET' && req.path === '/canary/exec-7') return execution;
    return { status: 404, body: { error: 'not found' } };
  });
  let config: KayentaMetric;
  before(() => {
    config = {
      address: server.url,
      application: 'guestbook',
      canaryConfigName: 'mann-whitney',
      metricsAccountName: 'prom-account',
      configurationAccountName: 'config-account',
      storageAccountName: 'storage-account',
      threshold: { pass: 90, marginal: 75 },
      scopes: [{ name: 'default', controlScope: scope('stable-hash'), experimentScope: scope('canary-hash') }],
    };
  });

  it('looks the config up, starts a judgement and resumes in 15 s', async () => {
    const ctx = testContext();
    validateKayenta(config);
    const outcome = await kayentaProvider.measure(ctx, config);
    assert.deepEqual(outcome, { kind: 'running', metadata: { [executionIdKey]: 'exec-7' }, resumeAt: new Date(ctx.now().getTime() + resumeDelayMs) });
    assert.equal(server.requests.length, 2);
    const lookup = server.requests[0];
    const start = server.requests[1];
    assert.ok(lookup !== undefined && start !== undefined);
    assert.equal(lookup.query.get('application'), 'guestbook');
    assert.equal(lookup.query.get('configurationAccountName'), 'config-account');
    assert.equal(start.query.get('metricsAccountName'), 'prom-account');
    assert.equal(start.query.get('storageAccountName'), 'storage-account');
    assert.deepEqual(JSON.parse(start.body), {
      scopes: { default: { controlScope: scope('stable-hash'), experimentScope: scope('canary-hash') } },
      thresholds: { pass: 90, marginal: 75 },
    });
  });

  it('stays running until complete, then judges the score', async () => {
    const state = { metadata: { [executionIdKey]: 'exec-7' } };
    execution = { body: { complete: false } };
    const pending = await kayentaProvider.resume(testContext(), config, state);
    assert.equal(pending.kind, 'running');
    execution = { body: { complete: true, result: { judgeResult: { score: { score: 82.6 } } } } };
    assert.deepEqual(await kayentaProvider.resume(testContext(), config, state), { kind: 'phase', phase: 'Inconclusive', value: '82', metadata: state.metadata });
    assert.equal(server.requests.at(-1)?.path, '/canary/exec-7');
    execution = { body: { complete: true } };
    await assert.rejects(kayentaProvider.resume(testContext(), config, state), /kayenta: execution exec-7: response has no score/);
  });

  it('fails clearly for an unknown canary config', async () => {
    await assert.rejects(kayentaProvider.measure(testContext(), { ...config, canaryConfigName: 'nope' }), /kayenta: canary config "nope" not found for application guestbook/);
  });
});

describe('judge', () => {
  const table: [number, string][] = [[95, 'Successful'], [90, 'Successful'], [89, 'Inconclusive'], [75, 'Inconclusive'], [74, 'Failed']];
  for (const [score, phase] of table) {
    it(`${score} → ${phase}`, () => {
      assert.equal(judge(score, 90, 75), phase);
    });
  }
});

describe('kayenta configuration', () => {
  const valid = {
    address: 'http://kayenta:8090',
    application: 'a',
    canaryConfigName: 'c',
    metricsAccountName: 'm',
    configurationAccountName: 'cf',
    storageAccountName: 's',
    threshold: { pass: 90, marginal: 75 },
    scopes: [{ name: 'default', controlScope: scope('a'), experimentScope: scope('b') }],
  };
  configCases(validateKayenta, [
    { name: 'valid', config: valid },
    { name: 'no application', config: { ...valid, application: '' }, field: 'provider.kayenta.application' },
    { name: 'marginal above pass', config: { ...valid, threshold: { pass: 50, marginal: 75 } }, field: 'provider.kayenta.threshold.marginal' },
    { name: 'no scopes', config: { ...valid, scopes: [] }, field: 'provider.kayenta.scopes' },
    { name: 'scope without step', config: { ...valid, scopes: [{ name: 'd', controlScope: { scope: 'a', region: 'r', start: 's', end: 'e' }, experimentScope: scope('b') }] }, field: 'provider.kayenta.scopes[0].controlScope.step' },
  ]);
});

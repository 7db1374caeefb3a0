import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';
import { validateWavefront, wavefrontOutcome, wavefrontProvider } from './wavefront.ts';

describe('wavefront provider', () => {
  let reply: Reply = { body: {} };
  const server = serveApi(() => reply);

  it('queries the chart API with the address token and gives one series as a number', async () => {
    reply = { body: { timeseries: [{ label: 'x', data: [[1714564800, 0.9512]] }] } };
    const ctx = testContext({ controllerSecrets: { 'wavefront-api-tokens': { [server.url]: 'wf-token' } } });
    const outcome = await wavefrontProvider.measure(ctx, { address: server.url, query: 'sum(ts(app.ok))' });
    assert.deepEqual(outcome, { kind: 'value', result: 0.9512, value: '0.95' });
    const req = server.soleRequest();
    assert.equal(req.path, '/api/v2/chart/api');
    assert.equal(req.query.get('q'), 'sum(ts(app.ok))');
    assert.equal(req.query.get('s'), String(ctx.now().getTime()));
    assert.equal(req.query.get('g'), 's');
    assert.equal(req.headers.authorization, 'Bearer wf-token');
  });

  it('fails without a token for the address', async () => {
    await assert.rejects(wavefrontProvider.measure(testContext(), { address: server.url, query: 'q' }), /Secret wavefront-api-tokens has no key http:\/\/127\.0\.0\.1:\d+ \(looked in the controller's namespace\)/);
  });
});

describe('wavefrontOutcome', () => {
  it('lists the first value of several series', () => {
    assert.deepEqual(wavefrontOutcome({ timeseries: [{ data: [[1, 1]] }, { data: [[1, 2.5]] }] }), { kind: 'value', result: [1, 2.5], value: '[1.00,2.50]' });
  });
  it('is Inconclusive on NaN', () => {
    assert.deepEqual(wavefrontOutcome({ timeseries: [{ data: [[1, 'NaN']] }] }), { kind: 'phase', phase: 'Inconclusive', value: 'NaN', message: 'the query returned NaN' });
  });
  it('fails without series', () => {
    assert.throws(() => wavefrontOutcome({ timeseries: [] }), /no time series/);
  });
});

describe('wavefront configuration', () => {
  configCases(validateWavefront, [
    { name: 'valid', config: { address: 'example.wavefront.com', query: 'ts(x)' } },
    { name: 'no address', config: { query: 'q' }, field: 'provider.wavefront.address' },
    { name: 'no query', config: { address: 'a.example' }, field: 'provider.wavefront.query' },
  ]);
});

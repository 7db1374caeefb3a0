import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphiteProvider, graphiteValues, renderUrl, validateGraphite } from './graphite.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';

describe('graphite provider', () => {
  let reply: Reply = { body: [] };
  const server = serveApi(() => reply);

  it('renders the targets as JSON and gives the first target\'s values', async () => {
    reply = { body: [{ target: 'rate', datapoints: [[null, 1714564740], [95.5, 1714564770], [97, 1714564800]] }, { target: 'other', datapoints: [[1, 1]] }] };
    const outcome = await graphiteProvider.measure(testContext(), {
      address: `${server.url}/graphite`,
      query: `target=summarize(
        asPercent(sumSeries(app.ok.count), sumSeries(app.all.count)),
        '5min', 'avg')&from=-5min`,
    });
    assert.deepEqual(outcome, { kind: 'value', result: [95.5, 97], value: '[95.500000,97.000000]' });
    const req = server.soleRequest();
    assert.equal(req.path, '/graphite/render');
    assert.equal(req.query.get('target'), "summarize( asPercent(sumSeries(app.ok.count), sumSeries(app.all.count)), '5min', 'avg')");
    assert.equal(req.query.get('from'), '-5min');
    assert.equal(req.query.get('format'), 'json');
  });

  it('fails when there is no value, and on an error status', async () => {
    reply = { body: [{ target: 't', datapoints: [[null, 1]] }] };
    await assert.rejects(graphiteProvider.measure(testContext(), { address: server.url, query: 'target=x' }), /graphite: no values found/);
    reply = { status: 400, body: 'Invalid target' };
    await assert.rejects(graphiteProvider.measure(testContext(), { address: server.url, query: 'target=x(' }), /graphite: GET .*\/render: HTTP 400: Invalid target/);
  });
});

describe('graphite responses and URLs', () => {
  it('reads string values and rejects malformed datapoints', () => {
    assert.deepEqual(graphiteValues([{ datapoints: [['1.5', '1']] }]), [1.5]);
    assert.throws(() => graphiteValues([{ datapoints: [[1]] }]), /malformed datapoint/);
    assert.throws(() => graphiteValues({}), /not a list of targets/);
  });
  it('forces format=json', () => {
    assert.equal(renderUrl('http://g:8080/', 'target=a&format=raw').toString(), 'http://g:8080/render?target=a&format=json');
  });
});

describe('graphite configuration', () => {
  configCases(validateGraphite, [
    { name: 'valid', config: { address: 'http://graphite:8080', query: 'target=x' } },
    { name: 'no address', config: { query: 'target=x' }, field: 'provider.graphite.address' },
    { name: 'address not a URL', config: { address: 'graphite', query: 'target=x' }, field: 'provider.graphite.address' },
    { name: 'no query', config: { address: 'http://g' }, field: 'provider.graphite.query' },
  ]);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datadogProvider, validateDatadog } from './datadog.ts';
import { ProviderError } from './provider.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';

describe('datadog provider', () => {
  let reply: Reply = { body: {} };
  const server = serveApi(() => reply);
  const secrets = () => ({ datadog: { 'api-key': 'AK', 'app-key': 'PK', address: server.url } });

  it('v1: queries the interval with the keys from the controller namespace and takes the last point', async () => {
    reply = { body: { status: 'ok', series: [{ pointlist: [[1714564500000, 0.01], [1714564740000, 0.02], [1714564800000, null]] }, { pointlist: [[1, 9]] }] } };
    const ctx = testContext({ controllerSecrets: secrets() });
    const outcome = await datadogProvider.measure(ctx, { query: 'avg:errors{service:checkout}', interval: '10m' });
    assert.deepEqual(outcome, { kind: 'value', result: 0.02, value: '0.02' });
    const req = server.soleRequest();
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/api/v1/query');
    assert.equal(req.query.get('query'), 'avg:errors{service:checkout}');
    const to = ctx.now().getTime() / 1000;
    assert.equal(req.query.get('to'), String(to));
    assert.equal(req.query.get('from'), String(to - 600));
    assert.equal(req.headers['dd-api-key'], 'AK');
    assert.equal(req.headers['dd-application-key'], 'PK');
    assert.deepEqual(ctx.secretReads.map((r) => `${r.scope}/${r.name}/${r.key}`), ['controller/datadog/api-key', 'controller/datadog/app-key', 'controller/datadog/address']);
  });

  it('v1: no data gives null', async () => {
    reply = { body: { status: 'ok', series: [] } };
    assert.deepEqual(await datadogProvider.measure(testContext({ controllerSecrets: secrets() }), { query: 'q' }), { kind: 'value', result: null, value: 'null' });
  });

  it('v2: posts a scalar request with named queries, formula and aggregator', async () => {
    reply = { body: { data: { type: 'scalar_response', attributes: { columns: [{ name: 'a', type: 'number', values: [0.95] }] } } } };
    const ctx = testContext({ secrets: { dd: { 'api-key': 'AK2', 'app-key': 'PK2', address: server.url } } });
    const outcome = await datadogProvider.measure(ctx, {
      apiVersion: 'v2',
      queries: { a: 'sum:ok{*}.as_count()', b: 'sum:all{*}.as_count()' },
      formula: 'a / b',
      aggregator: 'sum',
      secretRef: { name: 'dd', namespaced: true },
    });
    assert.deepEqual(outcome, { kind: 'value', result: 0.95, value: '0.95' });
    const req = server.soleRequest();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v2/query/scalar');
    assert.equal(req.headers['dd-api-key'], 'AK2');
    const to = ctx.now().getTime();
    assert.deepEqual(JSON.parse(req.body), {
      data: {
        type: 'scalar_request',
        attributes: {
          from: to - 300_000,
          to,
          formulas: [{ formula: 'a / b' }],
          queries: [
            { data_source: 'metrics', name: 'a', query: 'sum:ok{*}.as_count()', aggregator: 'sum' },
            { data_source: 'metrics', name: 'b', query: 'sum:all{*}.as_count()', aggregator: 'sum' },
          ],
        },
      },
    });
    assert.ok(ctx.secretReads.every((r) => r.scope === 'run'));
  });

  it('v2: a single query becomes query "query" with aggregator last, and no value gives null', async () => {
    reply = { body: { data: { attributes: { columns: [{ name: 'query', values: [] }] } } } };
    const outcome = await datadogProvider.measure(testContext({ controllerSecrets: secrets() }), { apiVersion: 'v2', query: 'avg:x{*}' });
    assert.deepEqual(outcome, { kind: 'value', result: null, value: 'null' });
    const attributes = (JSON.parse(server.soleRequest().body) as { data: { attributes: { formulas: unknown; queries: unknown } } }).data.attributes;
    assert.deepEqual(attributes.formulas, [{ formula: 'query' }]);
    assert.deepEqual(attributes.queries, [{ data_source: 'metrics', name: 'query', query: 'avg:x{*}', aggregator: 'last' }]);
  });

  it('fails clearly on a missing key, an error status and an error in the body', async () => {
    await assert.rejects(datadogProvider.measure(testContext({ controllerSecrets: { datadog: { 'api-key': 'AK' } } }), { query: 'q' }), /datadog: Secret datadog has no key app-key \(looked in the controller's namespace\)/);
    reply = { status: 403, body: { errors: ['Forbidden'] } };
    await assert.rejects(
      datadogProvider.measure(testContext({ controllerSecrets: secrets() }), { query: 'q' }),
      (error: unknown) => error instanceof ProviderError && error.status === 403 && /HTTP 403: \{"errors":\["Forbidden"\]\}/.test(error.message) && !error.message.includes('AK'),
    );
    reply = { body: { status: 'error', error: 'Rule parse error' } };
    await assert.rejects(datadogProvider.measure(testContext({ controllerSecrets: secrets() }), { query: 'q' }), /datadog: query failed: Rule parse error/);
  });
});

describe('datadog configuration', () => {
  configCases(validateDatadog, [
    { name: 'v1 query', config: { query: 'q', interval: '5m' } },
    { name: 'v2 queries', config: { apiVersion: 'v2', queries: { a: 'x', b: 'y' }, formula: 'a/b' } },
    { name: 'no query', config: {}, field: 'provider.datadog.query' },
    { name: 'both', config: { apiVersion: 'v2', query: 'q', queries: { a: 'x' } }, field: 'provider.datadog.queries' },
    { name: 'queries on v1', config: { queries: { a: 'x' } }, field: 'provider.datadog.queries' },
    { name: 'formula missing', config: { apiVersion: 'v2', queries: { a: 'x', b: 'y' } }, field: 'provider.datadog.formula' },
    { name: 'bad interval', config: { query: 'q', interval: 'soon' }, field: 'provider.datadog.interval' },
    { name: 'bad apiVersion', config: { query: 'q', apiVersion: 'v3' }, field: 'provider.datadog.apiVersion' },
    { name: 'bad aggregator', config: { query: 'q', apiVersion: 'v2', aggregator: 'median' }, field: 'provider.datadog.aggregator' },
  ]);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRelicProvider, nrqlResult, validateNewRelic } from './new-relic.ts';
import { ProviderError } from './provider.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';

const rows = (results: unknown[]): Reply => ({ body: { data: { actor: { account: { nrql: { results } } } } } });

describe('newRelic provider', () => {
  let reply: Reply = rows([]);
  const server = serveApi(() => reply);
  const profile = () => ({ newrelic: { 'personal-api-key': 'NRAK-1', 'account-id': '1234', 'base-url-nerdgraph': `${server.url}/graphql` } });

  it('sends the NRQL to NerdGraph with the account and key, and gives a single row as an object', async () => {
    reply = rows([{ successRate: 0.99 }]);
    const ctx = testContext({ controllerSecrets: profile() });
    const outcome = await newRelicProvider.measure(ctx, { query: "SELECT percentage(count(*), WHERE httpResponseCode != '500') AS successRate FROM Transaction" });
    assert.deepEqual(outcome, { kind: 'value', result: { successRate: 0.99 }, value: '{"successRate":0.99}' });
    const req = server.soleRequest();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/graphql');
    assert.equal(req.headers['api-key'], 'NRAK-1');
    const body = JSON.parse(req.body) as { query: string; variables: Record<string, unknown> };
    assert.match(body.query, /actor \{ account\(id: \$accountId\) \{ nrql\(query: \$nrql\) \{ results \} \} \}/);
    assert.deepEqual(body.variables, { accountId: 1234, nrql: "SELECT percentage(count(*), WHERE httpResponseCode != '500') AS successRate FROM Transaction" });
    assert.ok(ctx.secretReads.every((r) => r.scope === 'controller' && r.name === 'newrelic'));
  });

  it('passes the timeout, uses another profile, and gives several rows as a list', async () => {
    reply = rows([{ a: 1 }, { a: 2 }]);
    const ctx = testContext({ controllerSecrets: { 'nr-team': profile().newrelic } });
    const outcome = await newRelicProvider.measure(ctx, { profile: 'nr-team', query: 'SELECT a FROM T FACET b', timeout: 60 });
    assert.deepEqual(outcome, { kind: 'value', result: [{ a: 1 }, { a: 2 }], value: '[{"a":1},{"a":2}]' });
    const body = JSON.parse(server.soleRequest().body) as { query: string; variables: Record<string, unknown> };
    assert.match(body.query, /nrql\(query: \$nrql, timeout: \$timeout\)/);
    assert.equal(body.variables.timeout, 60);
  });

  it('reports GraphQL errors, empty results and a bad account id', async () => {
    reply = { body: { errors: [{ message: 'NRQL Syntax Error: Error at line 1' }], data: { actor: { account: { nrql: null } } } } };
    await assert.rejects(newRelicProvider.measure(testContext({ controllerSecrets: profile() }), { query: 'SELEC' }), /newRelic: NerdGraph: NRQL Syntax Error: Error at line 1/);
    reply = rows([{}]);
    await assert.rejects(newRelicProvider.measure(testContext({ controllerSecrets: profile() }), { query: 'q' }), /no results returned from NRQL query/);
    await assert.rejects(
      newRelicProvider.measure(testContext({ controllerSecrets: { newrelic: { ...profile().newrelic, 'account-id': 'abc' } } }), { query: 'q' }),
      (error: unknown) => error instanceof ProviderError && /account-id is not a number/.test(error.message) && !error.message.includes('NRAK'),
    );
    await assert.rejects(
      newRelicProvider.measure(testContext({ controllerSecrets: { newrelic: { 'personal-api-key': 'k', 'account-id': '1', region: 'ap' } } }), { query: 'q' }),
      /region must be us or eu, got "ap"/,
    );
  });
});

describe('nrqlResult', () => {
  it('rejects a response without results', () => {
    assert.throws(() => nrqlResult(undefined), /no nrql results/);
    assert.throws(() => nrqlResult([]), /no results/);
  });
});

describe('newRelic configuration', () => {
  configCases(validateNewRelic, [
    { name: 'valid', config: { query: 'SELECT 1' } },
    { name: 'no query', config: { profile: 'p' }, field: 'provider.newRelic.query', message: /is required/ },
    { name: 'timeout not a number', config: { query: 'q', timeout: '1m' }, field: 'provider.newRelic.timeout' },
  ]);
});

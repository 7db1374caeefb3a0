import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minuteStep, skyWalkingProvider, validateSkyWalking } from './skywalking.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';

describe('skywalking provider', () => {
  let reply: Reply = { body: {} };
  const server = serveApi(() => reply);

  it('posts the GraphQL query with the duration of the interval and gives data', async () => {
    const data = { service_sla: { values: [{ value: 9950 }] } };
    reply = { body: { data } };
    const query = 'query queryData($duration: Duration!) { service_sla: readMetricsValues(condition: {name: "service_sla", entity: {scope: Service, serviceName: "agent::app", normal: true}}, duration: $duration) { values { values { value } } } }';
    const outcome = await skyWalkingProvider.measure(testContext(), { address: server.url, query, interval: '10m' });
    assert.deepEqual(outcome, { kind: 'value', result: data, value: JSON.stringify(data) });
    const req = server.requests[0];
    assert.ok(req !== undefined);
    assert.equal(req.path, '/graphql');
    assert.deepEqual(JSON.parse(req.body), { query, variables: { duration: { start: '2024-05-01 1150', end: '2024-05-01 1200', step: 'MINUTE' } } });
  });

  it('reports GraphQL errors and empty data', async () => {
    reply = { body: { errors: [{ message: 'Validation error of type FieldUndefined' }], data: null } };
    await assert.rejects(skyWalkingProvider.measure(testContext(), { address: server.url, query: '{ x }' }), /skywalking: graphql: Validation error of type FieldUndefined/);
    reply = { body: { data: null } };
    await assert.rejects(skyWalkingProvider.measure(testContext(), { address: server.url, query: '{ x }' }), /no results returned/);
  });

  it('formats minute steps in UTC', () => {
    assert.equal(minuteStep(new Date('2024-01-02T03:04:59Z')), '2024-01-02 0304');
  });
});

describe('skywalking configuration', () => {
  configCases(validateSkyWalking, [
    { name: 'valid', config: { address: 'http://oap:12800', query: '{ x }', interval: '5m' } },
    { name: 'no address', config: { query: 'q' }, field: 'provider.skywalking.address' },
    { name: 'bad interval', config: { address: 'http://oap', query: 'q', interval: 'x' }, field: 'provider.skywalking.interval' },
  ]);
});

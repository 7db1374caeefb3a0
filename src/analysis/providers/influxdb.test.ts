import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fluxValues, influxdbProvider, validateInfluxdb } from './influxdb.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';

const csv = [
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string',
  '#group,false,false,true,true,false,false,true,true',
  '#default,_result,,,,,,,',
  ',result,table,_start,_stop,_time,_value,_field,_measurement',
  ',,0,2024-05-01T11:55:00Z,2024-05-01T12:00:00Z,2024-05-01T11:56:00Z,0.5,errors,"http,requests"',
  ',,0,2024-05-01T11:55:00Z,2024-05-01T12:00:00Z,2024-05-01T11:57:00Z,1.25,errors,"http,requests"',
  '',
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,long,string,string',
  '#group,false,false,true,true,false,false,true,true',
  '#default,_result,,,,,,,',
  ',result,table,_start,_stop,_time,_value,_field,_measurement',
  ',,1,2024-05-01T11:55:00Z,2024-05-01T12:00:00Z,2024-05-01T11:56:00Z,3,count,http',
  '',
].join('\r\n');

describe('influxdb provider', () => {
  let reply: Reply = { body: '' };
  const server = serveApi(() => reply);
  const profile = () => ({ influxdb: { authToken: 'tok', org: 'my-org', address: server.url } });

  it('posts the Flux query for the org with the token and gives every _value', async () => {
    reply = { body: csv };
    const ctx = testContext({ controllerSecrets: profile() });
    const query = 'from(bucket: "app") |> range(start: -5m) |> filter(fn: (r) => r._field == "errors")';
    const outcome = await influxdbProvider.measure(ctx, { query });
    assert.deepEqual(outcome, { kind: 'value', result: [0.5, 1.25, 3], value: '[0.5 1.25 3]' });
    const req = server.soleRequest();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v2/query');
    assert.equal(req.query.get('org'), 'my-org');
    assert.equal(req.headers.authorization, 'Token tok');
    assert.equal(req.headers.accept, 'application/csv');
    const body = JSON.parse(req.body) as { query: string; type: string; dialect: { annotations: string[] } };
    assert.equal(body.query, query);
    assert.equal(body.type, 'flux');
    assert.deepEqual(body.dialect.annotations, ['datatype', 'group', 'default']);
    assert.ok(ctx.secretReads.every((r) => r.scope === 'controller' && r.name === 'influxdb'));
  });

  it('reports the API error message, no records, and missing settings', async () => {
    reply = { status: 400, body: { code: 'invalid', message: 'compilation failed: error at @1:1-1:5: undefined identifier fromm' } };
    await assert.rejects(influxdbProvider.measure(testContext({ controllerSecrets: profile() }), { query: 'fromm()' }), /influxdb: POST .*\/api\/v2\/query: HTTP 400: compilation failed/);
    reply = { body: '\r\n' };
    await assert.rejects(influxdbProvider.measure(testContext({ controllerSecrets: profile() }), { query: 'q' }), /no results returned from flux query/);
    await assert.rejects(influxdbProvider.measure(testContext({ controllerSecrets: { ix: { authToken: 't' } } }), { profile: 'ix', query: 'q' }), /Secret ix has no key org/);
  });
});

describe('fluxValues', () => {
  it('types booleans and strings, and rejects a table without _value', () => {
    assert.deepEqual(fluxValues('#datatype,string,boolean\n,result,_value\n,,true\n,,false\n'), [true, false]);
    assert.deepEqual(fluxValues(',result,_value\n,,"a ""b"""\n'), ['a "b"']);
    assert.throws(() => fluxValues(',result,_time\n,,1\n'), /no _value column/);
  });
});

describe('influxdb configuration', () => {
  configCases(validateInfluxdb, [
    { name: 'valid', config: { profile: 'influx', query: 'from(bucket: "a")' } },
    { name: 'no query', config: {}, field: 'provider.influxdb.query' },
  ]);
});

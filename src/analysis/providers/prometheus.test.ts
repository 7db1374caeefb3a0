import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { clearTokenCache } from './auth.ts';
import { processPrometheusData, prometheusAddressEnv, prometheusProvider, validatePrometheus } from './prometheus.ts';
import { ProviderConfigError, ProviderError } from './provider.ts';
import { signV4 } from './sigv4.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';

const vector = (values: string[]): Reply => ({
  body: { status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1714564800, v] })) } },
});

describe('prometheus provider', () => {
  let reply: Reply = vector([]);
  const server = serveApi(() => reply);
  const tokens = serveApi(() => ({ body: { access_token: 'tok-123', token_type: 'bearer', expires_in: 3600 } }));
  beforeEach(() => {
    clearTokenCache();
  });

  it('runs an instant query and turns a vector into a list of numbers', async () => {
    reply = vector(['0.95', '1']);
    const ctx = testContext();
    const outcome = await prometheusProvider.measure(ctx, {
      address: `${server.url}/prom/`,
      query: 'sum(rate(http_requests_total[5m]))',
      timeout: 12,
      headers: [{ key: 'X-Scope-OrgID', value: 'tenant_a' }],
    });
    assert.deepEqual(outcome, { kind: 'value', result: [0.95, 1], value: '[0.95,1]' });
    const req = server.soleRequest();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/prom/api/v1/query');
    assert.equal(req.headers['x-scope-orgid'], 'tenant_a');
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body);
    assert.equal(form.get('query'), 'sum(rate(http_requests_total[5m]))');
    assert.equal(form.get('time'), String(ctx.now().getTime() / 1000));
    assert.equal(form.get('timeout'), '12s');
  });

  it('queries the address from the environment when the metric has none', async () => {
    reply = vector(['1']);
    const saved = process.env[prometheusAddressEnv];
    process.env[prometheusAddressEnv] = `${server.url}/from-env`;
    try {
      const outcome = await prometheusProvider.measure(testContext(), { query: 'up' });
      assert.deepEqual(outcome, { kind: 'value', result: [1], value: '[1]' });
      assert.equal(server.soleRequest().path, '/from-env/api/v1/query');
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, prometheusAddressEnv);
      else process.env[prometheusAddressEnv] = saved;
    }
  });

  it('runs a range query over the times its expressions give and flattens the matrix', async () => {
    reply = { body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1714561200, '0.5'], [1714564800, '0.75']] }] } } };
    const ctx = testContext();
    const outcome = await prometheusProvider.measure(ctx, {
      address: server.url,
      query: 'rate(errors[5m])',
      rangeQuery: { start: 'now() - duration("1h")', end: 'now()', step: '1m' },
    });
    assert.deepEqual(outcome, { kind: 'value', result: [0.5, 0.75], value: '[0.5,0.75]' });
    const req = server.soleRequest();
    assert.equal(req.path, '/api/v1/query_range');
    const form = new URLSearchParams(req.body);
    const now = ctx.now().getTime() / 1000;
    assert.equal(form.get('start'), String(now - 3600));
    assert.equal(form.get('end'), String(now));
    assert.equal(form.get('step'), '1m');
    assert.equal(form.get('time'), null);
  });

  it('names the range field whose expression fails', async () => {
    await assert.rejects(
      prometheusProvider.measure(testContext(), { address: server.url, query: 'x', rangeQuery: { start: 'now()', end: 'now() - duration("1h")', step: '60' } }),
      (error: unknown) => error instanceof ProviderConfigError && error.field === 'provider.prometheus.rangeQuery.start' && /is after end/.test(error.message),
    );
    await assert.rejects(
      prometheusProvider.measure(testContext(), { address: server.url, query: 'x', rangeQuery: { start: '1 + 1', end: 'now()', step: '60' } }),
      (error: unknown) => error instanceof ProviderConfigError && error.field === 'provider.prometheus.rangeQuery.start',
    );
    assert.equal(server.requests.length, 0);
  });

  it('gives an empty list for an empty vector, and NaN for a NaN scalar', async () => {
    reply = vector([]);
    assert.deepEqual(await prometheusProvider.measure(testContext(), { address: server.url, query: 'absent' }), { kind: 'value', result: [], value: '[]' });
    reply = { body: { status: 'success', data: { resultType: 'scalar', result: [1714564800, 'NaN'] } } };
    const outcome = await prometheusProvider.measure(testContext(), { address: server.url, query: 'scalar(x)' });
    assert.ok(outcome.kind === 'value');
    assert.ok(Number.isNaN(outcome.result));
    assert.equal(outcome.value, 'NaN');
  });

  it('reports warnings as measurement metadata', async () => {
    reply = { body: { status: 'success', warnings: ['partial data', 'slow'], data: { resultType: 'scalar', result: [1, '2.5'] } } };
    const outcome = await prometheusProvider.measure(testContext(), { address: server.url, query: 'x' });
    assert.deepEqual(outcome, { kind: 'value', result: 2.5, value: '2.5', metadata: { warnings: '"partial data", "slow"' } });
  });

  it('surfaces the API error of a bad query', async () => {
    reply = { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' } };
    await assert.rejects(
      prometheusProvider.measure(testContext(), { address: server.url, query: 'sum(' }),
      (error: unknown) => error instanceof ProviderError && error.status === 400 && /HTTP 400: bad_data: parse error at char 4/.test(error.message),
    );
  });

  it('reports a non-JSON answer and an unsupported result type clearly', async () => {
    reply = { status: 502, body: '<html>Bad Gateway</html>' };
    await assert.rejects(prometheusProvider.measure(testContext(), { address: server.url, query: 'x' }), /prometheus: POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: HTTP 502: <html>Bad Gateway<\/html>/);
    reply = { status: 200, headers: { 'content-type': 'application/json' }, body: 'not json' };
    await assert.rejects(prometheusProvider.measure(testContext(), { address: server.url, query: 'x' }), /response is not JSON/);
    reply = { body: { status: 'success', data: { resultType: 'string', result: [1, 'a'] } } };
    await assert.rejects(prometheusProvider.measure(testContext(), { address: server.url, query: 'x' }), /result type "string" is not supported/);
  });

  it('times out after `timeout` seconds', async () => {
    reply = { ...vector(['1']), delayMs: 2000 };
    const started = Date.now();
    await assert.rejects(prometheusProvider.measure(testContext(), { address: server.url, query: 'x', timeout: 1 }), /timed out after 1 s/);
    assert.ok(Date.now() - started < 1900);
  });

  it('sends basic auth', async () => {
    reply = vector(['1']);
    await prometheusProvider.measure(testContext(), { address: server.url, query: 'x', authentication: { basicAuth: { username: 'u', password: 'p@ss' } } });
    assert.equal(server.soleRequest().headers.authorization, `Basic ${Buffer.from('u:p@ss').toString('base64')}`);
  });

  it('fetches an OAuth2 client-credentials token once and sends it as a bearer token', async () => {
    reply = vector(['1']);
    const config = {
      address: server.url,
      query: 'x',
      authentication: { oauth2: { tokenUrl: `${tokens.url}/oauth/token`, clientId: 'cid', clientSecret: 'sec', scopes: ['read', 'metrics'] } },
    };
    await prometheusProvider.measure(testContext(), config);
    await prometheusProvider.measure(testContext(), config);
    assert.equal(tokens.requests.length, 1, 'the token is cached while valid');
    const tokenReq = tokens.soleRequest();
    assert.equal(tokenReq.path, '/oauth/token');
    assert.equal(tokenReq.headers.authorization, `Basic ${Buffer.from('cid:sec').toString('base64')}`);
    const form = new URLSearchParams(tokenReq.body);
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('scope'), 'read metrics');
    assert.deepEqual(server.requests.map((r) => r.headers.authorization), ['Bearer tok-123', 'Bearer tok-123']);
  });

  it('fails clearly when the token endpoint refuses the client', async () => {
    tokens.handler = () => ({ status: 401, body: { error: 'invalid_client' } });
    try {
      await assert.rejects(
        prometheusProvider.measure(testContext(), {
          address: server.url,
          query: 'x',
          authentication: { oauth2: { tokenUrl: `${tokens.url}/t`, clientId: 'cid', clientSecret: 'very-secret' } },
        }),
        (error: unknown) => error instanceof ProviderError && /oauth2 token POST .*\/t: HTTP 401: \{"error":"invalid_client"\}/.test(error.message) && !error.message.includes('very-secret'),
      );
    } finally {
      tokens.handler = () => ({ body: { access_token: 'tok-123', expires_in: 3600 } });
    }
  });

  it('signs with SigV4 (service aps) when a region is configured', async () => {
    reply = vector(['1']);
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret-key';
    delete process.env.AWS_SESSION_TOKEN;
    try {
      const ctx = testContext();
      await prometheusProvider.measure(ctx, { address: server.url, query: 'up', authentication: { sigv4: { region: 'eu-west-1' } } });
      const req = server.soleRequest();
      const expected = signV4(
        { method: 'POST', url: new URL(`${server.url}/api/v1/query`), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: req.body },
        { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-key' },
        'eu-west-1',
        'aps',
        ctx.now(),
      );
      assert.equal(req.headers.authorization, expected.authorization);
      assert.match(req.headers.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/20240501\/eu-west-1\/aps\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date,/);
      assert.equal(req.headers['x-amz-date'], '20240501T120000Z');
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_SESSION_TOKEN', saved.token]] as const) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    }
  });

  it('stops when the measurement is aborted', async () => {
    reply = { ...vector(['1']), delayMs: 2000 };
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);
    await assert.rejects(prometheusProvider.measure(testContext({ signal: controller.signal }), { address: server.url, query: 'x' }), /aborted/);
  });
});

describe('prometheus configuration', () => {
  it('takes the address from the environment when unset, and checks it like a configured one', () => {
    assert.throws(() => {
      validatePrometheus({ query: 'up' }, {});
    }, (error: unknown) => error instanceof ProviderConfigError && error.field === 'provider.prometheus.address');
    assert.doesNotThrow(() => {
      validatePrometheus({ query: 'up' }, { [prometheusAddressEnv]: 'https://prom.example' });
    });
    assert.throws(() => {
      validatePrometheus({ query: 'up' }, { [prometheusAddressEnv]: 'prom.example:9090' });
    }, (error: unknown) => error instanceof ProviderConfigError && error.field === 'provider.prometheus.address' && error.message.includes('"prom.example:9090"'));
  });
  configCases((config) => {
    validatePrometheus(config, {});
  }, [
    { name: 'valid', config: { address: 'http://prometheus:9090', query: 'up' } },
    { name: 'no address', config: { query: 'up' }, field: 'provider.prometheus.address', message: /is required \(or set ARGO_ROLLOUTS_PROMETHEUS_ADDRESS\)/ },
    { name: 'address not a URL', config: { address: 'prometheus:9090', query: 'up' }, field: 'provider.prometheus.address', message: /not an http\(s\) URL/ },
    { name: 'no query', config: { address: 'http://p' }, field: 'provider.prometheus.query', message: /is required/ },
    { name: 'timeout of the wrong type', config: { address: 'http://p', query: 'up', timeout: '30s' }, field: 'provider.prometheus.timeout' },
    { name: 'negative timeout', config: { address: 'http://p', query: 'up', timeout: -1 }, field: 'provider.prometheus.timeout' },
    { name: 'header without key', config: { address: 'http://p', query: 'up', headers: [{ value: 'v' }] }, field: 'provider.prometheus.headers[0].key' },
    { name: 'oauth2 without secret', config: { address: 'http://p', query: 'up', authentication: { oauth2: { tokenUrl: 'http://t', clientId: 'c' } } }, field: 'provider.prometheus.authentication.oauth2.clientSecret' },
    { name: 'sigv4 role', config: { address: 'http://p', query: 'up', authentication: { sigv4: { roleArn: 'arn:aws:iam::1:role/r' } } }, field: 'provider.prometheus.authentication.sigv4.roleArn', message: /not supported/ },
    { name: 'range query without step', config: { address: 'http://p', query: 'up', rangeQuery: { start: 'now() - duration("1h")', end: 'now()' } }, field: 'provider.prometheus.rangeQuery.step' },
    { name: 'range query with a bad expression', config: { address: 'http://p', query: 'up', rangeQuery: { start: 'now( -', end: 'now()', step: '1m' } }, field: 'provider.prometheus.rangeQuery.start' },
    { name: 'range query with a bad step', config: { address: 'http://p', query: 'up', rangeQuery: { start: 'now()', end: 'now()', step: 'often' } }, field: 'provider.prometheus.rangeQuery.step' },
    { name: 'not an object', config: 'up', field: 'provider.prometheus' },
  ]);
});

describe('processPrometheusData', () => {
  it('flattens a matrix into every sample of every series', () => {
    const data = { resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2, '2']] }, { metric: {}, values: [[1, '+Inf']] }] };
    assert.deepEqual(processPrometheusData(data), { result: [1, 2, Infinity], value: '[1,2,+Inf]' });
  });

  it('rejects a malformed sample', () => {
    assert.throws(() => processPrometheusData({ resultType: 'vector', result: [{ value: [1, 'abc'] }] }), /malformed sample/);
  });
});

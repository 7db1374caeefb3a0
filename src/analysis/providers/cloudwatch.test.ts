import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiQuery, cloudWatchProvider, validateCloudWatch } from './cloudwatch.ts';
import { signV4 } from './sigv4.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';

const errorRate = {
  interval: '10m',
  metricDataQueries: [
    {
      id: 'rate',
      expression: 'errors / requests',
      label: 'error rate',
    },
    {
      id: 'errors',
      metricStat: { metric: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: [{ name: 'LoadBalancer', value: 'app/lb/1' }] }, period: 60, stat: 'Sum', unit: 'Count' },
      returnData: false,
    },
  ],
};

describe('cloudWatch provider', () => {
  let replies: Reply[] = [];
  const server = serveApi(() => replies.shift() ?? { status: 500, body: 'no reply' });
  const env = (): NodeJS.ProcessEnv => ({ AWS_ACCESS_KEY_ID: 'AKIDCW', AWS_SECRET_ACCESS_KEY: 'cw-secret', AWS_REGION: 'eu-central-1', AWS_ENDPOINT_URL_CLOUDWATCH: server.url });

  it('signs a GetMetricData request and hands conditions the results as Argo names them', async () => {
    replies = [{ body: { MetricDataResults: [{ Id: 'rate', Label: 'error rate', StatusCode: 'Complete', Timestamps: [1714564740, 1714564800], Values: [0.002, 0.004] }], Messages: [] } }];
    const ctx = testContext();
    const outcome = await cloudWatchProvider.measureWith(ctx, errorRate, env());
    const expected = [{ Id: 'rate', Label: 'error rate', StatusCode: 'Complete', Timestamps: ['2024-05-01T11:59:00.000Z', '2024-05-01T12:00:00.000Z'], Values: [0.002, 0.004] }];
    assert.deepEqual(outcome, { kind: 'value', result: expected, value: JSON.stringify(expected) });
    const req = server.soleRequest();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/');
    assert.equal(req.headers['x-amz-target'], 'GraniteServiceVersion20100801.GetMetricData');
    assert.equal(req.headers['content-type'], 'application/x-amz-json-1.0');
    const end = ctx.now().getTime() / 1000;
    assert.deepEqual(JSON.parse(req.body), {
      StartTime: end - 600,
      EndTime: end,
      MetricDataQueries: [
        { Id: 'rate', Expression: 'errors / requests', Label: 'error rate' },
        {
          Id: 'errors',
          ReturnData: false,
          MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/lb/1' }] }, Period: 60, Stat: 'Sum', Unit: 'Count' },
        },
      ],
    });
    const signed = signV4(
      { method: 'POST', url: new URL(server.url), headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData' }, body: req.body },
      { accessKeyId: 'AKIDCW', secretAccessKey: 'cw-secret' },
      'eu-central-1',
      'monitoring',
      ctx.now(),
    );
    assert.equal(req.headers.authorization, signed.authorization);
    assert.match(req.headers.authorization ?? '', /Credential=AKIDCW\/20240501\/eu-central-1\/monitoring\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target,/);
  });

  it('merges the pages of a paginated answer', async () => {
    replies = [
      { body: { MetricDataResults: [{ Id: 'rate', Label: 'r', StatusCode: 'PartialData', Timestamps: [1714564800], Values: [1] }], NextToken: 'page-2' } },
      { body: { MetricDataResults: [{ Id: 'rate', Label: 'r', StatusCode: 'Complete', Timestamps: [1714564740], Values: [2] }] } },
    ];
    const outcome = await cloudWatchProvider.measureWith(testContext(), errorRate, env());
    assert.ok(outcome.kind === 'value');
    assert.deepEqual(outcome.result, [{ Id: 'rate', Label: 'r', StatusCode: 'Complete', Timestamps: ['2024-05-01T12:00:00.000Z', '2024-05-01T11:59:00.000Z'], Values: [1, 2] }]);
    assert.equal((JSON.parse(server.requests[1]?.body ?? '{}') as { NextToken?: string }).NextToken, 'page-2');
  });

  it('reports AWS errors and missing credentials clearly', async () => {
    replies = [{ status: 400, body: { __type: 'com.amazon.coral.service#InvalidSignatureException', message: 'The request signature we calculated does not match' } }];
    await assert.rejects(cloudWatchProvider.measureWith(testContext(), errorRate, env()), (error: unknown) => error instanceof Error && /cloudWatch: POST .*: HTTP 400: .*InvalidSignatureException/.test(error.message) && !error.message.includes('cw-secret'));
    await assert.rejects(cloudWatchProvider.measureWith(testContext(), errorRate, { AWS_REGION: 'us-east-1' }), /AWS credentials are not set/);
    await assert.rejects(cloudWatchProvider.measureWith(testContext(), errorRate, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }), /AWS region is not set/);
  });
});

describe('apiQuery', () => {
  it('accepts a period written as a string', () => {
    assert.deepEqual(apiQuery({ id: 'q', expression: 'SUM(x)', period: '300' }), { Id: 'q', Expression: 'SUM(x)', Period: 300 });
  });
});

describe('cloudWatch configuration', () => {
  const stat = { metric: { namespace: 'N', metricName: 'M' }, period: 60, stat: 'Average' };
  configCases(validateCloudWatch, [
    { name: 'valid', config: errorRate },
    { name: 'no queries', config: { metricDataQueries: [] }, field: 'provider.cloudWatch.metricDataQueries' },
    { name: 'query without id', config: { metricDataQueries: [{ expression: 'x' }] }, field: 'provider.cloudWatch.metricDataQueries[0].id' },
    { name: 'both expression and metricStat', config: { metricDataQueries: [{ id: 'a', expression: 'x', metricStat: stat }] }, field: 'provider.cloudWatch.metricDataQueries[0]', message: /exactly one of expression, metricStat/ },
    { name: 'metricStat without stat', config: { metricDataQueries: [{ id: 'a', metricStat: { ...stat, stat: '' } }] }, field: 'provider.cloudWatch.metricDataQueries[0].metricStat.stat' },
    { name: 'metricStat without period', config: { metricDataQueries: [{ id: 'a', metricStat: { metric: stat.metric, stat: 'Sum' } }] }, field: 'provider.cloudWatch.metricDataQueries[0].metricStat.period' },
    { name: 'bad period', config: { metricDataQueries: [{ id: 'a', expression: 'x', period: 'often' }] }, field: 'provider.cloudWatch.metricDataQueries[0].period' },
    { name: 'bad interval', config: { interval: '5 minutes', metricDataQueries: [{ id: 'a', expression: 'x' }] }, field: 'provider.cloudWatch.interval' },
  ]);
});

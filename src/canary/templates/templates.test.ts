import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApiServer, type Handler } from '../../analysis/providers/testing.ts';
import { datadogTemplateProvider } from './datadog.ts';
import { graphiteTemplateProvider } from './graphite.ts';
import type { Canary, MetricTemplate } from '../../api/canary.ts';
import type { KubeClient } from '../../runtime/rest.ts';
import { runAnalysis } from '../checks.ts';
import type { TemplateQuery } from './provider.ts';

/** A loopback server speaking the vendor's API; each test sets how it answers. */
function useServer(): { server: ApiServer; answer: (h: Handler) => void } {
  const server = new ApiServer(() => ({ status: 500 }));
  before(async () => { await server.start(); });
  after(async () => { await server.stop(); });
  beforeEach(() => { server.requests.length = 0; });
  return { server, answer: (h) => { server.handler = h; } };
}

const now = new Date('2026-12-04T10:00:00Z');
const query = (overrides: Partial<TemplateQuery>): TemplateQuery => ({ address: undefined, query: '', credentials: {}, intervalMs: 60_000, signal: AbortSignal.timeout(10_000), now: () => now, ...overrides });

describe('MetricTemplate providers, against a local server speaking their API', () => {
  const { server, answer } = useServer();

  describe('datadog', () => {
    const keys = { datadog_api_key: 'api-1', datadog_application_key: 'app-1' };

    it('queries /api/v1/query over ten intervals with the keys as headers, and takes the oldest point of the first series', async () => {
      answer(() => ({ body: { series: [{ pointlist: [[1, 0.25], [2, 0.5]] }, { pointlist: [[1, 9]] }] } }));
      const value = await datadogTemplateProvider.value(query({ address: server.url, query: 'sum:requests.error{app:podinfo}', credentials: keys }));
      assert.equal(value, 0.25);
      const req = server.soleRequest();
      assert.deepEqual([req.path, req.query.get('query'), req.headers['dd-api-key'], req.headers['dd-application-key']], ['/api/v1/query', 'sum:requests.error{app:podinfo}', 'api-1', 'app-1']);
      const to = now.getTime() / 1000;
      assert.deepEqual([req.query.get('from'), req.query.get('to')], [String(to - 600), String(to)]);
    });

    it('no series or no points is no value; an error answer and missing keys are errors that say so', async () => {
      answer(() => ({ body: { series: [] } }));
      assert.equal(await datadogTemplateProvider.value(query({ address: server.url, query: 'q', credentials: keys })), undefined);
      answer(() => ({ body: { series: [{ pointlist: [] }] } }));
      assert.equal(await datadogTemplateProvider.value(query({ address: server.url, query: 'q', credentials: keys })), undefined);
      answer(() => ({ status: 403, body: { errors: ['Forbidden'] } }));
      await assert.rejects(datadogTemplateProvider.value(query({ address: server.url, query: 'q', credentials: keys })), /\/api\/v1\/query answered 403/);
      await assert.rejects(datadogTemplateProvider.value(query({ address: server.url, query: 'q' })), /needs the keys datadog_api_key and datadog_application_key/);
    });
  });

  describe('graphite', () => {
    it('asks /render for JSON with the query string, basic auth from the Secret, and takes the last non-null datapoint', async () => {
      answer(() => ({ body: [{ target: 'a', datapoints: [[1, 100], [2, 110], [null, 120]] }, { target: 'b', datapoints: [[7, 100], [null, 110]] }] }));
      const value = await graphiteTemplateProvider.value(query({ address: `${server.url}/graphite/`, query: 'target=sumSeries(app.errors)&from=-2min', credentials: { username: 'u', password: 'p' } }));
      assert.equal(value, 7);
      const req = server.soleRequest();
      assert.deepEqual([req.path, req.query.get('target'), req.query.get('from'), req.query.get('format')], ['/graphite/render', 'sumSeries(app.errors)', '-2min', 'json']);
      assert.equal(req.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    });

    it('only nulls is no value; an address is required', async () => {
      answer(() => ({ body: [{ target: 'a', datapoints: [[null, 100]] }] }));
      assert.equal(await graphiteTemplateProvider.value(query({ address: server.url, query: 'target=a' })), undefined);
      assert.equal(server.soleRequest().headers.authorization, undefined, 'no credentials, no auth');
      await assert.rejects(graphiteTemplateProvider.value(query({ query: 'target=a' })), /spec\.provider\.address is required/);
    });
  });

  it('a Canary analysis through a datadog MetricTemplate: the Secret named by secretRef, the value judged by thresholdRange', async () => {
    answer(() => ({ body: { series: [{ pointlist: [[1, 2.5]] }] } }));
    const template: MetricTemplate = {
      apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', metadata: { name: 'errors', namespace: 'test' },
      spec: { provider: { type: 'datadog', address: server.url, secretRef: { name: 'dd' } }, query: 'sum:errors{app:{{ target }}}' },
    };
    const canary: Canary = {
      apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'podinfo', namespace: 'test' },
      spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 80 }, analysis: { interval: '1m', stepWeight: 10, metrics: [{ name: 'errors', templateRef: { name: 'errors' }, thresholdRange: { max: 1 } }] } },
      status: { phase: 'Progressing', canaryWeight: 10 },
    };
    const secrets = new Map([['test/dd', { datadog_api_key: 'k', datadog_application_key: 'a' }]]);
    const outcome = await runAnalysis(canary, {
      provider: 'kubernetes', metricsServer: 'http://127.0.0.1:1', noDataWaits: false, signal: AbortSignal.timeout(10_000),
      template: (ns, name) => (ns === 'test' && name === 'errors' ? template : undefined),
      secret: (ns, name) => secrets.get(`${ns}/${name}`),
      kube: undefined as unknown as KubeClient, // not used by a datadog template
    });
    assert.deepEqual(outcome.values, { errors: 2.5 });
    assert.equal(outcome.failure, 'Halt podinfo.test advancement errors 2.50 > 1');
    assert.equal(server.soleRequest().query.get('query'), 'sum:errors{app:podinfo}');
    secrets.clear();
    const missing = await runAnalysis(canary, { provider: 'kubernetes', metricsServer: '', noDataWaits: false, signal: AbortSignal.timeout(10_000), template: () => template, secret: () => undefined, kube: undefined as unknown as KubeClient });
    assert.match(missing.failure ?? '', /Secret test\/dd \(spec\.provider\.secretRef\) not found/);
  });
});

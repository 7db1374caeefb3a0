import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSettings } from './annotations.ts';
import { KubeClient } from '../runtime/rest.ts';
import { FakeApi } from './fake-api.ts';
import { LastLines, LineBuffer, lineFilter, LogStreams, logPrefix, showLogsFor } from './logs.ts';

describe('LineBuffer', () => {
  it('splits chunks into lines and keeps a partial line for later', () => {
    const b = new LineBuffer();
    assert.deepEqual(b.push('one\ntw'), ['one']);
    assert.deepEqual(b.push('o\r\nthree\n\nfo'), ['two', 'three', '']);
    assert.deepEqual(b.flush(), ['fo']);
    assert.deepEqual(b.flush(), []);
  });
});

describe('log filters', () => {
  it('applies the per-container regex before the resource-wide one', () => {
    const settings = { ...defaultSettings, logRegex: /ERROR/, logRegexByContainer: { sidecar: /^panic/ } };
    const app = lineFilter('app', settings);
    const sidecar = lineFilter('sidecar', settings);
    assert.deepEqual(['ERROR db down', 'INFO ok', 'panic: x'].filter(app), ['ERROR db down']);
    assert.deepEqual(['ERROR db down', 'panic: x'].filter(sidecar), ['panic: x']);
    assert.deepEqual(['a', 'b'].filter(lineFilter('app', defaultSettings)), ['a', 'b']);
  });

  it('chooses containers by skip and only-for lists', () => {
    assert.equal(showLogsFor('app', defaultSettings), true);
    assert.equal(showLogsFor('app', { ...defaultSettings, skipLogs: true }), false);
    assert.equal(showLogsFor('istio-proxy', { ...defaultSettings, skipLogsForContainers: ['istio-proxy'] }), false);
    assert.equal(showLogsFor('app', { ...defaultSettings, showLogsOnlyForContainers: ['app'] }), true);
    assert.equal(showLogsFor('init', { ...defaultSettings, showLogsOnlyForContainers: ['app'] }), false);
  });
});

describe('logPrefix', () => {
  it('names resource, pod and container, and marks a crashed run', () => {
    assert.equal(logPrefix('deploy/api', 'api-7d9c-x2', 'web', false), 'deploy/api po/api-7d9c-x2 web |');
    assert.equal(logPrefix('deploy/api', 'api-7d9c-x2', 'web', true), 'deploy/api po/api-7d9c-x2 web (previous run) |');
  });
});

describe('LastLines', () => {
  it('keeps only the newest lines', () => {
    const l = new LastLines(2);
    for (const x of ['a', 'b', 'c']) l.add(x);
    assert.deepEqual(l.get(), ['b', 'c']);
  });
});

describe('LogStreams (pod logs through the REST client)', () => {
  const logPath = '/api/v1/namespaces/ns/pods/web-1/log';
  const request = { namespace: 'ns', pod: 'web-1', container: 'app', previous: false, follow: true, sinceSeconds: 7 };

  it('streams the log endpoint line by line, asking for the container, follow and since', async () => {
    const api = await FakeApi.start();
    const client = new KubeClient(api.connection);
    try {
      api.routes.set(logPath, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('one\ntw');
        setImmediate(() => { res.end('o\nthree'); });
      });
      const lines: string[] = [];
      const streams = new LogStreams(client, (l) => lines.push(`${l.pod}/${l.container}: ${l.line}`), () => assert.fail('logs are available'));
      await streams.stream('k', request);
      assert.deepEqual(lines, ['web-1/app: one', 'web-1/app: two', 'web-1/app: three']);
      assert.deepEqual(streams.lastLines('web-1', 'app', false), ['one', 'two', 'three']);
      const query = api.requests.find((r) => r.path === logPath)?.query;
      assert.deepEqual([query?.get('container'), query?.get('follow'), query?.get('previous'), query?.get('sinceSeconds')], ['app', 'true', 'false', '7']);
      await streams.stream('k', request);
      assert.equal(api.count(logPath), 1, 'a key streams once');
    } finally {
      client.close();
      await api.close();
    }
  });

  it('reports logs that cannot be read with the API server\'s message, and stop() ends a followed stream quietly', async () => {
    const api = await FakeApi.start();
    const client = new KubeClient(api.connection);
    try {
      api.fail(logPath, 500, 'InternalError', 'Get "https://127.0.0.1:10250/containerLogs/ns/web-1/app": connection refused');
      const unavailable: string[] = [];
      const streams = new LogStreams(client, () => undefined, (_pod, _container, reason) => unavailable.push(reason));
      await streams.stream('failing', request);
      assert.deepEqual(unavailable, ['Get "https://127.0.0.1:10250/containerLogs/ns/web-1/app": connection refused']);

      const open = '/api/v1/namespaces/ns/pods/web-2/log';
      api.routes.set(open, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('started\n');
      });
      const lines: string[] = [];
      const following = new LogStreams(client, (l) => lines.push(l.line), (_p, _c, reason) => unavailable.push(reason));
      const ended = following.stream('open', { ...request, pod: 'web-2' });
      await api.received(open);
      await waitUntil(() => lines.length === 1);
      following.stop();
      await ended;
      assert.deepEqual(lines, ['started']);
      assert.equal(unavailable.length, 1, 'stopping is no news about the logs');
    } finally {
      client.close();
      await api.close();
    }
  });
});

/** Resolves once the condition holds, checking after each turn of the event loop (bounded by the test's timeout). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from './provider.ts';
import { configCases, serveApi, testContext, type Reply } from './testing.ts';
import { selectResult, validateWeb, webProvider } from './web.ts';

describe('web provider', () => {
  let reply: Reply = { body: {} };
  const server = serveApi(() => reply);

  it('GETs the URL with its headers and selects the result with jsonPath', async () => {
    reply = { body: { data: { ok: true, successPercent: 0.97 } } };
    const outcome = await webProvider.measure(testContext(), {
      url: `${server.url}/api/health?service=checkout`,
      headers: [{ key: 'Authorization', value: 'Bearer abc' }],
      jsonPath: '{$.data}',
    });
    assert.deepEqual(outcome, { kind: 'value', result: { ok: true, successPercent: 0.97 }, value: '{"ok":true,"successPercent":0.97}' });
    const req = server.soleRequest();
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/api/health');
    assert.equal(req.query.get('service'), 'checkout');
    assert.equal(req.headers.authorization, 'Bearer abc');
    assert.equal(req.body, '');
  });

  it('uses the whole body by default, and scalars as they are', async () => {
    reply = { body: 42 };
    assert.deepEqual(await webProvider.measure(testContext(), { url: server.url }), { kind: 'value', result: 42, value: '42' });
    reply = { body: { status: 'healthy' } };
    assert.deepEqual(await webProvider.measure(testContext(), { url: server.url, jsonPath: '{$.status}' }), { kind: 'value', result: 'healthy', value: 'healthy' });
  });

  it('POSTs a JSON body with a JSON content type', async () => {
    reply = { body: { ok: true } };
    await webProvider.measure(testContext(), { url: server.url, method: 'POST', jsonBody: { key: 'value', n: [1, 2] } });
    const req = server.soleRequest();
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), { key: 'value', n: [1, 2] });
  });

  it('PUTs a text body with the content type the headers give', async () => {
    reply = { body: { ok: true } };
    await webProvider.measure(testContext(), { url: server.url, method: 'PUT', body: 'a=b', headers: [{ key: 'Content-Type', value: 'text/plain' }] });
    const req = server.soleRequest();
    assert.equal(req.method, 'PUT');
    assert.equal(req.headers['content-type'], 'text/plain');
    assert.equal(req.body, 'a=b');
  });

  it('fails on a non-2xx status, a body that is not JSON, and a path that matches nothing', async () => {
    reply = { status: 503, body: 'down for maintenance' };
    await assert.rejects(
      webProvider.measure(testContext(), { url: `${server.url}/x?token=secret` }),
      (error: unknown) =>
        error instanceof ProviderError && error.status === 503 && /received non 2xx response code: 503: down for maintenance/.test(error.message) && !error.message.includes('secret'),
    );
    reply = { body: 'ok' };
    await assert.rejects(webProvider.measure(testContext(), { url: server.url }), /web: GET http:\/\/127\.0\.0\.1:\d+\/: response is not JSON: ok/);
    reply = { body: { data: {} } };
    await assert.rejects(webProvider.measure(testContext(), { url: server.url, jsonPath: '{$.data.ok}' }), /jsonPath \{\$\.data\.ok\} matched nothing/);
  });

  it('times out after timeoutSeconds', async () => {
    reply = { body: {}, delayMs: 2000 };
    await assert.rejects(webProvider.measure(testContext(), { url: server.url, timeoutSeconds: 1 }), /timed out after 1 s/);
  });
});

describe('web provider over TLS', () => {
  let dir = '';
  let server: Server | undefined;
  let url = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aviary-web-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const tls = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    server = tls;
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/status`;
  });
  after(async () => {
    const tls = server;
    if (tls !== undefined) {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a self-signed certificate unless insecure', async () => {
    await assert.rejects(webProvider.measure(testContext(), { url, jsonPath: '{$.ok}' }), /web: GET https:\/\/127\.0\.0\.1:\d+\/status: fetch failed \(.*(self[- ]signed|certificate).*\)/i);
    assert.deepEqual(await webProvider.measure(testContext(), { url, jsonPath: '{$.ok}', insecure: true }), { kind: 'value', result: true, value: 'true' });
  });
});

describe('web configuration', () => {
  configCases(validateWeb, [
    { name: 'valid', config: { url: 'http://svc/health', jsonPath: '{$.data.ok}' } },
    { name: 'no url', config: {}, field: 'provider.web.url', message: /is required/ },
    { name: 'url not http', config: { url: 'ftp://x' }, field: 'provider.web.url', message: /not an http\(s\) URL/ },
    { name: 'unknown method', config: { url: 'http://x', method: 'DELETE' }, field: 'provider.web.method', message: /must be one of: GET, POST, PUT/ },
    { name: 'body with GET', config: { url: 'http://x', body: 'x' }, field: 'provider.web.body', message: /needs method POST or PUT/ },
    { name: 'body and jsonBody', config: { url: 'http://x', method: 'POST', body: 'x', jsonBody: {} }, field: 'provider.web.jsonBody', message: /cannot be set together with body/ },
    { name: 'bad jsonPath', config: { url: 'http://x', jsonPath: '{$.a[?(@.x > 1)]}' }, field: 'provider.web.jsonPath', message: /unsupported filter/ },
    { name: 'timeout of the wrong type', config: { url: 'http://x', timeoutSeconds: 'soon' }, field: 'provider.web.timeoutSeconds' },
  ]);
});

describe('selectResult', () => {
  const body = { items: [{ name: 'a', v: 1 }, { name: 'b', v: 2 }] };
  const table: [string, unknown][] = [
    ['{$}', body],
    ['{$.items[0].v}', 1],
    ['{$.items[*].v}', [1, 2]],
    ['{.items[?(@.name=="b")].v}', 2],
  ];
  for (const [path, expected] of table) {
    it(path, () => {
      assert.deepEqual(selectResult(body, path), expected);
    });
  }
});

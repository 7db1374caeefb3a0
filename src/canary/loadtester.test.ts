import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answer, GateStore, startLoadTester, type LoadTester } from './loadtester.ts';

const payload = JSON.stringify({ name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: 'abc' });

describe('the load tester\'s gates', () => {
  it('answers as Flagger\'s load tester does', () => {
    const store = new GateStore();
    const steps: [string, string, string, string][] = [
      ['POST', '/gate/approve', '', '200 OK'],
      ['POST', '/gate/halt', '', '403 Forbidden'],
      ['POST', '/gate/check', payload, '403 Forbidden'],
      ['POST', '/gate/open', payload, '202 podinfo.test opened'],
      ['POST', '/gate/check', payload, '200 Approved'],
      ['POST', '/rollback/check', payload, '403 Forbidden'],
      ['POST', '/rollback/open', payload, '202 rollback.podinfo.test opened'],
      ['POST', '/rollback/check', payload, '200 Approved'],
      ['POST', '/gate/close', payload, '202 podinfo.test closed'],
      ['POST', '/gate/check', payload, '403 Forbidden'],
      ['POST', '/gate/check', JSON.stringify({ name: 'other', namespace: 'test' }), '403 Forbidden'],
      ['GET', '/gate/check', payload, '405 /gate/check takes POST'],
      ['GET', '/healthz', '', '200 OK'],
    ];
    for (const [method, path, body, want] of steps) {
      const reply = answer(store, method, path, body);
      assert.equal(`${String(reply.status)} ${reply.body}`, want, `${method} ${path}`);
    }
  });

  it('a body that is not a webhook payload is 400, an unknown path 404', () => {
    const store = new GateStore();
    assert.equal(answer(store, 'POST', '/gate/open', 'not json').status, 400);
    assert.match(answer(store, 'POST', '/gate/open', '{"name":"podinfo"}').body, /name and namespace are required/);
    assert.equal(answer(store, 'POST', '/nope', payload).status, 404);
  });

  describe('over HTTP on loopback', () => {
    let tester: LoadTester;
    before(async () => { tester = await startLoadTester('127.0.0.1', 0); });
    after(() => tester.close());

    it('keeps its gates across requests', async () => {
      const post = async (path: string): Promise<number> => (await fetch(`${tester.url}${path}`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } })).status;
      assert.equal(await post('/gate/check'), 403);
      assert.equal(await post('/gate/open'), 202);
      assert.equal(await post('/gate/check'), 200);
      assert.equal(tester.store.isOpen('podinfo.test'), true);
    });
  });
});

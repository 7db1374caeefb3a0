import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertDialable, isInsideLab, isLoopbackHost, NetworkRuleError } from './guard.ts';

describe('the network rule', () => {
  const hosts: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.255.3.4', true],
    ['localhost', true],
    ['api.localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['10.244.0.5', false],
    ['192.168.1.1', false],
    ['::ffff:10.0.0.1', false],
    ['128.0.0.1', false],
    ['example.com', false],
    ['127.0.0.1.example.com', false],
    ['', false],
  ];
  for (const [host, loopback] of hosts) {
    it(`${JSON.stringify(host)} is ${loopback ? '' : 'not '}loopback`, () => {
      assert.equal(isLoopbackHost(host), loopback);
    });
  }

  it('knows the namespace it runs in, and that a namespace which does not exist is not it', () => {
    // /proc/self/ns/net is this process's own namespace: "inside" it by definition.
    assert.equal(isInsideLab('/proc/self/ns/net'), true);
    assert.equal(isInsideLab('/run/netns/aviary-no-such-namespace'), false);
  });

  it('refuses a pod IP outside the lab, naming the client and how to run inside', () => {
    const outside = '/run/netns/aviary-no-such-namespace';
    assert.throws(() => { assertDialable('10.244.0.5', 'aviary load: URL', outside); }, (error: unknown) => {
      assert.ok(error instanceof NetworkRuleError);
      assert.match(error.message, /^aviary load: URL: 10\.244\.0\.5 is not a loopback address, and this process is outside the lab's network namespace/);
      assert.match(error.message, /ip netns exec \S+ aviary/);
      return true;
    });
    assert.doesNotThrow(() => { assertDialable('127.0.0.1', 'x', outside); });
    assert.doesNotThrow(() => { assertDialable('::1', 'x', outside); });
    // Inside the namespace (here: our own), any address may be dialled: pod IPs are local there.
    assert.doesNotThrow(() => { assertDialable('10.244.0.5', 'x', '/proc/self/ns/net'); });
  });
});

import assert from 'node:assert/strict';
import { Agent, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { closeServer } from './http-server.ts';

describe('closeServer', () => {
  it('closes at once although a keep-alive connection is open, and tolerates a server that is not listening', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent({ keepAlive: true });
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      get({ host: '127.0.0.1', port, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    assert.equal(agent.freeSockets[Object.keys(agent.freeSockets)[0] ?? '']?.length, 1, 'the connection stays open');
    await closeServer(server);
    assert.equal(server.listening, false);
    await closeServer(server);
    agent.destroy();
  });
});

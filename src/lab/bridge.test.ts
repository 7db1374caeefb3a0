import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openBridges } from './bridge.ts';

/** A TCP echo server on a loopback address; resolves with its port. */
async function echoServer(host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function roundTrip(port: number, host: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.end(text));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (got += chunk));
    socket.on('end', () => { resolve(got); });
    socket.on('error', reject);
  });
}

async function freePort(host: string): Promise<number> {
  const { server, port } = await echoServer(host);
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

describe('bridges', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aviary-bridge-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('carries a TCP port through a unix socket and back: TCP -> socket -> TCP', async () => {
    const target = await echoServer('127.0.0.2');
    const entry = await freePort('127.0.0.3');
    const socket = join(dir, 'echo.sock');
    const failures: string[] = [];
    const bridges = await openBridges([
      { name: 'out', listen: { unix: socket }, connect: { tcp: { host: '127.0.0.2', port: target.port } } },
      { name: 'in', listen: { tcp: { host: '127.0.0.3', port: entry } }, connect: { unix: socket } },
    ], (bridge, error) => { failures.push(`${bridge}: ${error.message}`); });
    try {
      const answers = await Promise.all(['a', 'bb', 'x'.repeat(200_000)].map((text) => roundTrip(entry, '127.0.0.3', text)));
      assert.deepEqual(answers.map((a) => a.length), [1, 2, 200_000]);
      assert.deepEqual(failures, []);
    } finally {
      await bridges.close();
      await new Promise<void>((resolve) => target.server.close(() => { resolve(); }));
    }
  });

  it('refuses an endpoint that is not loopback before listening on anything', async () => {
    const entry = await freePort('127.0.0.3');
    await assert.rejects(openBridges([
      { name: 'ok', listen: { tcp: { host: '127.0.0.3', port: entry } }, connect: { unix: join(dir, 'x.sock') } },
      { name: 'pods', listen: { unix: join(dir, 'y.sock') }, connect: { tcp: { host: '10.244.0.5', port: 8080 } } },
    ], () => undefined), /bridge pods: 10\.244\.0\.5:8080 is not a loopback address/);
    // The half opened first was closed again: its port can be bound.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(entry, '127.0.0.3', resolve);
    });
    await new Promise<void>((resolve) => again.close(() => { resolve(); }));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { portsFrom } from '../cluster/components.ts';
import { halfBridges, hostAddress, labLayout } from './layout.ts';

describe('lab layout', () => {
  const layout = labLayout(portsFrom(16440), '/state/cluster');

  it('puts the lab ports ten above the cluster block, and everything under the cluster state', () => {
    assert.deepEqual(layout.bridges.map((b) => [b.name, b.direction, b.hostPort, b.labPort]), [
      ['apiserver', 'into', 16440, 16440],
      ['gateway', 'out', 16450, 8000],
      ['gatewayApi', 'out', 16451, 8081],
      ['gatewayMetrics', 'out', 16452, 8082],
      ['runtimeMetrics', 'out', 16453, 9100],
    ]);
    assert.ok(layout.bridges.every((b) => b.socket.startsWith('/state/cluster/lab/sockets/')));
    assert.equal(hostAddress(layout, 'gateway'), '127.0.0.1:16450');
    assert.throws(() => hostAddress(layout, 'nope'), /no bridged port named nope/);
  });

  it('gives each side the mirror half: into the lab the host listens on the socket, out of it the lab does', () => {
    const describe = (side: 'host' | 'lab'): string[] => halfBridges(layout, side).map((h) => {
      const end = (e: (typeof h)['listen']): string => ('unix' in e ? `unix:${e.unix.split('/').at(-1) ?? ''}` : `${e.tcp.host}:${String(e.tcp.port)}`);
      return `${h.name} ${end(h.listen)} -> ${end(h.connect)}`;
    });
    assert.deepEqual(describe('host'), [
      'apiserver unix:apiserver.sock -> 127.0.0.1:16440',
      'gateway 127.0.0.1:16450 -> unix:gateway.sock',
      'gatewayApi 127.0.0.1:16451 -> unix:gatewayApi.sock',
      'gatewayMetrics 127.0.0.1:16452 -> unix:gatewayMetrics.sock',
      'runtimeMetrics 127.0.0.1:16453 -> unix:runtimeMetrics.sock',
    ]);
    assert.deepEqual(describe('lab'), [
      'apiserver 127.0.0.1:16440 -> unix:apiserver.sock',
      'gateway unix:gateway.sock -> 127.0.0.1:8000',
      'gatewayApi unix:gatewayApi.sock -> 127.0.0.1:8081',
      'gatewayMetrics unix:gatewayMetrics.sock -> 127.0.0.1:8082',
      'runtimeMetrics unix:runtimeMetrics.sock -> 127.0.0.1:9100',
    ]);
  });
});

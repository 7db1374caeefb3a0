/**
 * Bridges between network namespaces through unix sockets. A socket file is visible from every network namespace
 * (it lives in the file system), so a pair of half-bridges carries a TCP port across: one listens on TCP and relays
 * into the socket, the other listens on the socket and relays to TCP on its side. Every TCP address a half-bridge
 * listens on or dials is a loopback address of its own namespace; nothing here reaches any other address.
 */
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { isLoopbackHost } from './guard.ts';

export type Endpoint = { tcp: { host: string; port: number } } | { unix: string };

/** One half of a bridge: accepts on `listen`, relays each connection to `connect`. */
export interface HalfBridge {
  name: string;
  listen: Endpoint;
  connect: Endpoint;
}

export function describeEndpoint(endpoint: Endpoint): string {
  return 'unix' in endpoint ? `unix:${endpoint.unix}` : `${endpoint.tcp.host}:${String(endpoint.tcp.port)}`;
}

export interface OpenBridges {
  close(): Promise<void>;
}

/** Opens every half-bridge; if one cannot listen, the ones already open are closed and the error names it. */
export async function openBridges(halves: readonly HalfBridge[], onError: (bridge: string, error: Error) => void): Promise<OpenBridges> {
  const servers: Server[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => { resolve(); }))));
  };
  try {
    for (const half of halves) servers.push(await listen(half, onError));
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}

function assertLoopback(endpoint: Endpoint, half: HalfBridge): void {
  if ('tcp' in endpoint && !isLoopbackHost(endpoint.tcp.host)) {
    throw new Error(`bridge ${half.name}: ${describeEndpoint(endpoint)} is not a loopback address; bridges only join loopback ports`);
  }
}

async function listen(half: HalfBridge, onError: (bridge: string, error: Error) => void): Promise<Server> {
  assertLoopback(half.listen, half);
  assertLoopback(half.connect, half);
  // Half-open both ways: a peer that ends its side (shutdown(SHUT_WR)) still gets the answer, as without a bridge.
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (downstream) => {
    relay(downstream, half, onError);
  });
  if ('unix' in half.listen) await rm(half.listen.unix, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(new Error(`bridge ${half.name} cannot listen on ${describeEndpoint(half.listen)}: ${error.message}`, { cause: error }));
    });
    const ready = (): void => {
      server.removeAllListeners('error');
      server.on('error', (error) => {
        onError(half.name, error);
      });
      resolve();
    };
    if ('unix' in half.listen) server.listen({ path: half.listen.unix, backlog: 511 }, ready);
    else server.listen({ host: half.listen.tcp.host, port: half.listen.tcp.port, backlog: 511 }, ready);
  });
  return server;
}

function relay(downstream: Socket, half: HalfBridge, onError: (bridge: string, error: Error) => void): void {
  const target = half.connect;
  const upstream = 'unix' in target
    ? connect({ path: target.unix, allowHalfOpen: true })
    : connect({ host: target.tcp.host, port: target.tcp.port, noDelay: true, allowHalfOpen: true });
  // A reset on either side ends both: the peer sees the connection fail as it would without the bridge.
  const fail = (error: Error): void => {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET' && (error as NodeJS.ErrnoException).code !== 'EPIPE') onError(half.name, error);
    downstream.destroy();
    upstream.destroy();
  };
  downstream.on('error', fail);
  upstream.on('error', fail);
  downstream.pipe(upstream);
  upstream.pipe(downstream);
}

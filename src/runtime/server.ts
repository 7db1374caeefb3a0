/** The controller's probe and metrics endpoint: /healthz, /readyz and /metrics. */
import Fastify, { LogController, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { silentLogger } from './logger.ts';

export interface Check {
  ok: boolean;
  /** Shown in the JSON body: which part is (not) ready and why. */
  details?: Record<string, unknown>;
}

export interface HealthServerOptions {
  /** host:port, ":port" (all interfaces) or "port". Port 0 picks a free port. Default ":8090". */
  address?: string;
  registry: Registry;
  /** The process is alive (answers at all). */
  healthz: () => Check;
  /** The process can do its job: caches synced, watching, leader or standby. */
  readyz: () => Check;
  logger?: Logger;
}

export interface HealthServer {
  /** The bound address, e.g. http://127.0.0.1:8090. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Parses "host:port", ":port", "[v6]:port" or "port"; an empty host means all IPv4 interfaces. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const text = address.trim();
  let host: string;
  let port: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6 !== null) {
    host = v6[1] ?? '';
    port = v6[2] ?? '';
  } else if (/^\d+$/.test(text)) {
    host = '';
    port = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? '' : text.slice(colon + 1);
  }
  const portNumber = Number(port);
  if (!/^\d+$/.test(port) || portNumber > 65535 || (v6 === null && host.includes(':'))) {
    throw new Error(`invalid listen address "${address}" (use host:port or :port)`);
  }
  return { host: host === '' ? '0.0.0.0' : host, port: portNumber };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { host, port } = parseListenAddress(options.address ?? ':8090');
  const app = Fastify({
    loggerInstance: (options.logger ?? silentLogger()).child({ component: 'health-server' }),
    // Probes hit these endpoints every few seconds; logging each request would drown the controller's own logs.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  const probe = (check: () => Check) => (_request: unknown, reply: FastifyReply): FastifyReply => {
    let result: Check;
    try {
      result = check();
    } catch (error) {
      result = { ok: false, details: { error: error instanceof Error ? error.message : String(error) } };
    }
    return reply.code(result.ok ? 200 : 503).send({ status: result.ok ? 'ok' : 'failed', ...result.details });
  };
  app.get('/healthz', probe(options.healthz));
  app.get('/livez', probe(options.healthz));
  app.get('/readyz', probe(options.readyz));
  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(body);
  });
  await app.listen({ host, port });
  const bound = app.server.address();
  const boundPort = bound !== null && typeof bound === 'object' ? bound.port : port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${boundPort}`,
    port: boundPort,
    close: () => app.close(),
  };
}

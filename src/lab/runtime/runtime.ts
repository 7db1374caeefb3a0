/**
 * The pod runtime: inside the lab's network namespace, where every pod IP is a local address, it answers HTTP on
 * each Running pod's IP and container ports as that pod (see server.ts), as a real workload would. One informer
 * watches the Running pods of every namespace; each change reconciles that pod (reconciler.ts). A loopback HTTP
 * server exposes the pods' request metrics at /metrics and the runtime's health at /healthz.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../../runtime/clock.ts';
import { Informer } from '../../runtime/informer.ts';
import type { KubeConnection } from '../../runtime/kubeconfig.ts';
import { objectKey } from '../../runtime/objects.ts';
import { KubeClient } from '../../runtime/rest.ts';
import { closeServer } from '../../util/http-server.ts';
import { isLoopbackHost } from '../guard.ts';
import { slimPod, type LabPod } from './desired.ts';
import { exposition } from './metrics.ts';
import { PodReconciler } from './reconciler.ts';
import { PodServer } from './server.ts';

export interface PodRuntimeOptions {
  connection: KubeConnection;
  /** Where /metrics and /healthz are served: a loopback address (the lab's bridge carries it to the host). */
  metricsAddress: { host: string; port: number };
  log: Logger;
  /** How long a pod that is gone keeps accepting connections. Default 5 s. */
  lingerMs?: number;
  /** Timers for lingering and injected latency. */
  clock?: Clock;
}

export interface PodRuntime {
  /** e.g. http://127.0.0.1:9100 (serving /metrics and /healthz). */
  metricsUrl: string;
  /** Pods with at least one listener, lingering ones included. */
  served(): number;
  /** Stops watching and closes every listener, connection and the metrics server. */
  stop(): Promise<void>;
}

export const defaultLingerMs = 5000;

export async function startPodRuntime(options: PodRuntimeOptions): Promise<PodRuntime> {
  const { host, port } = options.metricsAddress;
  if (!isLoopbackHost(host)) throw new Error(`pod runtime metrics address ${host}: not a loopback address; the runtime's metrics listen on loopback only`);
  const log = options.log.child({ component: 'pod-runtime' });
  const client = new KubeClient(options.connection, { userAgent: 'aviary-lab' });
  const server = new PodServer({ log, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  // Only Running pods are served, so only they are cached; a pod that stops running arrives as a deletion.
  const informer = new Informer<LabPod>(client, {
    resource: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
    fieldSelector: 'status.phase=Running',
    transform: slimPod,
    logger: log,
  });
  const reconciler = new PodReconciler({
    server,
    log,
    lingerMs: options.lingerMs ?? defaultLingerMs,
    getPod: (key) => informer.get(key),
  });
  informer.addEventHandler({
    onAdd: (pod) => {
      reconciler.enqueue(objectKey(pod));
    },
    onUpdate: (_old, pod) => {
      reconciler.enqueue(objectKey(pod));
    },
    onDelete: (pod) => {
      reconciler.enqueue(objectKey(pod));
    },
  });

  const metrics = createServer((req, res) => {
    serveMetrics(req, res, server, informer);
  });
  await new Promise<void>((resolve, reject) => {
    metrics.once('error', reject);
    metrics.listen({ host, port }, () => {
      metrics.off('error', reject);
      resolve();
    });
  });
  informer.start();
  log.info({ metrics: metricsUrl(metrics, host) }, 'pod runtime watching pods');

  return {
    metricsUrl: metricsUrl(metrics, host),
    served: () => server.podsServed(),
    stop: async () => {
      await informer.stop();
      reconciler.stop();
      await reconciler.idle();
      await server.stop();
      await closeServer(metrics);
      client.close();
    },
  };
}

function serveMetrics(req: IncomingMessage, res: ServerResponse, server: PodServer, informer: Informer<LabPod>): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': exposition.contentType }).end(server.renderMetrics());
  } else if (path === '/healthz') {
    const synced = informer.hasSynced();
    res.writeHead(synced ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(synced ? 'ok\n' : 'pods not listed yet\n');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: /metrics, /healthz\n');
  }
}

function metricsUrl(server: Server, host: string): string {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${String(port)}`;
}

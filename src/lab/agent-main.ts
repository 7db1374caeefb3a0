/**
 * The lab agent: the one Node process inside the lab's network namespace. It opens the lab's half of every bridge
 * (so the API server is reachable in here and the gateway's and its own ports out there), then runs the pod
 * runtime, which serves HTTP on every Running pod's IP. Arguments: the lab's layout file and a kubeconfig whose
 * server is the API server's loopback address (the bridge makes that address work in here).
 */
import { readFile } from 'node:fs/promises';
import { loadKubeConnection } from '../runtime/kubeconfig.ts';
import { createLogger } from '../runtime/logger.ts';
import { openBridges } from './bridge.ts';
import { isInsideLab } from './guard.ts';
import { halfBridges, type LabLayout } from './layout.ts';
import { startPodRuntime } from './runtime/runtime.ts';

const [layoutFile, kubeconfig] = process.argv.slice(2);
if (layoutFile === undefined || kubeconfig === undefined) throw new Error('usage: agent-main.ts <layout.json> <kubeconfig>');
// Pods' IPs are local addresses only in the lab: serving them anywhere else would be serving nothing, or worse.
if (!isInsideLab()) throw new Error('the lab agent must run inside the lab network namespace (ip netns exec aviary-lab ...)');
const layout = JSON.parse(await readFile(layoutFile, 'utf8')) as LabLayout;
const log = createLogger({ name: 'aviary-lab', pretty: false, level: process.env.AVIARY_LOG_LEVEL ?? 'info' });
const bridges = await openBridges(halfBridges(layout, 'lab'), (bridge, error) => {
  log.warn({ bridge, err: error }, 'bridge connection failed');
});
const runtime = await startPodRuntime({
  connection: loadKubeConnection({ kubeconfig }),
  metricsAddress: { host: '127.0.0.1', port: layout.lab.runtimeMetrics },
  log,
});
log.info({ metrics: runtime.metricsUrl }, 'lab agent running');

const stop = (): void => {
  setTimeout(() => process.exit(0), 2000).unref();
  void Promise.all([runtime.stop(), bridges.close()]).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

/**
 * Where everything of the traffic lab is: its network namespace, its files, and the ports bridged between the
 * host's loopback and the lab's. Pure: derived from the cluster's port block and state directory, so every command
 * (up, down, status, the tests) computes the same layout without asking a running process.
 */
import { join } from 'node:path';
import type { Ports } from '../cluster/components.ts';
import { podCidr } from '../cluster/components.ts';
import type { HalfBridge } from './bridge.ts';
import { labNetns } from './guard.ts';

/** A TCP port carried across the namespace boundary. `into`: a host port appears inside the lab; `out`: the reverse. */
export interface BridgedPort {
  name: string;
  direction: 'into' | 'out';
  hostPort: number;
  labPort: number;
  socket: string;
}

export interface LabLayout {
  netns: string;
  netnsPath: string;
  podCidr: string;
  dir: string;
  /** The layout as JSON, read by the processes the lab starts. */
  layoutFile: string;
  traefikConfig: string;
  traefikToken: string;
  caFile: string;
  logDir: string;
  runDir: string;
  /** Inside the lab: the gateway's entrypoint, its API (and ping), its metrics and the pod runtime's metrics. */
  lab: { gateway: number; gatewayApi: number; gatewayMetrics: number; runtimeMetrics: number; apiserver: number };
  bridges: BridgedPort[];
}

/** The lab's host ports sit ten above the cluster's block, clear of its six. */
const hostPortOffset = { gateway: 10, gatewayApi: 11, gatewayMetrics: 12, runtimeMetrics: 13 } as const;

export function labLayout(ports: Ports, clusterDir: string): LabLayout {
  const dir = join(clusterDir, 'lab');
  const sockets = join(dir, 'sockets');
  const base = ports.apiserver;
  const lab = { gateway: 8000, gatewayApi: 8081, gatewayMetrics: 8082, runtimeMetrics: 9100, apiserver: ports.apiserver };
  const out = (name: keyof typeof hostPortOffset): BridgedPort => ({
    name,
    direction: 'out',
    hostPort: base + hostPortOffset[name],
    labPort: lab[name],
    socket: join(sockets, `${name}.sock`),
  });
  return {
    netns: labNetns.name,
    netnsPath: labNetns.path,
    podCidr,
    dir,
    layoutFile: join(dir, 'layout.json'),
    traefikConfig: join(dir, 'traefik.yaml'),
    traefikToken: join(dir, 'gateway.token'),
    caFile: join(clusterDir, 'pki', 'apiserver.crt'),
    logDir: join(clusterDir, 'logs'),
    runDir: join(clusterDir, 'run'),
    lab,
    bridges: [
      // The API server appears inside the lab at the address it has on the host, so the admin kubeconfig works there too.
      { name: 'apiserver', direction: 'into', hostPort: ports.apiserver, labPort: ports.apiserver, socket: join(sockets, 'apiserver.sock') },
      out('gateway'),
      out('gatewayApi'),
      out('gatewayMetrics'),
      out('runtimeMetrics'),
    ],
  };
}

const loopback = '127.0.0.1';

/**
 * The half-bridges each side runs. Into the lab: the host listens on the socket and dials its own port, the lab
 * listens on the port and dials the socket. Out of the lab: the mirror image.
 */
export function halfBridges(layout: LabLayout, side: 'host' | 'lab'): HalfBridge[] {
  return layout.bridges.map((bridge) => {
    const port = side === 'host' ? bridge.hostPort : bridge.labPort;
    const tcp = { tcp: { host: loopback, port } };
    const unix = { unix: bridge.socket };
    const listensOnSocket = (bridge.direction === 'into') === (side === 'host');
    return { name: bridge.name, listen: listensOnSocket ? unix : tcp, connect: listensOnSocket ? tcp : unix };
  });
}

/** The host address of a bridged port, e.g. the gateway's entrypoint as the host reaches it. */
export function hostAddress(layout: LabLayout, name: string): string {
  const bridge = layout.bridges.find((b) => b.name === name);
  if (bridge === undefined) throw new Error(`the lab has no bridged port named ${name}`);
  return `${loopback}:${String(bridge.hostPort)}`;
}

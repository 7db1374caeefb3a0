/**
 * The lab's three long-running processes, as the cluster's processes are described: a host-side bridge, the lab
 * agent (the lab's half-bridges and the pod runtime, one Node process inside the namespace) and Traefik, also
 * inside. `ip netns exec` execs its program, so the pid it started runs that program: that is what a pid file is
 * checked against.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessSpec } from '../cluster/processes.ts';
import type { LabLayout } from './layout.ts';

export interface LabProcess extends ProcessSpec {
  /** A loopback URL on the host that answers 2xx once the process serves; it passes through the bridges. */
  healthUrl: string;
}

const nodeFlags = ['--no-warnings=ExperimentalWarning'];
const hostBridgeMain = fileURLToPath(new URL('./host-bridge-main.ts', import.meta.url));
const agentMain = fileURLToPath(new URL('./agent-main.ts', import.meta.url));

export function labProcesses(layout: LabLayout, traefik: string, kubeconfig: string): LabProcess[] {
  const spec = (name: string, fields: Omit<LabProcess, 'name' | 'logFile' | 'pidFile'>): LabProcess => ({
    name,
    logFile: join(layout.logDir, `${name}.log`),
    pidFile: join(layout.runDir, `${name}.pid`),
    ...fields,
  });
  const host = (port: string): string => `http://127.0.0.1:${String(layout.bridges.find((b) => b.name === port)?.hostPort ?? 0)}`;
  const env = { ...process.env };
  // Traefik prefers KUBECONFIG over its configured endpoint; the lab's gateway must use its own identity.
  delete env.KUBECONFIG;
  return [
    spec('lab-bridge', {
      binary: process.execPath,
      args: [...nodeFlags, hostBridgeMain, layout.layoutFile],
      identity: `src/lab/host-bridge-main.ts ${layout.layoutFile}`,
      // Answers only when the agent's half of the bridge is up too: the host half alone proves nothing.
      healthUrl: `${host('runtimeMetrics')}/healthz`,
    }),
    spec('lab-agent', {
      binary: 'ip',
      program: process.execPath,
      args: ['netns', 'exec', layout.netns, process.execPath, ...nodeFlags, '--max-semi-space-size=2', agentMain, layout.layoutFile, kubeconfig],
      identity: `src/lab/agent-main.ts ${layout.layoutFile}`,
      healthUrl: `${host('runtimeMetrics')}/healthz`,
    }),
    spec('traefik', {
      binary: 'ip',
      program: traefik,
      args: ['netns', 'exec', layout.netns, traefik, `--configFile=${layout.traefikConfig}`],
      env,
      healthUrl: `${host('gatewayApi')}/ping`,
    }),
  ];
}

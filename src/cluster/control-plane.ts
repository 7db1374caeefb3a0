import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { ensureBinaries, binaryPaths } from './build.ts';
import { components, portsFrom, type Component, type Layout, type Ports } from './components.ts';
import { ensureCredentials, kubeconfigYaml } from './credentials.ts';
import { tailFile } from './exec.ts';
import { ensureNodes, waitForClusterReady } from './nodes.ts';
import { kubeconfigPath, stateDir } from './paths.ts';
import { probe } from './probe.ts';
import { isAlive, isPortFree, runningPid, startDetached, stopProcess, untilPortsFree, writePid } from './processes.ts';

export const defaultPortBase = 16440;

export interface UpOptions {
  nodes: number;
  progress: (message: string) => void;
}

export interface UpResult {
  kubeconfig: string;
  started: string[];
  elapsedMs: number;
}

function layout(): Layout {
  const dir = stateDir();
  return { dir, kubeconfig: kubeconfigPath(), certDir: join(dir, 'pki') };
}

/** The port block is fixed when the cluster is first created, so later commands find it whatever the environment. */
async function ports(dir: string): Promise<Ports> {
  const file = join(dir, 'cluster.json');
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { ports: Ports }).ports;
  } catch {
    const raw = process.env.AVIARY_CLUSTER_PORT_BASE;
    const base = raw === undefined ? defaultPortBase : Number.parseInt(raw, 10);
    if (!Number.isInteger(base) || base < 1024 || base > 65000) {
      throw new ExitError(`AVIARY_CLUSTER_PORT_BASE must be a port number between 1024 and 65000, got "${raw ?? ''}"`, ExitCode.usage);
    }
    return portsFrom(base);
  }
}

/**
 * Starts whatever part of the local cluster is not running yet, in dependency order, and waits until the API
 * serves, the nodes are Ready and the default ServiceAccount exists. Running it again is harmless.
 */
export async function up(options: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const bins = await ensureBinaries(options.progress);
  const lay = layout();
  for (const sub of ['logs', 'run', 'pki', 'etcd']) await mkdir(join(lay.dir, sub), { recursive: true, mode: 0o700 });
  const creds = await ensureCredentials(lay.dir);
  const portBlock = await ports(lay.dir);
  await writeFile(join(lay.dir, 'cluster.json'), JSON.stringify({ ports: portBlock }, null, 2));

  const startedNames: string[] = [];
  for (const component of components(bins, portBlock, lay, creds)) {
    if ((await runningPid(component)) !== undefined) continue;
    if (!(await isPortFree(component.port))) {
      throw new ExitError(
        `port ${component.port} (${component.name}) is in use by another process. Stop that process, or run ` +
          `\`aviary cluster down\` and set AVIARY_CLUSTER_PORT_BASE to another free block of 6 ports.`,
        ExitCode.usage,
      );
    }
    options.progress(`starting ${component.name}`);
    const pid = startDetached(component);
    await writePid(component, pid);
    await waitHealthy(component, pid, creds.adminToken);
    startedNames.push(component.name);
    if (component.name === 'kube-apiserver') await writeKubeconfig(lay, portBlock, creds.adminToken);
  }
  await writeKubeconfig(lay, portBlock, creds.adminToken);
  await ensureNodes(lay.kubeconfig, options.nodes);
  await waitForClusterReady(lay.kubeconfig, options.nodes);
  return { kubeconfig: lay.kubeconfig, started: startedNames, elapsedMs: Date.now() - started };
}

async function writeKubeconfig(lay: Layout, portBlock: Ports, token: string): Promise<void> {
  const ca = await readFile(join(lay.certDir, 'apiserver.crt'), 'utf8');
  await writeFile(lay.kubeconfig, kubeconfigYaml(`https://127.0.0.1:${portBlock.apiserver}`, ca, token), { mode: 0o600 });
}

async function waitHealthy(component: Component, pid: number, token: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new ExitError(`${component.name} exited during start-up.\n--- last lines of ${component.logFile} ---\n${await tailFile(component.logFile)}`);
    }
    const result = await probe(component.healthUrl, component.authenticated ? token : undefined);
    if (result.ok) return;
    last = result.error ?? `HTTP ${result.status ?? 0}: ${(result.body ?? '').slice(-300)}`;
    await sleep(100);
  }
  throw new ExitError(
    `${component.name} did not become healthy within ${timeoutMs / 1000} s (${component.healthUrl}: ${last}).\n` +
      `--- last lines of ${component.logFile} ---\n${await tailFile(component.logFile)}`,
  );
}

/** Stops every component this cluster started, in reverse order, and waits until their ports are free. */
export async function down(progress: (message: string) => void): Promise<string[]> {
  const lay = layout();
  const creds = { serviceAccountKeyFile: '', tokenFile: '', adminToken: '' };
  const all = components(binaryPaths(), await ports(lay.dir), lay, creds).reverse();
  const stopped: string[] = [];
  for (const component of all) {
    if (await stopProcess(component)) {
      progress(`stopped ${component.name}`);
      stopped.push(component.name);
    }
  }
  await untilPortsFree(all.map((component) => component.port));
  return stopped;
}

export interface ComponentStatus {
  name: string;
  pid?: number;
  running: boolean;
  healthy: boolean;
  port: number;
  detail: string;
  logFile: string;
}

export async function status(): Promise<{ components: ComponentStatus[]; kubeconfig: string }> {
  const lay = layout();
  let token = '';
  try {
    token = (await readFile(join(lay.dir, 'tokens.csv'), 'utf8')).split(',')[0] ?? '';
  } catch {
    // Never started: every component reports stopped.
  }
  const creds = { serviceAccountKeyFile: '', tokenFile: '', adminToken: token };
  const result: ComponentStatus[] = [];
  for (const component of components(binaryPaths(), await ports(lay.dir), lay, creds)) {
    const pid = await runningPid(component);
    if (pid === undefined) {
      const hadStarted = await tailFile(component.logFile, 1);
      const detail = hadStarted.startsWith('(no log') ? 'not started' : `not running; last log line: ${hadStarted}`;
      result.push({ name: component.name, running: false, healthy: false, port: component.port, detail, logFile: component.logFile });
      continue;
    }
    const health = await probe(component.healthUrl, component.authenticated ? token : undefined);
    const detail = health.ok ? 'healthy' : `unhealthy: ${health.error ?? `HTTP ${health.status ?? 0}`}`;
    result.push({ name: component.name, pid, running: true, healthy: health.ok, port: component.port, detail, logFile: component.logFile });
  }
  return { components: result, kubeconfig: lay.kubeconfig };
}

/** The local cluster's port block (fixed when it was first created). */
export function clusterPorts(): Promise<Ports> {
  return ports(layout().dir);
}

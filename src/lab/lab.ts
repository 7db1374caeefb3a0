/**
 * The traffic lab's life cycle: `up` builds the gateway (first run only), creates the network namespace, installs
 * the gateway's CRDs, identity, GatewayClass, Gateway and IngressClass, and starts the three lab processes;
 * `down` stops them and removes the namespace and the sockets; `status` reports each part and every bridged port.
 * See docs/lab.md for the picture.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import type { CustomResourceDefinition } from '../api/crd.ts';
import { clusterPorts, type ComponentStatus } from '../cluster/control-plane.ts';
import { tailFile } from '../cluster/exec.ts';
import { stateDir } from '../cluster/paths.ts';
import { probe } from '../cluster/probe.ts';
import { isAlive, isPortFree, runningPid, startDetached, stopProcess, untilPortsFree, writePid } from '../cluster/processes.ts';
import { applyObjects, installCrds } from '../install/apply.ts';
import { loadKubeConnection } from '../runtime/kubeconfig.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { KubeClient, resourcePath } from '../runtime/rest.ts';
import { ExitError, ExitCode } from '../util/exit-codes.ts';
import { ensureGateway, gatewayPaths } from './gateway-build.ts';
import { gatewayObjects, gatewayTokenSecret, labNamespace, sharedGateway, traefikConfig } from './gateway-objects.ts';
import { assertDialable } from './guard.ts';
import { hostAddress, labLayout, type LabLayout } from './layout.ts';
import { assertCanCreateNetns, createNetns, deleteNetns, netnsExists } from './netns.ts';
import { labProcesses, type LabProcess } from './processes.ts';

export async function currentLayout(): Promise<LabLayout> {
  return labLayout(await clusterPorts(), stateDir());
}

export interface LabUpOptions {
  kubeconfig: string;
  progress: (message: string) => void;
  signal?: AbortSignal;
}

export async function labUp(options: LabUpOptions): Promise<LabReport> {
  const { progress } = options;
  await assertCanCreateNetns();
  const gateway = await ensureGateway(progress);
  const layout = await currentLayout();
  await mkdir(join(layout.dir, 'sockets'), { recursive: true, mode: 0o700 });
  await writeFile(layout.layoutFile, JSON.stringify(layout, null, 2));
  if (await createNetns(layout.netns, layout.netnsPath, layout.podCidr)) progress(`created network namespace ${layout.netns} with ${layout.podCidr} on its loopback`);

  const client = new KubeClient(loadKubeConnection({ kubeconfig: options.kubeconfig }), { userAgent: 'aviary-lab' });
  try {
    const crds = [...(await yamlObjects(gateway.gatewayApiCrds)), ...(await yamlObjects(gateway.traefikCrds))] as CustomResourceDefinition[];
    const created = await installCrds(client, crds, options.signal === undefined ? {} : { signal: options.signal });
    if (created.length > 0) progress(`installed ${String(created.length)} Gateway API and Traefik CRDs`);
    await applyObjects(client, gatewayObjects(layout), options.signal === undefined ? {} : { signal: options.signal });
    // Written without a trailing newline: Traefik sends the file's bytes as the Authorization header.
    await writeFile(layout.traefikToken, await serviceAccountToken(client, options.signal), { mode: 0o600 });
    await writeFile(layout.traefikConfig, traefikConfig(layout));

    for (const proc of labProcesses(layout, gateway.traefik, options.kubeconfig)) {
      if ((await runningPid(proc)) !== undefined) continue;
      if (proc.name === 'lab-bridge') await assertHostPortsFree(layout);
      progress(`starting ${proc.name}`);
      const pid = startDetached(proc);
      await writePid(proc, pid);
      // The host bridge answers its health URL only once the agent is up behind it.
      if (proc.name !== 'lab-bridge') await waitHealthy(proc, pid);
    }
    await waitForGateway(client, options.signal);
  } finally {
    client.close();
  }
  progress(`traffic lab ready: gateway at http://${hostAddress(layout, 'gateway')}`);
  return labStatus();
}

export async function labDown(progress: (message: string) => void): Promise<string[]> {
  const layout = await currentLayout();
  const stopped: string[] = [];
  for (const proc of labProcesses(layout, gatewayPaths().traefik, '').reverse()) {
    if (await stopProcess(proc)) {
      progress(`stopped ${proc.name}`);
      stopped.push(proc.name);
    }
  }
  if (await deleteNetns(layout.netns, layout.netnsPath)) {
    progress(`deleted network namespace ${layout.netns}`);
    stopped.push(`netns ${layout.netns}`);
  }
  await rm(join(layout.dir, 'sockets'), { recursive: true, force: true });
  await untilPortsFree(layout.bridges.filter((b) => b.direction === 'out').map((b) => b.hostPort));
  return stopped;
}

/** A lab process as `cluster status` reports the control plane's, without a port: its health URL is a bridge's. */
export type LabComponentStatus = Omit<ComponentStatus, 'port'>;

export interface LabBridgeStatus {
  name: string;
  direction: 'into' | 'out';
  /** Where the host reaches it (out) or where it comes from (into). */
  host: string;
  /** Its address inside the lab. */
  lab: string;
}

export interface LabReport {
  /** The namespace exists (the lab was brought up and not taken down). */
  present: boolean;
  netns: string;
  components: LabComponentStatus[];
  bridges: LabBridgeStatus[];
  gatewayUrl: string;
}

export async function labStatus(): Promise<LabReport> {
  const layout = await currentLayout();
  const components: LabComponentStatus[] = [];
  for (const proc of labProcesses(layout, gatewayPaths().traefik, '')) {
    const pid = await runningPid(proc);
    if (pid === undefined) {
      components.push({ name: proc.name, running: false, healthy: false, detail: 'not running', logFile: proc.logFile });
      continue;
    }
    const health = await labProbe(proc);
    components.push({ name: proc.name, pid, running: true, healthy: health.ok, detail: health.ok ? 'healthy' : `unhealthy: ${health.error ?? `HTTP ${String(health.status ?? 0)}`}`, logFile: proc.logFile });
  }
  return {
    present: await netnsExists(layout.netnsPath),
    netns: layout.netns,
    components,
    bridges: layout.bridges.map((b) => ({ name: b.name, direction: b.direction, host: `127.0.0.1:${String(b.hostPort)}`, lab: `127.0.0.1:${String(b.labPort)}` })),
    gatewayUrl: `http://${hostAddress(layout, 'gateway')}`,
  };
}

/** A lab process's health, through its bridge: a loopback URL, which the network rule checks before dialling. */
function labProbe(proc: LabProcess): ReturnType<typeof probe> {
  assertDialable(new URL(proc.healthUrl).hostname, `health probe of ${proc.name}`);
  return probe(proc.healthUrl);
}

async function yamlObjects(dir: string): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const file of (await readdir(dir)).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj !== null) objects.push(obj);
    }
  }
  return objects;
}

async function assertHostPortsFree(layout: LabLayout): Promise<void> {
  for (const bridge of layout.bridges.filter((b) => b.direction === 'out')) {
    if (!(await isPortFree(bridge.hostPort))) {
      throw new ExitError(`port ${String(bridge.hostPort)} (the lab's ${bridge.name} bridge) is in use by another process; stop it, or run \`aviary cluster down\` and set AVIARY_CLUSTER_PORT_BASE to another free block`, ExitCode.usage);
    }
  }
}

interface TokenSecret {
  data?: { token?: string };
}

/** The gateway's token, once the token controller has filled the Secret (it does so within moments). */
async function serviceAccountToken(client: KubeClient, signal: AbortSignal | undefined): Promise<string> {
  const path = resourcePath('v1', 'secrets', labNamespace, gatewayTokenSecret);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const secret = await client.get<TokenSecret>(path, undefined, signal);
    const token = secret.data?.token;
    if (token !== undefined && token !== '') return Buffer.from(token, 'base64').toString('utf8');
    if (Date.now() > deadline) throw new Error(`Secret ${labNamespace}/${gatewayTokenSecret} got no token within 30 s: is kube-controller-manager running?`);
    await sleep(100, undefined, signal === undefined ? {} : { signal });
  }
}

async function waitHealthy(proc: LabProcess, pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new ExitError(`${proc.name} exited during start-up.\n--- last lines of ${proc.logFile} ---\n${await tailFile(proc.logFile)}`);
    const result = await labProbe(proc);
    if (result.ok) return;
    last = result.error ?? `HTTP ${String(result.status ?? 0)}`;
    await sleep(100);
  }
  throw new ExitError(`${proc.name} did not become healthy within ${String(timeoutMs / 1000)} s (${proc.healthUrl}: ${last}).\n--- last lines of ${proc.logFile} ---\n${await tailFile(proc.logFile)}`);
}

interface GatewayStatus {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

async function waitForGateway(client: KubeClient, signal: AbortSignal | undefined, timeoutMs = 60_000): Promise<void> {
  const path = resourcePath('gateway.networking.k8s.io/v1', 'gateways', sharedGateway.namespace, sharedGateway.name);
  const deadline = Date.now() + timeoutMs;
  let conditions = '';
  while (Date.now() < deadline) {
    const gateway = await client.get<GatewayStatus>(path, undefined, signal);
    const list = gateway.status?.conditions ?? [];
    if (list.some((c) => c.type === 'Programmed' && c.status === 'True')) return;
    conditions = list.map((c) => `${c.type}=${c.status}${c.message === undefined ? '' : ` (${c.message})`}`).join(', ');
    await sleep(100, undefined, signal === undefined ? {} : { signal });
  }
  throw new ExitError(`Gateway ${sharedGateway.namespace}/${sharedGateway.name} was not Programmed within ${String(timeoutMs / 1000)} s: ${conditions === '' ? 'no conditions' : conditions}`);
}

import { ApiException, CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitError } from '../util/exit-codes.ts';

export function nodeName(index: number): string {
  return `aviary-node-${index}`;
}

/** A fake node for KWOK to keep Ready: generous capacity so benchmarks can schedule thousands of pods. */
export function fakeNode(index: number): V1Node {
  const resources = { cpu: '64', memory: '512Gi', pods: '2000', 'ephemeral-storage': '1Ti' };
  const name = nodeName(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': `zone-${String.fromCharCode(96 + ((index - 1) % 3) + 1)}`,
        type: 'kwok',
      },
    },
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        bootID: '',
        machineID: '',
        systemUUID: '',
        kernelVersion: '',
        osImage: '',
        containerRuntimeVersion: '',
      },
      phase: 'Running',
    },
  };
}

export function loadKubeconfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** Creates the fake nodes that are missing; nodes beyond the requested count are left alone. */
export async function ensureNodes(kubeconfig: string, count: number): Promise<void> {
  const core = loadKubeconfig(kubeconfig).makeApiClient(CoreV1Api);
  for (let i = 1; i <= count; i++) {
    try {
      await core.createNode({ body: fakeNode(i) });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409)) throw error;
    }
  }
}

/** Waits until every fake node is Ready (KWOK took it over) and the default ServiceAccount exists. */
export async function waitForClusterReady(kubeconfig: string, count: number, timeoutMs = 60_000): Promise<void> {
  const core = loadKubeconfig(kubeconfig).makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let waitingFor = '';
  while (Date.now() < deadline) {
    waitingFor = await firstMissing(core, count);
    if (waitingFor === '') return;
    await sleep(100);
  }
  throw new ExitError(`the local cluster did not become ready within ${timeoutMs / 1000} s: still waiting for ${waitingFor}. See \`aviary cluster status\`.`);
}

async function firstMissing(core: CoreV1Api, count: number): Promise<string> {
  try {
    const nodes = await core.listNode();
    for (let i = 1; i <= count; i++) {
      const node = nodes.items.find((n) => n.metadata?.name === nodeName(i));
      const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (!ready) return `node ${nodeName(i)} to be Ready`;
    }
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    return '';
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return 'the default ServiceAccount in namespace default';
    return `the API (${error instanceof Error ? error.message : String(error)})`;
  }
}

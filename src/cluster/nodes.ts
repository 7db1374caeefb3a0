import { setTimeout as sleep } from 'node:timers/promises';
import type { Node } from '../api/kubernetes.ts';
import { loadKubeConnection } from '../runtime/kubeconfig.ts';
import { isApiError, isNotFound, KubeClient, resourcePath } from '../runtime/rest.ts';
import { ExitError } from '../util/exit-codes.ts';

export function nodeName(index: number): string {
  return `aviary-node-${index}`;
}

/** A fake node for KWOK to keep Ready: generous capacity so benchmarks can schedule thousands of pods. */
export function fakeNode(index: number): Node {
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

/** A client for the local cluster's admin kubeconfig. */
function clusterClient(kubeconfig: string): KubeClient {
  return new KubeClient(loadKubeConnection({ kubeconfig }), { userAgent: 'aviary-cluster', requestTimeoutMs: 15_000 });
}

const nodesPath = resourcePath('v1', 'nodes');

/** Creates the fake nodes that are missing; nodes beyond the requested count are left alone. */
export async function ensureNodes(kubeconfig: string, count: number): Promise<void> {
  const client = clusterClient(kubeconfig);
  try {
    for (let i = 1; i <= count; i++) {
      try {
        await client.create(nodesPath, fakeNode(i));
      } catch (error) {
        if (!isApiError(error, 409)) throw error;
      }
    }
  } finally {
    client.close();
  }
}

/** Waits until every fake node is Ready (KWOK took it over) and the default ServiceAccount exists. */
export async function waitForClusterReady(kubeconfig: string, count: number, timeoutMs = 60_000): Promise<void> {
  const client = clusterClient(kubeconfig);
  const deadline = Date.now() + timeoutMs;
  let waitingFor = '';
  try {
    while (Date.now() < deadline) {
      waitingFor = await firstMissing(client, count);
      if (waitingFor === '') return;
      await sleep(100);
    }
  } finally {
    client.close();
  }
  throw new ExitError(`the local cluster did not become ready within ${timeoutMs / 1000} s: still waiting for ${waitingFor}. See \`aviary cluster status\`.`);
}

async function firstMissing(client: KubeClient, count: number): Promise<string> {
  try {
    const nodes = await client.get<{ items: Node[] }>(nodesPath);
    for (let i = 1; i <= count; i++) {
      const node = nodes.items.find((n) => n.metadata?.name === nodeName(i));
      const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (!ready) return `node ${nodeName(i)} to be Ready`;
    }
    await client.get(resourcePath('v1', 'serviceaccounts', 'default', 'default'));
    return '';
  } catch (error) {
    if (isNotFound(error)) return 'the default ServiceAccount in namespace default';
    return `the API (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * Local cluster benchmark: how long `cluster up` takes with cached binaries (with --restart: stops the cluster
 * first, so do not run it while tests use the cluster), and how long a 3-replica Deployment takes from creation
 * to Available. Prints figures; asserts nothing.
 *
 *   node bench/cluster.ts [--restart] [--deployments 20]
 */
import { AppsV1Api, CoreV1Api, Watch, type V1Deployment } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { down, up } from '../src/cluster/control-plane.ts';
import { kubeConfig } from '../test/support/kube.ts';
import { formatSummary } from './stats.ts';

const { values } = parseArgs({ options: { restart: { type: 'boolean', default: false }, deployments: { type: 'string', default: '20' } } });
const quiet = (): void => undefined;

if (values.restart) {
  await down(quiet);
  const result = await up({ nodes: 3, progress: quiet });
  console.log(`cluster up (binaries cached, from stopped): ${(result.elapsedMs / 1000).toFixed(1)} s`);
}
const { kubeconfig } = await up({ nodes: 3, progress: quiet });
const kc = kubeConfig(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const namespace = `bench-cluster-${Date.now().toString(36)}`;
await core.createNamespace({ body: { metadata: { name: namespace } } });

const createdAt = new Map<string, number>();
const availableAfter: number[] = [];
const count = Number(values.deployments);
let resolveAll: () => void = quiet;
const allAvailable = new Promise<void>((resolve) => (resolveAll = resolve));
const watch = await new Watch(kc).watch(`/apis/apps/v1/namespaces/${namespace}/deployments`, {}, (_type, d: V1Deployment) => {
  const name = d.metadata?.name ?? '';
  const started = createdAt.get(name);
  const available = d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true && d.status.availableReplicas === 3;
  if (started !== undefined && available) {
    availableAfter.push(performance.now() - started);
    createdAt.delete(name);
    if (availableAfter.length === count) resolveAll();
  }
}, quiet);

for (let i = 0; i < count; i++) {
  const name = `web-${i}`;
  createdAt.set(name, performance.now());
  await apps.createNamespacedDeployment({ namespace, body: {
    metadata: { name },
    spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
  } });
  await new Promise((r) => setTimeout(r, 200));
}
await allAvailable;
watch.abort();
console.log(formatSummary('3-replica Deployment, create → Available', availableAfter));
await core.deleteNamespace({ name: namespace });

import { randomBytes } from 'node:crypto';
import { ApiException, CoreV1Api, KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { kubeConfig } from './kube.ts';
import { waitFor, type WaitOptions } from './wait.ts';

/** Kinds whose objects a failing test prints by default. */
const defaultDumpKinds: [apiVersion: string, kind: string][] = [
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'ReplicaSet'],
  ['v1', 'Pod'],
  ['v1', 'Service'],
  ['batch/v1', 'Job'],
];

/**
 * A namespace of one's own for a test: created (with its default ServiceAccount ready, so pods can be created)
 * and deleted afterwards. `explain()` renders what a failing test needs to see: objects, status and events.
 */
export class TestNamespace {
  readonly name: string;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly dumpKinds: [string, string][];

  constructor(prefix: string, dumpKinds: [string, string][] = defaultDumpKinds) {
    this.name = `${prefix}-${randomBytes(3).toString('hex')}`;
    this.kc = kubeConfig();
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.dumpKinds = dumpKinds;
  }

  async create(): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: this.name, labels: { 'aviary.dev/test': 'true' } } } });
    await waitFor(`the default ServiceAccount in ${this.name}`, () =>
      this.core.readNamespacedServiceAccount({ name: 'default', namespace: this.name }).then(() => true),
    );
  }

  async delete(): Promise<void> {
    try {
      await this.core.deleteNamespace({ name: this.name });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
  }

  /** waitFor with this namespace's objects and events appended to the timeout error. */
  waitFor<T>(description: string, check: () => Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
    return waitFor(description, check, { explain: () => this.explain(), ...options });
  }

  async explain(): Promise<string> {
    const api = KubernetesObjectApi.makeApiClient(this.kc);
    const parts: string[] = [`--- namespace ${this.name} ---`];
    for (const [apiVersion, kind] of this.dumpKinds) {
      try {
        const list = await api.list(apiVersion, kind, this.name);
        for (const item of list.items) parts.push(renderObject(item));
      } catch (error) {
        parts.push(`(could not list ${kind}: ${error instanceof Error ? error.message : String(error)})`);
      }
    }
    const events = await this.core.listNamespacedEvent({ namespace: this.name });
    const sorted = events.items.sort((a, b) => eventTime(a) - eventTime(b)).slice(-40);
    parts.push('--- events ---');
    for (const e of sorted) {
      parts.push(`${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}: ${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (x${e.count ?? 1})` : ''}`);
    }
    return parts.join('\n');
  }
}

function renderObject(obj: KubernetesObject & { spec?: unknown; status?: unknown }): string {
  const { kind, metadata } = obj;
  return `${kind ?? ''}/${metadata?.name ?? ''}\n${stringify({ labels: metadata?.labels, status: obj.status }).replace(/^/gm, '  ')}`;
}

function eventTime(e: { lastTimestamp?: Date | string; eventTime?: Date | string; metadata: { creationTimestamp?: Date | string } }): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
}

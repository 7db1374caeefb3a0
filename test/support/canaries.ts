/**
 * Canaries as the e2e tests read and drive them: the Canary object, its target and primary Deployments, and a
 * load tester (Aviary's, in this process on loopback) whose gates the Canaries' webhooks ask.
 */
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import type { Canary } from '../../src/api/canary.ts';
import { aviaryGroup, type ApiGroup } from '../../src/api/groups.ts';
import { startLoadTester, type LoadTester } from '../../src/canary/loadtester.ts';
import type { TestNamespace } from './namespace.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class Canaries {
  readonly ns: TestNamespace;
  readonly objects: CustomObjectsApi;
  readonly apps: AppsV1Api;
  readonly #group: ApiGroup;

  constructor(ns: TestNamespace, group: ApiGroup = aviaryGroup) {
    this.ns = ns;
    this.#group = group;
    this.objects = ns.kc.makeApiClient(CustomObjectsApi);
    this.apps = ns.kc.makeApiClient(AppsV1Api);
  }

  async get(name: string): Promise<Canary> {
    return (await this.objects.getNamespacedCustomObject({ group: this.#group.name, version: this.#group.version, plural: 'canaries', namespace: this.ns.name, name })) as Canary;
  }

  async waitFor(name: string, description: string, predicate: (c: Canary) => boolean, timeoutMs = 90_000): Promise<Canary> {
    return this.ns.waitFor(`Canary ${name}: ${description}`, async () => {
      const canary = await this.get(name);
      return predicate(canary) ? canary : undefined;
    }, { timeoutMs });
  }

  /** Waits for a phase, remembering every phase seen on the way (in order, without repeats). */
  async waitForPhase(name: string, phase: string, seen: string[] = [], timeoutMs = 90_000): Promise<Canary> {
    return this.waitFor(name, `phase ${phase} (seen: ${seen.join(' → ')})`, (c) => {
      const now = c.status?.phase ?? '';
      if (now !== '' && seen.at(-1) !== now) seen.push(now);
      return now === phase;
    }, timeoutMs);
  }

  /** Waits until `messages()` (the controller's Events so far) holds `message`: Events follow the status write they belong to. */
  async untilEvent(messages: () => readonly string[], message: string): Promise<void> {
    await this.ns.waitFor(`the Event "${message}" in:\n${messages().join('\n')}`, () => Promise.resolve(messages().includes(message) ? true : undefined));
  }

  /** Sets annotations on the Canary (a person's request, as `aviary promote|abort|retry|pause` writes them). */
  async patchCanaryAnnotations(name: string, annotations: Record<string, string>): Promise<void> {
    await this.objects.patchNamespacedCustomObject({ group: this.#group.name, version: this.#group.version, plural: 'canaries', namespace: this.ns.name, name, body: { metadata: { annotations } } }, mergePatch);
  }

  /** Waits until `read` fails: the object it reads is gone (deleted, or garbage-collected). */
  async untilGone(description: string, read: () => Promise<unknown>): Promise<void> {
    await this.ns.waitFor(description, () => read().then(() => undefined, () => true));
  }

  async deployment(name: string): Promise<V1Deployment> {
    return this.apps.readNamespacedDeployment({ name, namespace: this.ns.name });
  }

  async patchDeployment(name: string, body: Record<string, unknown>): Promise<void> {
    await this.apps.patchNamespacedDeployment({ name, namespace: this.ns.name, body }, mergePatch);
  }

  /** Changes the image of the target's first container: a new release. */
  async setImage(name: string, image: string): Promise<void> {
    const deployment = await this.deployment(name);
    const container = deployment.spec?.template.spec?.containers[0]?.name ?? 'app';
    await this.apps.patchNamespacedDeployment({
      name, namespace: this.ns.name,
      body: { spec: { template: { spec: { containers: [{ name: container, image }] } } } },
    }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
  }
}

/** Aviary's load tester on a free loopback port. */
export function startTestLoadTester(): Promise<LoadTester> {
  return startLoadTester('127.0.0.1', 0);
}

/** A Canary's target as the tests write it: a 2-replica Deployment `app: NAME` running lab/echo:v1. */
export function canaryTarget(name: string, options: { configMap?: string } = {}): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: "lab/echo:v1"
${options.configMap === undefined ? '' : `          envFrom: [{ configMapRef: { name: ${options.configMap} } }]`}
`;
}

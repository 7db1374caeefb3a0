import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1ReplicaSet } from '@kubernetes/client-node';
import type { Rollout } from '../../src/api/rollout.ts';
import type { TestNamespace } from './namespace.ts';

const group = 'aviary.dev';
const version = 'v1alpha1';
const plural = 'rollouts';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Reads and steers Rollouts in a test namespace the way users and tools do: through the API, by patches. */
export class Rollouts {
  readonly ns: TestNamespace;
  readonly objects: CustomObjectsApi;
  readonly apps: AppsV1Api;

  constructor(ns: TestNamespace) {
    this.ns = ns;
    this.objects = ns.kc.makeApiClient(CustomObjectsApi);
    this.apps = ns.kc.makeApiClient(AppsV1Api);
  }

  async get(name: string): Promise<Rollout> {
    return (await this.objects.getNamespacedCustomObject({ group, version, plural, namespace: this.ns.name, name })) as Rollout;
  }

  async patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.objects.patchNamespacedCustomObject({ group, version, plural, namespace: this.ns.name, name, body: { spec } }, mergePatch);
  }

  async patchStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await this.objects.patchNamespacedCustomObjectStatus({ group, version, plural, namespace: this.ns.name, name, body: { status } }, mergePatch);
  }

  async setImage(name: string, image: string): Promise<void> {
    const rollout = await this.get(name);
    const template = structuredClone(rollout.spec.template ?? {});
    const spec = template.spec as { containers: { image?: string }[] };
    for (const c of spec.containers) c.image = image;
    await this.patchSpec(name, { template });
  }

  /** promote as the reference defines it: clear the pause conditions and unpause. */
  /** As `aviary promote` does it: the pause conditions cleared, and spec.paused lifted only when set. */
  async promote(name: string): Promise<void> {
    const manuallyPaused = (await this.get(name)).spec.paused === true;
    await this.patchStatus(name, { pauseConditions: null });
    if (manuallyPaused) await this.patchSpec(name, { paused: false });
  }

  async replicaSets(name: string): Promise<V1ReplicaSet[]> {
    const rollout = await this.get(name);
    const list = await this.apps.listNamespacedReplicaSet({ namespace: this.ns.name });
    return list.items
      .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === rollout.metadata.uid) === true)
      .sort((a, b) => Number(a.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? 0) - Number(b.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? 0));
  }

  /** spec.replicas per pod template hash. */
  async counts(name: string): Promise<Record<string, number>> {
    return Object.fromEntries((await this.replicaSets(name)).map((rs) => [rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '', rs.spec?.replicas ?? 0]));
  }

  /** Waits until the Rollout's status satisfies the predicate (after the controller observed the latest spec). */
  async waitFor(name: string, description: string, predicate: (r: Rollout) => boolean, timeoutMs = 60_000): Promise<Rollout> {
    return this.ns.waitFor(`Rollout ${name}: ${description}`, async () => {
      const rollout = await this.get(name);
      const observed = rollout.status?.observedGeneration === String(rollout.metadata.generation ?? '');
      return observed && predicate(rollout) ? rollout : undefined;
    }, { timeoutMs });
  }

  waitForPhase(name: string, phase: string, timeoutMs = 60_000): Promise<Rollout> {
    return this.waitFor(name, `phase ${phase}`, (r) => r.status?.phase === phase, timeoutMs);
  }
}

export function canaryManifest(name: string, options: { replicas?: number; steps?: unknown[]; image?: string; extra?: string } = {}): string {
  return `
apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata: { name: ${name} }
spec:
  replicas: ${options.replicas ?? 1}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: app, image: "${options.image ?? 'app:1'}" }] }
  strategy:
    canary:
      steps: ${JSON.stringify(options.steps ?? [{ setWeight: 50 }, { pause: {} }])}
${options.extra ?? ''}`;
}

/** A blue-green Rollout with its active and preview Services; `strategy` adds lines under `blueGreen:` (6 spaces). */
export function blueGreenManifest(name: string, strategy: string, options: { replicas?: number } = {}): string {
  return `
apiVersion: v1
kind: Service
metadata: { name: ${name}-active }
spec: { selector: { app: ${name} }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ${name}-preview }
spec: { selector: { app: ${name} }, ports: [{ port: 80 }] }
---
apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata: { name: ${name} }
spec:
  replicas: ${options.replicas ?? 3}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: app, image: "app:1" }] }
  strategy:
    blueGreen:
      activeService: ${name}-active
      previewService: ${name}-preview
${strategy}`;
}

/** The canary's and stable's Services of a traffic-routed example: `<app>-stable` and `<app>-canary`, both over the app. */
export function routedServices(app: string): string {
  return ['stable', 'canary'].map((role) => `
apiVersion: v1
kind: Service
metadata: { name: ${app}-${role} }
spec: { selector: { app: ${app} }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
`).join('---');
}

/**
 * A traffic-routed canary of 4 lab pods (lab/echo:v1) with the Services of routedServices; `routing` and `steps`
 * are YAML indented to go under trafficRouting: and steps:. Scale-down delays are 2 s so that tests end soon.
 */
export function routedCanaryManifest(name: string, routing: string, steps: string, group = 'aviary.dev'): string {
  return `
apiVersion: ${group}/v1alpha1
kind: Rollout
metadata: { name: ${name} }
spec:
  replicas: 4
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{ name: app, image: "lab/echo:v1", ports: [{ containerPort: 8080 }] }]
  strategy:
    canary:
      canaryService: ${name}-canary
      stableService: ${name}-stable
      scaleDownDelaySeconds: 2
      abortScaleDownDelaySeconds: 2
      trafficRouting:
${routing}
      steps:
${steps}
`;
}

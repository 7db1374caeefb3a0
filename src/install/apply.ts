/**
 * Applying an install and waiting for its CRDs to be usable. Shared by `aviary install`, `aviary demo`, the e2e tests
 * and the benchmarks: one way to install CRDs and know they are served.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CustomResourceDefinition } from '../api/crd.ts';
import { Applier } from '../runtime/apply.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { isNotFound, resourcePath, type KubeClient } from '../runtime/rest.ts';

export const fieldManager = 'aviary';

const clusterScoped = new Set(['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding']);

/** `Kind name` (namespace/name for namespaced kinds), for progress lines. */
export function describeObject(obj: KubeObject, namespace?: string): string {
  const ns = clusterScoped.has(obj.kind ?? '') ? undefined : (obj.metadata?.namespace ?? namespace);
  return `${obj.kind ?? '?'} ${ns === undefined ? '' : `${ns}/`}${obj.metadata?.name ?? '?'}`;
}

export interface ApplyOptions {
  /** Namespace for namespaced objects that do not name one. */
  namespace?: string;
  signal?: AbortSignal;
  /** Called after each object is applied. */
  onApplied?: (obj: KubeObject, description: string) => void;
}

/**
 * Server-side applies each object in order as field manager `aviary`, forcing ownership of conflicting fields:
 * an install states what these objects must be. Returns the objects as stored.
 */
export async function applyObjects<T extends KubeObject>(client: KubeClient, objects: readonly T[], options: ApplyOptions = {}): Promise<T[]> {
  const applier = new Applier(client, fieldManager);
  const applied: T[] = [];
  for (const obj of objects) {
    const stored = await applier.apply(obj, options.namespace, options.signal);
    applied.push(stored);
    options.onApplied?.(stored, describeObject(obj, options.namespace));
  }
  return applied;
}

/**
 * Server-side applies the CRDs and waits until each one is served (see waitForCrds). Returns the names of the CRDs
 * that did not exist before, so a caller can say whether it changed the cluster.
 */
export async function installCrds(client: KubeClient, crds: readonly CustomResourceDefinition[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string[]> {
  const created: string[] = [];
  for (const crd of crds) {
    const path = resourcePath('apiextensions.k8s.io/v1', 'customresourcedefinitions', undefined, crd.metadata.name);
    const existed = await client.request({ path, ...(options.signal === undefined ? {} : { signal: options.signal }) }).then(() => true, (error: unknown) => {
      if (isNotFound(error)) return false;
      throw error;
    });
    if (!existed) created.push(crd.metadata.name);
  }
  await applyObjects(client, crds, options.signal === undefined ? {} : { signal: options.signal });
  await waitForCrds(client, crds, options);
  return created;
}

interface CrdStatus {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/**
 * Waits until every CRD is Established and its resource answers a LIST: the API server marks a CRD Established a
 * moment before requests for its resource stop returning 404.
 */
export async function waitForCrds(client: KubeClient, crds: readonly CustomResourceDefinition[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (const crd of crds) {
    const name = crd.metadata.name;
    let last = 'not found';
    for (;;) {
      options.signal?.throwIfAborted();
      const ready = await crdServed(client, crd, options.signal).then((state) => {
        last = state;
        return state === 'served';
      });
      if (ready) break;
      if (Date.now() > deadline) throw new CrdWaitTimeout(`CRD ${name} was not ready in time (${last})`);
      await sleep(100, undefined, options.signal === undefined ? {} : { signal: options.signal });
    }
  }
}

export class CrdWaitTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrdWaitTimeout';
  }
}

async function crdServed(client: KubeClient, crd: CustomResourceDefinition, signal?: AbortSignal): Promise<string> {
  let stored: CrdStatus;
  try {
    stored = await client.request<CrdStatus>({ path: resourcePath('apiextensions.k8s.io/v1', 'customresourcedefinitions', undefined, crd.metadata.name), ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    if (isNotFound(error)) return 'not found';
    throw error;
  }
  const conditions = stored.status?.conditions ?? [];
  const established = conditions.find((c) => c.type === 'Established');
  if (established?.status !== 'True') {
    const refused = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
    if (refused !== undefined) throw new Error(`CRD ${crd.metadata.name}: names not accepted: ${refused.message ?? refused.reason ?? ''}`);
    return `Established=${established?.status ?? 'Unknown'}`;
  }
  const version = crd.spec.versions.find((v) => v.served)?.name ?? crd.spec.versions[0]?.name ?? 'v1';
  try {
    await client.request({ path: resourcePath(`${crd.spec.group}/${version}`, crd.spec.names.plural), query: { limit: 1 }, ...(signal === undefined ? {} : { signal }) });
    return 'served';
  } catch (error) {
    if (isNotFound(error)) return 'Established, not served yet';
    throw error;
  }
}

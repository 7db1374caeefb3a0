/**
 * What the pod runtime should serve, decided from pod objects alone: which pods get listeners on which ports, what
 * they answer as, and what changes between what is served and what should be. Pure: server.ts does the sockets.
 */
import type { DeepReadonly, KubeObject } from '../../runtime/objects.ts';
import { knobPrefix, readKnobs, sameKnobs, type EnvVar, type Knobs } from './knobs.ts';

/** The part of a pod the runtime reads (and the informer keeps); a full Pod is assignable to it. */
export interface LabPod extends KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers?: LabContainer[];
  };
  status?: { phase?: string; podIP?: string };
}

export interface LabContainer {
  name: string;
  image?: string;
  ports?: { containerPort: number; protocol?: string; name?: string }[];
  env?: EnvVar[];
}

/** Who a pod is, as its answers and metrics name it. */
export interface PodIdentity {
  pod: string;
  namespace: string;
  node: string;
  /** The first container's image. */
  image: string;
  /** The image's tag; its digest when it has a digest and no tag; "latest" when it has neither. */
  version: string;
  /** rollouts-pod-template-hash (Rollouts), else pod-template-hash (Deployments), else "". */
  podTemplateHash: string;
  labels: Readonly<Record<string, string>>;
}

/** A pod that should be served: on `ip`, on every port in `ports`. */
export interface DesiredPod {
  /** namespace/name. */
  key: string;
  uid: string;
  ip: string;
  /** Sorted, without duplicates. */
  ports: readonly number[];
  identity: PodIdentity;
  knobs: Knobs;
  /** What the manifest asks for that the runtime cannot do; each is ignored, and the pod is served without it. */
  problems: readonly string[];
}

/** A pod's plan; `problems` are reported whether it is served or not (the served pod's own list, when it is). */
export type PodPlan =
  | { desired: DesiredPod; problems: readonly string[] }
  | { desired: undefined; reason: string; problems: readonly string[] };

/** The port a pod is served on when none of its containers declares one: the lab's images' convention. */
export const defaultPort = 8080;

export function desiredPod(pod: DeepReadonly<LabPod>): PodPlan {
  const meta = pod.metadata ?? {};
  const name = meta.name ?? '';
  const namespace = meta.namespace ?? '';
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase !== 'Running') return { desired: undefined, reason: `phase ${phase}, not Running`, problems: [] };
  // A host-network pod's IP is its node's: nothing of the pod network for the lab to serve.
  if (pod.spec?.hostNetwork === true) return { desired: undefined, reason: 'host network', problems: [] };
  const ip = pod.status?.podIP ?? '';
  if (ip === '') {
    const problem = 'Running without a pod IP: nothing to listen on until status.podIP is set';
    return { desired: undefined, reason: 'no pod IP', problems: [problem] };
  }

  const containers = pod.spec?.containers ?? [];
  const problems: string[] = [];
  const ports = new Set<number>();
  let declared = 0;
  for (const container of containers) {
    for (const port of container.ports ?? []) {
      declared++;
      const protocol = port.protocol ?? 'TCP';
      const number = port.containerPort;
      if (!Number.isInteger(number) || number < 1 || number > 65535) {
        problems.push(`port ${String(number)} of container ${container.name}: not a port number; skipped`);
      } else if (protocol !== 'TCP') {
        problems.push(`port ${String(number)}/${protocol} of container ${container.name}: only TCP is served; skipped`);
      } else {
        ports.add(number);
      }
    }
  }
  if (declared === 0) ports.add(defaultPort);

  const first = containers[0];
  const knobs = readKnobs(first?.env);
  problems.push(...knobs.problems);
  if (ports.size === 0) return { desired: undefined, reason: 'no TCP port to serve', problems };

  const image = first?.image ?? '';
  const labels = meta.labels ?? {};
  return {
    desired: {
      key: `${namespace}/${name}`,
      uid: meta.uid ?? '',
      ip,
      ports: [...ports].sort((a, b) => a - b),
      identity: {
        pod: name,
        namespace,
        node: pod.spec?.nodeName ?? '',
        image,
        version: imageVersion(image),
        podTemplateHash: labels['rollouts-pod-template-hash'] ?? labels['pod-template-hash'] ?? '',
        labels: { ...labels },
      },
      knobs: knobs.knobs,
      problems,
    },
    problems,
  };
}

/**
 * The version an image reference names: its tag ("repo:5000/app:v2" → "v2"), else its digest
 * ("app@sha256:ab…" → "sha256:ab…"), else "latest" (what a runtime would pull). A registry's port is not a tag.
 */
export function imageVersion(image: string): string {
  const at = image.indexOf('@');
  const named = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? '' : image.slice(at + 1);
  const lastPart = named.slice(named.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon >= 0 && colon < lastPart.length - 1) return lastPart.slice(colon + 1);
  return digest !== '' ? digest : 'latest';
}

/** A listening address: one pod IP and one port. */
export interface ListenerAddress {
  ip: string;
  port: number;
}

export interface ListenerDiff {
  /** Addresses to start accepting on, each for its pod. */
  open: { pod: DesiredPod; address: ListenerAddress }[];
  /** Addresses to stop accepting on after the linger, each for the pod (uid) that was served there. */
  close: { key: string; uid: string; address: ListenerAddress }[];
  /** Pods that stay on their sockets with a new identity or new knobs. */
  update: DesiredPod[];
}

/**
 * From what is served to what should be. Keyed by pod key; a key whose uid changed is a new pod (a StatefulSet's
 * pod recreated under its name): the old one's listeners close, the new one's open, even on the same address.
 */
export function diffListeners(current: Iterable<DesiredPod>, desired: Iterable<DesiredPod>): ListenerDiff {
  const diff: ListenerDiff = { open: [], close: [], update: [] };
  const wanted = new Map<string, DesiredPod>();
  for (const pod of desired) wanted.set(pod.key, pod);
  const served = new Map<string, DesiredPod>();
  for (const pod of current) served.set(pod.key, pod);

  const closeAll = (pod: DesiredPod, except: ReadonlySet<number> = new Set()): void => {
    for (const port of pod.ports) if (!except.has(port)) diff.close.push({ key: pod.key, uid: pod.uid, address: { ip: pod.ip, port } });
  };
  const openAll = (pod: DesiredPod, except: ReadonlySet<number> = new Set()): void => {
    for (const port of pod.ports) if (!except.has(port)) diff.open.push({ pod, address: { ip: pod.ip, port } });
  };

  for (const [key, old] of served) {
    const next = wanted.get(key);
    if (next === undefined) closeAll(old);
    else if (next.uid !== old.uid || next.ip !== old.ip) {
      closeAll(old);
      openAll(next);
    } else {
      const kept = new Set(old.ports.filter((port) => next.ports.includes(port)));
      closeAll(old, kept);
      openAll(next, kept);
      if (kept.size > 0 && (!sameKnobs(old.knobs, next.knobs) || !sameIdentity(old.identity, next.identity))) diff.update.push(next);
    }
  }
  for (const [key, next] of wanted) if (!served.has(key)) openAll(next);
  return diff;
}

export function sameIdentity(a: PodIdentity, b: PodIdentity): boolean {
  if (
    a.pod !== b.pod || a.namespace !== b.namespace || a.node !== b.node || a.image !== b.image ||
    a.version !== b.version || a.podTemplateHash !== b.podTemplateHash
  ) return false;
  const aKeys = Object.keys(a.labels);
  return aKeys.length === Object.keys(b.labels).length && aKeys.every((k) => b.labels[k] === a.labels[k]);
}

/**
 * The informer's transform: a pod reduced to what desiredPod reads, so a cache of thousands of pods stays small.
 * Env is kept for the first container only (knobs are read there), and of it only the AVIARY_LAB_* variables.
 */
export function slimPod(pod: LabPod): LabPod {
  const meta = pod.metadata ?? {};
  const metadata: NonNullable<LabPod['metadata']> = {};
  if (meta.name !== undefined) metadata.name = meta.name;
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  if (meta.uid !== undefined) metadata.uid = meta.uid;
  // The informer compares resourceVersions to skip unchanged objects on a re-list.
  if (meta.resourceVersion !== undefined) metadata.resourceVersion = meta.resourceVersion;
  if (meta.labels !== undefined) metadata.labels = meta.labels;
  if (meta.deletionTimestamp !== undefined) metadata.deletionTimestamp = meta.deletionTimestamp;

  const spec: NonNullable<LabPod['spec']> = {};
  if (pod.spec?.nodeName !== undefined) spec.nodeName = pod.spec.nodeName;
  if (pod.spec?.hostNetwork === true) spec.hostNetwork = true;
  spec.containers = (pod.spec?.containers ?? []).map((container, index) => {
    const slim: LabContainer = { name: container.name };
    if (container.image !== undefined) slim.image = container.image;
    if (container.ports !== undefined) {
      slim.ports = container.ports.map((port) => (port.protocol === undefined ? { containerPort: port.containerPort } : { containerPort: port.containerPort, protocol: port.protocol }));
    }
    const knobs = index === 0 ? (container.env ?? []).filter((variable) => variable.name.startsWith(knobPrefix)) : [];
    if (knobs.length > 0) {
      slim.env = knobs.map((variable) => (variable.value === undefined && variable.valueFrom !== undefined ? { name: variable.name, valueFrom: {} } : { name: variable.name, value: variable.value ?? '' }));
    }
    return slim;
  });

  const status: NonNullable<LabPod['status']> = {};
  if (pod.status?.phase !== undefined) status.phase = pod.status.phase;
  if (pod.status?.podIP !== undefined) status.podIP = pod.status.podIP;
  return { metadata, spec, status };
}

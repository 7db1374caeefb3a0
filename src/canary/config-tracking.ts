/**
 * Config tracking, Flagger's way, as pure functions: the ConfigMaps and Secrets a target's pod template references
 * (volumes, projected volumes, env valueFrom and envFrom, in containers and init containers) are copied to
 * `<name>-primary` for the primary, whose pod spec is rewritten to use the copies; their checksums, kept in
 * status.trackedConfigs as "configmap/<name>" / "secret/<name>", tell a config change (a new release) from none.
 * A ConfigMap or Secret annotated `flagger.app/config-tracking: disabled` is left alone.
 */
import type { Canary } from '../api/canary.ts';
import type { ConfigMap, PodSpec, Secret } from '../api/kubernetes.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { shortDigest } from './digest.ts';
import { ownedByCanary, primaryName } from './primary.ts';

export const configTrackingAnnotation = 'flagger.app/config-tracking';

export type ConfigKind = 'configmap' | 'secret';

/** The configs a pod spec references, by kind and name, each with whether the pod needs it (not `optional: true`). */
export interface ConfigReferences {
  configmap: Map<string, boolean>;
  secret: Map<string, boolean>;
}

/** Every ConfigMap and Secret the pod spec references; a reference that is optional anywhere stays required if required elsewhere. */
export function configReferences(spec: DeepReadonly<PodSpec> | undefined): ConfigReferences {
  const refs: ConfigReferences = { configmap: new Map(), secret: new Map() };
  const add = (kind: ConfigKind, name: string | undefined, optional: boolean | undefined): void => {
    if (name === undefined || name === '') return;
    refs[kind].set(name, (refs[kind].get(name) ?? false) || optional !== true);
  };
  for (const volume of spec?.volumes ?? []) {
    add('configmap', volume.configMap?.name, volume.configMap?.optional);
    add('secret', volume.secret?.secretName, volume.secret?.optional);
    for (const source of volume.projected?.sources ?? []) {
      add('configmap', source.configMap?.name, source.configMap?.optional);
      add('secret', source.secret?.name, source.secret?.optional);
    }
  }
  for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const env of container.env ?? []) {
      add('configmap', env.valueFrom?.configMapKeyRef?.name, env.valueFrom?.configMapKeyRef?.optional);
      add('secret', env.valueFrom?.secretKeyRef?.name, env.valueFrom?.secretKeyRef?.optional);
    }
    for (const from of container.envFrom ?? []) {
      add('configmap', from.configMapRef?.name, from.configMapRef?.optional);
      add('secret', from.secretRef?.name, from.secretRef?.optional);
    }
  }
  return refs;
}

/** JSON as Go's encoding/json writes a map of strings: keys sorted, and <, > and & escaped. */
function goJson(data: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]]));
  return JSON.stringify(sorted).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The checksum of a config's data as Flagger computes it (the first 8 bytes of the SHA-256 of its JSON, in hex), so a
 * Canary Flagger was tracking is not seen as changed. A Secret's data is its base64 values, as the API serves them.
 */
export function configChecksum(data: DeepReadonly<Record<string, string>> | undefined): string {
  const json = data === undefined ? 'null' : goJson(data);
  return shortDigest(json);
}

export function isTrackingDisabled(object: DeepReadonly<ConfigMap | Secret>): boolean {
  return (object.metadata?.annotations?.[configTrackingAnnotation] ?? '').startsWith('disable');
}

export interface TrackedConfigs {
  /** status.trackedConfigs: "configmap/<name>" | "secret/<name>" → checksum. */
  checksums: Record<string, string>;
  /** The configs copied to `-primary`. */
  configMaps: DeepReadonly<ConfigMap>[];
  secrets: DeepReadonly<Secret>[];
  /** A required config that does not exist: the Canary waits, naming it. */
  missing: string[];
}

/** What of the referenced configs is tracked, given the ones that exist (by name). */
export function trackConfigs(
  refs: ConfigReferences,
  configMaps: ReadonlyMap<string, DeepReadonly<ConfigMap>>,
  secrets: ReadonlyMap<string, DeepReadonly<Secret>>,
): TrackedConfigs {
  const tracked: TrackedConfigs = { checksums: {}, configMaps: [], secrets: [], missing: [] };
  const track = <T extends ConfigMap | Secret>(kind: ConfigKind, found: ReadonlyMap<string, DeepReadonly<T>>, into: DeepReadonly<T>[]): void => {
    for (const [name, required] of [...refs[kind]].sort(([a], [b]) => a.localeCompare(b))) {
      const object = found.get(name);
      if (object === undefined) {
        if (required) tracked.missing.push(`${kind}/${name}`);
      } else if (!isTrackingDisabled(object)) {
        tracked.checksums[`${kind}/${name}`] = configChecksum(object.data);
        into.push(object);
      }
    }
  };
  track('configmap', configMaps, tracked.configMaps);
  track('secret', secrets, tracked.secrets);
  return tracked;
}

/** Whether the tracked configs differ from what the Canary last recorded: a config change starts a release. */
export function configsChanged(canary: DeepReadonly<Canary>, checksums: Readonly<Record<string, string>>): boolean {
  const recorded = canary.status?.trackedConfigs ?? {};
  const keys = new Set([...Object.keys(recorded), ...Object.keys(checksums)]);
  return [...keys].some((k) => recorded[k] !== checksums[k]);
}

/** The `-primary` copy of a tracked config: its data (and type, for a Secret), owned by the Canary. */
export function primaryConfigMap(canary: DeepReadonly<Canary>, config: DeepReadonly<ConfigMap>): ConfigMap {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: primaryName(config.metadata?.name ?? ''), namespace: config.metadata?.namespace ?? canary.metadata.namespace ?? 'default', ownerReferences: ownedByCanary(canary) },
    ...(config.data === undefined ? {} : { data: { ...config.data } }),
    ...(config.binaryData === undefined ? {} : { binaryData: { ...config.binaryData } }),
  };
}

export function primarySecret(canary: DeepReadonly<Canary>, secret: DeepReadonly<Secret>): Secret {
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: primaryName(secret.metadata?.name ?? ''), namespace: secret.metadata?.namespace ?? canary.metadata.namespace ?? 'default', ownerReferences: ownedByCanary(canary) },
    ...(secret.type === undefined ? {} : { type: secret.type }),
    ...(secret.data === undefined ? {} : { data: { ...secret.data } }),
  };
}

/** The primary's pod spec: every reference to a tracked config points at its `-primary` copy; others stay. */
export function withPrimaryConfigs(spec: DeepReadonly<PodSpec>, checksums: Readonly<Record<string, string>>): PodSpec {
  const copy = structuredClone(spec) as PodSpec;
  const rename = (kind: ConfigKind, name: string | undefined): string | undefined =>
    name !== undefined && checksums[`${kind}/${name}`] !== undefined ? primaryName(name) : name;
  for (const volume of copy.volumes ?? []) {
    if (volume.configMap) volume.configMap.name = rename('configmap', volume.configMap.name);
    if (volume.secret) volume.secret.secretName = rename('secret', volume.secret.secretName);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap) source.configMap.name = rename('configmap', source.configMap.name);
      if (source.secret) source.secret.name = rename('secret', source.secret.name);
    }
  }
  for (const container of [...copy.containers, ...(copy.initContainers ?? [])]) {
    for (const env of container.env ?? []) {
      if (env.valueFrom?.configMapKeyRef) env.valueFrom.configMapKeyRef.name = rename('configmap', env.valueFrom.configMapKeyRef.name) ?? '';
      if (env.valueFrom?.secretKeyRef) env.valueFrom.secretKeyRef.name = rename('secret', env.valueFrom.secretKeyRef.name) ?? '';
    }
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef) from.configMapRef.name = rename('configmap', from.configMapRef.name);
      if (from.secretRef) from.secretRef.name = rename('secret', from.secretRef.name);
    }
  }
  return copy;
}

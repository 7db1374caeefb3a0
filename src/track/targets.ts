import { parseAllDocuments } from 'yaml';
import type { KObject } from './model.ts';

/** The kinds with rules of their own; everything else is `Generic`. */
export type KindName = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'Pod' | 'Rollout' | 'Canary' | 'Generic';

export interface KindInfo {
  kind: Exclude<KindName, 'Generic'>;
  /** How resources of this kind are named in output: `deploy/api`. */
  short: string;
  words: string[];
  /** Fixed API group of a built-in kind; custom kinds are looked up in the configured groups. */
  group?: string;
  version?: string;
  plural: string;
}

export const knownKinds: KindInfo[] = [
  { kind: 'Deployment', short: 'deploy', words: ['deploy', 'deployment', 'deployments'], group: 'apps', version: 'v1', plural: 'deployments' },
  { kind: 'StatefulSet', short: 'sts', words: ['sts', 'statefulset', 'statefulsets'], group: 'apps', version: 'v1', plural: 'statefulsets' },
  { kind: 'DaemonSet', short: 'ds', words: ['ds', 'daemonset', 'daemonsets'], group: 'apps', version: 'v1', plural: 'daemonsets' },
  { kind: 'Job', short: 'job', words: ['job', 'jobs'], group: 'batch', version: 'v1', plural: 'jobs' },
  { kind: 'Pod', short: 'po', words: ['po', 'pod', 'pods'], group: '', version: 'v1', plural: 'pods' },
  { kind: 'Rollout', short: 'rollout', words: ['ro', 'rollout', 'rollouts'], plural: 'rollouts' },
  { kind: 'Canary', short: 'canary', words: ['canary', 'canaries'], plural: 'canaries' },
];

/** Which API groups serve the Rollout and Canary shapes: configuration, not code. */
export interface KindGroups {
  rollout: string[];
  canary: string[];
}

export const defaultKindGroups: KindGroups = {
  rollout: ['aviary.dev', 'argoproj.io'],
  canary: ['aviary.dev', 'flagger.app'],
};

/** What was asked for: a kind word (as typed, or a kind from a manifest) and a name or a label selector. */
export interface TrackTarget {
  /** `deploy`, `rollout`, `widgets`, `Deployment` (manifests give kinds), or `*` (every trackable kind, with a selector). */
  kind: string;
  group?: string;
  /** Exact apiVersion, from a manifest. */
  apiVersion?: string;
  name?: string;
  namespace?: string;
  selector?: string;
}

export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

export function kindInfoForWord(word: string): KindInfo | undefined {
  const w = word.toLowerCase();
  return knownKinds.find((k) => k.words.includes(w));
}

/** The rule family for an object's apiVersion and kind. */
export function kindNameFor(apiVersion: string | undefined, kind: string | undefined, groups: KindGroups): KindName {
  const v = apiVersion ?? '';
  const group = v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
  const builtin = knownKinds.find((k) => k.kind === kind && k.group !== undefined && k.group === group);
  if (builtin !== undefined) return builtin.kind;
  if (kind === 'Rollout' && groups.rollout.includes(group)) return 'Rollout';
  if (kind === 'Canary' && groups.canary.includes(group)) return 'Canary';
  return 'Generic';
}

/**
 * Parses `TYPE/NAME` arguments (`deploy/api`, `rollout.argoproj.io/web`, `widgets.example.com/w1`), or bare types
 * (`deploy`, `deploy,sts`) when a label selector picks the objects. With a selector and no arguments, every kind
 * the tracker knows is searched.
 */
export function parseTargetArgs(args: string[], selector?: string, namespace?: string): TrackTarget[] {
  const targets: TrackTarget[] = [];
  const withNs = (t: TrackTarget): TrackTarget => (namespace === undefined ? t : { ...t, namespace });
  if (args.length === 0) {
    if (selector === undefined) throw new TargetError('say what to track: TYPE/NAME arguments (deploy/api job/migrate), -f FILE or -l SELECTOR');
    return [withNs({ kind: '*', selector })];
  }
  for (const arg of args) {
    const parts = arg.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) throw new TargetError(`"${arg}" is not TYPE/NAME (e.g. deploy/api)`);
    const [type = '', name] = parts;
    for (const word of type.split(',')) {
      if (word === '') throw new TargetError(`"${arg}" has an empty type`);
      const dot = word.indexOf('.');
      const t: TrackTarget = dot < 0 ? { kind: word } : { kind: word.slice(0, dot), group: word.slice(dot + 1) };
      if (name !== undefined) {
        if (type.includes(',')) throw new TargetError(`"${arg}": name one type per argument`);
        t.name = name;
      } else if (selector !== undefined) {
        t.selector = selector;
      } else {
        throw new TargetError(`"${arg}": give a name (${word}/NAME) or a label selector (-l)`);
      }
      targets.push(withNs(t));
    }
  }
  return targets;
}

/** Every object a manifest file defines (multi-document YAML or JSON, `kind: List` flattened). */
export function targetsFromManifests(text: string, source = 'manifest'): TrackTarget[] {
  const targets: TrackTarget[] = [];
  const add = (obj: KObject & { items?: KObject[] }, where: string): void => {
    if (obj.kind === 'List' || (obj.kind?.endsWith('List') === true && Array.isArray(obj.items))) {
      (obj.items ?? []).forEach((item, i) => {
        add(item, `${where} item ${i + 1}`);
      });
      return;
    }
    if (obj.apiVersion === undefined || obj.kind === undefined || obj.metadata?.name === undefined) {
      throw new TargetError(`${where}: an object needs apiVersion, kind and metadata.name`);
    }
    const t: TrackTarget = { kind: obj.kind, apiVersion: obj.apiVersion, name: obj.metadata.name };
    if (obj.metadata.namespace !== undefined) t.namespace = obj.metadata.namespace;
    targets.push(t);
  };
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new TargetError(`${source}: invalid YAML in document ${i + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw new TargetError(`${source}: document ${i + 1} is not an object`);
    add(value, `${source} document ${i + 1}`);
  });
  if (targets.length === 0) throw new TargetError(`${source} defines no objects`);
  return targets;
}

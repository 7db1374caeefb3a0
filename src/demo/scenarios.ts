import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Rollout } from '../api/rollout.ts';
import type { KubeObject } from '../runtime/objects.ts';

/** The scenarios that release a Rollout of examples/<name>; `flagger` releases the Canary of examples/flagger. */
export const rolloutScenarioNames = ['canary', 'bluegreen', 'canary-analysis', 'gateway'] as const;
export const scenarioNames = [...rolloutScenarioNames, 'flagger'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface Scenario {
  name: ScenarioName;
  /** The example directory the demo applies. */
  directory: string;
  /** The image the demo releases after the first deploy is Healthy. */
  nextImage: string;
}

export const examplesDirectory: string = fileURLToPath(new URL('../../examples/', import.meta.url));

export function scenario(name: ScenarioName): Scenario {
  return { name, directory: join(examplesDirectory, name), nextImage: 'nginx:1.28-alpine' };
}

export interface ExampleManifests {
  rollout: Rollout;
  /** Everything else, applied before the Rollout so its Services exist when the controller first looks. */
  others: KubeObject[];
}

/** Every YAML document of an example directory, files in name order. */
export async function loadManifests(directory: string): Promise<KubeObject[]> {
  const files = (await readdir(directory)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const objects: KubeObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(directory, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${join(directory, file)}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as KubeObject | null;
      if (obj !== null) objects.push(obj);
    }
  }
  return objects;
}

/** Reads every YAML document of an example directory; exactly one of them must be a Rollout. */
export async function loadExample(directory: string): Promise<ExampleManifests> {
  const objects = await loadManifests(directory);
  const rollouts = objects.filter((o) => o.kind === 'Rollout');
  if (rollouts.length !== 1) throw new Error(`${directory}: expected exactly one Rollout, found ${rollouts.length}`);
  return { rollout: rollouts[0] as Rollout, others: objects.filter((o) => o.kind !== 'Rollout') };
}

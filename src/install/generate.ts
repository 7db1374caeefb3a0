/**
 * Writes deploy/install.yaml, the default install (`aviary install --print`) for `kubectl apply --server-side`, and
 * (run as `npm run gen:crds`) the CRD files of deploy/crds/ it embeds.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeCrdFiles } from '../api/generate-crds.ts';
import { installManifests, manifestsYaml } from './manifests.ts';

export const installManifestPath: string = fileURLToPath(new URL('../../deploy/install.yaml', import.meta.url));

export function installManifestYaml(): string {
  return manifestsYaml(installManifests());
}

export async function writeInstallManifest(path: string = installManifestPath): Promise<string> {
  await writeFile(path, installManifestYaml());
  return path;
}

if (import.meta.main) {
  for (const path of await writeCrdFiles()) process.stdout.write(`wrote ${path}\n`);
  // deploy/install.yaml embeds the CRDs, so it is regenerated with them.
  process.stdout.write(`wrote ${await writeInstallManifest()}\n`);
}

/**
 * Writes deploy/install.yaml, the default install (`aviary install --print`) for `kubectl apply --server-side`.
 * `npm run gen:crds` runs it together with the CRD generation.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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
  process.stdout.write(`wrote ${await writeInstallManifest()}\n`);
}

/**
 * Writes the CRDs of every registered kind to deploy/crds/ (`npm run gen:crds`). Importing this module has no
 * side effect; the CRD objects themselves come from registry.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCrds, crdFileName, crdYaml } from './registry.ts';

export { allCrds, rolloutCrds } from './registry.ts';

/** deploy/crds/ of this checkout. */
export const crdDirectory: string = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));

/** The files `gen:crds` writes: name (relative to deploy/crds/) and content. */
export function crdFiles(): { name: string; content: string }[] {
  return allCrds().map((crd) => ({ name: crdFileName(crd), content: crdYaml(crd) }));
}

/** Writes every CRD file into `directory` and returns the paths written. */
export async function writeCrdFiles(directory: string = crdDirectory): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const file of crdFiles()) {
    const path = join(directory, file.name);
    await writeFile(path, file.content);
    written.push(path);
  }
  return written;
}

if (import.meta.main) {
  for (const path of await writeCrdFiles()) process.stdout.write(`wrote ${path}\n`);
  // deploy/install.yaml embeds the CRDs, so it is regenerated with them.
  const { writeInstallManifest } = await import('../install/generate.ts');
  process.stdout.write(`wrote ${await writeInstallManifest()}\n`);
}

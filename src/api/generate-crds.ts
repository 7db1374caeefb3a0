/**
 * The CRD files of every registered kind, as deploy/crds/ holds them; `npm run gen:crds` (src/install/generate.ts)
 * writes them. The CRD objects themselves come from registry.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCrds, crdFileName, crdYaml } from './registry.ts';

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

/**
 * Provider CRDs the local cluster does not bring (test/fixtures/crds/), installed before a suite's controller starts
 * watching their kinds; installing is idempotent, so files running at once may share them.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { CustomResourceDefinition } from '../../src/api/crd.ts';
import { installCrds } from '../../src/install/apply.ts';
import { KubeClient } from '../../src/runtime/rest.ts';
import { kubeConfig } from './kube.ts';

export async function installFixtureCrds(files: readonly string[]): Promise<void> {
  const client = new KubeClient(kubeConfig(), { userAgent: 'aviary-e2e' });
  try {
    const crds = await Promise.all(files.map(async (name) =>
      parse(await readFile(fileURLToPath(new URL(`../fixtures/crds/${name}`, import.meta.url)), 'utf8')) as CustomResourceDefinition));
    await installCrds(client, crds);
  } finally {
    client.close();
  }
}

import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { versions } from './versions.ts';

/** Where built binaries live: outside the repository, shared by every clone and kept across runs. */
export function cacheRoot(): string {
  return process.env.AVIARY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aviary');
}

/** Where a running cluster keeps its keys, kubeconfig, etcd data, pid files and logs. */
export function stateDir(): string {
  return process.env.AVIARY_CLUSTER_DIR ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'aviary', 'cluster');
}

export const buildModuleDir = fileURLToPath(new URL('./build/', import.meta.url));

export function kubernetesBinDir(): string {
  return join(cacheRoot(), `k8s-${versions.kubernetes}`, 'bin');
}

export function kwokBinDir(): string {
  return join(cacheRoot(), `kwok-${versions.kwok}`, 'bin');
}

export function kubeconfigPath(): string {
  return join(stateDir(), 'admin.kubeconfig');
}

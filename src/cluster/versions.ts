/**
 * Versions of the local control plane. Kubernetes and etcd are pinned by build/go.mod; bump them together
 * (the cache directory is keyed by these versions and by the build module's checksum).
 */
export const versions = {
  kubernetes: 'v1.36.3',
  etcd: 'v3.6.16',
  kwok: 'v0.7.0',
} as const;

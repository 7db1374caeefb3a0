/**
 * The local cluster's etcd, for tests that need what only etcd decides: compacting its history makes the API server
 * answer watches from older resourceVersions with 410 Gone, as it does in any long-running cluster.
 */
import { clusterPorts } from '../../src/cluster/control-plane.ts';

async function etcdPost<T>(path: string, body: unknown): Promise<T> {
  const { etcdClient } = await clusterPorts();
  // etcd's JSON gateway for its v3 gRPC API.
  const response = await fetch(`http://127.0.0.1:${String(etcdClient)}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`etcd ${path}: HTTP ${String(response.status)} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Compacts etcd's history up to its current revision; returns that revision. */
export async function compactEtcd(): Promise<number> {
  // Any key: the answer's header carries the store's current revision.
  const range = await etcdPost<{ header: { revision: string } }>('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
  const revision = Number(range.header.revision);
  await etcdPost('/v3/kv/compaction', { revision: range.header.revision, physical: true });
  return revision;
}

/**
 * Prometheus text exposition: parsing, the API server's own /metrics, and per-label deltas between two scrapes.
 */
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text format (comments skipped); label values are unescaped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    const body = match[3] ?? '';
    for (const label of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] ?? ''] = (label[2] ?? '').replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[4]) });
  }
  return samples;
}

export function sumSamples(samples: readonly Sample[], name: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((s) => s.name === name && where(s.labels)).reduce((n, s) => n + s.value, 0);
}

/** GET /metrics of the API server with the kubeconfig's credentials (the local cluster's admin token). */
export async function apiserverMetrics(kc: KubeConfig): Promise<Sample[]> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig has no current cluster');
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(new URL('/metrics', cluster.server), { ...options, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET /metrics: HTTP ${res.statusCode ?? 0}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return parsePrometheusText(text);
}

/** apiserver_request_total summed over response codes, keyed "VERB group/resource[/subresource]". */
export function requestCounts(samples: readonly Sample[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== 'apiserver_request_total' || s.labels.resource === undefined || s.labels.resource === '') continue;
    const { verb = '', group = '', resource, subresource = '' } = s.labels;
    const key = `${verb} ${group === '' ? 'core' : group}/${resource}${subresource === '' ? '' : `/${subresource}`}`;
    counts.set(key, (counts.get(key) ?? 0) + s.value);
  }
  return counts;
}

/** after − before per key, only non-zero entries. */
export function delta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) out.set(key, d);
  }
  return out;
}

export const writeVerbs = new Set(['CREATE', 'UPDATE', 'PATCH', 'DELETE', 'APPLY', 'DELETECOLLECTION']);

export function isWrite(key: string): boolean {
  return writeVerbs.has(key.split(' ')[0] ?? '');
}

export function total(counts: ReadonlyMap<string, number>, where: (key: string) => boolean = () => true): number {
  let n = 0;
  for (const [key, value] of counts) if (where(key)) n += value;
  return n;
}

/** Rows "  VERB group/resource  n" sorted by resource then verb; `scale` divides (e.g. per canary). */
export function formatCounts(counts: ReadonlyMap<string, number>, scale = 1, indent = '  '): string {
  const rows = [...counts].sort(([a], [b]) => {
    const [va = '', ra = ''] = a.split(' ');
    const [vb = '', rb = ''] = b.split(' ');
    return ra.localeCompare(rb) || va.localeCompare(vb);
  });
  if (rows.length === 0) return `${indent}(none)`;
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, n]) => `${indent}${key.padEnd(width)}  ${Number.isInteger(n / scale) ? String(n / scale) : (n / scale).toFixed(1)}`).join('\n');
}

/**
 * The pod template hash that names a Rollout's ReplicaSets (`<rollout>-<hash>`) and labels their pods
 * (`rollouts-pod-template-hash`). FNV-32a over a canonical JSON of the template (keys sorted, so the hash does not
 * depend on the order fields were written in), then the collision count as 4 little-endian bytes — bumping it gives
 * a new name when a ReplicaSet of that name already holds another template. The digits are encoded with Kubernetes'
 * "safe" alphabet (no vowels, no look-alike characters), as Argo Rollouts and Deployments do.
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  let hash = fnv1a32(Buffer.from(canonicalJson(template), 'utf8'));
  if (collisionCount !== 0) {
    const count = Buffer.alloc(4);
    count.writeUInt32LE(collisionCount >>> 0);
    hash = fnv1a32(count, hash);
  }
  return safeEncode(String(hash));
}

const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** 32-bit FNV-1a; `seed` continues a previous hash, so data can be fed in pieces. */
export function fnv1a32(bytes: Uint8Array, seed = fnvOffsetBasis): number {
  let hash = seed;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, fnvPrime) >>> 0;
  return hash;
}

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) out += safeAlphabet[digits.charCodeAt(i) % safeAlphabet.length] ?? '';
  return out;
}

/** JSON with object keys sorted at every level; undefined members are dropped as JSON.stringify would. */
export function canonicalJson(value: unknown): string {
  // JSON.stringify(undefined) is undefined, not text; an absent template hashes like null.
  return JSON.stringify(value ?? null, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

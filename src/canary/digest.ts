import { createHash } from 'node:crypto';

/** The first 8 bytes of the SHA-256 of a text, in hex: how Canaries identify data, releases and specs. */
export function shortDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

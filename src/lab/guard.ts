/**
 * The lab's network rule, in code: from the host's own network namespace Aviary dials loopback addresses only; pod
 * IPs (and every other address) are dialled only from inside the lab's namespace, where the pod CIDR is local. Every
 * client Aviary ships for the lab calls assertDialable before it opens a connection.
 */
import { statSync } from 'node:fs';
import { isIP } from 'node:net';

/** The lab's network namespace: its name (AVIARY_LAB_NETNS, so a second cluster can have its own) and its file. */
export const labNetns = ((): { name: string; path: string } => {
  const name = process.env.AVIARY_LAB_NETNS ?? 'aviary-lab';
  return { name, path: `/run/netns/${name}` };
})();

/** True for 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: the addresses that stay on this machine's namespace. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) {
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped?.[1] !== undefined && mapped[1].startsWith('127.');
  }
  return false;
}

/**
 * True when this process runs in the lab's network namespace: its /proc/self/ns/net is the same namespace (device
 * and inode) as the lab's bind-mounted netns file. False when the lab does not exist.
 */
export function isInsideLab(netnsPath: string = labNetns.path): boolean {
  try {
    const own = statSync('/proc/self/ns/net');
    const lab = statSync(netnsPath);
    return own.ino === lab.ino && own.dev === lab.dev;
  } catch {
    return false;
  }
}

export class NetworkRuleError extends Error {
  override name = 'NetworkRuleError';
}

/**
 * Throws unless `host` may be dialled from here: loopback always, anything else only inside the lab. `what` names
 * the client and the argument in the message, so the person who passed the address knows what to change.
 */
export function assertDialable(host: string, what: string, netnsPath: string = labNetns.path): void {
  if (isLoopbackHost(host) || isInsideLab(netnsPath)) return;
  throw new NetworkRuleError(
    `${what}: ${host} is not a loopback address, and this process is outside the lab's network namespace; ` +
      `from the host, Aviary dials only 127.0.0.0/8 and ::1 (the gateway's bridged port, e.g. the "gateway" line of ` +
      `\`aviary cluster status\`). To reach a pod IP, run inside the lab: ip netns exec ${labNetns.name} aviary ...`,
  );
}

/**
 * The lab's network namespace: created with `ip netns`, its only link the loopback, which holds the whole pod
 * CIDR so that every pod IP is a local address in there and nowhere else. There is no route out of it.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why the lab cannot run here, said so a person can act on it. */
export class LabUnavailable extends Error {}

/** What decides whether this machine can hold the lab. */
export interface NetnsFacts {
  platform: string;
  uid: number | undefined;
  hasIp: boolean;
}

/** Why the lab cannot run with these facts, or undefined when it can. Pure, so each message is tested. */
export function netnsUnavailableReason(facts: NetnsFacts): string | undefined {
  if (facts.platform !== 'linux') return `the traffic lab needs Linux network namespaces; this is ${facts.platform}`;
  if (facts.uid !== 0) return 'the traffic lab needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) to create its network namespace; run as root, or pass --no-lab';
  if (!facts.hasIp) return 'the traffic lab needs the `ip` command (Debian: apt-get install iproute2)';
  return undefined;
}

export async function assertCanCreateNetns(): Promise<void> {
  const hasIp = await run('ip', ['-V']).then(() => true, () => false);
  const reason = netnsUnavailableReason({ platform: process.platform, uid: process.getuid?.(), hasIp });
  if (reason !== undefined) throw new LabUnavailable(reason);
}

export async function netnsExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function createNetns(name: string, path: string, cidr: string): Promise<boolean> {
  if (await netnsExists(path)) return false;
  await ip(['netns', 'add', name]);
  try {
    await ip(['-n', name, 'addr', 'add', cidr, 'dev', 'lo']);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await ip(['netns', 'delete', name]).catch(() => undefined);
    throw error;
  }
  return true;
}

export async function deleteNetns(name: string, path: string): Promise<boolean> {
  if (!(await netnsExists(path))) return false;
  await ip(['netns', 'delete', name]);
  return true;
}

async function ip(args: string[]): Promise<void> {
  try {
    await run('ip', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new LabUnavailable(`ip ${args.join(' ')} failed: ${stderr === undefined || stderr === '' ? String(error) : stderr}`, { cause: error });
  }
}

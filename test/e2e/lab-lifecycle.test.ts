/**
 * `aviary cluster up` with the lab and `aviary cluster down`, through the CLI as a user runs them, on a second
 * cluster of its own (own state directory, port block and network namespace) so the shared test bed keeps running.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isPortFree } from '../../src/cluster/processes.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../bin/aviary', import.meta.url));

describe('lab life cycle', () => {
  let dir = '';
  const netns = `aviary-lab-${randomBytes(3).toString('hex')}`;
  // A block of its own, away from the test bed's 16440.
  const base = 18440 + Math.floor(Math.random() * 50) * 20;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, AVIARY_CLUSTER_DIR: dir, AVIARY_CLUSTER_PORT_BASE: String(base), AVIARY_LAB_NETNS: netns, KUBECONFIG: join(dir, 'admin.kubeconfig') });
  const aviary = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run(cli, args, { env: env(), timeout: 240_000 });

  after(async () => {
    if (dir === '') return;
    await aviary('cluster', 'down').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('starts the lab with the cluster, names the gateway in status, and leaves nothing behind on down', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aviary-lab-life-'));
    await aviary('cluster', 'up', '--nodes', '1');

    const { stdout: status } = await aviary('cluster', 'status');
    const gateway = /gateway\s+127\.0\.0\.1:(\d+)/.exec(status);
    assert.ok(gateway !== null, `status names the gateway's address:\n${status}`);
    // Traefik answers 404 for a host no route claims: the gateway itself is serving through its bridge.
    const res = await fetch(`http://127.0.0.1:${gateway[1] ?? ''}/`, { headers: { host: 'nothing.invalid' } });
    assert.equal(res.status, 404);
    await res.body?.cancel();
    await access(`/run/netns/${netns}`);

    const pids = await Promise.all((await readdir(join(dir, 'run'))).map(async (f) => Number.parseInt(await readFile(join(dir, 'run', f), 'utf8'), 10)));
    assert.ok(pids.length >= 8, `pid files for the control plane and the lab: ${String(pids.length)}`);

    await aviary('cluster', 'down');
    for (const pid of pids) assert.equal(await alive(pid), false, `process ${String(pid)} is gone`);
    await assert.rejects(access(`/run/netns/${netns}`), 'the network namespace is deleted');
    await assert.rejects(access(join(dir, 'lab', 'sockets')), 'the sockets are removed');
    for (let port = base; port < base + 14; port++) assert.equal(await isPortFree(port), true, `port ${String(port)} is free`);
    assert.equal(await processesMentioning(dir), 0, 'no process runs from the cluster directory');
  });
});

/** Running and not a zombie (an exited child nobody reaped yet holds no port and no namespace). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Processes whose command line names the directory: a lab process started with its files would. */
async function processesMentioning(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) count++;
  }
  return count;
}

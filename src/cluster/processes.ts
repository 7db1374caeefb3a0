import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A long-running process of the local cluster, started detached so it outlives the command that started it. */
export interface ProcessSpec {
  name: string;
  binary: string;
  args: string[];
  logFile: string;
  pidFile: string;
  /** The environment; default this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * The program the process runs once started, when `binary` execs another (`ip netns exec <ns> <program>`): what
   * its command line must start with for a pid file to be believed. Default `binary`.
   */
  program?: string;
  /**
   * Also believed when its command line contains this, whatever program runs it: a Node script started by another
   * checkout (another node binary, another path) still serves the same state directory.
   */
  identity?: string;
}

export function startDetached(spec: ProcessSpec): number {
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.binary, spec.args, { detached: true, stdio: ['ignore', log, log], env: spec.env ?? process.env });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.binary})`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export async function writePid(spec: ProcessSpec, pid: number): Promise<void> {
  await writeFile(spec.pidFile, `${pid}\n`);
}

/**
 * The pid of the component if it is still running. A pid file alone is not proof: after a reboot the pid may
 * belong to another program, so the process's command line must name the component's binary.
 */
export async function runningPid(spec: ProcessSpec): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(spec.pidFile, 'utf8'), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const line = await commandLine(pid);
  if (line === undefined) return undefined;
  return line.startsWith(spec.program ?? spec.binary) || (spec.identity !== undefined && line.includes(spec.identity)) ? pid : undefined;
}

async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
export async function stopProcess(spec: ProcessSpec, graceMs = 10_000): Promise<boolean> {
  const pid = await runningPid(spec);
  if (pid === undefined) {
    await rm(spec.pidFile, { force: true });
    return false;
  }
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && !(await isZombie(pid))) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      await sleep(200);
      break;
    }
    await sleep(50);
  }
  await rm(spec.pidFile, { force: true });
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** A detached child of a still-running parent becomes a zombie when it exits; it holds no ports then. */
async function isZombie(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * After stopping processes: waits (up to 5 s per port) until their loopback ports can be bound again, so the next
 * `up` on the same block does not fail on a port the kernel has not released yet.
 */
export async function untilPortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    for (let i = 0; i < 50 && !(await isPortFree(port)); i++) await sleep(100);
  }
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

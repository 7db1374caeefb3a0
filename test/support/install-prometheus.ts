import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { prometheusBinary } from './prometheus.ts';

const run = promisify(execFile);

/**
 * The analysis tests need a real Prometheus. Debian packages one; install it when it is missing and we may
 * (root on a Debian-like machine), otherwise say exactly what to do.
 */
export async function ensurePrometheus(log: (message: string) => void): Promise<void> {
  try {
    await access(prometheusBinary);
    return;
  } catch {
    // Not installed yet.
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`Prometheus is not installed at ${prometheusBinary}. Install Debian's package (sudo apt-get install prometheus) or set AVIARY_PROMETHEUS to a prometheus binary.`);
  }
  log('installing Prometheus from Debian packages');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['install', '-y', '--no-install-recommends', 'prometheus'];
  try {
    await run('apt-get', install, { env });
  } catch {
    // A fresh machine may have empty package lists.
    await run('apt-get', ['update'], { env });
    await run('apt-get', install, { env });
  }
}

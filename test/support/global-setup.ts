import { up } from '../../src/cluster/control-plane.ts';
import { ensurePrometheus } from '../../src/cluster/prometheus.ts';

const log = (message: string): void => {
  process.stderr.write(`[test bed] ${message}\n`);
};

/**
 * One control plane per test run: started here (or reused when already up) before any e2e file runs. Test files
 * run in child processes that inherit KUBECONFIG. The cluster is left running so the next run starts in seconds;
 * `aviary cluster down` stops it.
 */
export async function globalSetup(): Promise<void> {
  await ensurePrometheus(log);
  const result = await up({ nodes: 3, progress: log });
  log(`local cluster ${result.started.length === 0 ? 'reused' : `started in ${(result.elapsedMs / 1000).toFixed(1)} s`}: ${result.kubeconfig}`);
  process.env.KUBECONFIG = result.kubeconfig;
}

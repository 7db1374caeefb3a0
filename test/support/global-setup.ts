import { ensurePrometheus } from '../../src/cluster/prometheus.ts';
import { upWithLab } from '../../src/lab/stack.ts';

const log = (message: string): void => {
  process.stderr.write(`[test bed] ${message}\n`);
};

/**
 * One control plane and its traffic lab per test run: started here (or reused when already up) before any e2e file
 * runs. Test files run in child processes that inherit KUBECONFIG. Both are left running so the next run starts in
 * seconds; `aviary cluster down` stops them. Where the lab cannot run, the lab's tests fail with the reason.
 */
export async function globalSetup(): Promise<void> {
  await ensurePrometheus(log);
  const result = await upWithLab({ nodes: 3, lab: true, progress: log });
  log(`local cluster ${result.cluster.started.length === 0 ? 'reused' : `started in ${(result.cluster.elapsedMs / 1000).toFixed(1)} s`}: ${result.cluster.kubeconfig}`);
  if (result.lab !== undefined) log(`traffic lab: gateway at ${result.lab.gatewayUrl}`);
  if (result.labUnavailable !== undefined) process.env.AVIARY_LAB_UNAVAILABLE = result.labUnavailable;
  process.env.KUBECONFIG = result.cluster.kubeconfig;
}

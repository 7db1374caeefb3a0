import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeConnection } from '../runtime/kubeconfig.ts';
import { apiVersionOf, aviaryGroup, type ApiGroup } from '../api/groups.ts';
import { analysisRunController } from '../analysis/controller.ts';
import { servesResource } from '../runtime/discovery.ts';
import type { Logger } from '../runtime/logger.ts';
import { Manager } from '../runtime/manager.ts';
import { rolloutController } from './controller.ts';

export interface RunningController {
  manager: Manager;
  stop(): Promise<void>;
}

export interface StartControllerOptions {
  kubeConfig: KubeConnection | KubeConfig;
  /** API groups to reconcile; default aviary.dev only. */
  groups?: readonly ApiGroup[];
  namespace?: string;
  /** Probe/metrics address; false (the default here) for none. */
  address?: string | false;
  workers?: number;
  logger?: Logger;
}

/**
 * Starts the Rollout controller in this process, with the AnalysisRun controller for each group whose analysis
 * kinds the cluster serves, and resolves once their caches are synced — what `aviary demo`, the end-to-end tests
 * and the benchmarks use. `aviary controller` is the long-running form of the same thing.
 */
export async function startRolloutController(options: StartControllerOptions): Promise<RunningController> {
  const manager = new Manager({ kubeConfig: options.kubeConfig, address: options.address ?? false, ...(options.logger === undefined ? {} : { logger: options.logger }) });
  for (const group of options.groups ?? [aviaryGroup]) {
    const scope = {
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    };
    const analysis = await servesResource(manager.client, apiVersionOf(group), 'analysisruns');
    manager.addController(rolloutController(manager, { group, analysis, ...scope }));
    if (analysis) manager.addController(analysisRunController(manager, { group, ...scope }));
  }
  await manager.start();
  return { manager, stop: () => manager.stop() };
}

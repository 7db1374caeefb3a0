import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeConnection } from '../runtime/kubeconfig.ts';
import { apiVersionOf, aviaryGroup, type ApiGroup } from '../api/groups.ts';
import { analysisRunController } from '../analysis/controller.ts';
import { servesResource } from '../runtime/discovery.ts';
import type { Logger } from '../runtime/logger.ts';
import { Manager } from '../runtime/manager.ts';
import { groupServes } from '../api/registry.ts';
import { canaryController } from '../canary/controller.ts';
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
  /** Canaries: the provider of those without spec.provider, and the Prometheus of those without spec.metricsServer. */
  defaultProvider?: string;
  metricsServer?: string;
}

export interface GroupControllerOptions {
  namespace?: string;
  workers?: number;
  defaultProvider?: string;
  metricsServer?: string;
}

/**
 * The controllers of one API group, for the kinds it serves and the cluster has CRDs for: Rollouts, AnalysisRuns
 * (optional: without the CRD, analysis is off), Canaries. Returns what was left out, for the caller to report.
 */
export async function addControllers(manager: Manager, group: ApiGroup, options: GroupControllerOptions): Promise<string[]> {
  const apiVersion = apiVersionOf(group);
  const missing: string[] = [];
  const scope = {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  };
  if (groupServes(group, 'Rollout')) {
    const analysis = await servesResource(manager.client, apiVersion, 'analysisruns');
    manager.addController(rolloutController(manager, { group, analysis, ...scope }));
    if (analysis) manager.addController(analysisRunController(manager, { group, ...scope }));
    else missing.push(`AnalysisRun (${group.name})`);
  }
  if (groupServes(group, 'Canary')) {
    if (await servesResource(manager.client, apiVersion, 'canaries')) {
      manager.addController(canaryController(manager, {
        group, ...scope,
        ...(options.defaultProvider === undefined ? {} : { defaultProvider: options.defaultProvider }),
        ...(options.metricsServer === undefined ? {} : { metricsServer: options.metricsServer }),
      }));
    } else {
      missing.push(`Canary (${group.name})`);
    }
  }
  return missing;
}

/**
 * Starts the controllers in this process (addControllers for each group) and resolves once their caches are
 * synced: what `aviary demo`, the end-to-end tests and the benchmarks use. `aviary controller` is the long-running form of the same thing.
 */
export async function startRolloutController(options: StartControllerOptions): Promise<RunningController> {
  const manager = new Manager({ kubeConfig: options.kubeConfig, address: options.address ?? false, ...(options.logger === undefined ? {} : { logger: options.logger }) });
  const { groups = [aviaryGroup], kubeConfig: _kubeConfig, address: _address, logger: _logger, ...scope } = options;
  for (const group of groups) await addControllers(manager, group, scope);
  await manager.start();
  return { manager, stop: () => manager.stop() };
}

import { after, before } from 'node:test';
import { aviaryGroup, type ApiGroup } from '../../src/api/groups.ts';
import { startTestController, type TestController } from './controller.ts';
import type { StartControllerOptions } from '../../src/rollout/run.ts';
import { TestNamespace } from './namespace.ts';
import { Rollouts } from './rollouts.ts';

const rolloutDumpKinds: [string, string][] = [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet'], ['v1', 'Service']];

export interface RolloutSuite {
  ns: TestNamespace;
  rollouts: Rollouts;
  /** The controller of this suite (valid inside tests). */
  readonly controller: TestController;
  /** Stops the controller and starts a fresh one, as a controller restart or failover would. */
  restartController(): Promise<void>;
}

/**
 * The shared frame of a Rollout e2e file: its own namespace and its own in-process controller scoped to it,
 * created before the tests and removed after. Call at the top of a describe().
 */
export interface SuiteOptions {
  groups?: readonly ApiGroup[];
  address?: string;
  dumpKinds?: [string, string][];
  /** For Canary suites: the controller's default Prometheus and provider. */
  canaries?: Pick<StartControllerOptions, 'metricsServer' | 'defaultProvider'>;
}

export function useRolloutSuite(prefix: string, options: SuiteOptions = {}): RolloutSuite {
  const ns = new TestNamespace(prefix, options.dumpKinds ?? rolloutDumpKinds);
  let current: TestController | undefined;
  const start = (): Promise<TestController> => startTestController(ns.kc, ns.name, options.groups ?? [aviaryGroup], options.address ?? false, options.canaries);
  before(async () => {
    await ns.create();
    current = await start();
  });
  after(async () => {
    await current?.stop();
    await ns.delete();
  });
  return {
    ns,
    rollouts: new Rollouts(ns),
    get controller(): TestController {
      if (current === undefined) throw new Error('the suite controller runs only inside tests');
      return current;
    },
    async restartController(): Promise<void> {
      await current?.stop();
      current = await start();
    },
  };
}

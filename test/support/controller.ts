import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { startRolloutController, type RunningController } from '../../src/rollout/run.ts';
import { involvedObject } from '../../src/runtime/events.ts';
import { applyYaml } from './kube.ts';
import { waitFor } from './wait.ts';

const crdFile = new URL('../../deploy/crds/aviary.dev_rollouts.yaml', import.meta.url);

/** Installs (server-side applies) Aviary's Rollout CRD and waits until it is served. */
export async function installRolloutCrd(kc: KubeConfig): Promise<void> {
  await applyYaml(kc, await readFile(crdFile, 'utf8'));
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await waitFor('the Rollout CRD to be Established', async () => {
    const crd = await ext.readCustomResourceDefinition({ name: 'rollouts.aviary.dev' });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  });
}

export interface RecordedEvent {
  object: string;
  type: string;
  reason: string;
  message: string;
}

export interface TestController extends RunningController {
  /** Every Event the controller recorded, in the order it recorded them. */
  events: RecordedEvent[];
  reasonsFor(name: string): string[];
}

/**
 * The real controller, in this process and scoped to the test's namespace, so test files running in parallel
 * never reconcile each other's objects. Events are also captured in the order the controller emits them (the
 * API server stores repeats of one Event as a count, which loses their order).
 */
export async function startTestController(kc: KubeConfig, namespace: string): Promise<TestController> {
  await installRolloutCrd(kc);
  const running = await startRolloutController({ kubeConfig: kc, namespace });
  const events: RecordedEvent[] = [];
  const recorder = running.manager.events;
  const record = recorder.event.bind(recorder);
  recorder.event = (object, type, reason, message) => {
    const name = involvedObject(object).name ?? '';
    events.push({ object: name, type, reason, message });
    record(object, type, reason, message);
  };
  return {
    ...running,
    events,
    reasonsFor: (name) => events.filter((e) => e.object === name).map((e) => e.reason),
  };
}

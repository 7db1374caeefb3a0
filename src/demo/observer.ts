import type { ReplicaSet } from '../api/kubernetes.ts';
import type { Rollout } from '../api/rollout.ts';
import { Informer } from '../runtime/informer.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import type { KubeClient } from '../runtime/rest.ts';
import { podTemplateHashLabel } from '../api/labels.ts';

export interface ObservedState {
  rollout: DeepReadonly<Rollout> | undefined;
  replicaSets: DeepReadonly<ReplicaSet>[];
}

/**
 * Watches one Rollout and its ReplicaSets through two informers and tells listeners about every change, so the
 * demo reacts to what the API server reports as it happens instead of polling.
 */
export class RolloutObserver {
  readonly #rollouts: Informer<Rollout>;
  readonly #replicaSets: Informer<ReplicaSet>;
  readonly #listeners = new Set<(state: ObservedState) => void>();
  readonly #waiters = new Set<() => void>();

  constructor(client: KubeClient, target: { apiVersion: string; namespace: string; name: string }) {
    this.#rollouts = new Informer<Rollout>(client, {
      resource: { apiVersion: target.apiVersion, kind: 'Rollout', plural: 'rollouts' },
      namespace: target.namespace,
      fieldSelector: `metadata.name=${target.name}`,
    });
    this.#replicaSets = new Informer<ReplicaSet>(client, {
      resource: { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' },
      namespace: target.namespace,
      labelSelector: podTemplateHashLabel,
    });
    for (const informer of [this.#rollouts, this.#replicaSets] as Informer[]) {
      informer.addEventHandler({
        onAdd: () => { this.#changed(); },
        onUpdate: () => { this.#changed(); },
        onDelete: () => { this.#changed(); },
      });
    }
  }

  async start(signal?: AbortSignal): Promise<void> {
    this.#rollouts.start();
    this.#replicaSets.start();
    await Promise.all([this.#rollouts.waitForSync(signal), this.#replicaSets.waitForSync(signal)]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.#rollouts.stop(), this.#replicaSets.stop()]);
  }

  state(): ObservedState {
    const rollout = this.#rollouts.list()[0];
    const uid = rollout?.metadata.uid;
    const replicaSets = uid === undefined
      ? []
      : this.#replicaSets.list().filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === uid && o.controller === true) === true);
    return { rollout, replicaSets };
  }

  /** Calls `listener` with the new state after every change; returns a function that removes it. */
  onChange(listener: (state: ObservedState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves at the next change; rejects when the signal aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        this.#waiters.delete(done);
        reject(signal.reason as Error);
      };
      const done = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waits until `check` returns something other than undefined, re-checking after every change. */
  async until<T>(check: (state: ObservedState) => T | undefined, signal: AbortSignal): Promise<T> {
    for (;;) {
      const result = check(this.state());
      if (result !== undefined) return result;
      await this.changed(signal);
    }
  }

  #changed(): void {
    const state = this.state();
    for (const listener of this.#listeners) listener(state);
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}

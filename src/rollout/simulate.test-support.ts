import { isDeepStrictEqual } from 'node:util';
import type { V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import type { Rollout } from '../api/rollout.ts';
import { planRollout } from './plan.ts';
import type { PlannedEvent, RolloutPlan } from './observed.ts';

/**
 * A tiny in-memory world for planner tests: applies each plan the way the executor would and lets pods become
 * available instantly (or never, for the ReplicaSets listed in `unavailable`). It only exercises the pure planner;
 * the real executor is tested end to end against the local cluster.
 */
export class Simulation {
  rollout: Rollout;
  replicaSets: V1ReplicaSet[] = [];
  services = new Map<string, V1Service>();
  events: PlannedEvent[] = [];
  now = new Date('2026-01-01T00:00:00Z');
  unavailable = new Set<string>();
  lastPlan?: RolloutPlan;

  constructor(rollout: Rollout, services: string[] = []) {
    this.rollout = structuredClone(rollout);
    this.rollout.metadata.generation ??= 1;
    for (const name of services) this.services.set(name, { metadata: { name }, spec: { selector: { app: 'web' } } });
  }

  /** One reconcile. Returns true when it changed anything. */
  reconcile(): boolean {
    const plan = planRollout({ rollout: this.rollout, replicaSets: this.replicaSets, services: this.services, now: this.now });
    this.lastPlan = plan;
    let changed = false;
    if (plan.createReplicaSet !== undefined) {
      this.replicaSets.push({ ...structuredClone(plan.createReplicaSet), status: { replicas: 0, observedGeneration: 1 } });
      plan.createReplicaSet.metadata ??= {};
      changed = true;
    }
    for (const { name, to } of plan.scale) {
      const rs = this.rs(name);
      rs.spec = { ...rs.spec, replicas: to, selector: rs.spec?.selector ?? {} };
      changed = true;
    }
    for (const { name, annotations } of plan.annotate) {
      const rs = this.rs(name);
      const merged = Object.fromEntries(
        Object.entries({ ...(rs.metadata?.annotations ?? {}), ...annotations }).filter((e): e is [string, string] => e[1] !== null),
      );
      rs.metadata = { ...rs.metadata, annotations: merged };
      changed = true;
    }
    this.replicaSets = this.replicaSets.filter((rs) => !plan.deleteReplicaSets.includes(rs.metadata?.name ?? ''));
    for (const { service, hash } of plan.serviceSelectors) {
      const svc = this.services.get(service);
      if (svc?.spec?.selector !== undefined) svc.spec.selector = { ...svc.spec.selector, 'rollouts-pod-template-hash': hash };
      changed = true;
    }
    if (!isDeepStrictEqual(plan.status, this.rollout.status)) {
      this.rollout.status = structuredClone(plan.status);
      changed = true;
    }
    this.events.push(...plan.events);
    this.settlePods();
    return changed;
  }

  /** Reconciles until nothing changes (a steady state or a pause), at most `limit` times. */
  settle(limit = 50): void {
    for (let i = 0; i < limit; i++) if (!this.reconcile()) return;
    throw new Error(`no steady state after ${limit} reconciles; last status ${JSON.stringify(this.rollout.status)}`);
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  update(mutate: (r: Rollout) => void): void {
    mutate(this.rollout);
    this.rollout.metadata.generation = (this.rollout.metadata.generation ?? 1) + 1;
  }

  replicaCounts(): Record<string, number> {
    return Object.fromEntries(this.replicaSets.map((rs) => [rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '', rs.spec?.replicas ?? 0]));
  }

  phase(): string | undefined {
    return this.rollout.status?.phase;
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  private rs(name: string): V1ReplicaSet {
    const rs = this.replicaSets.find((r) => r.metadata?.name === name);
    if (rs === undefined) throw new Error(`plan refers to unknown ReplicaSet ${name}`);
    return rs;
  }

  private settlePods(): void {
    for (const rs of this.replicaSets) {
      const want = rs.spec?.replicas ?? 0;
      const available = this.unavailable.has(rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '') ? 0 : want;
      rs.status = { replicas: want, readyReplicas: available, availableReplicas: available, observedGeneration: rs.metadata?.generation ?? 1 };
    }
  }
}

export function canaryRollout(overrides: Partial<Rollout['spec']> = {}): Rollout {
  return {
    apiVersion: 'aviary.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', generation: 1 },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      ...overrides,
    },
  };
}

export function setImage(r: Rollout, image: string): void {
  const spec = r.spec.template?.spec as { containers: { image: string }[] } | undefined;
  const container = spec?.containers[0];
  if (container !== undefined) container.image = image;
}

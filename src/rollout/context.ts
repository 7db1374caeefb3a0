import type { ReplicaSet } from '../api/kubernetes.ts';
import type { AntiAffinity, PauseCondition, Rollout, RolloutStatus } from '../api/rollout.ts';
import { antiAffinityFor } from './pod-metadata.ts';
import { podTemplateHash } from './hash.ts';
import { type ObservedRollout, type PlannedEvent, type ReplicaSetView, type RolloutPlan } from './observed.ts';
import { controllerReference } from '../runtime/objects.ts';
import { formatTime } from '../runtime/time.ts';
import type { Workload } from './workload.ts';
import { routersFor } from '../traffic/registry.ts';
import type { ObservedTraffic, TrafficIntent, TrafficRouter } from '../traffic/router.ts';
import { desiredReplicasAnnotation, podTemplateHashLabel, revisionAnnotation, templateHashAnnotation } from '../api/labels.ts';

/**
 * The working state of one planning pass: the observed snapshot, derived facts (hash, ReplicaSet roles, revision)
 * and the plan being built. Strategy planners read and extend it; nothing here touches the cluster.
 */
export class PlanContext {
  readonly rollout: Rollout;
  readonly observed: ObservedRollout;
  /** What is released: the template of the next version and the ReplicaSets that run now. */
  readonly workload: Workload;
  readonly now: Date;
  readonly nowTime: string;
  readonly replicas: number;
  readonly hash: string;
  readonly views: ReplicaSetView[];
  readonly newRS: ReplicaSetView | undefined;
  readonly previous: RolloutStatus;
  readonly status: RolloutStatus;
  readonly plan: RolloutPlan;
  /** Events before the scaling events of this pass, scaling events, then those that conclude it. */
  readonly leadingEvents: PlannedEvent[] = [];
  readonly scalingEvents: PlannedEvent[] = [];
  readonly trailingEvents: PlannedEvent[] = [];
  /** Revision the current template runs as. */
  readonly revision: number;
  /** The routers the Rollout's traffic goes through, bound to its configuration, in registry order. */
  readonly routers: TrafficRouter[];
  /** What the routers read, as observed. */
  readonly traffic: ObservedTraffic;

  constructor(rollout: Rollout, observed: ObservedRollout, workload: Workload) {
    this.rollout = rollout;
    this.observed = observed;
    this.workload = workload;
    this.now = observed.now;
    this.nowTime = formatTime(observed.now.getTime());
    this.replicas = rollout.spec.replicas ?? 1;
    this.previous = rollout.status ?? {};
    this.status = structuredClone(this.previous);
    this.plan = { scale: [], annotate: [], deleteReplicaSets: [], evictPods: [], podMetadata: [], writes: [], createAnalysisRuns: [], terminateAnalysisRuns: [], deleteAnalysisRuns: [], status: this.status, events: [] };
    const computed = podTemplateHash(workload.template, this.previous.collisionCount ?? 0);
    this.views = [...workload.versions];
    this.newRS = this.views.find((v) => v.hash === computed || v.templateHash === computed) ?? this.#adopt(rollout, computed);
    this.hash = this.newRS?.hash ?? computed;
    const maxRevision = Math.max(0, ...this.views.map((v) => v.revision));
    this.revision = this.newRS?.revision === maxRevision ? maxRevision : maxRevision + 1;
    this.routers = routersFor(rollout).map((definition) => definition.routerFor(rollout));
    this.traffic = {
      namespace: rollout.metadata.namespace ?? 'default',
      owner: rollout.metadata.name ?? '',
      services: observed.services,
      objects: observed.routerObjects ?? new Map(),
      absentKinds: observed.absentKinds ?? new Set(),
      ...(observed.endpoints === undefined ? {} : { endpoints: observed.endpoints }),
    };
  }

  /**
   * Whether the routers' objects, as observed, carry the intent: no router has a problem and none says it has
   * not caught up (one that cannot tell counts as carrying it).
   */
  trafficCarries(intent: TrafficIntent): boolean {
    return this.routers.every((router) => router.problems(intent, this.traffic).length === 0 && router.verify(intent, this.traffic) !== false);
  }

  /**
   * A Rollout taken over from another controller (Argo Rollouts, in compatibility mode) has ReplicaSets whose
   * hash was computed another way. If its status says it observed the current generation, the ReplicaSet it names
   * in currentPodHash runs exactly the current template: adopt it, and record Aviary's hash on it so later passes
   * find it even after the generation moves for other reasons (replicas, steps). No pods are replaced.
   */
  #adopt(rollout: Rollout, computed: string): ReplicaSetView | undefined {
    const { currentPodHash, observedGeneration } = this.previous;
    if (currentPodHash === undefined || observedGeneration !== String(rollout.metadata.generation ?? '')) return undefined;
    // With workloadRef the template lives in the referenced object: it must be unchanged as well.
    const { sourceGeneration } = this.workload;
    if (sourceGeneration !== undefined && this.previous.workloadObservedGeneration !== sourceGeneration) return undefined;
    const adopted = this.views.find((v) => v.hash === currentPodHash && v.templateHash === undefined);
    if (adopted !== undefined) {
      this.plan.annotate.push({ name: adopted.name, annotations: { [templateHashAnnotation]: computed } });
      adopted.templateHash = computed;
    }
    return adopted;
  }

  /** The stable ReplicaSet recorded in status, if it still exists. */
  get stableRS(): ReplicaSetView | undefined {
    const stable = this.status.stableRS;
    return stable === undefined ? undefined : this.views.find((v) => v.hash === stable);
  }

  event(type: PlannedEvent['type'], reason: string, message: string, where: 'leading' | 'trailing' = 'leading'): void {
    (where === 'leading' ? this.leadingEvents : this.trailingEvents).push({ type, reason, message });
  }

  requeueAfter(ms: number): void {
    const bounded = Math.max(0, Math.ceil(ms));
    this.plan.requeueAfterMs = this.plan.requeueAfterMs === undefined ? bounded : Math.min(this.plan.requeueAfterMs, bounded);
  }

  /** Sets spec.replicas of a ReplicaSet (or of the one being created) and records the ScalingReplicaSet event. */
  scale(view: ReplicaSetView, to: number): void {
    if (view.current === to) return;
    const create = this.plan.createReplicaSet;
    if (create?.metadata?.name === view.name && create.spec !== undefined) {
      create.spec.replicas = to;
      const annotations = create.metadata.annotations ?? {};
      annotations[desiredReplicasAnnotation] = String(this.replicas);
    } else {
      this.plan.scale.push({ name: view.name, from: view.current, to });
    }
    this.scalingEvents.push({
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled ${to > view.current ? 'up' : 'down'} ReplicaSet ${view.name} (revision ${view.revision}) from ${view.current} to ${to}`,
    });
    view.current = to;
  }

  /** The ReplicaSet of the current template, created (at 0 replicas) in this plan when missing. */
  ensureNewReplicaSet(): ReplicaSetView {
    if (this.newRS !== undefined) {
      if (this.newRS.revision !== this.revision) {
        // An older template came back (undo): it runs again as the newest revision.
        this.plan.annotate.push({ name: this.newRS.name, annotations: { [revisionAnnotation]: String(this.revision) } });
        this.newRS.revision = this.revision;
      }
      return this.newRS;
    }
    const rs = buildReplicaSet(this.rollout, this.workload, this.hash, this.revision);
    this.plan.createReplicaSet = rs;
    this.event('Normal', 'NewReplicaSetCreated', `Created ReplicaSet ${rs.metadata?.name ?? ''} (revision ${this.revision})`);
    const view: ReplicaSetView = {
      name: rs.metadata?.name ?? '', hash: this.hash, current: 0, created: 0, ready: 0, available: 0,
      revision: this.revision, createdAt: this.nowTime, observed: true,
    };
    this.views.push(view);
    (this as { newRS: ReplicaSetView | undefined }).newRS = view;
    return view;
  }

  /** Adds the anti-affinity rule against the stable pods to the ReplicaSet being created in this pass. */
  injectAntiAffinity(rule: AntiAffinity | undefined, stableHash: string): void {
    const template = this.plan.createReplicaSet?.spec?.template;
    if (rule === undefined || template?.spec === undefined || stableHash === this.hash) return;
    template.spec.affinity = antiAffinityFor(template.spec.affinity, rule, stableHash);
  }

  setPause(reason: PauseCondition['reason']): void {
    const conditions = this.status.pauseConditions ?? [];
    if (conditions.some((c) => c.reason === reason)) return;
    this.status.pauseConditions = [...conditions, { reason, startTime: this.nowTime }];
    this.status.controllerPause = true;
    this.event('Normal', 'RolloutPaused', `Rollout is paused (${reason})`);
  }

  pauseCondition(reason: PauseCondition['reason']): PauseCondition | undefined {
    return this.status.pauseConditions?.find((c) => c.reason === reason);
  }

  /** A pause this controller set was lifted by a promote (pause condition gone, controllerPause still set). */
  get pauseLiftedByUser(): boolean {
    return this.status.controllerPause === true && (this.status.pauseConditions ?? []).length === 0;
  }

  clearPause(): void {
    const wasPaused = this.status.controllerPause === true || (this.status.pauseConditions ?? []).length > 0;
    delete this.status.pauseConditions;
    delete this.status.controllerPause;
    if (wasPaused) this.event('Normal', 'RolloutResumed', 'Rollout is resumed');
  }
}


/** The ReplicaSet that runs the workload's template as `revision`, at 0 replicas, controlled by the Rollout. */
export function buildReplicaSet(rollout: Rollout, workload: Workload, hash: string, revision: number): ReplicaSet {
  const { metadata, spec } = rollout;
  const { selector } = workload;
  const template = structuredClone(workload.template ?? {});
  const podLabels = { ...(template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${metadata.name ?? ''}-${hash}`,
      namespace: metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash },
      annotations: { [revisionAnnotation]: String(revision), [desiredReplicasAnnotation]: String(spec.replicas ?? 1) },
      ownerReferences: [controllerReference({ apiVersion: rollout.apiVersion ?? 'aviary.dev/v1alpha1', kind: 'Rollout', name: metadata.name ?? '', uid: metadata.uid ?? '' })],
    },
    spec: {
      replicas: 0,
      minReadySeconds: spec.minReadySeconds ?? 0,
      selector: {
        matchLabels: { ...(selector?.matchLabels ?? {}), [podTemplateHashLabel]: hash },
        ...(selector?.matchExpressions === undefined ? {} : { matchExpressions: selector.matchExpressions }),
      },
      template: { ...template, metadata: { ...(template.metadata ?? {}), labels: podLabels } },
    },
  };
}

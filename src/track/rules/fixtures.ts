/** Builders for the rule tables in the unit tests: the smallest objects that look like what the API server returns. */
import type { ContainerStatus, KEvent, Pod } from '../model.ts';
import { defaultDetection, type DetectionSettings, type Observed } from './types.ts';

export const t0 = Date.parse('2026-01-01T00:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export function observed<T>(object: T, extra: { pods?: Pod[]; events?: KEvent[]; now?: number; detection?: Partial<DetectionSettings> } = {}): Observed<T> {
  return {
    object,
    pods: extra.pods ?? [],
    events: extra.events ?? [],
    now: extra.now ?? t0,
    detection: { ...defaultDetection, ...extra.detection },
  };
}

export interface PodOptions {
  name?: string;
  uid?: string;
  labels?: Record<string, string>;
  owner?: string;
  ready?: boolean;
  phase?: string;
  containers?: ContainerStatus[];
  init?: ContainerStatus[];
  unschedulableSince?: number;
  startedAt?: number;
  readinessProbe?: { periodSeconds?: number; failureThreshold?: number; initialDelaySeconds?: number };
}

export function pod(o: PodOptions = {}): Pod {
  const name = o.name ?? 'web-1';
  const ready = o.ready ?? true;
  const conditions = o.unschedulableSince === undefined
    ? [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False' }]
    : [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available', lastTransitionTime: iso(o.unschedulableSince) }];
  const p: Pod = {
    metadata: {
      name,
      uid: o.uid ?? `uid-${name}`,
      labels: o.labels ?? {},
      creationTimestamp: iso(t0 - 60_000),
      ownerReferences: o.owner === undefined ? [] : [{ uid: o.owner, controller: true }],
    },
    spec: { containers: [{ name: 'web', readinessProbe: o.readinessProbe }] },
    status: {
      phase: o.phase ?? (o.unschedulableSince === undefined ? 'Running' : 'Pending'),
      conditions,
      containerStatuses: o.containers ?? (o.unschedulableSince === undefined
        ? [{ name: 'web', ready, restartCount: 0, state: { running: { startedAt: iso(o.startedAt ?? t0 - 30_000) } } }]
        : []),
    },
  };
  if (o.init !== undefined && p.status !== undefined) p.status.initContainerStatuses = o.init;
  return p;
}

export function event(o: { uid: string; reason: string; message?: string; type?: string; at?: number; first?: number; container?: string; count?: number }): KEvent {
  const e: KEvent = {
    metadata: { name: `ev-${o.reason}`, uid: `ev-${o.uid}-${o.reason}` },
    involvedObject: { uid: o.uid, kind: 'Pod', name: 'x' },
    reason: o.reason,
    message: o.message ?? '',
    type: o.type ?? 'Warning',
    count: o.count ?? 1,
    firstTimestamp: iso(o.first ?? o.at ?? t0),
    lastTimestamp: iso(o.at ?? t0),
  };
  if (o.container !== undefined && e.involvedObject !== undefined) e.involvedObject.fieldPath = `spec.containers{${o.container}}`;
  return e;
}

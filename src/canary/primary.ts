/**
 * What a Flagger-shaped Canary generates from its target, as pure functions of the objects: the `<target>-primary`
 * workload that serves the released version, and the apex, `-primary` and `-canary` Services. The Canary controller
 * (being built; docs/canary.md) applies them; `aviary plan` and tests read them without a cluster.
 */
import type { Canary } from '../api/canary.ts';
import type { DaemonSet, Deployment, ObjectMeta, OwnerReference, Service } from '../api/kubernetes.ts';
import { controllerReference, type DeepReadonly } from '../runtime/objects.ts';

/** The labels Flagger tells versions apart by, the first one the target's selector has. */
export const selectorLabelKeys = ['app', 'name', 'app.kubernetes.io/name'] as const;

export interface SelectorLabel {
  key: string;
  /** The target's value (the canary's pods); the primary's pods carry `<value>-primary`. */
  value: string;
}

/** A problem with the target that keeps the Canary where it is, naming the field. */
export interface TargetProblem {
  field: string;
  message: string;
}

type Workload = Deployment | DaemonSet;

/** The selector label of a target, or the problem when its selector has none of app, name, app.kubernetes.io/name. */
export function selectorLabel(target: DeepReadonly<Workload>): SelectorLabel | TargetProblem {
  const labels = target.spec?.selector.matchLabels ?? {};
  for (const key of selectorLabelKeys) {
    const value = labels[key];
    if (value !== undefined && value !== '') return { key, value };
  }
  return {
    field: 'spec.selector.matchLabels',
    message: `${target.kind ?? 'the target'} ${target.metadata?.name ?? ''} has none of the selector labels ${selectorLabelKeys.join(', ')}: the primary cannot be told apart from the canary`,
  };
}

export function isProblem(value: SelectorLabel | TargetProblem): value is TargetProblem {
  return 'field' in value;
}

export function primaryName(name: string): string {
  return `${name}-primary`;
}

/** The Canary as the controller of what it generates: deleting the Canary garbage-collects them. */
export function ownedByCanary(canary: DeepReadonly<Canary>): OwnerReference[] {
  const { name, uid } = canary.metadata;
  if (uid === undefined) return [];
  return [controllerReference({ apiVersion: canary.apiVersion ?? 'aviary.dev/v1alpha1', kind: 'Canary', name: name ?? '', uid })];
}

function relabel(labels: DeepReadonly<Record<string, string>> | undefined, label: SelectorLabel): Record<string, string> {
  return { ...labels, [label.key]: `${label.value}-primary` };
}

/**
 * `<target>-primary`: the target's pod template (labels, annotations, spec) with the selector label's value
 * `<value>-primary` in its selector and pods, and the fields Flagger copies (replicas, strategy, minReadySeconds,
 * revisionHistoryLimit, progressDeadlineSeconds; updateStrategy for a DaemonSet). Config references are rewritten
 * by config tracking, not here.
 */
export function primaryWorkload<T extends Workload>(canary: DeepReadonly<Canary>, target: DeepReadonly<T>, label: SelectorLabel): T {
  const spec = structuredClone(target.spec) as NonNullable<Workload['spec']>;
  const template = spec.template;
  const metadata: ObjectMeta = {
    name: primaryName(target.metadata?.name ?? ''),
    namespace: target.metadata?.namespace ?? canary.metadata.namespace ?? 'default',
    labels: relabel(target.metadata?.labels, label),
    ...(target.metadata?.annotations === undefined ? {} : { annotations: structuredClone(target.metadata.annotations) }),
    ownerReferences: ownedByCanary(canary),
  };
  const copied = {
    ...spec,
    selector: { ...spec.selector, matchLabels: relabel(spec.selector.matchLabels, label) },
    template: { ...template, metadata: { ...template.metadata, labels: relabel(template.metadata?.labels, label) } },
  };
  return { apiVersion: target.apiVersion ?? 'apps/v1', kind: target.kind ?? 'Deployment', metadata, spec: copied } as T;
}

/** The three Services of a Canary: which pods each selects, and its name. */
export interface CanaryServices {
  apex: Service;
  primary: Service;
  canary: Service;
}

/**
 * The apex Service (`service.name`, default the target's name) and `<apex>-primary` select the primary's pods,
 * `<apex>-canary` the target's; one port `service.port` named `service.portName` (default "http") to
 * `service.targetPort` (default the port), with its appProtocol; headless when asked; each with its own
 * apex/primary/canary labels and annotations. All owned by the Canary.
 */
export function canaryServices(canary: DeepReadonly<Canary>, label: SelectorLabel): CanaryServices {
  const svc = canary.spec.service;
  const apexName = svc.name ?? canary.spec.targetRef.name;
  const port = {
    name: svc.portName ?? 'http',
    port: svc.port,
    protocol: 'TCP',
    targetPort: svc.targetPort ?? svc.port,
    ...(svc.appProtocol === undefined ? {} : { appProtocol: svc.appProtocol }),
  };
  const service = (name: string, selectorValue: string, meta: DeepReadonly<{ labels?: Record<string, string>; annotations?: Record<string, string> }> | undefined): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: canary.metadata.namespace ?? 'default',
      labels: { ...meta?.labels, [label.key]: name },
      ...(meta?.annotations === undefined ? {} : { annotations: { ...meta.annotations } }),
      ownerReferences: ownedByCanary(canary),
    },
    spec: {
      type: 'ClusterIP',
      ...(svc.headless === true ? { clusterIP: 'None' } : {}),
      selector: { [label.key]: selectorValue },
      ports: [port],
    },
  });
  return {
    apex: service(apexName, `${label.value}-primary`, svc.apex),
    primary: service(primaryName(apexName), `${label.value}-primary`, svc.primary),
    canary: service(`${apexName}-canary`, label.value, svc.canary),
  };
}

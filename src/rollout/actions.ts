/**
 * The actions people take on a Rollout — promote, abort, retry, pause, restart, undo, set image — as pure functions
 * from the objects to the patches that carry them out. They write exactly the fields Argo Rollouts' tools write
 * (status.pauseConditions, status.currentStepIndex, status.promoteFull, status.abort, spec.paused, spec.restartAt,
 * spec.template), so the CLI, a dashboard and Argo CD's resource actions all steer the same controller the same way.
 *
 * Where an action makes no sense in the current state (promote on a Healthy rollout, retry without an abort, undo to
 * the template already running) it is refused with an ActionRefused that says why and what to do instead, rather
 * than writing a patch the controller would ignore.
 */
import type { Container, Deployment, PodTemplateSpec as CorePodTemplateSpec, ReplicaSet } from '../api/kubernetes.ts';
import { ephemeralMetadataAnnotation, podTemplateHashLabel, revisionAnnotation, templateHashAnnotation } from '../api/labels.ts';
import type { PodTemplateSpec, Rollout } from '../api/rollout.ts';
import { formatTime } from '../runtime/time.ts';
import { podTemplateHash } from './hash.ts';

/** One write: a merge patch or a JSON patch (RFC 6902) of one object. */
export interface ActionPatch {
  /** `rollout`: the Rollout; `status`: its status subresource; `workload`: the Deployment named by spec.workloadRef. */
  target: 'rollout' | 'status' | 'workload';
  type: 'merge' | 'json';
  body: unknown;
}

export interface ActionPlan {
  /** In the order they must be sent; empty when the object already is as asked (e.g. set image to the same image). */
  patches: ActionPatch[];
  /** The one-line confirmation for a person. */
  message: string;
}

/** The action cannot apply to the Rollout in its current state; the message says why and what would. */
export class ActionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionRefused';
  }
}

type Status = NonNullable<Rollout['status']>;

const nameOf = (rollout: Rollout): string => rollout.metadata.name ?? '';
const statusOf = (rollout: Rollout): Status => rollout.status ?? {};
const observed = (rollout: Rollout): boolean => statusOf(rollout).observedGeneration === String(rollout.metadata.generation ?? '');

/** An update is under way: the template the controller runs is not (yet) the stable one. */
function updating(rollout: Rollout): boolean {
  const { currentPodHash, stableRS } = statusOf(rollout);
  return currentPodHash === undefined || stableRS === undefined || currentPodHash !== stableRS;
}

function refuseIfAborted(rollout: Rollout, action: string): void {
  if (statusOf(rollout).abort === true) {
    const name = nameOf(rollout);
    throw new ActionRefused(`rollout '${name}' is aborted, so ${action} would have no effect: \`retry rollout ${name}\` resumes the update from its first step, \`undo ${name}\` goes back to the previous template`);
  }
}

function refuseIfNotObserved(rollout: Rollout, action: string): void {
  if (!observed(rollout)) {
    throw new ActionRefused(`rollout '${nameOf(rollout)}' changed (generation ${rollout.metadata.generation ?? '?'}) and the controller has not acted on it yet (status is of generation ${statusOf(rollout).observedGeneration ?? 'none'}); ${action} is decided on the current state: try again in a moment, or check that the controller runs`);
  }
}

function stepText(rollout: Rollout, index: number): string {
  const steps = rollout.spec.strategy?.canary?.steps ?? [];
  const step = steps[index] ?? {};
  let detail = Object.keys(step).find((k) => (step as Record<string, unknown>)[k] !== undefined) ?? 'step';
  if (step.setWeight !== undefined) detail = `setWeight: ${step.setWeight}`;
  else if (step.pause !== undefined) detail = step.pause.duration === undefined ? 'pause' : `pause: ${String(step.pause.duration)}`;
  return `step ${index + 1}/${steps.length} (${detail})`;
}

/**
 * promote: lifts the pause the rollout waits in (its pause conditions, and spec.paused when set). With no pause
 * condition, a canary skips the step it is on (its analysis or its wait for pods), as Argo Rollouts does.
 * `full` skips every remaining step, pause and analysis (status.promoteFull), and lifts a manual pause too.
 */
export function promoteAction(rollout: Rollout, options: { full?: boolean } = {}): ActionPlan {
  const name = nameOf(rollout);
  const status = statusOf(rollout);
  const paused = rollout.spec.paused === true;
  const unpause: ActionPatch = { target: 'rollout', type: 'merge', body: { spec: { paused: false } } };
  refuseIfAborted(rollout, options.full === true ? 'a full promotion' : 'a promotion');
  if (options.full === true) {
    refuseIfNotObserved(rollout, 'a full promotion');
    if (!updating(rollout)) throw new ActionRefused(`rollout '${name}' has no update in progress: its current template is already stable, so there is nothing to promote`);
    const patches: ActionPatch[] = [{ target: 'status', type: 'merge', body: { status: { promoteFull: true } } }];
    if (paused) patches.push(unpause);
    return { patches, message: `rollout '${name}' fully promoted${paused ? ' (and unpaused)' : ''}` };
  }

  const conditions = status.pauseConditions ?? [];
  if (conditions.length > 0) {
    const patches: ActionPatch[] = [{ target: 'status', type: 'merge', body: { status: { pauseConditions: null } } }];
    if (paused) patches.push(unpause);
    const reasons = [...new Set(conditions.map((c) => c.reason))].join(', ');
    const canaryPause = conditions.some((c) => c.reason === 'CanaryPauseStep') && rollout.spec.strategy?.canary !== undefined;
    return { patches, message: `rollout '${name}' promoted (${canaryPause ? `${stepText(rollout, status.currentStepIndex ?? 0)} ended` : `${reasons} lifted`}${paused ? ', unpaused' : ''})` };
  }
  if (paused) {
    // Only a manual pause: lift it and nothing else (Argo would also skip the current step here).
    return { patches: [unpause], message: `rollout '${name}' promoted (manual pause lifted)` };
  }
  if (!updating(rollout)) {
    throw new ActionRefused(`rollout '${name}' is ${status.phase ?? 'not updating'} with no update in progress and no pause: there is nothing to promote`);
  }
  const canary = rollout.spec.strategy?.canary;
  if (canary === undefined) {
    throw new ActionRefused(`rollout '${name}' is not paused: a blue-green rollout is promoted at its pause before the switch (\`promote --full\` switches now, without waiting)`);
  }
  refuseIfNotObserved(rollout, 'skipping a step');
  const steps = canary.steps ?? [];
  const index = status.currentStepIndex ?? 0;
  if (index >= steps.length) {
    throw new ActionRefused(`rollout '${name}' has completed all ${steps.length} steps and is not paused: nothing to promote (it is ${status.phase ?? 'progressing'}${status.message === undefined ? '' : `: ${status.message}`})`);
  }
  return {
    patches: [{ target: 'status', type: 'merge', body: { status: { pauseConditions: null, currentStepIndex: index + 1 } } }],
    message: `rollout '${name}' promoted (skipped ${stepText(rollout, index)})`,
  };
}

/** abort: the controller goes back to the stable ReplicaSet (status.abort=true); the template stays the new one. */
export function abortAction(rollout: Rollout): ActionPlan {
  const name = nameOf(rollout);
  if (statusOf(rollout).abort === true) throw new ActionRefused(`rollout '${name}' is already aborted`);
  refuseIfNotObserved(rollout, 'an abort');
  if (!updating(rollout)) throw new ActionRefused(`rollout '${name}' has no update in progress: its current template is stable, so there is nothing to abort`);
  return { patches: [{ target: 'status', type: 'merge', body: { status: { abort: true } } }], message: `rollout '${name}' aborted` };
}

/** retry: an aborted update starts again from its first step (status.abort=false). */
export function retryAction(rollout: Rollout): ActionPlan {
  const name = nameOf(rollout);
  if (statusOf(rollout).abort !== true) throw new ActionRefused(`rollout '${name}' is not aborted (it is ${statusOf(rollout).phase ?? 'not yet reconciled'}): there is nothing to retry`);
  return { patches: [{ target: 'status', type: 'merge', body: { status: { abort: false } } }], message: `rollout '${name}' retried` };
}

/** pause: spec.paused=true; the rollout stays where it is until promoted. */
export function pauseAction(rollout: Rollout): ActionPlan {
  const name = nameOf(rollout);
  if (rollout.spec.paused === true) throw new ActionRefused(`rollout '${name}' is already paused (spec.paused): \`promote ${name}\` resumes it`);
  return { patches: [{ target: 'rollout', type: 'merge', body: { spec: { paused: true } } }], message: `rollout '${name}' paused` };
}


/** restart: every pod created before `at` is replaced, a few at a time (spec.restartAt). */
export function restartAction(rollout: Rollout, at: Date, inText = '0s'): ActionPlan {
  const name = nameOf(rollout);
  if ((rollout.spec.replicas ?? 1) === 0) throw new ActionRefused(`rollout '${name}' has 0 replicas: there are no pods to restart`);
  return {
    // Rounded up to the next whole second: the field has seconds, and a pod created earlier in this second must count.
    patches: [{ target: 'rollout', type: 'merge', body: { spec: { restartAt: formatTime(Math.ceil(at.getTime() / 1000) * 1000) } } }],
    message: `rollout '${name}' restarts in ${inText}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// undo

const revisionOf = (rs: ReplicaSet): number => {
  const value = Number.parseInt(rs.metadata?.annotations?.[revisionAnnotation] ?? '', 10);
  return Number.isFinite(value) ? value : 0;
};

/** Pod defaults the API server adds to a ReplicaSet's template (it does not default a Rollout's). */
const podSpecDefaults: Record<string, unknown> = {
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  securityContext: {},
  schedulerName: 'default-scheduler',
};
const containerDefaults: Record<string, unknown> = {
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  resources: {},
};
const containerLists = ['initContainers', 'containers', 'ephemeralContainers'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A copy of `record` without the keys for which `drop` says so. */
function omit(record: Record<string, unknown>, drop: (key: string, value: unknown) => boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k, v]) => !drop(k, v)));
}

/** The imagePullPolicy the API server fills in for an image: Always for `:latest` or no tag, else IfNotPresent. */
function defaultPullPolicy(image: unknown): string {
  const text = typeof image === 'string' ? image : '';
  if (text.includes('@')) return 'IfNotPresent';
  const tag = /:([^/:]+)$/.exec(text)?.[1];
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function stripContainer(container: Record<string, unknown>, ref: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = { ...containerDefaults, imagePullPolicy: defaultPullPolicy(container.image) };
  const out = omit(container, (k, v) => k in defaults && sameJson(v, defaults[k]) && !(k in ref));
  if (Array.isArray(out.ports)) {
    const refPorts = Array.isArray(ref.ports) ? ref.ports.filter(isRecord) : [];
    out.ports = out.ports.map((port: unknown) => {
      if (!isRecord(port)) return port;
      const refPort = refPorts.find((p) => p.containerPort === port.containerPort) ?? {};
      return omit(port, (k, v) => k === 'protocol' && v === 'TCP' && !('protocol' in refPort));
    });
  }
  return out;
}

/**
 * `template` without the defaults the API server added, except where `reference` (the Rollout's template as the user
 * wrote it) sets the same field: users who write `restartPolicy: Always` keep it.
 */
function stripDefaults(template: Record<string, unknown>, reference: unknown): Record<string, unknown> {
  const out = { ...template };
  if (isRecord(out.metadata)) out.metadata = omit(out.metadata, (k, v) => k === 'creationTimestamp' && v === null);
  const refSpec = isRecord(reference) && isRecord(reference.spec) ? reference.spec : {};
  if (!isRecord(out.spec)) return out;
  const spec = omit(out.spec, (k, v) => k in podSpecDefaults && sameJson(v, podSpecDefaults[k]) && !(k in refSpec));
  for (const list of containerLists) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    const refContainers = Array.isArray(refSpec[list]) ? (refSpec[list] as unknown[]).filter(isRecord) : [];
    spec[list] = containers.map((c: unknown) => (isRecord(c) ? stripContainer(c, refContainers.find((r) => r.name === c.name) ?? {}) : c));
  }
  out.spec = spec;
  return out;
}

/** A ReplicaSet's template without what the controller added: the hash label and the role (ephemeral) metadata. */
function withoutControllerMetadata(rs: ReplicaSet): Record<string, unknown> {
  const template = structuredClone((rs.spec?.template ?? {}) as Record<string, unknown>);
  if (!isRecord(template.metadata)) return template;
  let ephemeral: { labels?: Record<string, string>; annotations?: Record<string, string> } = {};
  try {
    ephemeral = JSON.parse(rs.metadata?.annotations?.[ephemeralMetadataAnnotation] ?? '{}') as typeof ephemeral;
  } catch {
    // An unreadable annotation means no role metadata is known: keep the template's labels as they are.
  }
  const meta = { ...template.metadata };
  for (const key of ['labels', 'annotations'] as const) {
    const map = meta[key];
    if (!isRecord(map)) continue;
    const added = ephemeral[key] ?? {};
    const kept = omit(map, (k, v) => (key === 'labels' && k === podTemplateHashLabel) || added[k] === v);
    if (Object.keys(kept).length === 0) meta[key] = undefined;
    else meta[key] = kept;
  }
  template.metadata = JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
  return template;
}

/**
 * The pod template of an old revision as the Rollout should hold it. The controller names ReplicaSets by the hash of
 * the Rollout's template, so the restored template must hash the same for the controller to reuse the ReplicaSet
 * (and, for the stable one, skip the steps) instead of starting another revision: of the candidates (without the API
 * server's defaults, then as stored) the one whose hash matches the ReplicaSet is chosen.
 */
export function templateOfRevision(rs: ReplicaSet, rollout: Rollout): { template: Record<string, unknown>; exact: boolean } {
  const base = withoutControllerMetadata(rs);
  if (rollout.spec.workloadRef !== undefined) return { template: base, exact: true };
  const wanted = [rs.metadata?.labels?.[podTemplateHashLabel], rs.metadata?.annotations?.[templateHashAnnotation]].filter((h): h is string => h !== undefined);
  const collisionCount = statusOf(rollout).collisionCount ?? 0;
  const stripped = stripDefaults(base, rollout.spec.template);
  for (const candidate of [stripped, stripDefaults(base, {}), base]) {
    if (wanted.includes(podTemplateHash(candidate, collisionCount))) return { template: candidate, exact: true };
  }
  return { template: stripped, exact: false };
}

/** The first image of a template, for messages. */
function imagesOf(template: unknown): string {
  const spec = isRecord(template) && isRecord(template.spec) ? template.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers.filter(isRecord) : [];
  return containers.map((c) => `${String(c.name)}=${String(c.image)}`).join(', ');
}

/**
 * undo: the Rollout's template becomes that of an earlier revision (default: the one before the newest), found on
 * the Rollout's ReplicaSets. With spec.workloadRef, the referenced Deployment's template is changed instead.
 */
export function undoAction(rollout: Rollout, replicaSets: readonly ReplicaSet[], options: { toRevision?: number; workload?: Deployment } = {}): ActionPlan {
  const name = nameOf(rollout);
  const uid = rollout.metadata.uid;
  const owned = replicaSets
    .filter((rs) => uid === undefined || rs.metadata?.ownerReferences?.some((o) => o.uid === uid) === true)
    .filter((rs) => revisionOf(rs) > 0)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const revisions = owned.map(revisionOf);
  let target: ReplicaSet | undefined;
  if (options.toRevision !== undefined && options.toRevision > 0) {
    target = owned.find((rs) => revisionOf(rs) === options.toRevision);
    if (target === undefined) throw new ActionRefused(`rollout '${name}' has no revision ${options.toRevision} (revisions kept: ${revisions.length === 0 ? 'none' : [...revisions].reverse().join(', ')})`);
  } else {
    target = owned[1];
    if (target === undefined) throw new ActionRefused(`rollout '${name}' has no earlier revision to go back to (revisions kept: ${revisions.length === 0 ? 'none' : [...revisions].reverse().join(', ')})`);
  }
  const revision = revisionOf(target);
  const ref = rollout.spec.workloadRef;
  const { template } = templateOfRevision(target, rollout);
  const current = ref === undefined ? rollout.spec.template : options.workload?.spec?.template;
  if (ref !== undefined && options.workload === undefined) throw new ActionRefused(`rollout '${name}' takes its template from ${ref.kind ?? 'Deployment'} '${ref.name ?? ''}' (spec.workloadRef), which was not found`);
  const currentComparable = ref === undefined ? stripDefaults(structuredClone((current ?? {}) as Record<string, unknown>), {}) : current;
  const targetComparable = ref === undefined ? stripDefaults(template, {}) : template;
  if (sameJson(sortKeys(currentComparable), sortKeys(targetComparable))) {
    throw new ActionRefused(`rollout '${name}' already runs the template of revision ${revision}: nothing to undo`);
  }
  return {
    patches: [{ target: ref === undefined ? 'rollout' : 'workload', type: 'json', body: [{ op: 'replace', path: '/spec/template', value: template }] }],
    message: `rollout '${name}' rolled back to revision ${revision}${ref === undefined ? '' : ` (in ${ref.kind ?? 'Deployment'} '${ref.name ?? ''}')`}: ${imagesOf(template)}`,
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
}

// ---------------------------------------------------------------------------------------------------------------
// set image

/**
 * set image: the image of the named container (`*`: every container), among init, regular and ephemeral containers.
 * A JSON patch that tests each container's name before replacing its image, so a concurrent edit of the list fails
 * instead of changing the wrong container. With spec.workloadRef the Deployment's template is changed.
 */
export function setImageAction(rollout: Rollout, container: string, image: string, workload?: Deployment): ActionPlan {
  const name = nameOf(rollout);
  const ref = rollout.spec.workloadRef;
  if (ref !== undefined && workload === undefined) throw new ActionRefused(`rollout '${name}' takes its template from ${ref.kind ?? 'Deployment'} '${ref.name ?? ''}' (spec.workloadRef), which was not found`);
  const template: PodTemplateSpec | CorePodTemplateSpec | undefined = ref === undefined ? rollout.spec.template : workload?.spec?.template;
  const spec = (template?.spec ?? {}) as Partial<Record<(typeof containerLists)[number], Container[]>>;
  const ops: unknown[] = [];
  const matched: string[] = [];
  const unchanged: string[] = [];
  for (const list of containerLists) {
    (spec[list] ?? []).forEach((c, i) => {
      if (c.name !== container && container !== '*') return;
      if (c.image === image) {
        unchanged.push(c.name);
        return;
      }
      matched.push(c.name);
      const path = `/spec/template/spec/${list}/${i}`;
      ops.push({ op: 'test', path: `${path}/name`, value: c.name }, { op: c.image === undefined ? 'add' : 'replace', path: `${path}/image`, value: image });
    });
  }
  if (matched.length === 0 && unchanged.length === 0) {
    const names = containerLists.flatMap((list) => (spec[list] ?? []).map((c) => c.name));
    throw new ActionRefused(`rollout '${name}' has no container named "${container}" (containers: ${names.length === 0 ? 'none' : names.join(', ')})`);
  }
  if (matched.length === 0) return { patches: [], message: `rollout '${name}' image unchanged (${unchanged.join(', ')} already ${image})` };
  return {
    patches: [{ target: ref === undefined ? 'rollout' : 'workload', type: 'json', body: ops }],
    message: `rollout '${name}' image updated (${matched.map((c) => `${c}=${image}`).join(', ')})${ref === undefined ? '' : ` in ${ref.kind ?? 'Deployment'} '${ref.name ?? ''}'`}`,
  };
}

/** Parses `container=image` (or `*=image`); undefined when the text has no container or no image. */
export function parseImageAssignment(text: string): { container: string; image: string } | undefined {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) return undefined;
  return { container: text.slice(0, at), image: text.slice(at + 1) };
}

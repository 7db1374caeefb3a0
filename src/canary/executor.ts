/**
 * Applies a Canary pass: the writes (desired.ts) in order, then the status with the Canary's resourceVersion as a
 * precondition (a user's concurrent change wins and the pass is planned again), then what follows a written status:
 * the Events (reason "Synced", as Flagger's), the `event` webhooks, the alerts and the post-rollout hooks. Hooks and
 * alerts are best effort: their failures are logged with the Canary's key and never fail the pass.
 */
import type { AlertProvider, Canary, CanaryStatus } from '../api/canary.ts';
import type { Secret } from '../api/kubernetes.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { Informer } from '../runtime/informer.ts';
import type { Logger } from '../runtime/logger.ts';
import { keyOf, type DeepReadonly } from '../runtime/objects.ts';
import { PatchType, resourcePath, type KubeClient } from '../runtime/rest.ts';
import { applyWrites, type ObjectWrite } from '../traffic/writes.ts';
import { mergePatch } from '../util/merge-patch.ts';
import { alertFields, alertPayload, alertsFor, sendAlert, type AlertSeverity } from './alerts.ts';
import { callHooks, callWebhook } from './checks.ts';
import type { CanaryPassPlan } from './plan.ts';
import { eventWebhookPayload, webhooksOf } from './webhooks.ts';

/** The reason of every Event on a Canary, as Flagger records them. */
export const canaryEventReason = 'Synced';

export interface CanaryExecutorOptions {
  client: KubeClient;
  events: EventRecorder;
  logger: Logger;
  /** apiVersion of the Canaries served (aviary.dev/v1alpha1 or flagger.app/v1beta1). */
  apiVersion: string;
  alertProviders: Informer<AlertProvider>;
}

/** The resourceVersions the pass's writes of the Canary produced: its status, then the removal of requests. */
export interface ExecuteOutcome { statusVersion?: string; requestsVersion?: string }

type PlannedEvent = CanaryPassPlan['events'][number];

/** Flagger's severities: rollbacks are errors, other warnings (waiting for approval, ...) warn, the rest is info. */
export function severityOf(event: PlannedEvent): AlertSeverity {
  if (event.type === 'Normal') return 'info';
  return /^(Rolling back|Canary failed)/.test(event.message) ? 'error' : 'warn';
}

export class CanaryExecutor {
  readonly #options: CanaryExecutorOptions;

  constructor(options: CanaryExecutorOptions) {
    this.#options = options;
  }

  async apply(canary: Canary, plan: CanaryPassPlan, writes: readonly ObjectWrite[], signal: AbortSignal): Promise<ExecuteOutcome> {
    await applyWrites(this.#options.client, writes, signal);
    const outcome = await this.#writeStatus(canary, plan.status, signal);
    const requestsVersion = await this.#removeRequests(canary, plan.consumed, signal);
    const written: Canary = { ...canary, status: plan.status };
    for (const event of plan.events) await this.#record(written, event, signal);
    if (plan.hooks.includes('post-rollout')) {
      const answer = await this.#bestEffort(canary, 'post-rollout hooks', () => callHooks(written, 'post-rollout', signal));
      if (answer !== undefined && !answer.accepted) this.#options.logger.warn({ canary: keyOf(canary.metadata.namespace, canary.metadata.name ?? '') }, answer.message);
    }
    return requestsVersion === undefined ? outcome : { ...outcome, requestsVersion };
  }

  /** Sets metadata.finalizers (guarded by the Canary's resourceVersion: a concurrent change means planning again). */
  async setFinalizers(canary: Canary, finalizers: readonly string[], signal: AbortSignal): Promise<ExecuteOutcome> {
    const path = resourcePath(this.#options.apiVersion, 'canaries', canary.metadata.namespace, canary.metadata.name);
    const written = await this.#options.client.patch<Canary>(path, { metadata: { resourceVersion: canary.metadata.resourceVersion, finalizers } }, PatchType.merge, signal);
    return written.metadata.resourceVersion === undefined ? {} : { statusVersion: written.metadata.resourceVersion };
  }

  /** One step of revertOnDeletion (finalizer.ts): its writes, the status and Events, and, when done, the finalizer removed. */
  async revert(canary: Canary, step: { writes: readonly ObjectWrite[]; status: CanaryStatus; events: readonly string[]; done: boolean }, finalizers: readonly string[], signal: AbortSignal): Promise<ExecuteOutcome> {
    await applyWrites(this.#options.client, step.writes, signal);
    let outcome = await this.#writeStatus(canary, step.status, signal);
    for (const message of step.events) await this.#record(canary, { type: 'Normal', message }, signal);
    if (step.done) outcome = await this.setFinalizers({ ...canary, metadata: { ...canary.metadata, resourceVersion: outcome.statusVersion ?? canary.metadata.resourceVersion } }, finalizers, signal);
    return outcome;
  }

  /** A Canary held by problems: its Invalid condition written, and a Warning Event when the problem is new. */
  async hold(canary: Canary, message: string, status: CanaryStatus, signal: AbortSignal): Promise<ExecuteOutcome> {
    const outcome = await this.#writeStatus(canary, status, signal);
    if (outcome.statusVersion !== undefined) await this.#record(canary, { type: 'Warning', message }, signal);
    return outcome;
  }

  /** Removes the manual requests the pass acted on (written after the status, so a request is never lost unacted). */
  async #removeRequests(canary: Canary, annotations: readonly string[], signal: AbortSignal): Promise<string | undefined> {
    if (annotations.length === 0) return undefined;
    const path = resourcePath(this.#options.apiVersion, 'canaries', canary.metadata.namespace, canary.metadata.name);
    const written = await this.#options.client.patch<Canary>(path, { metadata: { annotations: Object.fromEntries(annotations.map((a) => [a, null])) } }, PatchType.merge, signal);
    return written.metadata.resourceVersion;
  }

  async #writeStatus(canary: Canary, status: CanaryStatus, signal: AbortSignal): Promise<ExecuteOutcome> {
    const patch = mergePatch(canary.status ?? {}, status);
    if (patch === undefined) return {};
    const path = resourcePath(this.#options.apiVersion, 'canaries', canary.metadata.namespace, canary.metadata.name, 'status');
    const written = await this.#options.client.patch<Canary>(path, { metadata: { resourceVersion: canary.metadata.resourceVersion }, status: patch }, PatchType.merge, signal);
    return written.metadata.resourceVersion === undefined ? {} : { statusVersion: written.metadata.resourceVersion };
  }

  async #record(canary: Canary, event: PlannedEvent, signal: AbortSignal): Promise<void> {
    this.#options.events.event(canary, event.type, canaryEventReason, event.message);
    for (const hook of webhooksOf(canary, 'event')) {
      const payload = eventWebhookPayload(canary, hook, { message: event.message, type: event.type, at: Date.now() });
      await this.#bestEffort(canary, `event webhook ${hook.name}`, () => callWebhook(hook, payload, signal));
    }
    const severity = severityOf(event);
    for (const alert of alertsFor(canary, severity)) {
      await this.#bestEffort(canary, `alert ${alert.name}`, async () => {
        const namespace = alert.providerRef.namespace ?? canary.metadata.namespace;
        const provider = this.#options.alertProviders.getByName(namespace, alert.providerRef.name);
        if (provider === undefined) throw new Error(`AlertProvider ${namespace ?? ''}/${alert.providerRef.name} not found (spec.analysis.alerts providerRef)`);
        const payload = alertPayload(provider, { subject: `${canary.metadata.name ?? ''}.${canary.metadata.namespace ?? ''}`, message: event.message, fields: alertFields(canary), severity });
        if (payload === undefined) throw new Error(`AlertProvider ${provider.metadata.name ?? ''}: type "${provider.spec.type}" is not sent by Aviary yet (slack and msteams are)`);
        await sendAlert(await this.#addressOf(provider, signal), payload, signal);
      });
    }
  }

  /** The provider's address, or the `address` key of its secretRef (read when needed, never cached or logged). */
  async #addressOf(provider: DeepReadonly<AlertProvider>, signal: AbortSignal): Promise<string> {
    const secret = provider.spec.secretRef?.name;
    if (secret === undefined) return provider.spec.address ?? '';
    const found = await this.#options.client.get<Secret>(resourcePath('v1', 'secrets', provider.metadata.namespace, secret), undefined, signal);
    const encoded = found.data?.address;
    if (encoded === undefined) throw new Error(`Secret ${provider.metadata.namespace ?? ''}/${secret} has no key "address" (AlertProvider secretRef)`);
    return Buffer.from(encoded, 'base64').toString('utf8');
  }

  async #bestEffort<T>(canary: Canary, what: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      this.#options.logger.warn({ canary: keyOf(canary.metadata.namespace, canary.metadata.name ?? ''), err: error instanceof Error ? error.message : String(error) }, `${what} failed`);
      return undefined;
    }
  }
}

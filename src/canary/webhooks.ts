/**
 * A Canary's webhooks as Flagger calls them, the pure half: which hooks run at a moment of the release, the JSON
 * they are sent, how long an attempt may take, and what counts as an answer that lets the release go on. The
 * executor sends them (POST, application/json, `retries` more attempts after a connection error or a 5xx).
 */
import { webhookTypes, type Canary, type CanaryWebhook } from '../api/canary.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { tryParseDuration } from '../util/duration.ts';
import { shortDigest } from './digest.ts';

export type WebhookType = (typeof webhookTypes)[number];

/** What a hook is sent: `{name, namespace, phase, checksum, metadata}`. */
export interface WebhookPayload {
  name: string;
  namespace: string;
  phase: string;
  /** Identifies the release (its spec and tracked configs): a gate can tell a new release from a retry of the same. */
  checksum: string;
  metadata?: Record<string, string>;
}

/** The hooks of one type, in the order written; a hook without a type is a `rollout` hook, as in Flagger. */
export function webhooksOf(canary: DeepReadonly<Canary>, type: WebhookType): DeepReadonly<CanaryWebhook>[] {
  return (canary.spec.analysis.webhooks ?? []).filter((w) => hookType(w) === type);
}

/** The schema admits any string (Flagger's CRD does); an empty type means rollout. */
function hookType(hook: DeepReadonly<CanaryWebhook>): string {
  const type: string | undefined = hook.type;
  return type === undefined || type === '' ? 'rollout' : type;
}

/**
 * The release's checksum: the first 8 bytes of the SHA-256 of its last applied spec and tracked configs. (Flagger
 * hashes the same fields with a hash of its own, so a checksum differs between the two controllers.)
 */
export function releaseChecksum(canary: DeepReadonly<Canary>): string {
  const fields = { trackedConfigs: canary.status?.trackedConfigs ?? null, lastAppliedSpec: canary.status?.lastAppliedSpec ?? '' };
  return shortDigest(JSON.stringify(fields));
}

export function webhookPayload(canary: DeepReadonly<Canary>, phase: string, hook: DeepReadonly<CanaryWebhook>): WebhookPayload {
  return {
    name: canary.metadata.name ?? '',
    namespace: canary.metadata.namespace ?? '',
    phase,
    checksum: releaseChecksum(canary),
    ...(hook.metadata === undefined ? {} : { metadata: { ...hook.metadata } }),
  };
}

/** An `event` hook's payload: the Event's message, type and time (ms since the epoch) before the hook's own metadata. */
export function eventWebhookPayload(canary: DeepReadonly<Canary>, hook: DeepReadonly<CanaryWebhook>, event: { message: string; type: string; at: number }): WebhookPayload {
  return {
    ...webhookPayload(canary, canary.status?.phase ?? '', hook),
    metadata: { ...hook.metadata, eventMessage: event.message, eventType: event.type, timestamp: String(event.at) },
  };
}

/** Flagger treats every status up to 202 as an answer that lets the release go on, anything above as a refusal. */
export function webhookAccepted(status: number): boolean {
  return status <= 202;
}

/** Whether an attempt that got `status` (undefined: no answer, a connection error) is tried again, within `retries`. */
export function webhookRetried(status: number | undefined): boolean {
  return status === undefined || status >= 500;
}

/** Problems with a hook that keep it from being called, naming its field (`spec.analysis.webhooks[i]`). */
export function webhookIssues(hook: DeepReadonly<CanaryWebhook>, field: string): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  try {
    const url = new URL(hook.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') issues.push({ field: `${field}.url`, message: `must be an http or https URL, got "${hook.url}"` });
  } catch {
    issues.push({ field: `${field}.url`, message: `is not a URL: "${hook.url}"` });
  }
  if (hook.timeout !== undefined && hook.timeout.length >= 2 && tryParseDuration(hook.timeout) === undefined) {
    issues.push({ field: `${field}.timeout`, message: `is not a duration: "${hook.timeout}"` });
  }
  const type = hookType(hook);
  if (!(webhookTypes as readonly string[]).includes(type)) {
    issues.push({ field: `${field}.type`, message: `must be one of ${webhookTypes.join(', ')}, got "${type}"` });
  }
  return issues;
}

/** How long one attempt may take: the hook's timeout, 10 s when unset (or shorter than two characters, as in Flagger). */
export function webhookTimeoutMs(hook: DeepReadonly<CanaryWebhook>): number {
  if (hook.timeout === undefined || hook.timeout.length < 2) return 10_000;
  return tryParseDuration(hook.timeout) ?? 10_000;
}

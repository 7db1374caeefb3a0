/**
 * A Canary's alerts, Flagger's way: which of `analysis.alerts` receive an alert of a given severity (info receives
 * everything, warn receives warn and error, error only error), the fields that describe the Canary, and the Slack and
 * Microsoft Teams payloads. Sending is one POST of JSON to the provider's address.
 */
import type { AlertProvider, Canary, CanaryAlert } from '../api/canary.ts';
import type { DeepReadonly } from '../runtime/objects.ts';
import { analysisThreshold, canaryStrategy, progressDeadlineSeconds } from './analysis-settings.ts';

export type AlertSeverity = 'info' | 'warn' | 'error';

export interface AlertField { name: string; value: string }

/** The alerts of the Canary that receive an alert of `severity`; an alert without a severity is `info`. */
export function alertsFor(canary: DeepReadonly<Canary>, severity: AlertSeverity): DeepReadonly<CanaryAlert>[] {
  return (canary.spec.analysis.alerts ?? []).filter((alert) => {
    const wants: string = alert.severity ?? 'info';
    return wants === 'info' || wants === severity || (severity === 'error' && wants === 'warn');
  });
}

/** What an alert with metadata says about the Canary: target, threshold, deadline and how traffic is routed. */
export function alertFields(canary: DeepReadonly<Canary>, clusterName?: string): AlertField[] {
  const { analysis, targetRef } = canary.spec;
  const fields: AlertField[] = [
    ...(clusterName === undefined || clusterName === '' ? [] : [{ name: 'Cluster', value: clusterName }]),
    { name: 'Target', value: `${targetRef.kind}/${targetRef.name}.${canary.metadata.namespace ?? ''}` },
    { name: 'Failed checks threshold', value: String(analysisThreshold(canary)) },
    { name: 'Progress deadline', value: `${String(progressDeadlineSeconds(canary))}s` },
  ];
  const strategy = canaryStrategy(canary);
  if (strategy === 'abTesting') fields.push({ name: 'Traffic routing', value: 'A/B Testing' });
  else if (strategy === 'blueGreen') fields.push({ name: 'Traffic routing', value: 'Blue/Green' });
  else if ((analysis.stepWeight ?? 0) > 0) fields.push({ name: 'Traffic routing', value: `Weight step: ${String(analysis.stepWeight)} max: ${String(analysis.maxWeight ?? 0)}` });
  else if ((analysis.stepWeights ?? []).length > 0) fields.push({ name: 'Traffic routing', value: `Weight steps: ${(analysis.stepWeights ?? []).join(',')} max: ${String(analysis.maxWeight ?? 0)}` });
  return fields;
}

export interface Alert {
  /** `<name>.<namespace>` of the Canary. */
  subject: string;
  message: string;
  fields: AlertField[];
  severity: AlertSeverity;
}

/** Slack's incoming-webhook payload: one attachment, red for errors. */
export function slackPayload(provider: DeepReadonly<AlertProvider>, alert: Alert): Record<string, unknown> {
  return {
    channel: provider.spec.channel ?? '',
    username: provider.spec.username ?? '',
    icon_url: '',
    icon_emoji: ':rocket:',
    attachments: [{
      color: alert.severity === 'error' ? 'danger' : 'good',
      author_name: alert.subject,
      text: alert.message,
      mrkdwn_in: ['text'],
      fields: alert.fields.map((f) => ({ title: f.name, value: f.value, short: false })),
    }],
  };
}

/** A Microsoft Teams MessageCard, red for errors. */
export function msteamsPayload(alert: Alert): Record<string, unknown> {
  return {
    '@type': 'MessageCard',
    '@context': 'http://schema.org/extensions',
    themeColor: alert.severity === 'error' ? 'FF0000' : '0076D7',
    summary: alert.subject,
    sections: [{ activityTitle: alert.message, activitySubtitle: alert.subject, facts: alert.fields.map((f) => ({ name: f.name, value: f.value })) }],
  };
}

/** The payload for a provider's type; undefined for the types Aviary does not send yet (discord, rocket, gchat). */
export function alertPayload(provider: DeepReadonly<AlertProvider>, alert: Alert): Record<string, unknown> | undefined {
  const type: string = provider.spec.type;
  if (type === 'slack') return slackPayload(provider, alert);
  if (type === 'msteams') return msteamsPayload(alert);
  return undefined;
}

/** Posts an alert; the error names the provider and what its server answered. */
export async function sendAlert(address: string, payload: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
  const response = await fetch(address, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), ...(signal === undefined ? {} : { signal }) });
  if (!response.ok) throw new Error(`alert to ${new URL(address).host} answered ${String(response.status)}: ${(await response.text()).slice(0, 200)}`);
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Canary, CanaryWebhook } from '../api/canary.ts';
import { eventWebhookPayload, releaseChecksum, webhookAccepted, webhookIssues, webhookPayload, webhookRetried, webhooksOf, webhookTimeoutMs } from './webhooks.ts';

const load: CanaryWebhook = { name: 'load', url: 'http://loadtester.test/', timeout: '5s', metadata: { cmd: 'hey -z 1m http://podinfo-canary.test:9898/' } };
const notify: CanaryWebhook = { name: 'notify', type: 'event', url: 'http://events.test/', metadata: { team: 'web', eventType: 'mine' } };
const hooks: CanaryWebhook[] = [
  { name: 'gate', type: 'confirm-rollout', url: 'http://loadtester.test/gate/approve' },
  load,
  { name: 'smoke', type: 'rollout', url: 'http://loadtester.test/smoke' },
  notify,
];
const canary: Canary = {
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis: { webhooks: hooks } },
  status: { phase: 'Progressing', lastAppliedSpec: 'abc', trackedConfigs: { 'configmap/podinfo': '1f' } },
};

describe('Canary webhooks', () => {
  it('a hook without a type is a rollout hook, in the order written', () => {
    assert.deepEqual(webhooksOf(canary, 'rollout').map((h) => h.name), ['load', 'smoke']);
    assert.deepEqual(webhooksOf(canary, 'confirm-rollout').map((h) => h.name), ['gate']);
    assert.deepEqual(webhooksOf(canary, 'rollback'), []);
  });

  it('sends name, namespace, phase, the release checksum and the hook\'s metadata', () => {
    assert.deepEqual(webhookPayload(canary, 'Progressing', load), {
      name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: releaseChecksum(canary), metadata: { cmd: 'hey -z 1m http://podinfo-canary.test:9898/' },
    });
    assert.notEqual(releaseChecksum(canary), releaseChecksum({ ...canary, status: { ...canary.status, lastAppliedSpec: 'def' } }), 'a new release, a new checksum');
  });

  it('an event hook gets the Event first, its own metadata only where the Event does not say', () => {
    const payload = eventWebhookPayload(canary, notify, { message: 'New revision detected! Scaling up podinfo.test', type: 'Normal', at: 1_700_000_000_000 });
    assert.deepEqual(payload.metadata, { team: 'web', eventType: 'Normal', eventMessage: 'New revision detected! Scaling up podinfo.test', timestamp: '1700000000000' });
  });

  it('answers up to 202 let the release go on; a connection error or a 5xx is tried again', () => {
    assert.deepEqual([200, 202, 204, 403, 500].map(webhookAccepted), [true, true, false, false, false]);
    assert.deepEqual([undefined, 500, 503, 403, 200].map(webhookRetried), [true, true, true, false, false]);
  });

  it('timeouts: 10 s unless set; a bad URL, timeout or type names its field', () => {
    assert.deepEqual(hooks.map(webhookTimeoutMs), [10_000, 5_000, 10_000, 10_000]);
    assert.deepEqual(webhookIssues({ name: 'x', url: 'loadtester/gate', timeout: 'soon', type: 'pre-flight' as never }, 'spec.analysis.webhooks[0]').map((i) => `${i.field}: ${i.message}`), [
      'spec.analysis.webhooks[0].url: is not a URL: "loadtester/gate"',
      'spec.analysis.webhooks[0].timeout: is not a duration: "soon"',
      'spec.analysis.webhooks[0].type: must be one of confirm-rollout, pre-rollout, rollout, confirm-traffic-increase, confirm-promotion, post-rollout, rollback, event, got "pre-flight"',
    ]);
    assert.deepEqual(webhookIssues({ name: 'ok', url: 'https://gate.example/check' }, 'f'), []);
  });
});

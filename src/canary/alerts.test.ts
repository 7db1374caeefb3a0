import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AlertProvider, Canary } from '../api/canary.ts';
import { closeServer } from '../util/http-server.ts';
import { alertFields, alertPayload, alertsFor, sendAlert, type Alert } from './alerts.ts';

const canary: Canary = {
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    targetRef: { kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 },
    analysis: {
      threshold: 5, stepWeight: 10, maxWeight: 50,
      alerts: [
        { name: 'on-call', severity: 'error', providerRef: { name: 'pager' } },
        { name: 'team', severity: 'warn', providerRef: { name: 'slack' } },
        { name: 'log', providerRef: { name: 'teams' } },
      ],
    },
  },
};
const provider = (type: string): AlertProvider => ({ metadata: { name: type, namespace: 'test' }, spec: { type: type as never, channel: 'releases', username: 'aviary' } });
const alert: Alert = { subject: 'podinfo.test', message: 'Canary failed! Scaling down podinfo.test', fields: alertFields(canary), severity: 'error' };

describe('Canary alerts', () => {
  it('severities: info receives everything, warn receives warn and error, error only error', () => {
    assert.deepEqual(alertsFor(canary, 'info').map((a) => a.name), ['log']);
    assert.deepEqual(alertsFor(canary, 'warn').map((a) => a.name), ['team', 'log']);
    assert.deepEqual(alertsFor(canary, 'error').map((a) => a.name), ['on-call', 'team', 'log']);
  });

  it('fields describe the target, threshold, deadline and routing', () => {
    assert.deepEqual(alertFields(canary, 'prod-eu'), [
      { name: 'Cluster', value: 'prod-eu' },
      { name: 'Target', value: 'Deployment/podinfo.test' },
      { name: 'Failed checks threshold', value: '5' },
      { name: 'Progress deadline', value: '600s' },
      { name: 'Traffic routing', value: 'Weight step: 10 max: 50' },
    ]);
  });

  it('Slack and Teams payloads, red for errors; other types are not sent yet', () => {
    assert.deepEqual(alertPayload(provider('slack'), alert), {
      channel: 'releases', username: 'aviary', icon_url: '', icon_emoji: ':rocket:',
      attachments: [{ color: 'danger', author_name: 'podinfo.test', text: 'Canary failed! Scaling down podinfo.test', mrkdwn_in: ['text'], fields: alert.fields.map((f) => ({ title: f.name, value: f.value, short: false })) }],
    });
    const teams = alertPayload(provider('msteams'), { ...alert, severity: 'info' });
    assert.deepEqual([teams?.['@type'], teams?.themeColor, teams?.summary], ['MessageCard', '0076D7', 'podinfo.test']);
    assert.equal(alertPayload(provider('discord'), alert), undefined);
  });

  describe('sent to a local server speaking the webhook API', () => {
    const received: { path: string; type: string | undefined; body: unknown }[] = [];
    let status = 200;
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: req.headers['content-type'], body: JSON.parse(body) as unknown });
        res.writeHead(status).end(status === 200 ? 'ok' : 'invalid_token');
      });
    });
    let url = '';
    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/services/T000/B000/XXX`;
    });
    after(() => closeServer(server));

    it('posts the JSON payload; a refusal is an error saying what the server answered', async () => {
      const payload = alertPayload(provider('slack'), alert) ?? {};
      await sendAlert(url, payload);
      assert.deepEqual(received, [{ path: '/services/T000/B000/XXX', type: 'application/json', body: payload }]);
      status = 403;
      await assert.rejects(sendAlert(url, payload), /answered 403: invalid_token/);
    });
  });
});

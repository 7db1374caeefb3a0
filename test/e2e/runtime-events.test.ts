import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventRecorder } from '../../src/runtime/events.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { kubeConfig } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';

interface Event {
  metadata: { name: string; namespace: string };
  involvedObject: Record<string, string>;
  reason: string;
  message: string;
  type: string;
  count: number;
  source: { component: string };
  reportingComponent: string;
  firstTimestamp: string;
  lastTimestamp: string;
}

const ns = new TestNamespace('rt-evt', [['v1', 'ConfigMap']]);
const client = new KubeClient(kubeConfig(), { userAgent: 'aviary-e2e' });

async function eventsAbout(name: string): Promise<Event[]> {
  const list = await client.get<{ items: Event[] }>(resourcePath('v1', 'events', ns.name), { fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe('runtime event recorder (real API server)', () => {
  before(() => ns.create());
  after(async () => {
    await ns.delete();
    client.close();
  });

  it('bounds writes in flight: a burst of Events waits its turn and every one is written', async () => {
    const recorder = new EventRecorder({ client, reportingInstance: 'e2e', maxInFlight: 3 });
    let most = 0;
    for (let i = 0; i < 40; i++) {
      recorder.normal({ apiVersion: 'v1', kind: 'ConfigMap', name: 'burst', namespace: ns.name, uid: `burst-${String(i)}` }, 'RolloutAddedToInformer', `object ${String(i)}`);
      most = Math.max(most, recorder.inFlight);
    }
    assert.equal(most, 3);
    await recorder.flush();
    assert.equal(recorder.inFlight, 0);
    const messages = new Set((await eventsAbout('burst')).map((e) => e.message));
    assert.equal(messages.size, 40);
  });

  it('writes an Event and folds repeats into its count instead of new Events', async () => {
    const cm = await client.create<{ apiVersion: string; kind: string; metadata: { name: string; namespace: string; uid: string; resourceVersion: string } }>(
      resourcePath('v1', 'configmaps', ns.name),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'subject' } },
    );
    const recorder = new EventRecorder({ client, reportingInstance: 'e2e' });
    for (let i = 0; i < 5; i++) recorder.warning(cm, 'InvalidSpec', 'spec.strategy: exactly one of canary or blueGreen is required');
    await recorder.flush();
    recorder.warning(cm, 'InvalidSpec', 'spec.strategy: exactly one of canary or blueGreen is required');
    recorder.normal(cm, 'Progressing', 'step 1/3');
    await recorder.flush();

    const events = await eventsAbout('subject');
    const invalid = events.filter((e) => e.reason === 'InvalidSpec');
    assert.equal(invalid.length, 1, JSON.stringify(events, null, 2));
    const [event] = invalid;
    assert.ok(event !== undefined);
    assert.equal(event.count, 6);
    assert.equal(event.type, 'Warning');
    assert.equal(event.source.component, 'aviary-controller');
    assert.equal(event.reportingComponent, 'aviary-controller');
    assert.deepEqual(event.involvedObject, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'subject',
      namespace: ns.name,
      uid: cm.metadata.uid,
      resourceVersion: cm.metadata.resourceVersion,
    });
    assert.match(event.firstTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(event.lastTimestamp >= event.firstTimestamp);
    assert.ok(event.metadata.name.startsWith('subject.'));
    assert.equal(events.filter((e) => e.reason === 'Progressing').length, 1, 'a different reason is a different Event');
  });

  it('never throws when an Event cannot be written', async () => {
    const recorder = new EventRecorder({ client });
    recorder.normal({ kind: 'ConfigMap', name: 'x', namespace: 'no-such-namespace-here' }, 'Test', 'goes nowhere');
    recorder.normal({ kind: 'ConfigMap', namespace: ns.name }, 'Test', 'no name');
    await recorder.flush();
  });
});

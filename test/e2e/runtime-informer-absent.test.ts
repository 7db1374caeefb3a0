import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { CustomResourceDefinition } from '../../src/api/crd.ts';
import { installCrds } from '../../src/install/apply.ts';
import { Informer } from '../../src/runtime/informer.ts';
import { KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { kubeConfig } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';

// A router's informer on a provider kind that is not installed: the controller must still start (synced, empty)
// and pick the kind up once its CRD appears, without a restart.

const ns = new TestNamespace('rt-absent');
const client = new KubeClient(kubeConfig(), { userAgent: 'aviary-e2e' });
const group = `absent-${randomBytes(3).toString('hex')}.example.com`;
const crd: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}`, labels: { 'app.kubernetes.io/part-of': 'aviary-e2e' } },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

describe('an informer on a kind that is not served', () => {
  after(async () => {
    await client.request({ method: 'DELETE', path: resourcePath('apiextensions.k8s.io/v1', 'customresourcedefinitions', undefined, crd.metadata.name) }).catch(() => undefined);
    await ns.delete();
    client.close();
  });

  it('counts as synced and empty, then follows the kind once its CRD is installed', async () => {
    await ns.create();
    const informer = new Informer(client, { resource: { apiVersion: `${group}/v1`, kind: 'Widget', plural: 'widgets' }, namespace: ns.name, absentRetryMs: 200 });
    informer.start();
    try {
      await informer.waitForSync(AbortSignal.timeout(15_000));
      assert.equal(informer.isAbsent(), true);
      assert.equal(informer.size, 0);
      await installCrds(client, [crd]);
      await client.request({ method: 'POST', path: resourcePath(`${group}/v1`, 'widgets', ns.name), body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' } } });
      await ns.waitFor('the informer to list the new kind and see w1', () => Promise.resolve(informer.getByName(ns.name, 'w1') !== undefined));
      assert.equal(informer.isAbsent(), false);
    } finally {
      await informer.stop();
    }
  });
});

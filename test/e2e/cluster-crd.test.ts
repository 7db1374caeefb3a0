import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { applyYaml } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const ns = new TestNamespace('crd');
// A group of the test's own, so this never collides with Aviary's real CRDs installed by other tests.
const group = `${ns.name}.smoke.aviary.dev`;

describe('custom resources', () => {
  before(() => ns.create());
  after(async () => {
    await ns.delete();
    await ns.kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: `widgets.${group}` });
  });

  it('installs a CRD, creates, watches and patches the status subresource of a custom object', async () => {
    await applyYaml(ns.kc, `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
            status: { type: object, properties: { phase: { type: string } } }
`);
    const extensions = ns.kc.makeApiClient(ApiextensionsV1Api);
    await waitFor('the Widget CRD to be Established', async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `widgets.${group}` });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });

    const objects = ns.kc.makeApiClient(CustomObjectsApi);
    await waitFor('the Widget resource to be served', () =>
      objects.listNamespacedCustomObject({ group, version: 'v1', namespace: ns.name, plural: 'widgets' }).then(() => true),
    );
    const watchErrors: unknown[] = [];
    const seen: { type: string; phase?: string }[] = [];
    const watch = new Watch(ns.kc);
    const request = await watch.watch(`/apis/${group}/v1/namespaces/${ns.name}/widgets`, {}, (type, obj: { status?: { phase?: string } }) => {
      seen.push({ type, phase: obj.status?.phase });
    }, (error: unknown) => {
      if (error !== null && error !== undefined) watchErrors.push(error);
    });

    await objects.createNamespacedCustomObject({
      group, version: 'v1', namespace: ns.name, plural: 'widgets',
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 }, status: { phase: 'ignored-on-create' } },
    });
    const patched = (await objects.patchNamespacedCustomObjectStatus(
      { group, version: 'v1', namespace: ns.name, plural: 'widgets', name: 'w1', body: { status: { phase: 'Ready' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { spec: { size: number }; status: { phase: string } };
    assert.equal(patched.status.phase, 'Ready');
    assert.equal(patched.spec.size, 3);

    await waitFor('the watch to deliver ADDED then MODIFIED with the patched status', () => {
      if (watchErrors.length > 0) throw new Error(`watch ended: ${String(watchErrors[0])}`);
      return Promise.resolve(seen.some((e) => e.type === 'MODIFIED' && e.phase === 'Ready'));
    });
    request.abort();
    assert.equal(seen[0]?.type, 'ADDED');
    // The status subresource ignores status on create.
    assert.equal(seen[0].phase, undefined);
  });
});

import { sharedGateway } from '../lab/gateway-objects.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownRolloutFields, validateRolloutSchema } from '../api/validate.ts';
import { validateRollout } from '../rollout/validate.ts';
import type { KubeObject } from '../runtime/objects.ts';
import { CanarySchema, type Canary } from '../api/canary.ts';
import type { Deployment } from '../api/kubernetes.ts';
import { validateAgainstSchema } from '../api/validate.ts';
import { canaryIssues } from '../canary/validate.ts';
import { flaggerNextImage } from './canary-demo.ts';
import { examplesDirectory, loadExample, loadManifests, rolloutScenarioNames, scenario } from './scenarios.ts';

interface IngressSpec {
  ingressClassName?: string;
  rules?: { host?: string; http?: { paths?: { backend: { service?: { name: string } } }[] } }[];
}

describe('examples', () => {
  it('examples/flagger is a valid flagger.app Canary on the lab\'s Gateway, for the Deployment and HPA beside it', async () => {
    const objects = await loadManifests(`${examplesDirectory}flagger`);
    const canary = objects.find((o): o is Canary => o.kind === 'Canary');
    assert.ok(canary !== undefined);
    assert.equal(canary.apiVersion, 'flagger.app/v1beta1');
    assert.deepEqual(validateAgainstSchema(CanarySchema, canary), []);
    assert.deepEqual(canaryIssues(canary, canary.spec.provider ?? 'kubernetes'), []);
    assert.deepEqual(canary.spec.service.gatewayRefs, [{ name: sharedGateway.name, namespace: sharedGateway.namespace }]);
    const byKind = (kind: string, name: string | undefined): KubeObject | undefined => objects.find((o) => o.kind === kind && o.metadata?.name === name);
    const target = objects.find((o): o is Deployment => o.kind === 'Deployment' && o.metadata?.name === canary.spec.targetRef.name);
    assert.ok(target !== undefined && byKind('HorizontalPodAutoscaler', canary.spec.autoscalerRef?.name) !== undefined);
    assert.notEqual(target.spec?.template.spec?.containers[0]?.image, flaggerNextImage, 'the demo releases a different image');
  });

  for (const name of rolloutScenarioNames) {
    it(`examples/${name} is a valid aviary.dev Rollout whose Services are in the example`, async () => {
      const { rollout, others } = await loadExample(scenario(name).directory);
      assert.equal(rollout.apiVersion, 'aviary.dev/v1alpha1');
      assert.deepEqual(validateRolloutSchema(rollout), []);
      assert.deepEqual(unknownRolloutFields(rollout), []);
      const services = new Set(others.filter((o) => o.kind === 'Service').map((o) => o.metadata?.name ?? ''));
      assert.deepEqual(validateRollout(rollout, services), []);
      assert.notEqual(rollout.spec.template?.spec?.containers[0]?.image, scenario(name).nextImage, 'the demo releases a different image');
    });
  }

  for (const name of rolloutScenarioNames.filter((n) => n !== 'gateway')) {
    it(`examples/${name} has an Ingress of class traefik, with a host, to one of its Services (the demo's traffic goes there)`, async () => {
      const { others } = await loadExample(scenario(name).directory);
      const services = new Set(others.filter((o) => o.kind === 'Service').map((o) => o.metadata?.name ?? ''));
      const ingresses = others.filter((o) => o.kind === 'Ingress') as (KubeObject & { spec?: IngressSpec })[];
      assert.equal(ingresses.length, 1);
      const spec = ingresses[0]?.spec;
      assert.equal(spec?.ingressClassName, 'traefik');
      const rule = spec.rules?.[0];
      assert.ok(rule?.host !== undefined && rule.host !== '');
      const backend = rule.http?.paths?.[0]?.backend.service?.name ?? '';
      assert.ok(services.has(backend), `the Ingress's backend ${backend} is one of the example's Services`);
    });
  }

  it('examples/gateway has an HTTPRoute on the lab\'s Gateway, with a host, weighting the Rollout\'s canary and stable Services', async () => {
    const { rollout, others } = await loadExample(scenario('gateway').directory);
    const routes = others.filter((o) => o.kind === 'HTTPRoute') as (KubeObject & { spec?: { parentRefs?: { name: string; namespace?: string }[]; hostnames?: string[]; rules?: { backendRefs?: { name: string }[] }[] } })[];
    assert.equal(routes.length, 1);
    const route = routes[0];
    const canary = rollout.spec.strategy?.canary;
    assert.equal(canary?.trafficRouting?.gatewayAPI?.httpRoute, route?.metadata?.name);
    assert.deepEqual(route?.spec?.parentRefs, [{ name: sharedGateway.name, namespace: sharedGateway.namespace }]);
    assert.ok((route.spec.hostnames ?? []).length === 1);
    assert.deepEqual(route.spec.rules?.[0]?.backendRefs?.map((b) => b.name), [canary?.stableService, canary?.canaryService]);
  });

  it('the canary example has several setWeight and pause steps, one of them indefinite, on 5 replicas', async () => {
    const { rollout } = await loadExample(scenario('canary').directory);
    const canary = rollout.spec.strategy?.canary;
    assert.equal(rollout.spec.replicas, 5);
    assert.ok(canary?.canaryService !== undefined && canary.stableService !== undefined);
    const steps = canary.steps ?? [];
    assert.ok(steps.filter((s) => s.setWeight !== undefined).length >= 2);
    assert.equal(steps.filter((s) => s.pause !== undefined && s.pause.duration === undefined).length, 1);
  });

  it('the blue-green example waits for a promote behind a preview Service', async () => {
    const { rollout } = await loadExample(scenario('bluegreen').directory);
    const blueGreen = rollout.spec.strategy?.blueGreen;
    assert.equal(blueGreen?.autoPromotionEnabled, false);
    assert.ok(blueGreen.previewService !== undefined);
  });
});

import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { acceptedAnalysisSamples, refusedAnalysisSamples, sampleAnalysisRunStatus, sampleMetric, sampleObject, type AnalysisSample } from '../../src/api/analysis-samples.ts';
import { apiVersionOf, argoprojGroup, aviaryGroup, type ApiGroup } from '../../src/api/groups.ts';
import { crdsFor } from '../../src/api/registry.ts';
import { applyObjects, waitForCrds } from '../../src/install/apply.ts';
import { isApiError, KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { TestNamespace } from '../support/namespace.ts';

const ns = new TestNamespace('analysis-crd', [['aviary.dev/v1alpha1', 'AnalysisRun'], ['argoproj.io/v1alpha1', 'AnalysisRun']]);
const groups: readonly ApiGroup[] = [aviaryGroup, argoprojGroup];
const analysisKinds = ['AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun'];
const crds = groups.flatMap((group) => analysisKinds.flatMap((kind) => crdsFor({ kind, group })));
const plurals: Record<AnalysisSample['kind'], string> = {
  AnalysisTemplate: 'analysistemplates',
  ClusterAnalysisTemplate: 'clusteranalysistemplates',
  AnalysisRun: 'analysisruns',
};

const mergePatch = 'application/merge-patch+json';

let client: KubeClient;

interface Stored {
  metadata: { name: string };
  spec: unknown;
  status?: unknown;
}

/** The collection path of a sample's kind in a group (cluster-scoped kinds have no namespace). */
function collection(sample: AnalysisSample, group: ApiGroup): string {
  return resourcePath(apiVersionOf(group), plurals[sample.kind], sample.kind === 'ClusterAnalysisTemplate' ? undefined : ns.name);
}

/** Creates a sample as the API server would store it, without storing it (dryRun=All): the admission verdict only. */
function createDry(sample: AnalysisSample, group: ApiGroup, name: string): Promise<Stored> {
  return client.request<Stored>({
    method: 'POST',
    path: collection(sample, group),
    query: { dryRun: 'All' },
    body: sampleObject(sample, apiVersionOf(group), { name: `${ns.name}-${name}` }),
  });
}

describe('analysis CRDs on the API server', () => {
  before(async () => {
    await ns.create();
    client = new KubeClient(ns.kc);
    // Every group's CRDs, applied as `aviary install --compat argo` applies them.
    await applyObjects(client, crds);
    await waitForCrds(client, crds, { timeoutMs: 60_000 });
  });
  after(async () => {
    await ns.delete();
    client.close();
  });

  it('serves AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun in aviary.dev and argoproj.io, with their short names', async () => {
    for (const crd of crds) {
      const stored = await client.get<{ spec: { names: { shortNames?: string[] }; scope: string }; status?: { acceptedNames?: { shortNames?: string[] } } }>(
        resourcePath('apiextensions.k8s.io/v1', 'customresourcedefinitions', undefined, crd.metadata.name),
      );
      assert.deepEqual(stored.status?.acceptedNames?.shortNames, crd.spec.names.shortNames, crd.metadata.name);
      assert.equal(stored.spec.scope, crd.spec.scope, crd.metadata.name);
    }
  });

  for (const [index, sample] of acceptedAnalysisSamples.entries()) {
    it(`admits ${sample.kind}: ${sample.name}, in both groups, pruning nothing`, async () => {
      for (const group of groups) {
        const stored = await createDry(sample, group, `ok-${String(index)}`);
        // The API server drops fields its schema does not know: an identical spec means the schema has them all.
        assert.deepEqual(stored.spec, sample.spec, `${group.name}: stored spec`);
      }
    });
  }

  for (const [index, sample] of refusedAnalysisSamples.entries()) {
    it(`refuses ${sample.kind}: ${sample.name}, naming ${sample.serverPath ?? sample.path}`, async () => {
      for (const group of groups) {
        const error = await createDry(sample, group, `bad-${String(index)}`).then(
          () => assert.fail(`${group.name}: admitted`),
          (e: unknown) => e,
        );
        assert.ok(isApiError(error, 422), `${group.name}: ${String(error)}`);
        assert.ok(error.message.includes(sample.serverPath ?? sample.path), `${group.name}: ${error.message}`);
      }
    });
  }

  it('refuses a metric without name or provider with the API server\'s own words', async () => {
    const sample: AnalysisSample = { name: 'no name, no provider', kind: 'AnalysisTemplate', spec: { metrics: [{ interval: '1m' }] } };
    const error = await createDry(sample, aviaryGroup, 'required').then(() => undefined, (e: unknown) => e);
    assert.ok(isApiError(error, 422));
    assert.match(error.message, /spec\.metrics\[0\]\.name: Required value/);
    assert.match(error.message, /spec\.metrics\[0\]\.provider: Required value/);
  });

  for (const group of groups) {
    it(`${group.name}: an AnalysisRun's status is written through the status subresource only, as the controller writes it`, async () => {
      const run = { name: 'status', kind: 'AnalysisRun', spec: { metrics: [sampleMetric({ interval: '10s', count: 3 })] } } as const;
      const path = resourcePath(apiVersionOf(group), 'analysisruns', ns.name, 'status');
      const created = await client.create<Stored>(collection(run, group), { ...sampleObject(run, apiVersionOf(group), { name: 'status' }), status: { phase: 'Successful' } });
      assert.equal(created.status, undefined, 'status on create is ignored');

      await client.patch(path, { status: { phase: 'Running' } }, mergePatch);
      assert.equal((await client.get<Stored>(path)).status, undefined, 'status patched on the main resource is ignored');

      const patched = await client.patch<Stored>(`${path}/status`, { status: sampleAnalysisRunStatus }, mergePatch);
      assert.ok(isDeepStrictEqual(patched.status, sampleAnalysisRunStatus), `stored status: ${JSON.stringify(patched.status)}`);
      assert.deepEqual(patched.spec, run.spec);

      const broken = structuredClone(sampleAnalysisRunStatus) as { metricResults: { phase?: string }[] };
      delete broken.metricResults[0]?.phase;
      const error = await client.patch(`${path}/status`, { status: broken }, mergePatch).then(() => undefined, (e: unknown) => e);
      assert.ok(isApiError(error, 422), String(error));
      assert.match(error.message, /status\.metricResults\[0\]\.phase: Required value/);
    });
  }
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { ClusterRole, Deployment, Role } from '../api/kubernetes.ts';
import { parseAllDocuments } from 'yaml';
import { argoprojGroup, flaggerGroup } from '../api/groups.ts';
import { aviaryVersion } from '../version.ts';
import { installManifestPath, installManifestYaml } from './generate.ts';
import { installManifests, manifestsYaml, type InstallObject } from './manifests.ts';

function find(objects: InstallObject[], kind: 'ClusterRole'): ClusterRole;
function find(objects: InstallObject[], kind: 'Role'): Role;
function find(objects: InstallObject[], kind: 'Deployment'): Deployment;
function find(objects: InstallObject[], kind: string): InstallObject {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found !== undefined, `no ${kind}`);
  return found;
}

describe('install manifests', () => {
  it('deploy/install.yaml is the generated default install (run `npm run gen:crds` after changing src/install)', async () => {
    assert.equal(await readFile(installManifestPath, 'utf8'), installManifestYaml());
  });

  it('orders CRDs and the namespace before the objects that need them', () => {
    const kinds = installManifests().map((o) => o.kind);
    assert.deepEqual(kinds, [
      ...Array<string>(7).fill('CustomResourceDefinition'),
      'Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment',
    ]);
  });

  it('grants the controller exactly the verbs it uses, leases only in aviary-system', () => {
    const objects = installManifests();
    const role = find(objects, 'ClusterRole');
    const grants = (role.rules ?? []).flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).map((res) => `${g}/${res}: ${r.verbs.join(',')}`)));
    assert.deepEqual(grants.sort(), [
      '/configmaps: list,watch,create,patch',
      '/events: create,patch',
      '/pods/eviction: create',
      '/pods: list,watch,patch',
      '/secrets: get',
      '/secrets: list,watch,create,patch',
      '/services: create,patch',
      '/services: get,list,watch,patch',
      'apisix.apache.org/apisixroutes: get,list,watch,patch,create,delete',
      'appmesh.k8s.aws/virtualnodes: get,list,watch,patch',
      'appmesh.k8s.aws/virtualrouters: get,list,watch,patch',
      'appmesh.k8s.aws/virtualservices: get,list,watch',
      'apps/daemonsets: list,watch,create,patch',
      'apps/deployments: list,watch,create,patch',
      'apps/deployments: list,watch,patch',
      'apps/replicasets: get,list,watch,create,patch,update,delete',
      'autoscaling/horizontalpodautoscalers: list,watch,create,patch',
      'aviary.dev/alertproviders: get,list,watch',
      'aviary.dev/analysisruns/finalizers: update',
      'aviary.dev/analysisruns/status: update,patch',
      'aviary.dev/analysisruns: get,list,watch,create,update,patch,delete',
      'aviary.dev/analysistemplates: get,list,watch',
      'aviary.dev/canaries/finalizers: update',
      'aviary.dev/canaries/status: get,patch,update',
      'aviary.dev/canaries: get,list,watch,patch',
      'aviary.dev/clusteranalysistemplates: get,list,watch',
      'aviary.dev/metrictemplates: get,list,watch',
      'aviary.dev/rollouts/finalizers: update',
      'aviary.dev/rollouts/status: get,patch,update',
      'aviary.dev/rollouts: get,list,watch',
      'batch/jobs: get,list,watch,create,delete',
      'discovery.k8s.io/endpointslices: get,list,watch',
      'events.k8s.io/events: create,patch',
      'gateway.networking.k8s.io/grpcroutes: get,list,watch,patch',
      'gateway.networking.k8s.io/httproutes: create,patch',
      'gateway.networking.k8s.io/httproutes: get,list,watch,patch',
      'gateway.networking.k8s.io/tcproutes: get,list,watch,patch',
      'gateway.solo.io/routetables: get,list,watch,patch',
      'gateway.solo.io/virtualservices: get,list,watch,patch',
      'getambassador.io/mappings: get,list,watch,patch,create,delete',
      'kuma.io/meshhttproutes: get,list,watch,patch',
      'networking.istio.io/destinationrules: create,patch',
      'networking.istio.io/destinationrules: get,list,watch,patch',
      'networking.istio.io/virtualservices: create,patch',
      'networking.istio.io/virtualservices: get,list,watch,patch',
      'networking.k8s.io/ingresses: get,list,watch,patch,create',
      'projectcontour.io/httpproxies: get,list,watch,patch',
      'split.smi-spec.io/trafficsplits: create,patch',
      'split.smi-spec.io/trafficsplits: get,list,watch,patch,create',
      'traefik.io/traefikservices: create,patch',
      'traefik.io/traefikservices: get,list,watch,patch',

    ]);
    assert.ok((role.rules ?? []).every((r) => !r.verbs.includes('*') && !(r.resources ?? []).includes('*')), 'no wildcards');
    const leases = find(objects, 'Role');
    assert.equal(leases.metadata?.namespace, 'aviary-system');
    assert.deepEqual(leases.rules, [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
  });

  it('runs the controller of this version, leader-elected, probed on :8090, non-root with a read-only root filesystem', () => {
    const deployment = find(installManifests(), 'Deployment');
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    assert.equal(container?.image, `ghcr.io/aviary-dev/aviary:${aviaryVersion}`);
    assert.deepEqual(container.args, ['controller', '--leader-elect', '--lease-namespace', 'aviary-system']);
    assert.equal(pod?.serviceAccountName, 'aviary-controller');
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: 8090, protocol: 'TCP' }]);
    assert.ok(container.resources?.requests?.cpu !== undefined && container.resources.requests.memory !== undefined);
    assert.equal(container.securityContext?.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    const podLabels = deployment.spec?.template.metadata?.labels ?? {};
    assert.ok(Object.entries(deployment.spec?.selector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v), 'the selector matches the pod labels');
  });

  it('--no-canaries leaves out the Canary CRDs and every permission only the Canary controller needs', () => {
    const objects = installManifests({ canaries: false });
    assert.deepEqual(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata?.name), ['rollouts.aviary.dev', 'analysistemplates.aviary.dev', 'clusteranalysistemplates.aviary.dev', 'analysisruns.aviary.dev']);
    const rules = find(objects, 'ClusterRole').rules ?? [];
    const grants = (group: string, resource: string): string[] => rules.filter((r) => r.apiGroups?.includes(group) === true && r.resources?.includes(resource) === true).flatMap((r) => r.verbs);
    assert.deepEqual(grants('', 'secrets'), ['get'], 'Secrets read by name only: never listed, watched or written');
    assert.deepEqual(grants('', 'configmaps'), []);
    assert.ok(!grants('apps', 'deployments').includes('create') && !grants('', 'services').includes('create') && grants('apps', 'daemonsets').length === 0);
    assert.ok(rules.every((r) => !(r.resources ?? []).some((res) => res.startsWith('canaries'))));
    assert.throws(() => installManifests({ canaries: false, compat: [flaggerGroup] }), /--compat flagger serves Canaries/);
  });

  it('installs the CRDs of every kind: Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, Canary, MetricTemplate, AlertProvider', () => {
    assert.deepEqual(installManifests({ controller: false }).map((o) => o.metadata?.name), [
      'rollouts.aviary.dev',
      'analysistemplates.aviary.dev',
      'clusteranalysistemplates.aviary.dev',
      'analysisruns.aviary.dev',
      'canaries.aviary.dev',
      'metrictemplates.aviary.dev',
      'alertproviders.aviary.dev',
    ]);
  });

  it('with --compat flagger adds the flagger.app CRDs (Canary kinds only), their RBAC and the controller flag; combinable with argo', () => {
    const objects = installManifests({ compat: [argoprojGroup, flaggerGroup] });
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata?.name ?? '');
    assert.deepEqual(crds.filter((n) => n.endsWith('.flagger.app')), ['canaries.flagger.app', 'metrictemplates.flagger.app', 'alertproviders.flagger.app']);
    assert.ok(!crds.includes('canaries.argoproj.io') && !crds.includes('rollouts.flagger.app'));
    const rules = find(objects, 'ClusterRole').rules ?? [];
    assert.deepEqual(rules.find((r) => r.resources?.includes('canaries/status') === true)?.apiGroups, ['aviary.dev', 'flagger.app']);
    assert.deepEqual(rules.find((r) => r.resources?.includes('rollouts/status') === true)?.apiGroups, ['aviary.dev', 'argoproj.io']);
    assert.deepEqual(find(objects, 'Deployment').spec?.template.spec?.containers[0]?.args?.slice(-4), ['--compat', 'argo', '--compat', 'flagger']);
  });

  it('with --compat argo adds the argoproj.io CRDs, their RBAC and the controller flag', () => {
    const objects = installManifests({ compat: [argoprojGroup] });
    const kinds = ['rollouts', 'analysistemplates', 'clusteranalysistemplates', 'analysisruns'];
    assert.deepEqual(
      objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata?.name),
      [...kinds.map((k) => `${k}.aviary.dev`), 'canaries.aviary.dev', 'metrictemplates.aviary.dev', 'alertproviders.aviary.dev', ...kinds.map((k) => `${k}.argoproj.io`)],
    );
    const role = find(objects, 'ClusterRole');
    const ownRules = (role.rules ?? []).filter((r) => kinds.some((k) => r.resources?.[0]?.startsWith(k) === true));
    assert.equal(ownRules.length, 7);
    assert.ok(ownRules.every((r) => r.apiGroups?.join() === 'aviary.dev,argoproj.io'));
    const deployment = find(objects, 'Deployment');
    assert.deepEqual(deployment.spec?.template.spec?.containers[0]?.args?.slice(-2), ['--compat', 'argo']);
  });

  it('can leave out the controller (CRDs only) or the CRDs', () => {
    assert.deepEqual(new Set(installManifests({ controller: false }).map((o) => o.kind)), new Set(['CustomResourceDefinition']));
    assert.ok(!installManifests({ crds: false }).some((o) => o.kind === 'CustomResourceDefinition'));
  });

  it('prints YAML that parses back into the same objects, without anchors', () => {
    const objects = installManifests({ compat: [argoprojGroup] });
    const text = manifestsYaml(objects);
    assert.doesNotMatch(text, /[&*]a\d/);
    const parsed = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(objects)));
  });
});

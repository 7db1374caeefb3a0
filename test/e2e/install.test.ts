import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AuthorizationV1Api, KubeConfig, KubernetesObjectApi, type V1ResourceAttributes } from '@kubernetes/client-node';
import { aviaryGroup } from '../../src/api/groups.ts';
import { compatModes, controllerClusterRules, controllerServiceAccountUser, installManifests, installNamespace, leaderElectionRules } from '../../src/install/manifests.ts';
import { canaryController } from '../../src/canary/controller.ts';
import { rolloutController } from '../../src/rollout/controller.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { Manager } from '../../src/runtime/manager.ts';
import { isApiError, KubeClient, resourcePath } from '../../src/runtime/rest.ts';
import { applyYaml, parseManifests } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);
const aviary = new URL('../../bin/aviary', import.meta.url).pathname;
const ns = new TestNamespace('install', [['aviary.dev/v1alpha1', 'Rollout'], ['apps/v1', 'ReplicaSet'], ['v1', 'Service'], ['v1', 'Pod']]);
const argo = compatModes.argo;
assert.ok(argo !== undefined);

/** The same cluster, but every request made as the controller's ServiceAccount (the admin may impersonate). */
function asServiceAccount(kc: KubeConfig): KubeConfig {
  const user = kc.getCurrentUser();
  const cluster = kc.getCurrentCluster();
  assert.ok(user !== null && cluster !== null);
  const impersonating = new KubeConfig();
  impersonating.loadFromOptions({
    clusters: [cluster],
    users: [{ ...user, impersonateUser: controllerServiceAccountUser }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: user.name }],
    currentContext: 'sa',
  });
  return impersonating;
}

async function allowed(kc: KubeConfig, attributes: V1ResourceAttributes): Promise<boolean> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: controllerServiceAccountUser,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${installNamespace}`, 'system:authenticated'],
        resourceAttributes: attributes,
      },
    },
  });
  return review.status?.allowed === true;
}

/** Starts the manager; a missing list/watch permission leaves an informer retrying forever, so give up after `ms`. */
async function startWithin(manager: Manager, ms: number): Promise<void> {
  const giveUp = new AbortController();
  await Promise.race([
    manager.start(),
    sleep(ms, undefined, { signal: giveUp.signal }).then(() => {
      throw new Error(`caches did not sync as the ServiceAccount: ${JSON.stringify(manager.readiness().details)}`);
    }),
  ]).finally(() => { giveUp.abort(); });
}

const describeAttributes = (a: V1ResourceAttributes): string =>
  `${a.verb ?? ''} ${a.group === '' || a.group === undefined ? '' : `${a.group}/`}${a.resource ?? ''}${a.subresource === undefined ? '' : `/${a.subresource}`} in ${a.namespace === undefined || a.namespace === '' ? 'all namespaces' : a.namespace}`;

describe('aviary install', () => {
  before(() => ns.create());
  after(() => ns.delete());

  it('--print writes the manifests, argoproj.io included with --compat argo', async () => {
    const { stdout } = await run(aviary, ['install', '--print', '--compat', 'argo']);
    const objects = parseManifests(stdout);
    assert.deepEqual(objects.map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`), installManifests({ compat: [argo] }).map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`));
    assert.ok(objects.some((o) => o.metadata?.name === 'rollouts.argoproj.io'));
  });

  it('applies CRDs, namespace, ServiceAccount, RBAC and the controller Deployment, and waits for the CRDs', async () => {
    const { stderr } = await run(aviary, ['install', '--compat', 'argo'], { env: process.env });
    const crdNames = installManifests({ compat: [argo], controller: false }).map((o) => o.metadata?.name ?? '');
    assert.ok(stderr.includes(`CRDs established: ${crdNames.join(', ')}`), stderr);
    const api = KubernetesObjectApi.makeApiClient(ns.kc);
    for (const obj of installManifests({ compat: [argo] })) {
      const meta: { name?: string; namespace?: string } = obj.metadata ?? {};
      const stored = await api.read({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: meta.name ?? '', ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }) } });
      assert.equal(stored.metadata?.managedFields?.some((f) => f.manager === 'aviary' && f.operation === 'Apply'), true, `${obj.kind ?? ''} ${obj.metadata?.name ?? ''} applied by aviary`);
    }
    // Applying again changes nothing and succeeds.
    await run(aviary, ['install', '--compat', 'argo'], { env: process.env });
  });

  it('lets the ServiceAccount do every verb the controller uses, and nothing it does not', async () => {
    const needed: V1ResourceAttributes[] = [];
    for (const rule of controllerClusterRules([aviaryGroup, argo])) {
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          const [name = '', subresource] = resource.split('/');
          for (const verb of rule.verbs) {
            for (const namespace of ['', ns.name]) needed.push({ group, resource: name, ...(subresource === undefined ? {} : { subresource }), verb, namespace });
          }
        }
      }
    }
    for (const rule of leaderElectionRules()) {
      for (const verb of rule.verbs) needed.push({ group: 'coordination.k8s.io', resource: 'leases', verb, namespace: installNamespace });
    }
    // RBAC reaches the authorizer through its informers: give the fresh bindings a moment.
    await waitFor('the controller\'s RBAC to take effect', () => allowed(ns.kc, needed[0] ?? {}));
    for (const attributes of needed) assert.equal(await allowed(ns.kc, attributes), true, `allowed: ${describeAttributes(attributes)}`);

    const denied: V1ResourceAttributes[] = [
      { resource: 'services', verb: 'delete', namespace: ns.name },
      // Secrets and ConfigMaps are copied for Canaries (list, watch, create, patch), never replaced or deleted.
      { resource: 'secrets', verb: 'update', namespace: ns.name },
      { resource: 'secrets', verb: 'delete', namespace: ns.name },
      { resource: 'configmaps', verb: 'delete', namespace: ns.name },
      { resource: 'configmaps', verb: 'get', namespace: ns.name },
      { resource: 'pods', verb: 'delete', namespace: ns.name },
      { resource: 'pods', verb: 'create', namespace: ns.name },
      { group: 'aviary.dev', resource: 'rollouts', verb: 'update', namespace: ns.name },
      { group: 'aviary.dev', resource: 'rollouts', verb: 'patch', namespace: ns.name },
      { group: 'aviary.dev', resource: 'rollouts', verb: 'delete', namespace: ns.name },
      { group: 'apps', resource: 'replicasets', verb: 'deletecollection', namespace: ns.name },
      // Templates belong to their authors; runs are never deleted in bulk; Jobs are created and deleted, never changed.
      { group: 'aviary.dev', resource: 'analysistemplates', verb: 'create', namespace: ns.name },
      { group: 'aviary.dev', resource: 'analysistemplates', verb: 'update', namespace: ns.name },
      { group: 'aviary.dev', resource: 'analysistemplates', verb: 'delete', namespace: ns.name },
      { group: 'argoproj.io', resource: 'clusteranalysistemplates', verb: 'patch', namespace: '' },
      { group: 'argoproj.io', resource: 'clusteranalysistemplates', verb: 'delete', namespace: '' },
      { group: 'aviary.dev', resource: 'analysisruns', verb: 'deletecollection', namespace: ns.name },
      { group: 'batch', resource: 'jobs', verb: 'update', namespace: ns.name },
      { group: 'batch', resource: 'jobs', verb: 'patch', namespace: ns.name },
      { group: 'batch', resource: 'cronjobs', verb: 'create', namespace: ns.name },
      { group: 'apps', resource: 'deployments', verb: 'delete', namespace: ns.name },
      { group: 'apps', resource: 'daemonsets', verb: 'delete', namespace: ns.name },
      { group: 'aviary.dev', resource: 'canaries', verb: 'update', namespace: ns.name },
      { group: 'aviary.dev', resource: 'canaries', verb: 'delete', namespace: ns.name },
      { group: 'aviary.dev', resource: 'metrictemplates', verb: 'patch', namespace: ns.name },
      { group: 'gateway.networking.k8s.io', resource: 'httproutes', verb: 'delete', namespace: ns.name },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'get', namespace: 'kube-system' },
      { group: 'coordination.k8s.io', resource: 'leases', verb: 'delete', namespace: installNamespace },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'escalate', namespace: '' },
    ];
    for (const attributes of denied) assert.equal(await allowed(ns.kc, attributes), false, `denied: ${describeAttributes(attributes)}`);
  });

  it('is enough for analysis: as the ServiceAccount, reads templates and a Secret, runs an AnalysisRun and a measurement Job', async () => {
    const admin = new KubeClient(ns.kc);
    const controller = new KubeClient(asServiceAccount(ns.kc));
    const mergePatch = 'application/merge-patch+json';
    const metric = { name: 'smoke', provider: { job: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'busybox' }] } } } } } };
    try {
      // What users own: a template and a Secret holding an argument's value.
      await admin.create(resourcePath('v1', 'secrets', ns.name), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api' }, stringData: { token: 's3cret' } });
      await admin.create(resourcePath('aviary.dev/v1alpha1', 'analysistemplates', ns.name), {
        apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'smoke' }, spec: { metrics: [metric] },
      });

      const templates = await controller.get<{ items: { metadata: { name: string } }[] }>(resourcePath('aviary.dev/v1alpha1', 'analysistemplates', ns.name));
      assert.deepEqual(templates.items.map((t) => t.metadata.name), ['smoke']);
      await controller.get(resourcePath('argoproj.io/v1alpha1', 'clusteranalysistemplates'));
      const secret = await controller.get<{ data: Record<string, string> }>(resourcePath('v1', 'secrets', ns.name, 'api'));
      assert.equal(Buffer.from(secret.data.token ?? '', 'base64').toString(), 's3cret');

      const runs = resourcePath('aviary.dev/v1alpha1', 'analysisruns', ns.name);
      const run = await controller.create<{ metadata: { name: string; uid: string } }>(runs, {
        apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'smoke-1' }, spec: { metrics: [metric] },
      });
      await controller.patch(`${runs}/smoke-1/status`, { status: { phase: 'Running', startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } }, mergePatch);
      await controller.patch(`${runs}/smoke-1`, { spec: { terminate: true } }, mergePatch);

      // A suspended Job: owned by the run as the job provider owns its Jobs, but never starting pods here.
      const jobs = resourcePath('batch/v1', 'jobs', ns.name);
      await controller.create(jobs, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'smoke-1-1',
          ownerReferences: [{ apiVersion: 'aviary.dev/v1alpha1', kind: 'AnalysisRun', name: run.metadata.name, uid: run.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { suspend: true, ...metric.provider.job.spec },
      });
      const owned = await controller.get<{ items: unknown[] }>(jobs, { labelSelector: 'batch.kubernetes.io/job-name=smoke-1-1' });
      assert.equal(owned.items.length, 1);
      await controller.delete(`${jobs}/smoke-1-1`);
      await controller.delete(`${runs}/smoke-1`);

      // Deleting a Secret, or changing a template, is refused.
      for (const refused of [
        () => controller.delete(resourcePath('v1', 'secrets', ns.name, 'api')),
        () => controller.patch(resourcePath('aviary.dev/v1alpha1', 'analysistemplates', ns.name, 'smoke'), { spec: { args: [{ name: 'x' }] } }, mergePatch),
      ]) {
        await assert.rejects(refused, (error: unknown) => isApiError(error, 403));
      }
    } finally {
      admin.close();
      controller.close();
    }
  });

  it('is enough for the real controller: run as the ServiceAccount, it wins the Lease and takes a canary through its steps', async () => {
    const kubeConfig = asServiceAccount(ns.kc);
    const leaseName = `aviary-e2e-${randomBytes(3).toString('hex')}`;
    const manager = new Manager({ kubeConfig, address: false, logger: createLogger({ level: 'error', pretty: false, destination: process.stderr }), leaderElection: { namespace: installNamespace, name: leaseName } });
    manager.addController(rolloutController(manager, { group: aviaryGroup, namespace: ns.name }));
    const admin = new KubeClient(ns.kc);
    try {
      await startWithin(manager, 20_000);
      await waitFor('the impersonated controller to lead', () => Promise.resolve(manager.isLeader()), { timeoutMs: 20_000 });
      await applyYaml(ns.kc, `
apiVersion: v1
kind: Service
metadata: { name: rbac-stable }
spec: { selector: { app: rbac }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: rbac-canary }
spec: { selector: { app: rbac }, ports: [{ port: 80 }] }
---
apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata: { name: rbac }
spec:
  replicas: 2
  revisionHistoryLimit: 0
  selector: { matchLabels: { app: rbac } }
  template:
    metadata: { labels: { app: rbac } }
    spec: { containers: [{ name: app, image: app:1 }] }
  strategy:
    canary:
      stableService: rbac-stable
      canaryService: rbac-canary
      canaryMetadata: { labels: { role: canary } }
      steps: [{ setWeight: 50 }, { pause: {} }]
`, ns.name);
      const path = resourcePath('aviary.dev/v1alpha1', 'rollouts', ns.name, 'rbac');
      type Seen = { metadata: { generation?: number }; status?: { phase?: string; observedGeneration?: string; stableRS?: string; currentPodHash?: string } };
      const phase = (wanted: string) => ns.waitFor(`Rollout rbac to be ${wanted}`, async () => {
        const r = await admin.get<Seen>(path);
        return r.status?.phase === wanted && r.status.observedGeneration === String(r.metadata.generation) ? r : undefined;
      }, { timeoutMs: 120_000 });
      await phase('Healthy');
      await admin.patch(path, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:2' }], 'application/json-patch+json');
      await phase('Paused');
      await admin.patch(`${path}/status`, { status: { pauseConditions: null } }, 'application/merge-patch+json');
      const healthy = await phase('Healthy');
      assert.equal(healthy.status?.stableRS, healthy.status?.currentPodHash);
      // revisionHistoryLimit 0: the previous ReplicaSet is deleted once empty.
      await ns.waitFor('only the new ReplicaSet to remain', async () => {
        const list = await admin.get<{ items: { metadata: { name: string } }[] }>(resourcePath('apps/v1', 'replicasets', ns.name));
        return list.items.length === 1 && list.items[0]?.metadata.name === `rbac-${healthy.status?.stableRS ?? ''}`;
      });
      const services = await admin.get<{ spec: { selector: Record<string, string> } }>(resourcePath('v1', 'services', ns.name, 'rbac-stable'));
      assert.equal(services.spec.selector['rollouts-pod-template-hash'], healthy.status?.stableRS);
      await ns.waitFor('the controller\'s Events to be recorded', async () => {
        const events = await ns.core.listNamespacedEvent({ namespace: ns.name, fieldSelector: 'involvedObject.name=rbac' });
        return events.items.some((e) => e.reason === 'RolloutCompleted' && e.source?.component === 'aviary-controller');
      });
    } finally {
      await manager.stop();
      await admin.delete(resourcePath('coordination.k8s.io/v1', 'leases', installNamespace, leaseName)).catch(() => undefined);
      admin.close();
    }
  });

  it('is enough for the Canary controller: run as the ServiceAccount, it creates the primary, Services and config copies and promotes a release', async () => {
    const kubeConfig = asServiceAccount(ns.kc);
    const manager = new Manager({ kubeConfig, address: false, logger: createLogger({ level: 'error', pretty: false, destination: process.stderr }) });
    manager.addController(canaryController(manager, { group: aviaryGroup, namespace: ns.name }));
    const admin = new KubeClient(ns.kc);
    try {
      await startWithin(manager, 20_000);
      await applyYaml(ns.kc, `
apiVersion: v1
kind: ConfigMap
metadata: { name: cn-config }
data: { color: blue }
---
apiVersion: v1
kind: Secret
metadata: { name: cn-secret }
stringData: { token: s3cr3t }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cn }
spec:
  replicas: 1
  selector: { matchLabels: { app: cn } }
  template:
    metadata: { labels: { app: cn } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: app:1
          envFrom: [{ configMapRef: { name: cn-config } }, { secretRef: { name: cn-secret } }]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: cn }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: cn }
  minReplicas: 1
  maxReplicas: 2
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 80 } } }]
---
apiVersion: aviary.dev/v1alpha1
kind: Canary
metadata: { name: cn }
spec:
  provider: kubernetes
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: cn }
  autoscalerRef: { apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: cn }
  service: { port: 80, targetPort: 8080 }
  analysis: { interval: 1m, threshold: 1, iterations: 3 }
`, ns.name);
      const path = resourcePath('aviary.dev/v1alpha1', 'canaries', ns.name, 'cn');
      type Seen = { metadata: { annotations?: Record<string, string> }; status?: { phase?: string } };
      const phase = (wanted: string) => ns.waitFor(`Canary cn to be ${wanted}`, async () => {
        const c = await admin.get<Seen>(path);
        return c.status?.phase === wanted ? c : undefined;
      }, { timeoutMs: 120_000 });
      await phase('Initialized');
      for (const [apiVersion, plural, name] of [['apps/v1', 'deployments', 'cn-primary'], ['v1', 'services', 'cn'], ['v1', 'services', 'cn-primary'], ['v1', 'services', 'cn-canary'], ['v1', 'configmaps', 'cn-config-primary'], ['v1', 'secrets', 'cn-secret-primary'], ['autoscaling/v2', 'horizontalpodautoscalers', 'cn-primary']] as const) {
        await admin.get(resourcePath(apiVersion, plural, ns.name, name));
      }
      await admin.patch(resourcePath('apps/v1', 'deployments', ns.name, 'cn'), { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } }, 'application/strategic-merge-patch+json');
      await phase('Progressing');
      // A person's promote --full: the controller acts on it and removes the annotation (a patch of the Canary).
      await admin.patch(path, { metadata: { annotations: { 'aviary.dev/promote': 'full' } } }, 'application/merge-patch+json');
      const done = await phase('Succeeded');
      assert.equal(done.metadata.annotations?.['aviary.dev/promote'], undefined);
      const primary = await admin.get<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(resourcePath('apps/v1', 'deployments', ns.name, 'cn-primary'));
      assert.equal(primary.spec.template.spec.containers[0]?.image, 'app:2');
    } finally {
      await manager.stop();
      admin.close();
    }
  });
});

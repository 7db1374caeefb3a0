/**
 * What `aviary install` puts into a cluster, built from code so the CLI, `--print` and the committed
 * deploy/install.yaml can never disagree: the CRDs, the aviary-system namespace, the controller's ServiceAccount,
 * least-privilege RBAC and the controller Deployment.
 */
import { routerDefinitions } from '../traffic/registry.ts';
import { groupOf } from '../runtime/objects.ts';
import type { ClusterRole, ClusterRoleBinding, Deployment, Namespace, PolicyRule, Probe, Role, RoleBinding, ServiceAccount } from '../api/kubernetes.ts';
import { stringify } from 'yaml';
import { partOfLabel, type CustomResourceDefinition } from '../api/crd.ts';
import { argoprojGroup, aviaryGroup, flaggerGroup, type ApiGroup } from '../api/groups.ts';
import { crdsFor, groupServes } from '../api/registry.ts';
import { aviaryVersion } from '../version.ts';

export const installNamespace = 'aviary-system';
export const controllerName = 'aviary-controller';
export const leaderElectionRoleName = 'aviary-controller-leader-election';
export const imageRepository = 'ghcr.io/aviary-dev/aviary';
export const probePort = 8090;

/** The user the API server sees for the controller's pods. */
export const controllerServiceAccountUser = `system:serviceaccount:${installNamespace}:${controllerName}`;

export type InstallObject =
  | CustomResourceDefinition
  | Namespace
  | ServiceAccount
  | ClusterRole
  | ClusterRoleBinding
  | Role
  | RoleBinding
  | Deployment;

export interface InstallOptions {
  /** Peer API groups served in compatibility mode (argoproj.io); their CRDs, RBAC and controller flag follow. */
  compat?: readonly ApiGroup[];
  /** Include the CRDs. Default true. */
  crds?: boolean;
  /** Include the namespace, RBAC and the controller Deployment. Default true. */
  controller?: boolean;
  /** Controller image; default the image of this version. */
  image?: string;
  /**
   * Serve Canaries (Flagger's shape): their CRDs in aviary.dev and the Canary controller's permissions, which are
   * broader than the Rollouts' (it creates `-primary` workloads, Services and config copies, and watches the
   * ConfigMaps and Secrets targets mount). Default true; `aviary install --no-canaries` leaves them out.
   */
  canaries?: boolean;
}

const canaryKinds: readonly string[] = ['Canary', 'MetricTemplate', 'AlertProvider'];

/** Compatibility modes by their flag value (`--compat argo`), shared with `aviary controller`. */
export const compatModes: Readonly<Record<string, ApiGroup>> = {
  argo: argoprojGroup,
  flagger: flaggerGroup,
};

const labels = (component: string): Record<string, string> => ({
  ...partOfLabel,
  'app.kubernetes.io/name': 'aviary',
  'app.kubernetes.io/component': component,
});

/**
 * Cluster-wide permissions of the controller: exactly the verbs its informers, executors and metric providers use.
 * Rollouts are only read on the main resource — every write goes through the status subresource. finalizers/update
 * is what the OwnerReferencesPermissionEnforcement admission plugin asks for before an object may carry a
 * blockOwnerDeletion owner reference: ReplicaSets to their Rollout, measurement Jobs to their AnalysisRun.
 */
export function controllerClusterRules(groups: readonly ApiGroup[], options: Pick<InstallOptions, 'canaries'> = {}): PolicyRule[] {
  const apiGroups = groups.filter((g) => groupServes(g, 'Rollout')).map((g) => g.name);
  const canaryGroups = options.canaries === false ? [] : groups.filter((g) => groupServes(g, 'Canary')).map((g) => g.name);
  return [
    { apiGroups, resources: ['rollouts'], verbs: ['get', 'list', 'watch'] },
    { apiGroups, resources: ['rollouts/status'], verbs: ['get', 'patch', 'update'] },
    { apiGroups, resources: ['rollouts/finalizers'], verbs: ['update'] },
    // Analysis: templates are only read; runs are created per analysis step, terminated (spec.terminate), deleted
    // beyond the history limits or after their ttlStrategy, and measured through the status subresource.
    { apiGroups, resources: ['analysistemplates', 'clusteranalysistemplates'], verbs: ['get', 'list', 'watch'] },
    { apiGroups, resources: ['analysisruns'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { apiGroups, resources: ['analysisruns/status'], verbs: ['update', 'patch'] },
    { apiGroups, resources: ['analysisruns/finalizers'], verbs: ['update'] },
    // The job metric provider: one Job per measurement, watched for completion, deleted beyond measurementRetention.
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    // For Rollouts, Secrets are read one key at a time, never listed or watched: valueFrom.secretKeyRef arguments (the
    // run's own namespace) and provider credentials (datadog, newrelic, ...). Values never reach logs or status.
    // (The Canary controller's config tracking is what lists and watches them, below, unless --no-canaries.)
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] },
    // Deployments named by a workloadRef: their template is read, and they are scaled down (scaleDown setting).
    // Canary targets (Deployments, DaemonSets) are read and scaled; their -primary copies are server-side applied.
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch', 'patch'] },
    ...(canaryGroups.length === 0 ? [] : canaryRules(canaryGroups)),
    // Traffic routers: the Services they pin and the provider objects whose weights and routes they set.
    ...routerRules(),
    // Pods: watched for restarts, relabelled for canary/stable metadata, evicted (never deleted) on restart.
    { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'patch'] },
    { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

/**
 * What the Canary controller adds: its kinds (Canaries written through status, and the annotations of manual
 * requests removed once acted on), DaemonSet targets, the `-primary` workloads, the apex/primary/canary Services
 * and the route it creates (Gateway API HTTPRoute, TraefikService) (a server-side apply that creates an object is authorised as create), the
 * ConfigMaps and Secrets a target mounts (watched for changes, copied to `-primary`) and the primary
 * HorizontalPodAutoscaler. Nothing is deleted: what a Canary generated is owned by it and goes with it.
 */
function canaryRules(apiGroups: readonly string[]): PolicyRule[] {
  return [
    { apiGroups: [...apiGroups], resources: ['canaries'], verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: [...apiGroups], resources: ['metrictemplates', 'alertproviders'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [...apiGroups], resources: ['canaries/status'], verbs: ['get', 'patch', 'update'] },
    { apiGroups: [...apiGroups], resources: ['canaries/finalizers'], verbs: ['update'] },
    { apiGroups: ['apps'], resources: ['deployments', 'daemonsets'], verbs: ['list', 'watch', 'create', 'patch'] },
    { apiGroups: [''], resources: ['services'], verbs: ['create', 'patch'] },
    { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['list', 'watch', 'create', 'patch'] },
    { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'watch', 'create', 'patch'] },
    { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['create', 'patch'] },
    { apiGroups: ['traefik.io'], resources: ['traefikservices'], verbs: ['create', 'patch'] },
    { apiGroups: ['split.smi-spec.io'], resources: ['trafficsplits'], verbs: ['create', 'patch'] },
    { apiGroups: ['networking.istio.io'], resources: ['virtualservices', 'destinationrules'], verbs: ['create', 'patch'] },
  ];
}

/**
 * One rule per API group and verbs of the routers' kinds (src/traffic/registry.ts): a new router is granted what it
 * uses. A kind two routers share (the Ingress of NGINX and ALB) is granted the union of their verbs.
 */
function routerRules(): PolicyRule[] {
  const verbsByKind = new Map<string, { group: string; plural: string; verbs: Set<string> }>();
  for (const { resources } of routerDefinitions) {
    for (const { apiVersion, plural, verbs = [], readOnly = false } of resources) {
      const group = groupOf(apiVersion);
      const entry = verbsByKind.get(`${group}/${plural}`) ?? { group, plural, verbs: new Set<string>() };
      for (const verb of ['get', 'list', 'watch', ...(readOnly ? [] : ['patch']), ...verbs]) entry.verbs.add(verb);
      verbsByKind.set(`${group}/${plural}`, entry);
    }
  }
  const rules = new Map<string, PolicyRule>();
  for (const { group, plural, verbs } of verbsByKind.values()) {
    const all = [...verbs];
    const key = `${group} ${all.join(',')}`;
    const rule = rules.get(key) ?? { apiGroups: [group], resources: [], verbs: all };
    rule.resources = [...(rule.resources ?? []), plural];
    rules.set(key, rule);
  }
  return [...rules.values()];
}

/** Leader election needs its Lease only, and only in the controller's own namespace. */
export function leaderElectionRules(): PolicyRule[] {
  return [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
}

function crdObjects(groups: readonly ApiGroup[], canaries: boolean): CustomResourceDefinition[] {
  return groups.flatMap((group) => crdsFor({ group })).filter((crd) => canaries || !canaryKinds.includes(crd.spec.names.kind));
}

function controllerDeployment(image: string, compat: readonly string[]): Deployment {
  const selector = { 'app.kubernetes.io/name': 'aviary', 'app.kubernetes.io/component': 'controller' };
  const args = ['controller', '--leader-elect', '--lease-namespace', installNamespace, ...compat.flatMap((mode) => ['--compat', mode])];
  const probe = (path: string): Probe => ({ httpGet: { path, port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: controllerName, namespace: installNamespace, labels: labels('controller') },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...labels('controller'), ...selector } },
        spec: {
          serviceAccountName: controllerName,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'controller',
            image,
            args,
            // The Lease holder identity: the pod name tells an operator which replica leads.
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            ports: [{ name: 'metrics', containerPort: probePort, protocol: 'TCP' }],
            livenessProbe: probe('/healthz'),
            readinessProbe: probe('/readyz'),
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } },
            securityContext: {
              runAsNonRoot: true,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
            },
          }],
        },
      },
    },
  };
}

/** Every object of an install, in the order it must be applied (CRDs and the namespace before what uses them). */
export function installManifests(options: InstallOptions = {}): InstallObject[] {
  const compat = options.compat ?? [];
  const canaries = options.canaries ?? true;
  if (!canaries && compat.some((g) => g.name === flaggerGroup.name)) throw new Error('--compat flagger serves Canaries: it cannot be combined with --no-canaries');
  const groups = [aviaryGroup, ...compat];
  const compatFlags = compat.map((group) => {
    const mode = Object.entries(compatModes).find(([, g]) => g.name === group.name)?.[0];
    if (mode === undefined) throw new Error(`no compatibility mode serves the API group ${group.name}`);
    return mode;
  });
  const objects: InstallObject[] = [];
  if (options.crds ?? true) objects.push(...crdObjects(groups, canaries));
  if (!(options.controller ?? true)) return objects;

  const serviceAccount = { kind: 'ServiceAccount', name: controllerName, namespace: installNamespace };
  objects.push(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: installNamespace, labels: labels('controller') } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: controllerName, namespace: installNamespace, labels: labels('controller') } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: controllerName, labels: labels('controller') }, rules: controllerClusterRules(groups, { canaries }) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: controllerName, labels: labels('controller') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: controllerName },
      subjects: [serviceAccount],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: leaderElectionRoleName, namespace: installNamespace, labels: labels('controller') },
      rules: leaderElectionRules(),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: leaderElectionRoleName, namespace: installNamespace, labels: labels('controller') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leaderElectionRoleName },
      subjects: [serviceAccount],
    },
    controllerDeployment(options.image ?? `${imageRepository}:${aviaryVersion}`, compatFlags),
  );
  return objects;
}

const header = '# Generated from src/install by `npm run gen:crds`. Do not edit by hand.\n';

/** Multi-document YAML of an install; map keys keep their order except inside CRDs, which are sorted as in deploy/crds/. */
export function manifestsYaml(objects: readonly InstallObject[]): string {
  return header + objects
    .map((obj) => `---\n${stringify(obj, { sortMapEntries: obj.kind === 'CustomResourceDefinition', lineWidth: 0, indent: 2, aliasDuplicateObjects: false })}`)
    .join('');
}

/**
 * What the lab installs in the cluster for its gateway, as plain objects: Traefik's own identity (a ServiceAccount
 * with a long-lived token and only the permissions its three providers read and the status they write), the
 * GatewayClass, one shared Gateway that accepts routes from every namespace, and an IngressClass.
 */
import { stringify } from 'yaml';
import type { KubeObject } from '../runtime/objects.ts';
import type { LabLayout } from './layout.ts';

export const labNamespace = 'aviary-lab';
export const gatewayServiceAccount = 'aviary-gateway';
export const gatewayTokenSecret = 'aviary-gateway-token';
export const gatewayClassName = 'aviary-lab';
export const gatewayControllerName = 'traefik.io/gateway-controller';
/** The shared Gateway routes attach to: parentRefs [{ name: lab-gateway, namespace: aviary-lab }]. */
export const sharedGateway = { name: 'lab-gateway', namespace: labNamespace, listener: 'web' } as const;
export const ingressClassName = 'traefik';

const read = ['get', 'list', 'watch'];

export function gatewayObjects(layout: LabLayout): KubeObject[] {
  const name = 'aviary-lab-gateway';
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: labNamespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: gatewayServiceAccount, namespace: labNamespace } },
    {
      // A token Secret the token controller fills and never expires: Traefik runs as long as the lab does.
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { name: gatewayTokenSecret, namespace: labNamespace, annotations: { 'kubernetes.io/service-account.name': gatewayServiceAccount } },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [
        { apiGroups: [''], resources: ['services', 'secrets', 'configmaps', 'nodes'], verbs: read },
        { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: read },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
        {
          apiGroups: ['traefik.io'],
          resources: ['middlewares', 'middlewaretcps', 'ingressroutes', 'traefikservices', 'ingressroutetcps', 'ingressrouteudps', 'tlsoptions', 'tlsstores', 'serverstransports', 'serverstransporttcps'],
          verbs: read,
        },
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'tcproutes', 'tlsroutes', 'referencegrants', 'backendtlspolicies'],
          verbs: read,
        },
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: ['gatewayclasses/status', 'gateways/status', 'httproutes/status', 'grpcroutes/status', 'tcproutes/status', 'tlsroutes/status', 'backendtlspolicies/status'],
          verbs: ['update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: gatewayServiceAccount, namespace: labNamespace }],
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: gatewayClassName },
      spec: { controllerName: gatewayControllerName },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: sharedGateway.name, namespace: sharedGateway.namespace },
      spec: {
        gatewayClassName,
        // The listener's port is the entrypoint's port inside the lab: that is how Traefik maps listeners to entrypoints.
        listeners: [{ name: sharedGateway.listener, protocol: 'HTTP', port: layout.lab.gateway, allowedRoutes: { namespaces: { from: 'All' } } }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: ingressClassName },
      spec: { controller: 'traefik.io/ingress-controller' },
    },
  ] as KubeObject[];
}

/**
 * Traefik's static configuration. The provider throttle decides how soon a weight change takes effect (2 s by
 * default); the lab sets it low because Aviary's routers change weights step by step and the tests measure them.
 */
export function traefikConfig(layout: LabLayout, throttle = '100ms'): string {
  const apiserver = `https://127.0.0.1:${String(layout.lab.apiserver)}`;
  const kubernetes = { endpoint: apiserver, token: layout.traefikToken, certAuthFilePath: layout.caFile };
  return stringify({
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      web: { address: `127.0.0.1:${String(layout.lab.gateway)}` },
      traefik: { address: `127.0.0.1:${String(layout.lab.gatewayApi)}` },
      metrics: { address: `127.0.0.1:${String(layout.lab.gatewayMetrics)}` },
    },
    api: { insecure: true, dashboard: false },
    ping: { entryPoint: 'traefik' },
    log: { level: 'INFO' },
    metrics: { prometheus: { entryPoint: 'metrics', addEntryPointsLabels: true, addRoutersLabels: true, addServicesLabels: true } },
    providers: {
      providersThrottleDuration: throttle,
      kubernetesGateway: { ...kubernetes, statusAddress: { ip: '127.0.0.1' } },
      kubernetesCRD: { ...kubernetes, allowCrossNamespace: true },
      kubernetesIngress: { ...kubernetes, ingressClass: ingressClassName },
    },
  });
}

import type { Service } from '../api/kubernetes.ts';
import { managedByAnnotation, podTemplateHashLabel } from '../api/labels.ts';
import type { Rollout } from '../api/rollout.ts';
import type { Informer, InformerFactory } from '../runtime/informer.ts';
import { keyOf, thaw, withoutLastApplied, type DeepReadonly, type KubeObject } from '../runtime/objects.ts';
import type { ObservedTraffic, RouterDefinition, ServiceEndpoint, TrafficRouter } from './router.ts';

/** The label an EndpointSlice names its Service by. */
const serviceNameLabel = 'kubernetes.io/service-name';

/** An EndpointSlice, as far as the routers read it. */
interface EndpointSlice extends KubeObject {
  endpoints?: { conditions?: { ready?: boolean }; targetRef?: { name?: string } }[];
}
import type { ObjectWrite } from './writes.ts';

/** The Services a Rollout names (canary/stable, active/preview), whose existence and selectors its plan depends on. */
export function referencedServices(rollout: DeepReadonly<Rollout>): string[] {
  const { canary, blueGreen } = rollout.spec.strategy ?? {};
  return [canary?.canaryService, canary?.stableService, blueGreen?.activeService, blueGreen?.previewService]
    .filter((s): s is string => s !== undefined && s !== '');
}

/** The pod template hash a Service selects, if it selects one version. */
export function selectedHash(service: DeepReadonly<Service> | undefined): string | undefined {
  return service?.spec?.selector?.[podTemplateHashLabel];
}

/**
 * The first router, and the one every Rollout has: each named Service selects one version through the
 * rollouts-pod-template-hash label (and carries the managed-by annotation, as Argo Rollouts writes it). A
 * selector sends all of a Service's traffic to one version, so the weight is not the router's to set — without a
 * mesh or gateway it follows from the pod counts, and the intent's weight is what the step wants. It adds no
 * routes, so header and mirror routes, their removal and finalize are no writes; validation refuses the steps
 * that need them.
 */
export const serviceSelectorRouter: TrafficRouter = {
  name: 'service-selector',
  // A missing Service is InvalidSpec (validation), not a routing problem.
  problems: () => [],
  setWeight(intent, observed) {
    return intent.services
      .filter(({ service, hash }) => selectedHash(observed.services.get(service)) !== hash)
      .map(({ service, hash }) => selectorWrite(observed, service, hash));
  },
  setHeaderRoute: () => [],
  setMirrorRoute: () => [],
  verify(intent, observed) {
    return intent.services.every(({ service, hash }) => selectedHash(observed.services.get(service)) === hash);
  },
  removeManagedRoutes: () => [],
  finalize: () => [],
};

function selectorWrite(observed: ObservedTraffic, service: string, hash: string): ObjectWrite {
  return {
    type: 'merge',
    target: { apiVersion: 'v1', kind: 'Service', plural: 'services', namespace: observed.namespace, name: service },
    patch: { metadata: { annotations: { [managedByAnnotation]: observed.owner } }, spec: { selector: { [podTemplateHashLabel]: hash } } },
  };
}

/** Registry entry: every Rollout; Services are watched stripped to the fields the plan reads. */
export const serviceSelector: RouterDefinition = {
  name: 'service-selector',
  resources: [{ apiVersion: 'v1', plural: 'services' }, { apiVersion: 'discovery.k8s.io/v1', plural: 'endpointslices', readOnly: true }],
  appliesTo: () => true,
  routerFor: () => serviceSelectorRouter,
  supports: () => ({ headerRoutes: false, mirrorRoutes: false }),
  // The simulation makes up the Services itself.
  standIns: () => [],
  informers(factory, namespace) {
    const services = serviceInformer(factory, namespace);
    // EndpointSlices, reduced to their pods and readiness and indexed by Service: a weight may move onto a Service
    // only once it has endpoints there (the traffic-routed canary waits for them).
    const slices = factory.informer<EndpointSlice>({
      resource: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', plural: 'endpointslices' },
      labelSelector: serviceNameLabel,
      indexers: { service: (slice) => [keyOf(slice.metadata?.namespace, slice.metadata?.labels?.[serviceNameLabel] ?? '')] },
      transform: (slice) => ({
        apiVersion: slice.apiVersion,
        kind: slice.kind,
        metadata: { name: slice.metadata?.name, namespace: slice.metadata?.namespace, resourceVersion: slice.metadata?.resourceVersion, labels: { [serviceNameLabel]: slice.metadata?.labels?.[serviceNameLabel] ?? '' } },
        endpoints: (slice.endpoints ?? []).map((e) => ({ conditions: { ready: e.conditions?.ready }, targetRef: { name: e.targetRef?.name } })),
      }),
      ...(namespace === undefined ? {} : { namespace }),
    });
    const serviceKeys = (rollout: DeepReadonly<Rollout>): string[] => referencedServices(rollout).map((name) => keyOf(rollout.metadata.namespace, name));
    return {
      watched: [
        { informer: services, referencedBy: serviceKeys },
        { informer: slices, referencedBy: serviceKeys, referenceKey: (slice) => keyOf(slice.metadata?.namespace, slice.metadata?.labels?.[serviceNameLabel] ?? '') },
      ],
      observe(rollout) {
        const found = new Map<string, Service>();
        const endpoints = new Map<string, ServiceEndpoint[]>();
        for (const name of referencedServices(rollout)) {
          const svc = services.getByName(rollout.metadata.namespace, name);
          if (svc !== undefined) found.set(name, thaw<Service>(svc));
          endpoints.set(name, slices.byIndex('service', keyOf(rollout.metadata.namespace, name)).flatMap((slice) =>
            (slice.endpoints ?? []).map((e) => ({ pod: e.targetRef?.name ?? '', ready: e.conditions?.ready !== false }))));
        }
        return { services: found, endpoints };
      },
    };
  },
};

/**
 * The one Service informer of a controller process (shared informers are keyed by resource, not by transform): the
 * routers read selectors, the Canary controller the whole spec and the metadata it generates. Status is dropped.
 */
export function serviceInformer(factory: InformerFactory, namespace: string | undefined): Informer<Service> {
  return factory.informer<Service>({
    resource: { apiVersion: 'v1', kind: 'Service', plural: 'services' },
    transform: (svc) => {
      const { status: _status, ...rest } = withoutLastApplied(svc);
      return rest;
    },
    ...(namespace === undefined ? {} : { namespace }),
  });
}

/**
 * Real requests through the lab's real gateway (Traefik) to the pod runtime's HTTP servers on the local cluster's
 * pod IPs. Every request here leaves the host on a loopback port (the gateway's bridge); splits are measured from
 * the responses, which name the pod and version that answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { sharedGateway } from '../../src/lab/gateway-objects.ts';
import type { LoadReport } from '../../src/lab/load.ts';
import { applyYaml } from '../support/kube.ts';
import { gatewayLoad, labDeployment, labPrometheus, requireLab, traefikServices, untilTraefikWeights, versionShare, type TraefikService } from '../support/lab.ts';
import { TestNamespace } from '../support/namespace.ts';
import type { TestPrometheus } from '../support/prometheus.ts';

const ns = new TestNamespace('lab');
let gatewayUrl = '';
let prometheus: TestPrometheus;

function load(host: string, requests: number, headers: Record<string, string> = {}): Promise<LoadReport> {
  return gatewayLoad(gatewayUrl, host, requests, headers);
}

function service(name: string): (services: TraefikService[]) => TraefikService | undefined {
  return (services) => services.find((s) => s.name === name);
}

/** Waits until Traefik balances `name` over exactly `servers` pod addresses: the gateway's own view, not a guess. */
async function untilServers(name: string, servers: number): Promise<void> {
  await ns.waitFor(`Traefik service ${name} to have ${String(servers)} servers`, async () => {
    const found = service(name)(await traefikServices());
    return found?.loadBalancer?.servers?.length === servers;
  });
}

describe('traffic lab', () => {
  before(async () => {
    gatewayUrl = (await requireLab()).gatewayUrl;
    await ns.create();
    prometheus = await labPrometheus();
  });
  after(async () => {
    await prometheus.stop();
    await ns.delete();
  });

  it('splits an Ingress over one Service by replica ratio, and follows a scale-up', async () => {
    const host = `ingress.${ns.name}.lab`;
    await applyYaml(ns.kc, `${labDeployment('v1', { app: 'ing', version: 'v1', replicas: 3 })}
---
${labDeployment('v2', { app: 'ing', version: 'v2', replicas: 1 })}
---
apiVersion: v1
kind: Service
metadata: { name: ing }
spec: { selector: { app: ing }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ing }
spec:
  ingressClassName: traefik
  rules: [{ host: ${host}, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: ing, port: { number: 80 } } } }] } }]
`, ns.name);
    await untilServers(`${ns.name}-ing-80@kubernetes`, 4);
    const report = await load(host, 2000);
    assert.equal(report.byCode['200'], 2000, `every request answered 200: ${JSON.stringify(report.byCode)}`);
    const v2 = versionShare(report, 'v2');
    assert.ok(Math.abs(v2 - 25) <= 5, `v2 answered ${v2.toFixed(1)}% (3 v1 pods, 1 v2 pod)`);

    await ns.kc.makeApiClient(AppsV1Api).patchNamespacedDeploymentScale({ name: 'v2', namespace: ns.name, body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await untilServers(`${ns.name}-ing-80@kubernetes`, 6);
    const scaled = await load(host, 1200);
    const v2After = versionShare(scaled, 'v2');
    assert.ok(Math.abs(v2After - 50) <= 5, `after scaling v2 to 3 pods v2 answered ${v2After.toFixed(1)}%`);
  });

  it('weights an HTTPRoute 90/10, then 50/50; a header match goes to the canary only', async () => {
    const host = `route.${ns.name}.lab`;
    await applyYaml(ns.kc, `${labDeployment('stable', { app: 'rt', version: 'stable', replicas: 3 })}
---
${labDeployment('canary', { app: 'rt', version: 'canary', replicas: 1 })}
---
apiVersion: v1
kind: Service
metadata: { name: rt-stable }
spec: { selector: { app: rt, version: stable }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: rt-canary }
spec: { selector: { app: rt, version: canary }, ports: [{ port: 80, targetPort: 8080 }] }
---
${httpRoute(host, 90, 10)}
`, ns.name);
    const routes = ns.kc.makeApiClient(CustomObjectsApi);
    await ns.waitFor('HTTPRoute rt to be Accepted by the lab gateway', async () => {
      const route = (await routes.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: ns.name, plural: 'httproutes', name: 'rt' })) as { status?: { parents?: { conditions?: { type: string; status: string }[] }[] } };
      return route.status?.parents?.[0]?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') ?? false;
    });
    await untilWeights(90, 10);
    await untilServers(`${ns.name}-rt-stable-http-80@kubernetesgateway`, 3);
    await untilServers(`${ns.name}-rt-canary-http-80@kubernetesgateway`, 1);
    const ninety = await load(host, 1000);
    const canary = versionShare(ninety, 'canary');
    assert.ok(Math.abs(canary - 10) <= 4, `canary answered ${canary.toFixed(1)}% at weight 10`);

    const headerOnly = await load(host, 200, { 'x-canary': 'yes' });
    assert.deepEqual(headerOnly.byVersion, { canary: 200 }, 'requests with X-Canary: yes all went to the canary');

    await applyYaml(ns.kc, httpRoute(host, 50, 50), ns.name);
    await untilWeights(50, 50);
    const half = await load(host, 1000);
    const canaryHalf = versionShare(half, 'canary');
    assert.ok(Math.abs(canaryHalf - 50) <= 4, `canary answered ${canaryHalf.toFixed(1)}% at weight 50`);
  });

  it('counts the 500s of a pod that fails half its requests in the gateway metrics in Prometheus', async () => {
    const host = `errors.${ns.name}.lab`;
    await applyYaml(ns.kc, `${labDeployment('bad', { app: 'bad', version: 'bad', replicas: 1, env: { AVIARY_LAB_ERROR_RATIO: '0.5' } })}
---
apiVersion: v1
kind: Service
metadata: { name: bad }
spec: { selector: { app: bad }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: bad }
spec:
  ingressClassName: traefik
  rules: [{ host: ${host}, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: bad, port: { number: 80 } } } }] } }]
`, ns.name);
    await untilServers(`${ns.name}-bad-80@kubernetes`, 1);
    const report = await load(host, 400);
    const failed = report.byCode['500'] ?? 0;
    assert.ok(failed > 100 && failed < 300, `about half of 400 requests failed: ${String(failed)}`);
    await prometheus.waitForValue(`sum(traefik_service_requests_total{service="${ns.name}-bad-80@kubernetes",code="500"})`, failed);
    await prometheus.waitForValue(`sum(http_requests_total{namespace="${ns.name}",app="bad",code="500"})`, failed);
  });

  it('mirrors every request of an IngressRoute to a shadow Service through a TraefikService, answering from the main one', async () => {
    // Traefik v3.6's Gateway provider has no HTTPRoute RequestMirror filter (docs/lab.md); its CRD provider mirrors.
    const host = `mirror.${ns.name}.lab`;
    await applyYaml(ns.kc, `${labDeployment('main', { app: 'mr', version: 'main', replicas: 2 })}
---
${labDeployment('shadow', { app: 'mr', version: 'shadow', replicas: 1 })}
---
apiVersion: v1
kind: Service
metadata: { name: mr-main }
spec: { selector: { app: mr, version: main }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: mr-shadow }
spec: { selector: { app: mr, version: shadow }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: { name: mirrored }
spec:
  mirroring:
    name: mr-main
    port: 80
    mirrors: [{ name: mr-shadow, port: 80, percent: 100 }]
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: mirrored }
spec:
  entryPoints: [web]
  routes: [{ match: "Host(\`${host}\`)", kind: Rule, services: [{ name: mirrored, kind: TraefikService }] }]
`, ns.name);
    await ns.waitFor('Traefik to mirror mr-main to mr-shadow, both with their pods', async () => {
      const services = await traefikServices();
      const servers = (name: string): number => services.find((s) => s.name.startsWith(`${ns.name}-${name}-`))?.loadBalancer?.servers?.length ?? 0;
      const mirroring = services.find((s) => s.name === `${ns.name}-mirrored@kubernetescrd`);
      return mirroring?.mirroring?.mirrors?.some((m) => m.name.includes('mr-shadow')) === true && servers('mr-main') === 2 && servers('mr-shadow') === 1;
    });
    // The router may follow its services by a moment: probe until it answers, counting what the probes delivered.
    let probed = 0;
    await ns.waitFor('the mirrored route to answer', async () => {
      const probe = await load(host, 5);
      probed += probe.byVersion.main ?? 0;
      return probe.byVersion.main === 5;
    });
    const report = await load(host, 300);
    assert.deepEqual(report.byVersion, { main: 300 }, 'every answer comes from the main Service');
    await prometheus.waitForValue(`sum(http_requests_total{namespace="${ns.name}",app="mr",version="main"})`, probed + 300);
    await prometheus.waitForValue(`sum(http_requests_total{namespace="${ns.name}",app="mr",version="shadow"})`, probed + 300);
  });

  function httpRoute(host: string, stable: number, canary: number): string {
    return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: rt }
spec:
  parentRefs: [{ name: ${sharedGateway.name}, namespace: ${sharedGateway.namespace} }]
  hostnames: [${host}]
  rules:
    - matches: [{ headers: [{ name: X-Canary, value: "yes" }] }]
      backendRefs: [{ name: rt-canary, port: 80 }]
    - backendRefs: [{ name: rt-stable, port: 80, weight: ${String(stable)} }, { name: rt-canary, port: 80, weight: ${String(canary)} }]
`;
  }

  function untilWeights(stable: number, canary: number): Promise<void> {
    return untilTraefikWeights(ns, ns.name, { 'rt-stable': stable, 'rt-canary': canary });
  }
});

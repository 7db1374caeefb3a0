/**
 * The demo's traffic: constant requests through the lab's gateway to the example's Ingress, and what they measured.
 * The requests are real (the pod runtime answers as the pod, naming its version), so the shares printed next to
 * the steps are what the new version really answered, not what the weight promised.
 */
import type { CanaryStep, Rollout } from '../api/rollout.ts';
import { LoadWindow, runLoad, type LoadReport, type WindowShares } from '../lab/load.ts';
import { currentSetWeight } from '../rollout/canary.ts';
import type { DeepReadonly, KubeObject } from '../runtime/objects.ts';

/** How far back each printed share looks. */
export const measureWindowMs = 3000;

export interface DemoTrafficOptions {
  /** The gateway's bridged address on the host, e.g. http://127.0.0.1:16450. */
  gatewayUrl: string;
  /** The Host header that selects the example's Ingress. */
  host: string;
  rps?: number;
  /** The load stops by itself after this long (the demo's own timeout), or at stop(). */
  maxDurationMs: number;
}

export interface DemoTraffic {
  /** Starts a fresh measurement; what was measured since the previous mark (at most the last measureWindowMs). */
  mark(): WindowShares;
  /** The last measureWindowMs without starting a fresh one. */
  recent(): WindowShares;
  /** The last second: who answers now. */
  latest(): WindowShares;
  stop(): Promise<LoadReport>;
}

export function startDemoTraffic(options: DemoTrafficOptions): DemoTraffic {
  const rps = options.rps ?? 100;
  const stop = new AbortController();
  let window = new LoadWindow(measureWindowMs);
  const lastSecond = new LoadWindow(1000);
  const done = runLoad({
    url: `${options.gatewayUrl}/`,
    rps,
    durationMs: options.maxDurationMs,
    maxRequests: Math.ceil((rps * options.maxDurationMs) / 1000),
    headers: { host: options.host },
    timeoutMs: 2000,
    signal: stop.signal,
    onResponse: (outcome) => {
      window.add(outcome);
      lastSecond.add(outcome);
    },
  });
  return {
    mark() {
      const shares = window.shares();
      window = new LoadWindow(measureWindowMs);
      return shares;
    },
    recent: () => window.shares(),
    latest: () => lastSecond.shares(),
    async stop() {
      stop.abort();
      return done;
    },
  };
}

/** The Host header of the example's Ingress in `namespace`: one host per namespace, so demos side by side do not mix. */
export function demoHost(namespace: string, host: string): string {
  return `${namespace}.${host}`;
}

interface IngressRule {
  host?: string;
}

/** The example's objects with every Ingress rule's host and HTTPRoute hostname prefixed by the namespace (see demoHost). */
export function withNamespacedHosts(objects: readonly KubeObject[], namespace: string): { objects: KubeObject[]; hosts: string[] } {
  const hosts: string[] = [];
  const result = objects.map((obj) => {
    if (obj.kind === 'HTTPRoute') {
      const route = structuredClone(obj) as KubeObject & { spec?: { hostnames?: string[] } };
      if (route.spec?.hostnames !== undefined) route.spec.hostnames = route.spec.hostnames.map((h) => demoHost(namespace, h));
      hosts.push(...(route.spec?.hostnames ?? []));
      return route;
    }
    if (obj.kind !== 'Ingress') return obj;
    const copy = structuredClone(obj) as KubeObject & { spec?: { rules?: IngressRule[] } };
    for (const rule of copy.spec?.rules ?? []) {
      if (rule.host === undefined) continue;
      rule.host = demoHost(namespace, rule.host);
      hosts.push(rule.host);
    }
    return copy;
  });
  return { objects: result, hosts };
}

/**
 * The moment the Rollout holds steady long enough to measure: a canary pause or analysis step (by index), or a
 * blue-green pause. When it changes, the demo prints what was measured during the hold that ended.
 */
export function holdOf(rollout: Rollout | DeepReadonly<Rollout>): { key: string; label: string } | undefined {
  const status = rollout.status;
  const canary = rollout.spec.strategy?.canary;
  if (canary !== undefined) {
    const steps = canary.steps ?? [];
    const index = status?.currentStepIndex ?? 0;
    const step = steps[index];
    if (step === undefined || (step.pause === undefined && step.analysis === undefined)) return undefined;
    // currentSetWeight only reads the steps.
    return { key: `step ${String(index)}`, label: `at setWeight ${String(currentSetWeight(steps as readonly CanaryStep[], index))}` };
  }
  if ((status?.pauseConditions?.length ?? 0) > 0) return { key: 'pause', label: 'before promotion' };
  return undefined;
}

/**
 * One line of measured traffic: `at setWeight 20: 1.28-alpine answered 20% of 300 responses, errors 0%`.
 * `released` is the version being released (the new image's tag).
 */
export function trafficLine(label: string, shares: WindowShares, released: string): string {
  if (shares.total === 0) return `${label}: no responses measured`;
  const share = (shares.versionShare[released] ?? 0) * 100;
  const errors = Object.entries(shares.byCode).filter(([code]) => code.startsWith('5')).reduce((n, [, count]) => n + count, 0) + shares.failed;
  return `${label}: ${released} answered ${percent(share)} of ${String(shares.total)} responses, errors ${percent((100 * errors) / shares.total)}`;
}

function percent(value: number): string {
  return `${value < 10 && value > 0 ? value.toFixed(1) : value.toFixed(0)}%`;
}

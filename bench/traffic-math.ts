/**
 * The same traffic-routed canaries through `aviary plan` (the controller's planner, simulated) and through Argo
 * Rollouts' traffic-routing math as its documentation states it — canary = ceil(weight × replicas / maxTrafficWeight),
 * at least minPodsPerReplicaSet (capped at spec.replicas) while it takes traffic; the stable at full size, or with dynamicStableScale the
 * pods for its own share (ceil((max − weight) × replicas / max), but never below what it still carries) — side by
 * side, step by step. Prints one canary's table and, for a sweep of generated canaries (replicas 1–20, weights on
 * every step, maxTrafficWeight 100 and 1000, minPodsPerReplicaSet, dynamicStableScale), how many rows agree and the
 * first rows that do not. No cluster; asserts nothing.
 *
 *   node bench/traffic-math.ts [--canaries 400] [--seed 1]
 */
import { parseArgs } from 'node:util';
import type { CanaryStep, Rollout } from '../src/api/rollout.ts';
import { planTimeline, type TimelineRow } from '../src/rollout/timeline.ts';

const { values } = parseArgs({ options: { canaries: { type: 'string', default: '400' }, seed: { type: 'string', default: '1' } } });
const count = Number(values.canaries);
let state = Number(values.seed) >>> 0;
/** A small deterministic generator (mulberry32), so a run can be repeated: a whole number below n. */
const random = (n: number): number => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
};

interface Case { replicas: number; maxWeight: number; minPods: number | undefined; dynamicStableScale: boolean; weights: number[] }

function rolloutOf(c: Case): Rollout {
  const steps: CanaryStep[] = c.weights.flatMap((w) => [{ setWeight: w }, { pause: { duration: '10s' } }]);
  return {
    apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas: c.replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web:2' }] } },
      strategy: {
        canary: {
          canaryService: 'web-canary', stableService: 'web-stable', dynamicStableScale: c.dynamicStableScale,
          ...(c.minPods === undefined ? {} : { minPodsPerReplicaSet: c.minPods }),
          trafficRouting: { gatewayAPI: { httpRoute: 'web' }, ...(c.maxWeight === 100 ? {} : { maxTrafficWeight: c.maxWeight }) },
          steps,
        },
      },
    },
  };
}

/** Argo's pods for a weight, as documented: stated independently of Aviary's planner. */
function argoRow(c: Case, weight: number): { stable: number; canary: number } {
  // Argo caps minPodsPerReplicaSet at spec.replicas (CheckMinPodsPerReplicaSet).
  const atLeast = (pods: number): number => (pods > 0 && c.minPods !== undefined ? Math.max(pods, Math.min(c.minPods, c.replicas)) : pods);
  const canary = atLeast(Math.ceil((weight * c.replicas) / c.maxWeight));
  const stable = c.dynamicStableScale ? atLeast(Math.ceil(((c.maxWeight - weight) * c.replicas) / c.maxWeight)) : c.replicas;
  return { stable, canary };
}

/** The rows of the plan at which a setWeight step holds (its pause), with Aviary's pods and weight. */
function heldRows(rows: readonly TimelineRow[]): TimelineRow[] {
  return rows.filter((r) => r.action.startsWith('pause'));
}

function generate(): Case {
  const maxWeight = random(4) === 0 ? 1000 : 100;
  const steps = 1 + random(4);
  const weights = Array.from({ length: steps }, () => 1 + random(maxWeight - 1)).sort((a, b) => a - b);
  return { replicas: 1 + random(20), maxWeight, minPods: random(3) === 0 ? 2 : undefined, dynamicStableScale: random(3) === 0, weights };
}

const example: Case = { replicas: 10, maxWeight: 100, minPods: undefined, dynamicStableScale: true, weights: [5, 25, 50, 75] };
const timeline = planTimeline(rolloutOf(example));
console.log(`Traffic-routing math, Aviary's plan vs Argo Rollouts' documented formula — ${new Date().toISOString()}`);
console.log(`\nExample: 10 replicas, dynamicStableScale, setWeight ${example.weights.join(' / ')}:`);
console.log('  weight   aviary stable/canary   argo stable/canary');
for (const row of heldRows(timeline.rows)) {
  const argo = argoRow(example, row.weight);
  console.log(`  ${String(row.weight).padStart(5)}%   ${String(row.replicas.stable).padStart(6)} / ${String(row.replicas.canary).padEnd(12)}${String(argo.stable).padStart(6)} / ${String(argo.canary)}`);
}

let rows = 0;
const differing: string[] = [];
const failed: string[] = [];
for (let i = 0; i < count; i++) {
  const c = generate();
  let planned: TimelineRow[];
  try {
    planned = heldRows(planTimeline(rolloutOf(c)).rows);
  } catch (error) {
    failed.push(`${JSON.stringify(c)}: ${error instanceof Error ? error.message : String(error)}`);
    continue;
  }
  for (const row of planned) {
    rows++;
    const weight = row.weight;
    const argo = argoRow(c, weight);
    if (argo.stable !== row.replicas.stable || argo.canary !== row.replicas.canary) {
      differing.push(`replicas ${String(c.replicas)}, max ${String(c.maxWeight)}, minPods ${String(c.minPods ?? '-')}, dynamic ${String(c.dynamicStableScale)}, weight ${String(weight)}: aviary ${String(row.replicas.stable)}/${String(row.replicas.canary)}, argo ${String(argo.stable)}/${String(argo.canary)}`);
    }
  }
}
console.log(`\nSweep: ${String(count)} generated canaries, ${String(rows)} held steps: ${String(rows - differing.length)} agree, ${String(differing.length)} differ.`);
for (const line of differing.slice(0, 10)) console.log(`  ${line}`);
if (failed.length > 0) console.log(`${String(failed.length)} canaries could not be planned:\n${failed.slice(0, 10).map((f) => `  ${f}`).join('\n')}`);

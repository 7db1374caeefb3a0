import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Timeline } from '../../rollout/timeline.ts';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { minimumDurationText, planTimelines, renderTimeline, renderTimelinesJson, rolloutsFromManifests } from './plan.ts';

const canaryYaml = `apiVersion: aviary.dev/v1alpha1
kind: Rollout
metadata:
  name: web
  namespace: shop
spec:
  replicas: 10
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: web, image: web:1}]
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      steps:
        - setWeight: 20
        - pause: {duration: 1m}
        - setWeight: 41
        - pause: {}
        - setWeight: 80
        - pause: {duration: 30s}
        - pause: {}
`;

const blueGreenYaml = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: api}
spec:
  replicas: 4
  paused: true
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api:1}]}
  strategy:
    blueGreen: {activeService: api, autoPromotionEnabled: false, previewReplicaCount: 1}
`;

function usageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ExitError);
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, message);
    return true;
  });
}

describe('aviary plan: rendering', () => {
  it('prints a canary timeline like kubectl', () => {
    const [timeline] = planTimelines(rolloutsFromManifests(canaryYaml, 'rollout.yaml').rollouts, 'rollout.yaml');
    assert.ok(timeline !== undefined);
    assert.equal(renderTimeline(timeline), `Name:        web
Namespace:   shop
Strategy:    canary (7 steps)
Replicas:    10

STEP   ACTION                   STABLE   CANARY   WEIGHT   WAIT
-      update: new ReplicaSet   10       0        0%       -
1/7    setWeight: 20            8        2        20%      -
2/7    pause: 1m                8        2        20%      1m
3/7    setWeight: 41            6        4        41%      -
4/7    pause                    6        4        41%      waits for promote
5/7    setWeight: 80            2        8        80%      -
6/7    pause: 30s               2        8        80%      30s
7/7    pause                    2        8        80%      waits for promote
-      complete                 0        10       100%     -

minimum duration: 1m30s (+ 2 manual promotions)
`);
  });

  it('prints a blue-green timeline with its notes', () => {
    const [timeline] = planTimelines(rolloutsFromManifests(blueGreenYaml, 'bg.yaml').rollouts, 'bg.yaml', 2);
    assert.ok(timeline !== undefined);
    assert.equal(renderTimeline(timeline), `Name:       api
Strategy:   blue-green
Replicas:   2
Note:       spec.paused is true: nothing below happens until the Rollout is resumed

STEP   ACTION                                     ACTIVE   PREVIEW   WEIGHT   WAIT
-      update: new ReplicaSet                     2        0         0%       -
-      preview: 1 of 2 pods                       2        1         0%       waits for promote
-      promote: scale up, switch active service   2        2         100%     -
-      scale down previous after 30s              0        2         100%     -

minimum duration: 0s (+ 1 manual promotion)
`);
  });

  it('words the minimum duration', () => {
    const base = { minimumDurationMs: 0, manualPromotions: 0 } as Timeline;
    assert.equal(minimumDurationText(base), '0s');
    assert.equal(minimumDurationText({ ...base, minimumDurationMs: 90_000 }), '1m30s');
    assert.equal(minimumDurationText({ ...base, minimumDurationMs: 3_600_000, manualPromotions: 1 }), '1h (+ 1 manual promotion)');
    assert.equal(minimumDurationText({ ...base, manualPromotions: 3 }), '0s (+ 3 manual promotions)');
  });

  it('gives every plan of the file as JSON', () => {
    const { rollouts } = rolloutsFromManifests(`${canaryYaml}---\n${blueGreenYaml}`, 'all.yaml');
    const parsed = JSON.parse(renderTimelinesJson(planTimelines(rollouts, 'all.yaml'))) as { plans: Timeline[] };
    assert.deepEqual(parsed.plans.map((p) => [p.name, p.strategy, p.replicas, p.minimumDurationMs, p.manualPromotions]), [
      ['web', 'canary', 10, 90_000, 2],
      ['api', 'blueGreen', 4, 0, 1],
    ]);
    assert.deepEqual(parsed.plans[0]?.rows[2], { step: 2, action: 'pause: 1m', replicas: { stable: 8, canary: 2 }, weight: 20, wait: { kind: 'duration', ms: 60_000 }, atMs: 0 });
    assert.deepEqual(parsed.plans[1]?.rows[1]?.wait, { kind: 'promote' });
  });
});

describe('aviary plan: reading manifests', () => {
  it('keeps Rollouts of both groups, in List items too, and names what it skips', () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata: {name: web-canary}\n---\n${canaryYaml}---\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: argoproj.io/v1alpha1\n    kind: Rollout\n    metadata: {name: api}\n  - apiVersion: example.com/v1\n    kind: Rollout\n    metadata: {name: other}\n`;
    const { rollouts, skipped } = rolloutsFromManifests(text, 'f.yaml');
    assert.deepEqual(rollouts.map((r) => r.metadata.name), ['web', 'api']);
    assert.deepEqual(skipped, ['f.yaml (document 1): Service/web-canary (v1)', 'f.yaml (document 4), item 2: Rollout/other (example.com/v1)']);
  });

  it('reports YAML errors with their line', () => {
    usageError(() => rolloutsFromManifests('kind: Rollout\nspec:\n  steps: [1, 2\n  x: 3\n', 'r.yaml'), /^r\.yaml:4:3: Flow sequence/);
    usageError(() => rolloutsFromManifests('a: *missing\n', 'r.yaml'), /^r\.yaml:1:4: /);
    usageError(() => rolloutsFromManifests('- 1\n- 2\n', 'r.yaml'), /^r\.yaml: expected a Kubernetes object, found a list/);
  });

  it('refuses invalid Rollouts with exit code 64, naming every field at fault', () => {
    const invalid = canaryYaml.replace('- setWeight: 20', '- setWeight: 120').replace('pause: {duration: 1m}', 'pause: {duration: soon}');
    const { rollouts } = rolloutsFromManifests(invalid, 'rollout.yaml');
    usageError(() => planTimelines(rollouts, 'rollout.yaml'), /^rollout\.yaml: Rollout "web" is invalid:\n {2}spec\.strategy\.canary\.steps\[1\]\.pause\.duration: .*\n {2}spec\.strategy\.canary\.steps\[0\]\.setWeight: /);
  });
});

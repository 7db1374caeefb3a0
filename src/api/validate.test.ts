import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RolloutSchema, type Rollout } from './rollout.ts';
import { pointerToPath, unknownRolloutFields, validateAgainstSchema, validateRolloutSchema, type SchemaIssue } from './validate.ts';

function rollout(spec: Record<string, unknown>, group = 'aviary.dev'): Record<string, unknown> {
  return { apiVersion: `${group}/v1alpha1`, kind: 'Rollout', metadata: { name: 'web', namespace: 'shop' }, spec };
}

const selector = { matchLabels: { app: 'web' } };
const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
};

function canary(strategy: Record<string, unknown>, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return rollout({ replicas: 4, selector, template, strategy: { canary: strategy }, ...spec });
}

const validCanary = canary({
  canaryService: 'web-canary',
  stableService: 'web-stable',
  maxSurge: '25%',
  maxUnavailable: 0,
  steps: [
    { setWeight: 20 },
    { pause: { duration: '1h30m' } },
    { pause: { duration: 30 } },
    { pause: { duration: '45' } },
    { setCanaryScale: { replicas: 2 } },
    { setHeaderRoute: { name: 'beta', match: [{ headerName: 'x-beta', headerValue: { exact: 'yes' } }] } },
    { analysis: { templates: [{ templateName: 'success-rate' }], args: [{ name: 'svc', value: 'web' }] } },
    { experiment: { duration: '10m', templates: [{ name: 'baseline', specRef: 'stable' }] } },
    { plugin: { name: 'example/step', config: { anything: [1, 'two'] } } },
    { pause: {} },
  ],
  trafficRouting: { gatewayAPI: { httpRoute: 'web' }, managedRoutes: [{ name: 'beta' }] },
  analysis: { templates: [{ templateName: 'errors' }], startingStep: 1 },
});

const validBlueGreen = rollout({
  selector,
  template,
  strategy: { blueGreen: { activeService: 'web', previewService: 'web-preview', autoPromotionEnabled: false } },
});

function pathsOf(issues: SchemaIssue[]): string[] {
  return issues.map((issue) => issue.path);
}

describe('validateRolloutSchema accepts', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['a full canary', validCanary],
    ['a blue-green', validBlueGreen],
    ['an argoproj.io Rollout', { ...validBlueGreen, apiVersion: 'argoproj.io/v1alpha1' }],
    ['no strategy at all', rollout({ selector, template })],
    ['a workloadRef without selector', rollout({ workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } })],
    ['weights up to a larger maxTrafficWeight', canary({ steps: [{ setWeight: 500 }], trafficRouting: { nginx: { stableIngress: 'web' }, maxTrafficWeight: 1000 } })],
    ['nulls, which the API server prunes', canary({ steps: [{ setWeight: 10 }], maxSurge: null }, { paused: null })],
    [
      'a full status',
      {
        ...validCanary,
        status: {
          observedGeneration: '3',
          HPAReplicas: 4,
          selector: 'app=web',
          phase: 'Paused',
          message: 'CanaryPauseStep',
          currentStepIndex: 1,
          pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2025-01-01T10:00:00Z' }],
          controllerPause: true,
          conditions: [
            {
              type: 'Progressing',
              status: 'True',
              reason: 'ReplicaSetUpdated',
              message: 'updated',
              lastUpdateTime: '2025-01-01T10:00:00Z',
              lastTransitionTime: '2025-01-01T10:00:00Z',
            },
          ],
          canary: { weights: { canary: { weight: 20, serviceName: 'web-canary' }, stable: { weight: 80 } } },
          blueGreen: {},
        },
      },
    ],
  ];
  for (const [name, object] of cases) {
    it(name, () => {
      assert.deepEqual(validateRolloutSchema(object), []);
    });
  }

  it('TypeBox agrees on the valid objects', () => {
    assert.equal(Value.Check(RolloutSchema, validCanary), true);
    assert.equal(Value.Check(RolloutSchema, validBlueGreen), true);
  });
});

describe('validateRolloutSchema rejects', () => {
  // [name, object, expected paths]
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['setWeight above 100', canary({ steps: [{ setWeight: 20 }, { setWeight: 150 }] }), ['spec.strategy.canary.steps[1].setWeight']],
    ['a negative setWeight', canary({ steps: [{ setWeight: -1 }] }), ['spec.strategy.canary.steps[0].setWeight']],
    ['a missing selector', rollout({ template, strategy: { canary: {} } }), ['spec.selector']],
    ['both strategies', rollout({ selector, strategy: { canary: {}, blueGreen: { activeService: 'a' } } }), ['spec.strategy']],
    ['an empty step', canary({ steps: [{}] }), ['spec.strategy.canary.steps[0]']],
    ['a bad pause duration', canary({ steps: [{ pause: { duration: 'soon' } }] }), ['spec.strategy.canary.steps[0].pause.duration']],
    ['a negative replica count', canary({}, { replicas: -1 }), ['spec.replicas']],
    ['a percentage without %', canary({ maxSurge: '25' }), ['spec.strategy.canary.maxSurge']],
    ['maxSurge and maxUnavailable both 0', canary({ maxSurge: 0, maxUnavailable: '0%' }), ['spec.strategy.canary']],
    ['the same canary and stable Service', canary({ canaryService: 'web', stableService: 'web' }), ['spec.strategy.canary']],
    ['setCanaryScale without traffic routing', canary({ steps: [{ setCanaryScale: { weight: 10 } }] }), ['spec.strategy.canary.steps[0].setCanaryScale']],
    ['a blue-green without activeService', rollout({ selector, strategy: { blueGreen: {} } }), ['spec.strategy.blueGreen.activeService']],
    ['an unknown experiment specRef', canary({ steps: [{ experiment: { templates: [{ name: 't', specRef: 'next' }] } }] }), ['spec.strategy.canary.steps[0].experiment.templates[0].specRef']],
    ['a gatewayAPI without routes', canary({ trafficRouting: { gatewayAPI: { namespace: 'net' } } }), ['spec.strategy.canary.trafficRouting.gatewayAPI']],
    ['a deadline shorter than minReadySeconds', canary({}, { minReadySeconds: 900 }), ['spec']],
    ['restartAt that is not a time', canary({}, { restartAt: 'yesterday' }), ['spec.restartAt']],
    ['a string replica count', canary({}, { replicas: '3' }), ['spec.replicas']],
    ['a missing spec', { apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'x' } }, ['spec']],
  ];
  for (const [name, object, paths] of cases) {
    it(name, () => {
      const issues = validateRolloutSchema(object);
      assert.deepEqual(pathsOf(issues), paths, JSON.stringify(issues));
      for (const issue of issues) assert.ok(issue.message.length > 0);
    });
  }

  it('says what is wrong', () => {
    const [weight] = validateRolloutSchema(canary({ steps: [{ setWeight: 150 }] }));
    assert.match(weight?.message ?? '', /maxTrafficWeight/);
    const [step] = validateRolloutSchema(canary({ steps: [{}] }));
    assert.match(step?.message ?? '', /at least one of setWeight, pause/);
    assert.deepEqual(validateRolloutSchema(canary({ steps: [{ setWeight: 10, pause: {} }] })), [], 'several fields in one step, as Argo accepts');
    const [missing] = validateRolloutSchema(rollout({ selector, strategy: { blueGreen: {} } }));
    assert.equal(missing?.message, 'is required');
  });

  it('TypeBox rejects the same objects on its own where no cross-field rule is involved', () => {
    assert.equal(Value.Check(RolloutSchema, canary({ steps: [{ setWeight: -1 }] })), false);
    assert.equal(Value.Check(RolloutSchema, { metadata: {} }), false);
  });

  it('the selector is immutable on update', () => {
    const before = canary({});
    const after = canary({}, { selector: { matchLabels: { app: 'other' } } });
    assert.deepEqual(validateRolloutSchema(after), []);
    assert.deepEqual(validateRolloutSchema(after, before), [{ path: 'spec.selector', message: 'selector is immutable' }]);
    assert.deepEqual(validateRolloutSchema(before, structuredClone(before)), []);
  });

  it('quotes keys that are not identifiers', () => {
    const object = canary({}, { template: { metadata: { annotations: { 'example.com/owner': 7 } } } });
    assert.deepEqual(pathsOf(validateRolloutSchema(object)), ['spec.template.metadata.annotations["example.com/owner"]']);
  });
});

describe('pointerToPath', () => {
  it('uses brackets for list items only', () => {
    const value = { spec: { steps: [{}, { '0': 1 }] } };
    assert.equal(pointerToPath('/spec/steps/1/0', value), 'spec.steps[1]["0"]');
    assert.equal(pointerToPath('', value), '');
    assert.equal(pointerToPath('/a~1b/c~0d', {}), '["a/b"]["c~d"]');
  });
});

describe('list-type map lists', () => {
  const item = Type.Object({ group: Type.String(), name: Type.String(), note: Type.Optional(Type.String()) });
  const byOneKey = Type.Object({ list: Type.Array(item, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }) });
  const byTwoKeys = Type.Object({ list: Type.Array(item, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['group', 'name'] }) });
  const list = [{ group: 'a', name: 'x' }, { group: 'b', name: 'x' }, { group: 'a', name: 'x', note: 'again' }];

  it('refuse a second item with the same key, at its key', () => {
    assert.deepEqual(validateAgainstSchema(byOneKey, { list }), [
      { path: 'list[1].name', message: 'duplicate name: item 0 has the same' },
      { path: 'list[2].name', message: 'duplicate name: item 0 has the same' },
    ]);
  });

  it('compare every key together, and report at the item when there are several', () => {
    assert.deepEqual(validateAgainstSchema(byTwoKeys, { list }), [{ path: 'list[2]', message: 'duplicate group/name: item 0 has the same' }]);
  });

  it('leave atomic lists alone', () => {
    assert.deepEqual(validateAgainstSchema(Type.Object({ list: Type.Array(item) }), { list }), []);
  });
});

describe('unknownRolloutFields', () => {
  it('finds fields the API server would prune', () => {
    const object = rollout({
      selector,
      template,
      strategy: { bluegreen: { activeService: 'web' }, canary: { steps: [{ setweight: 10 }] } },
    });
    assert.deepEqual(unknownRolloutFields(object), ['spec.strategy.bluegreen', 'spec.strategy.canary.steps[0].setweight']);
  });

  it('leaves free-form parts alone', () => {
    assert.deepEqual(unknownRolloutFields(validCanary), []);
  });
});

describe('types', () => {
  it('a Rollout literal type-checks', () => {
    const typed: Rollout = {
      metadata: { name: 'web' },
      spec: { selector, strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: '1m' } }] } } },
    };
    assert.deepEqual(validateRolloutSchema(typed), []);
  });
});

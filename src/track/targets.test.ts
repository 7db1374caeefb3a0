import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultKindGroups, kindInfoForWord, kindNameFor, parseTargetArgs, TargetError, targetsFromManifests } from './targets.ts';

describe('parseTargetArgs', () => {
  it('reads TYPE/NAME, with optional groups', () => {
    assert.deepEqual(parseTargetArgs(['deploy/api', 'sts/db', 'rollout.argoproj.io/web', 'widgets.example.com/w1'], undefined, 'prod'), [
      { kind: 'deploy', name: 'api', namespace: 'prod' },
      { kind: 'sts', name: 'db', namespace: 'prod' },
      { kind: 'rollout', group: 'argoproj.io', name: 'web', namespace: 'prod' },
      { kind: 'widgets', group: 'example.com', name: 'w1', namespace: 'prod' },
    ]);
  });

  it('takes bare types with a selector, and everything with a selector alone', () => {
    assert.deepEqual(parseTargetArgs(['deploy,sts'], 'app=api'), [
      { kind: 'deploy', selector: 'app=api' },
      { kind: 'sts', selector: 'app=api' },
    ]);
    assert.deepEqual(parseTargetArgs([], 'app=api'), [{ kind: '*', selector: 'app=api' }]);
  });

  it('explains what is wrong', () => {
    assert.throws(() => parseTargetArgs([]), /say what to track/);
    assert.throws(() => parseTargetArgs(['deploy']), /give a name \(deploy\/NAME\) or a label selector/);
    assert.throws(() => parseTargetArgs(['deploy/a/b']), TargetError);
    assert.throws(() => parseTargetArgs(['/a']), TargetError);
    assert.throws(() => parseTargetArgs(['deploy,sts/a']), /one type per argument/);
  });
});

describe('targetsFromManifests', () => {
  it('lists every object, flattening Lists', () => {
    const targets = targetsFromManifests(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: prod }
---
# empty document
---
apiVersion: v1
kind: List
items:
  - { apiVersion: batch/v1, kind: Job, metadata: { name: migrate } }
  - { apiVersion: v1, kind: ConfigMap, metadata: { name: cfg } }
`);
    assert.deepEqual(targets, [
      { kind: 'Deployment', apiVersion: 'apps/v1', name: 'api', namespace: 'prod' },
      { kind: 'Job', apiVersion: 'batch/v1', name: 'migrate' },
      { kind: 'ConfigMap', apiVersion: 'v1', name: 'cfg' },
    ]);
  });

  it('rejects objects it cannot name', () => {
    assert.throws(() => targetsFromManifests('kind: Deployment\nmetadata: {name: x}'), /needs apiVersion, kind and metadata.name/);
    assert.throws(() => targetsFromManifests(''), /defines no objects/);
    assert.throws(() => targetsFromManifests('a: [b'), /invalid YAML/);
  });
});

describe('kinds', () => {
  it('maps words and objects to rule families', () => {
    assert.equal(kindInfoForWord('deploy')?.kind, 'Deployment');
    assert.equal(kindInfoForWord('RO')?.kind, 'Rollout');
    assert.equal(kindInfoForWord('widgets'), undefined);
    assert.equal(kindNameFor('apps/v1', 'Deployment', defaultKindGroups), 'Deployment');
    assert.equal(kindNameFor('v1', 'Pod', defaultKindGroups), 'Pod');
    assert.equal(kindNameFor('argoproj.io/v1alpha1', 'Rollout', defaultKindGroups), 'Rollout');
    assert.equal(kindNameFor('flagger.app/v1beta1', 'Canary', defaultKindGroups), 'Canary');
    assert.equal(kindNameFor('example.com/v1', 'Rollout', defaultKindGroups), 'Generic');
    assert.equal(kindNameFor('example.com/v1', 'Deployment', defaultKindGroups), 'Generic');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DaemonSet, Deployment } from '../api/kubernetes.ts';
import { covers, releaseTemplate, scaleTarget } from './desired.ts';
import { releaseFingerprint } from './plan.ts';

const deployment = (replicas: number | undefined): Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' },
  spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
});
const daemonSet = (nodeSelector: Record<string, string> | undefined): DaemonSet => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'shop' },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'a:1' }], ...(nodeSelector === undefined ? {} : { nodeSelector }) } } },
});
const zero = { 'flagger.app/scale-to-zero': 'true' };

describe('what a Canary writes', () => {
  it('covers: what Aviary sets is there, whatever the API server added', () => {
    const cases: [unknown, unknown, boolean][] = [
      [{ a: 1, b: 2 }, { a: 1 }, true],
      [{ a: 1 }, { a: 2 }, false],
      [{ a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] }, true],
      [{ a: [{ x: 1 }, { x: 2 }] }, { a: [{ x: 1 }] }, false],
      [{ a: 1 }, { a: 1, b: undefined }, true],
      [undefined, { a: 1 }, false],
      [{ a: {} }, { a: [] }, false],
    ];
    for (const [observed, desired, expected] of cases) assert.equal(covers(observed, desired), expected, JSON.stringify([observed, desired]));
  });

  it('releaseTemplate: the scale-to-zero selector is not part of a release, and an emptied selector is no selector', () => {
    const plain = releaseFingerprint(releaseTemplate(daemonSet(undefined)), {});
    assert.equal(releaseFingerprint(releaseTemplate(daemonSet(zero)), {}), plain, 'kept off the nodes: the same release');
    assert.equal(releaseTemplate(daemonSet(zero))?.spec?.nodeSelector, undefined, 'no empty selector left behind (the API server drops empty maps)');
    assert.deepEqual(releaseTemplate(daemonSet({ ...zero, disk: 'ssd' }))?.spec?.nodeSelector, { disk: 'ssd' }, 'other keys stay');
    assert.notEqual(releaseFingerprint(releaseTemplate(daemonSet({ disk: 'ssd' })), {}), plain, 'a real selector is part of the release');
  });

  it('scaleTarget: a Deployment to zero and back to the primary\'s size; a DaemonSet off its nodes and back', () => {
    const patches = (writes: ReturnType<typeof scaleTarget>): unknown[] => writes.map((w) => (w.type === 'merge' ? w.patch : w.type));
    assert.deepEqual(patches(scaleTarget({ target: deployment(2), primary: deployment(3) }, 'zero')), [{ spec: { replicas: 0 } }]);
    assert.deepEqual(patches(scaleTarget({ target: deployment(0), primary: deployment(3) }, 'up')), [{ spec: { replicas: 3 } }]);
    assert.deepEqual(patches(scaleTarget({ target: deployment(0), primary: undefined }, 'up')), [{ spec: { replicas: 1 } }], 'without a primary: one pod');
    assert.deepEqual(patches(scaleTarget({ target: deployment(2), primary: deployment(3) }, 'up')), [], 'already up: left as it is (an HPA may size it)');
    assert.deepEqual(patches(scaleTarget({ target: deployment(0), primary: deployment(3) }, 'zero')), []);
    assert.deepEqual(patches(scaleTarget({ target: daemonSet(undefined), primary: undefined }, 'zero')), [{ spec: { template: { spec: { nodeSelector: zero } } } }]);
    assert.deepEqual(patches(scaleTarget({ target: daemonSet(zero), primary: undefined }, 'up')), [{ spec: { template: { spec: { nodeSelector: { 'flagger.app/scale-to-zero': null } } } } }]);
    assert.deepEqual(patches(scaleTarget({ target: daemonSet(zero), primary: undefined }, 'zero')), []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventAggregationKey, involvedObject, planEvent } from './events.ts';

const rollout = { apiVersion: 'aviary.dev/v1alpha1', kind: 'Rollout', name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '10' };

describe('eventAggregationKey', () => {
  it('is the same for the same object, type, reason and message', () => {
    assert.equal(
      eventAggregationKey(rollout, 'Warning', 'InvalidSpec', 'bad'),
      eventAggregationKey({ ...rollout, resourceVersion: '11' }, 'Warning', 'InvalidSpec', 'bad'),
      'a newer resourceVersion of the same object still aggregates',
    );
  });

  it('differs when any part differs', () => {
    const base = eventAggregationKey(rollout, 'Warning', 'InvalidSpec', 'bad');
    assert.notEqual(base, eventAggregationKey({ ...rollout, uid: 'u-2' }, 'Warning', 'InvalidSpec', 'bad'), 'object (recreated)');
    assert.notEqual(base, eventAggregationKey(rollout, 'Normal', 'InvalidSpec', 'bad'), 'type');
    assert.notEqual(base, eventAggregationKey(rollout, 'Warning', 'Other', 'bad'), 'reason');
    assert.notEqual(base, eventAggregationKey(rollout, 'Warning', 'InvalidSpec', 'worse'), 'message');
  });

  it('cannot be confused by separators inside the parts', () => {
    assert.notEqual(
      eventAggregationKey(rollout, 'Warning', 'a/b', 'c'),
      eventAggregationKey(rollout, 'Warning', 'a', 'b/c'),
    );
  });

  it('falls back to kind, namespace and name without a uid', () => {
    const { uid: _uid, ...noUid } = rollout;
    assert.equal(eventAggregationKey(noUid, 'Normal', 'R', 'm'), eventAggregationKey({ ...noUid }, 'Normal', 'R', 'm'));
    assert.notEqual(eventAggregationKey(noUid, 'Normal', 'R', 'm'), eventAggregationKey({ ...noUid, name: 'api' }, 'Normal', 'R', 'm'));
  });
});

describe('planEvent', () => {
  const t0 = Date.UTC(2026, 10, 23, 8, 0, 0);
  const window = 10 * 60_000;

  it('creates the first occurrence', () => {
    assert.equal(planEvent(undefined, t0, window), 'create');
  });

  it('increments a repeat inside the window, measured from the last occurrence', () => {
    const aggregate = { count: 3, firstTimestamp: t0 - 30 * 60_000, lastTimestamp: t0 - window };
    assert.equal(planEvent(aggregate, t0, window), 'increment');
  });

  it('creates a new Event once the window has passed', () => {
    const aggregate = { count: 3, firstTimestamp: t0 - window - 1, lastTimestamp: t0 - window - 1 };
    assert.equal(planEvent(aggregate, t0, window), 'create');
  });

  it('creates a new Event if the clock went backwards past the first occurrence', () => {
    assert.equal(planEvent({ count: 1, firstTimestamp: t0, lastTimestamp: t0 }, t0 - 1000, window), 'create');
  });
});

describe('involvedObject', () => {
  it('takes the reference fields from a full object and drops the rest', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'n', uid: 'u', resourceVersion: '5', labels: { a: 'b' } },
    };
    assert.deepEqual(involvedObject(obj), { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n', uid: 'u', resourceVersion: '5' });
  });

  it('accepts a reference and omits empty fields', () => {
    assert.deepEqual(involvedObject({ kind: 'Node', name: 'n1', namespace: '' }), { kind: 'Node', name: 'n1' });
  });
});

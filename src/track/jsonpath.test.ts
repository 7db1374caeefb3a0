import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateJsonPath, JsonPathError, parseJsonPath } from './jsonpath.ts';

const doc = {
  status: {
    phase: 'Running',
    replicas: 3,
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Synced', status: 'False', reason: 'Err' },
    ],
    'dotted.key': 'v',
  },
};

describe('JSON path', () => {
  const cases: [string, unknown[]][] = [
    ['.status.phase', ['Running']],
    ['{.status.replicas}', [3]],
    ['$.status.phase', ['Running']],
    ['.status.conditions[0].type', ['Ready']],
    ['.status.conditions[-1].type', ['Synced']],
    ['.status.conditions[*].type', ['Ready', 'Synced']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    ["{.status.conditions[?(@.type!='Ready')].reason}", ['Err']],
    [".status['dotted.key']", ['v']],
    ['.status.missing', []],
    ['.status.phase.deeper', []],
  ];
  for (const [expr, want] of cases) {
    it(expr, () => {
      assert.deepEqual(evaluateJsonPath(doc, parseJsonPath(expr)), want);
    });
  }

  it('reads own properties only', () => {
    assert.deepEqual(evaluateJsonPath({}, parseJsonPath('.constructor')), []);
    assert.deepEqual(evaluateJsonPath({ a: {} }, parseJsonPath('.a.__proto__')), []);
  });

  it('rejects what it does not support', () => {
    for (const bad of ['status', '.a[', '.a[?(@.x > 1)]', '.a[foo()]', '.a..b']) {
      assert.throws(() => parseJsonPath(bad), JsonPathError, bad);
    }
  });
});

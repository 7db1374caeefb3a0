import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assessMeasurement,
  compile,
  compileCached,
  evaluateCondition,
  ExprEvalError,
  ExprSyntaxError,
  type MeasurementConditions,
  type MeasurementPhase,
} from './index.ts';

describe('assessMeasurement follows the reference semantics', () => {
  const T = 'result == true';
  const F = 'result == false';
  // The result is `true`, so T holds and F does not.
  const rows: readonly (readonly [name: string, conditions: MeasurementConditions, phase: MeasurementPhase])[] = [
    ['no conditions', {}, 'Successful'],
    ['empty strings count as unset', { successCondition: '', failureCondition: '' }, 'Successful'],
    ['only success, holds', { successCondition: T }, 'Successful'],
    ['only success, does not hold', { successCondition: F }, 'Failed'],
    ['only failure, holds', { failureCondition: T }, 'Failed'],
    ['only failure, does not hold', { failureCondition: F }, 'Successful'],
    ['success holds, failure does not', { successCondition: T, failureCondition: F }, 'Successful'],
    ['failure holds, success does not', { successCondition: F, failureCondition: T }, 'Failed'],
    ['neither holds', { successCondition: F, failureCondition: F }, 'Inconclusive'],
    ['both hold: failure wins', { successCondition: T, failureCondition: T }, 'Failed'],
  ];
  for (const [name, conditions, phase] of rows) {
    it(`${name} → ${phase}`, () => {
      assert.equal(assessMeasurement(conditions, true), phase);
    });
  }
});

describe('typical conditions from the reference', () => {
  const rows: readonly (readonly [condition: string, result: unknown, holds: boolean])[] = [
    ['result[0] >= 0.95', [0.97], true],
    ['result[0] >= 0.95', [0.9], false],
    ['all(result, # < 1000)', [120, 340.5, 999], true],
    ['all(result, # < 1000)', [120, 1000], false],
    ['default(result, 0) < 5', null, true],
    ['default(result, 0) < 5', 7, false],
    ['result.successRate >= 0.95', { successRate: 0.99 }, true],
    ['result.successRate >= 0.95', { successRate: 0.5 }, false],
    ['len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})', [{ Values: [0, 0.01, 0.002, 0, 0.005] }], true],
    ['len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})', [{ Values: [0, 0.01, 0.002, 0] }], false],
    ['len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})', [{ Values: [0, 0.5, 0, 0, 0] }], false],
    ['result.ok && result.successPercent >= 0.90', { ok: true, successPercent: 0.95 }, true],
    ['result.ok && result.successPercent >= 0.90', { ok: false, successPercent: 0.95 }, false],
    ['isNaN(result) || result < 0.5', Number.NaN, true],
    ['asInt(result) == 200', '200', true],
    ['asFloat(result.latency) < 0.3', { latency: '0.25' }, true],
    ['isNil(result)', undefined, true],
    ['any(result, # > 0.5) ? false : true', [0.1, 0.2], true],
    ['result in ["Succeeded", "Completed"]', 'Completed', true],
  ];
  for (const [condition, result, holds] of rows) {
    it(`${condition} with ${result === undefined ? 'undefined' : JSON.stringify(result)} → ${holds}`, () => {
      assert.equal(evaluateCondition(condition, result), holds);
      assert.equal(assessMeasurement({ successCondition: condition }, result), holds ? 'Successful' : 'Failed');
    });
  }
});

describe('conditions that cannot be evaluated are errors naming their field', () => {
  it('a condition must return a bool', () => {
    assert.throws(() => assessMeasurement({ successCondition: 'result[0]' }, [0.5]), (error: unknown) => {
      assert.ok(error instanceof ExprEvalError);
      assert.equal(error.field, 'successCondition');
      assert.equal(error.message, 'successCondition: condition must return a bool, got float');
      return true;
    });
  });

  it('an error in the failure condition is an error even when the success condition holds', () => {
    assert.throws(
      () => assessMeasurement({ successCondition: 'true', failureCondition: 'result.x > "a"' }, { x: 1 }),
      { name: 'ExprEvalError', field: 'failureCondition', message: 'failureCondition: cannot compare float with string (operator ">")' },
    );
  });

  it('a syntax error keeps its column', () => {
    assert.throws(() => assessMeasurement({ failureCondition: 'result >= )' }, 1), (error: unknown) => {
      assert.ok(error instanceof ExprSyntaxError);
      assert.equal(error.field, 'failureCondition');
      assert.equal(error.column, 11);
      assert.equal(error.message, 'failureCondition: unexpected ")" at column 11');
      return true;
    });
  });

  it('a whitespace-only condition is set, and invalid', () => {
    assert.throws(() => assessMeasurement({ successCondition: '  ' }, 1), { name: 'ExprSyntaxError', field: 'successCondition' });
  });

  it('an unknown name is reported', () => {
    assert.throws(() => evaluateCondition('results[0] > 1', [1], 'successCondition'), {
      message: 'successCondition: unknown name "results"',
    });
  });

  it('a condition that exceeds the step limit is an error with the limit named', () => {
    assert.throws(
      () => evaluateCondition('all(result, # >= 0)', Array.from({ length: 50 }, () => 1), undefined, { limits: { maxSteps: 40 } }),
      { name: 'ExprEvalError', limit: 'steps', message: 'evaluation exceeded the limit of 40 steps' },
    );
  });
});

describe('compiled conditions', () => {
  it('are cached by source', () => {
    assert.equal(compileCached('result > 1'), compileCached('result > 1'));
    assert.notEqual(compileCached('result > 1'), compileCached('result > 2'));
  });

  it('can be passed precompiled', () => {
    const compiled = compile('result > 1');
    assert.equal(evaluateCondition(compiled, 2), true);
    assert.equal(evaluateCondition(compiled, 0), false);
  });
});

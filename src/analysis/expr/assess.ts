/**
 * Argo Rollouts' judgement of one measurement from its metric's `successCondition` and `failureCondition`:
 *
 * | success set | failure set | outcome                                                            |
 * |-------------|-------------|--------------------------------------------------------------------|
 * | no          | no          | Successful                                                         |
 * | yes         | no          | Successful when it holds, else Failed                              |
 * | no          | yes         | Failed when it holds, else Successful                              |
 * | yes         | yes         | Failed when failure holds, else Successful when success holds, else Inconclusive |
 *
 * Both conditions are evaluated (success first) before either is looked at, so an error in either makes the
 * measurement an Error: the ExprError thrown here names the field, and the caller records it.
 */
import { boundedMemo } from './cache.ts';
import { ExprEvalError, ExprSyntaxError } from './errors.ts';
import { compile, run, type CompiledExpression, type EvaluateOptions } from './expression.ts';
import { typeName } from './values.ts';

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive';

export interface MeasurementConditions {
  readonly successCondition?: string | undefined;
  readonly failureCondition?: string | undefined;
}

/** `compile` with a bounded cache by source, since a controller evaluates the same few conditions at every measurement. */
export const compileCached: (source: string) => CompiledExpression = boundedMemo(512, (source) => compile(source));

/** The variables a condition sees: `result` (a missing result is nil). The functions are builtins. */
export function conditionVariables(result: unknown): Readonly<Record<string, unknown>> {
  return { result: result ?? null };
}

/**
 * Evaluates one condition against a measurement's result; it must return a bool. Errors carry `field` when given
 * and the message starts with it (`successCondition: unknown name "foo"`).
 */
export function evaluateCondition(
  condition: string | CompiledExpression,
  result: unknown,
  field?: string,
  options: EvaluateOptions = {},
): boolean {
  try {
    const compiled = typeof condition === 'string' ? compileCached(condition) : condition;
    const { value } = run(compiled, conditionVariables(result), options);
    if (typeof value !== 'boolean') {
      throw new ExprEvalError(`condition must return a bool, got ${typeName(value)}`, compiled.source);
    }
    return value;
  } catch (error) {
    if (field !== undefined && (error instanceof ExprSyntaxError || error instanceof ExprEvalError)) {
      throw error.withField(field);
    }
    throw error;
  }
}

function isSet(condition: string | undefined): condition is string {
  return condition !== undefined && condition !== '';
}

/** The phase of a measurement whose value is `result`; throws ExprError when a condition cannot be evaluated. */
export function assessMeasurement(
  conditions: MeasurementConditions,
  result: unknown,
  options: EvaluateOptions = {},
): MeasurementPhase {
  const { successCondition, failureCondition } = conditions;
  const hasSuccess = isSet(successCondition);
  const hasFailure = isSet(failureCondition);
  const succeeded = hasSuccess && evaluateCondition(successCondition, result, 'successCondition', options);
  const failed = hasFailure && evaluateCondition(failureCondition, result, 'failureCondition', options);
  if (!hasSuccess && !hasFailure) return 'Successful';
  if (hasSuccess && !hasFailure) return succeeded ? 'Successful' : 'Failed';
  if (!hasSuccess) return failed ? 'Failed' : 'Successful';
  if (failed) return 'Failed';
  return succeeded ? 'Successful' : 'Inconclusive';
}

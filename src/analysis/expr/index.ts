/**
 * Aviary's analysis condition language: the subset of expr-lang that Argo Rollouts users write in
 * `successCondition` / `failureCondition`, evaluated in a sandbox. See docs/analysis-conditions.md.
 */
export { compile, evaluate, run } from './expression.ts';
export type { CompiledExpression, Evaluation, EvaluateOptions } from './expression.ts';
export { assessMeasurement, compileCached, conditionVariables, evaluateCondition } from './assess.ts';
export type { MeasurementConditions, MeasurementPhase } from './assess.ts';
export { evaluateTime, parseDuration } from './time.ts';
export { ExprError, ExprEvalError, ExprSyntaxError } from './errors.ts';
export type { ExprLimit, SourcePosition } from './errors.ts';
export { DEFAULT_EVAL_LIMITS } from './budget.ts';
export type { EvalLimits } from './budget.ts';
export { DEFAULT_PARSE_LIMITS } from './parser.ts';
export type { ParseLimits } from './parser.ts';

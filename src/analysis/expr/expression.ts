/**
 * The entry points of the language: `compile` once (the result is immutable and can be cached by the caller, since
 * conditions run at every measurement), then `evaluate` against variables as often as needed.
 */
import type { Node } from './ast.ts';
import { Budget, DEFAULT_EVAL_LIMITS, type EvalLimits } from './budget.ts';
import { Evaluator } from './evaluator.ts';
import { DEFAULT_PARSE_LIMITS, parse, type ParseLimits } from './parser.ts';
import { toPublic } from './values.ts';

export interface CompiledExpression {
  readonly source: string;
  readonly root: Node;
  readonly nodeCount: number;
}

export interface EvaluateOptions {
  readonly limits?: Partial<EvalLimits> | undefined;
}

export interface Evaluation {
  /** The value with ints as JavaScript numbers and maps as ordinary objects. */
  readonly value: unknown;
  /** Steps the evaluation took (never more than the step limit). */
  readonly steps: number;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Parses `source`; throws ExprSyntaxError (with `column`, `snippet`) when it is not a valid expression. */
export function compile(source: string, limits: Partial<ParseLimits> = {}): CompiledExpression {
  if (typeof source !== 'string') throw new TypeError(`expression must be a string, got ${typeof source}`);
  const { node, nodeCount } = parse(source, { ...DEFAULT_PARSE_LIMITS, ...limits });
  return deepFreeze({ source, root: node, nodeCount });
}

function checkVariables(variables: unknown): Readonly<Record<string, unknown>> {
  if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) {
    throw new TypeError('variables must be a plain object of names to values');
  }
  return variables as Readonly<Record<string, unknown>>;
}

/**
 * Evaluates a compiled expression and reports the steps it took. Variables are plain JSON values (a JavaScript
 * number is a float, a bigint an int); when `result` is among them, `isNil` and `default` look at it, as in Argo
 * Rollouts. Throws ExprEvalError on any failure, including a limit.
 */
export function run(
  compiled: CompiledExpression,
  variables: Readonly<Record<string, unknown>> = {},
  options: EvaluateOptions = {},
): Evaluation {
  const limits: EvalLimits = { ...DEFAULT_EVAL_LIMITS, ...options.limits };
  const evaluator = new Evaluator(compiled.source, checkVariables(variables), limits);
  const { value, steps } = evaluator.run(compiled.root);
  try {
    // Output conversion is linear in the result and not part of the expression's work: only its depth is bounded.
    return { value: toPublic(value, new Budget({ ...limits, maxSteps: Number.POSITIVE_INFINITY })), steps };
  } catch (error) {
    throw evaluator.toEvalError(error);
  }
}

/** `run(...).value`. */
export function evaluate(
  compiled: CompiledExpression,
  variables: Readonly<Record<string, unknown>> = {},
  options: EvaluateOptions = {},
): unknown {
  return run(compiled, variables, options).value;
}

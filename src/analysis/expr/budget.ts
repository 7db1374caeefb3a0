/**
 * Run-time limits. Every unit of work the evaluator does — a node, an iteration, an element compared or copied, a
 * chunk of string processed — is charged as steps, so the step count bounds the time an evaluation can take
 * whatever the expression and the data; values the expression creates are bounded in size as well.
 */
import { EvalFault } from './errors.ts';

export interface EvalLimits {
  /** Most steps one evaluation may take. */
  readonly maxSteps: number;
  /** Longest string an expression may create (in UTF-16 code units). */
  readonly maxStringLength: number;
  /** Largest array or map an expression may create. */
  readonly maxArrayLength: number;
  /** Deepest nesting of values that comparisons and conversions walk. */
  readonly maxValueDepth: number;
}

export const DEFAULT_EVAL_LIMITS: EvalLimits = {
  maxSteps: 100_000,
  maxStringLength: 100_000,
  maxArrayLength: 10_000,
  maxValueDepth: 64,
};

/** Characters of string work charged as one step. */
const charsPerStep = 256;

export class Budget {
  readonly limits: EvalLimits;
  steps = 0;

  constructor(limits: EvalLimits) {
    this.limits = limits;
  }

  /** Charges before the work is done, so `steps` never exceeds the limit: work that would pass it is not started. */
  charge(steps: number): void {
    if (this.steps + steps > this.limits.maxSteps) {
      throw new EvalFault(`evaluation exceeded the limit of ${this.limits.maxSteps} steps`, 'steps');
    }
    this.steps += steps;
  }

  /** Charges work proportional to a string's length. */
  chargeText(length: number): void {
    this.charge(1 + Math.floor(length / charsPerStep));
  }

  /** Checks a string about to be created. */
  checkString(length: number): void {
    if (length > this.limits.maxStringLength) {
      throw new EvalFault(
        `string of ${length} characters exceeds the limit of ${this.limits.maxStringLength}`, 'stringLength',
      );
    }
  }

  /** Checks an array or map about to be created and charges one step per element. */
  checkArray(length: number): void {
    if (length > this.limits.maxArrayLength) {
      throw new EvalFault(
        `collection of ${length} elements exceeds the limit of ${this.limits.maxArrayLength}`, 'arrayLength',
      );
    }
    this.charge(length);
  }

  checkDepth(depth: number): void {
    if (depth > this.limits.maxValueDepth) {
      throw new EvalFault(`value is nested more than ${this.limits.maxValueDepth} levels deep`, 'depth');
    }
  }
}

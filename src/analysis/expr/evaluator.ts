/**
 * Walks a compiled tree. Each node costs a step and every operation charges for the work it does, so an evaluation
 * ends — with a result or an ExprEvalError — within the step limit, however hostile the expression or large the data.
 * Names resolve only to the caller's variables and the whitelisted builtins; nothing reaches JavaScript objects,
 * functions or prototypes.
 */
import type { Node } from './ast.ts';
import { Budget, type EvalLimits } from './budget.ts';
import { builtins, callBuiltin, type CallContext } from './builtins.ts';
import { EvalFault, ExprEvalError } from './errors.ts';
import { applyBinary, applyUnary, int64 } from './operators.ts';
import { predicateBuiltins } from './parser.ts';
import { checkName, elements, fetch, isNil, isNumber, toIndex, typeName, type ExprMap } from './values.ts';

/** What a member access on nil through `?.` yields: it ends the whole chain with nil. */
const shortCircuit: unique symbol = Symbol('short-circuit');

interface Scope {
  readonly item: unknown;
  readonly index: number;
}

export interface EvaluationResult {
  /** The value in evaluator form: ints are bigint, floats are number. */
  readonly value: unknown;
  readonly steps: number;
}

export class Evaluator {
  private readonly source: string;
  private readonly variables: Readonly<Record<string, unknown>>;
  private readonly budget: Budget;
  private readonly context: CallContext;
  private readonly scopes: Scope[] = [];
  /** Offset of the node whose operation is running, for positioning faults. */
  private at = 0;

  constructor(source: string, variables: Readonly<Record<string, unknown>>, limits: EvalLimits) {
    this.source = source;
    this.variables = variables;
    this.budget = new Budget(limits);
    const hasResult = Object.hasOwn(variables, 'result');
    this.context = {
      budget: this.budget,
      wholeResult: hasResult ? { value: Object.getOwnPropertyDescriptor(variables, 'result')?.value } : undefined,
    };
  }

  get steps(): number {
    return this.budget.steps;
  }

  run(root: Node): EvaluationResult {
    try {
      return { value: this.evaluate(root), steps: this.budget.steps };
    } catch (error) {
      throw this.toEvalError(error);
    }
  }

  /** Wraps anything thrown during evaluation, so no raw JavaScript error leaves the sandbox. */
  toEvalError(error: unknown): ExprEvalError {
    const { steps } = this.budget;
    if (error instanceof ExprEvalError) return error;
    if (error instanceof EvalFault) {
      return new ExprEvalError(error.message, this.source, { offset: this.at, limit: error.limit, steps });
    }
    if (error instanceof RangeError) {
      // Deep recursion in the engine itself: report it as a depth limit rather than crash the caller.
      return new ExprEvalError('expression or value is too deeply nested', this.source, { offset: this.at, limit: 'depth', steps });
    }
    throw error;
  }

  evaluate(node: Node): unknown {
    const value = this.evaluateChain(node);
    return value === shortCircuit ? null : value;
  }

  /** Like `evaluate`, but lets the short-circuit of `?.` travel up through member accesses. */
  private evaluateChain(node: Node): unknown {
    this.budget.charge(1);
    switch (node.kind) {
      case 'nil':
        return null;
      case 'bool':
      case 'int':
      case 'float':
      case 'string':
        return node.value;
      case 'array': {
        this.at = node.offset;
        this.budget.checkArray(node.items.length);
        return node.items.map((item) => this.evaluate(item));
      }
      case 'map':
        return this.buildMap(node);
      case 'identifier':
        return this.lookup(node.name, node.offset);
      case 'pointer':
        return this.pointer(node.name, node.offset);
      case 'unary': {
        const operand = this.evaluate(node.operand);
        this.at = node.offset;
        return applyUnary(node.operator, operand);
      }
      case 'binary':
        return this.binary(node);
      case 'conditional': {
        const test = this.evaluate(node.test);
        this.at = node.offset;
        if (typeof test !== 'boolean') throw new EvalFault(`condition of "?:" must be a bool, got ${typeName(test)}`);
        return this.evaluate(test ? node.then : node.otherwise);
      }
      case 'member': {
        // A forbidden name is refused before anything else, even where `?.` would end the chain.
        if (node.property.kind === 'string') {
          this.at = node.offset;
          checkName(node.property.value);
        }
        const object = this.evaluateChain(node.object);
        if (object === shortCircuit) return shortCircuit;
        if (node.optional && isNil(object)) return shortCircuit;
        const key = this.evaluate(node.property);
        this.at = node.offset;
        return fetch(object, key, this.budget);
      }
      case 'slice':
        return this.slice(node);
      case 'call':
        return this.call(node);
      case 'method':
        this.at = node.offset;
        checkName(node.name);
        throw new EvalFault(`method calls are not supported ("${node.name}(...)"); use a builtin function instead`);
      case 'predicate':
        this.at = node.offset;
        throw new EvalFault('a predicate can only be an argument of a collection function');
    }
  }

  private lookup(name: string, offset: number): unknown {
    this.at = offset;
    checkName(name);
    const descriptor = Object.getOwnPropertyDescriptor(this.variables, name);
    if (descriptor !== undefined && 'value' in descriptor) return descriptor.value;
    if (builtins.has(name) || predicateBuiltins.has(name)) {
      throw new EvalFault(`"${name}" is a function; call it as ${name}(...)`);
    }
    throw new EvalFault(`unknown name "${name}"`);
  }

  private pointer(name: string, offset: number): unknown {
    this.at = offset;
    const scope = this.scopes.at(-1);
    if (scope === undefined) throw new EvalFault('"#" is only defined inside a predicate');
    if (name === '') return scope.item;
    if (name === 'index') return BigInt(scope.index);
    throw new EvalFault(`unknown pointer "#${name}"`);
  }

  private buildMap(node: Extract<Node, { kind: 'map' }>): ExprMap {
    this.at = node.offset;
    this.budget.checkArray(node.entries.length);
    const map: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const entry of node.entries) {
      const key = this.evaluate(entry.key);
      this.at = entry.key.offset;
      if (typeof key !== 'string') throw new EvalFault(`map key must be a string, got ${typeName(key)}`);
      checkName(key);
      // A null-prototype object and a checked key: no literal can reach or replace a prototype.
      map[key] = this.evaluate(entry.value);
    }
    return map;
  }

  private requireBool(value: unknown, operator: string): boolean {
    if (typeof value !== 'boolean') throw new EvalFault(`operator "${operator}" needs bool operands, got ${typeName(value)}`);
    return value;
  }

  private binary(node: Extract<Node, { kind: 'binary' }>): unknown {
    switch (node.operator) {
      case 'and':
      case '&&': {
        const left = this.evaluate(node.left);
        this.at = node.offset;
        if (!this.requireBool(left, node.operator)) return false;
        const right = this.evaluate(node.right);
        this.at = node.offset;
        return this.requireBool(right, node.operator);
      }
      case 'or':
      case '||': {
        const left = this.evaluate(node.left);
        this.at = node.offset;
        if (this.requireBool(left, node.operator)) return true;
        const right = this.evaluate(node.right);
        this.at = node.offset;
        return this.requireBool(right, node.operator);
      }
      case '??': {
        const left = this.evaluate(node.left);
        return isNil(left) ? this.evaluate(node.right) : left;
      }
      default: {
        const left = this.evaluate(node.left);
        const right = this.evaluate(node.right);
        this.at = node.offset;
        return applyBinary(node.operator, left, right, this.budget);
      }
    }
  }

  private slice(node: Extract<Node, { kind: 'slice' }>): unknown {
    const object = this.evaluateChain(node.object);
    if (object === shortCircuit) return shortCircuit;
    const from = node.from === undefined ? undefined : this.evaluate(node.from);
    const to = node.to === undefined ? undefined : this.evaluate(node.to);
    this.at = node.offset;
    let items: readonly unknown[];
    if (typeof object === 'string') {
      this.budget.chargeText(object.length);
      items = Array.from(object);
    } else if (Array.isArray(object)) {
      items = object;
    } else {
      throw new EvalFault(`cannot slice ${typeName(object)}`);
    }
    const length = items.length;
    const clamp = (value: unknown, fallback: number): number => {
      if (value === undefined) return fallback;
      const index = toIndex(value, 'slice index');
      return Math.min(Math.max(index < 0 ? length + index : index, 0), length);
    };
    const end = clamp(to, length);
    const start = Math.min(clamp(from, 0), end);
    this.budget.checkArray(end - start);
    if (typeof object === 'string') return items.slice(start, end).join('');
    return elements(items).slice(start, end);
  }

  private call(node: Extract<Node, { kind: 'call' }>): unknown {
    this.at = node.offset;
    checkName(node.name);
    if (predicateBuiltins.has(node.name)) return this.collection(node);
    if (!builtins.has(node.name)) {
      if (Object.hasOwn(this.variables, node.name)) throw new EvalFault(`"${node.name}" is not a function`);
      throw new EvalFault(`function "${node.name}" is not allowed`);
    }
    const args = node.args.map((arg) => this.evaluate(arg));
    this.at = node.offset;
    return callBuiltin(node.name, args, this.context);
  }

  /** Runs a predicate for one element, in a scope where `#` is the element. */
  private test(predicate: Node, item: unknown, index: number): unknown {
    this.budget.charge(1);
    this.scopes.push({ item, index });
    try {
      return this.evaluate(predicate.kind === 'predicate' ? predicate.body : predicate);
    } finally {
      this.scopes.pop();
    }
  }

  private predicateBool(name: string, predicate: Node, item: unknown, index: number): boolean {
    const value = this.test(predicate, item, index);
    if (typeof value !== 'boolean') {
      this.at = predicate.offset;
      throw new EvalFault(`${name}: the predicate must return a bool, got ${typeName(value)}`);
    }
    return value;
  }

  private collection(node: Extract<Node, { kind: 'call' }>): unknown {
    const { name } = node;
    const [source, predicate] = node.args;
    if (source === undefined) throw new EvalFault(`${name}: expected an array`);
    const collection = this.evaluate(source);
    this.at = node.offset;
    if (!Array.isArray(collection)) throw new EvalFault(`${name}: expected an array, got ${typeName(collection)}`);
    const items = elements(collection);
    if (predicate === undefined) return this.aggregate(name, items);
    switch (name) {
      case 'all':
        return items.every((item, i) => this.predicateBool(name, predicate, item, i));
      case 'any':
        return items.some((item, i) => this.predicateBool(name, predicate, item, i));
      case 'none':
        return !items.some((item, i) => this.predicateBool(name, predicate, item, i));
      case 'one': {
        let matches = 0;
        for (let i = 0; i < items.length && matches < 2; i++) {
          if (this.predicateBool(name, predicate, items[i], i)) matches++;
        }
        return matches === 1;
      }
      case 'filter': {
        const kept = items.filter((item, i) => this.predicateBool(name, predicate, item, i));
        this.budget.checkArray(kept.length);
        return kept;
      }
      case 'map': {
        const mapped = items.map((item, i) => this.test(predicate, item, i));
        this.budget.checkArray(mapped.length);
        return mapped;
      }
      case 'find':
        return items.find((item, i) => this.predicateBool(name, predicate, item, i)) ?? null;
      case 'findIndex':
        return BigInt(items.findIndex((item, i) => this.predicateBool(name, predicate, item, i)));
      case 'findLast':
        return items.findLast((item, i) => this.predicateBool(name, predicate, item, i)) ?? null;
      case 'findLastIndex':
        return BigInt(items.findLastIndex((item, i) => this.predicateBool(name, predicate, item, i)));
      case 'count':
        return BigInt(items.filter((item, i) => this.predicateBool(name, predicate, item, i)).length);
      case 'sum':
        return this.aggregate(name, items.map((item, i) => this.test(predicate, item, i)));
      default:
        throw new EvalFault(`function "${name}" is not allowed`);
    }
  }

  /** `count(array)` counts `true` elements; `sum(array)` adds numbers (an int while every addend is one). */
  private aggregate(name: string, items: readonly unknown[]): unknown {
    this.budget.charge(items.length);
    if (name === 'count') {
      let count = 0n;
      for (const item of items) {
        if (typeof item !== 'boolean') throw new EvalFault(`count: expected bools, got ${typeName(item)}`);
        if (item) count++;
      }
      return count;
    }
    let total: bigint | number = 0n;
    for (const item of items) {
      if (!isNumber(item)) throw new EvalFault(`sum: expected numbers, got ${typeName(item)}`);
      total = typeof total === 'bigint' && typeof item === 'bigint' ? int64(total + item) : Number(total) + Number(item);
    }
    return total;
  }
}

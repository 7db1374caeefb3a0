/**
 * The value model and the sandbox. Values are plain JSON plus integers: nil (null or undefined), bool, int (bigint,
 * what expr-lang literals, `len` and `asInt` produce), float (number, as JSON numbers decode in Go), string, array,
 * and map (a plain object). Anything else — functions, class instances, symbols — is not a value and cannot be
 * reached. Member access reads only own, enumerable data properties, never through a getter or the prototype chain,
 * and refuses `__proto__`, `constructor` and `prototype` even when they are own keys.
 */
import type { Budget } from './budget.ts';
import { EvalFault } from './errors.ts';

export type TypeName = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map';

export type ExprMap = Readonly<Record<string, unknown>>;

/** Names no member access, map literal or `in` test may use. */
export const forbiddenNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function checkName(name: string): void {
  if (forbiddenNames.has(name)) throw new EvalFault(`access to "${name}" is not allowed`);
}

export function isMap(value: unknown): value is ExprMap {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function typeName(value: unknown): TypeName {
  switch (typeof value) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'object':
      if (value === null) return 'nil';
      if (Array.isArray(value)) return 'array';
      if (isMap(value)) return 'map';
      throw new EvalFault('value is not plain JSON and cannot be used');
    default:
      throw new EvalFault(`value of type ${typeof value} cannot be used`);
  }
}

export function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

export function isNumber(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

/** The own data property `key` of `object`, or undefined; never runs a getter. */
function ownData(object: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  if (descriptor === undefined || descriptor.enumerable !== true) return undefined;
  if (!('value' in descriptor)) throw new EvalFault(`property "${key}" is not plain data`);
  return descriptor.value;
}

/** Own enumerable string keys of a map, minus the forbidden names. */
export function mapKeys(map: ExprMap): string[] {
  return Object.keys(map).filter((key) => !forbiddenNames.has(key));
}

export function mapGet(map: ExprMap, key: string): unknown {
  return ownData(map, key);
}

/** Integer value of an index (ints, or floats truncated as Go's int conversion does). */
export function toIndex(value: unknown, what: string): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  throw new EvalFault(`${what} must be an integer, got ${typeName(value)}`);
}

/** `object[key]` / `object.key` with expr-lang's rules: negative array indexes count from the end. */
export function fetch(object: unknown, key: unknown, budget: Budget): unknown {
  const type = typeName(object);
  switch (type) {
    case 'map': {
      if (typeof key !== 'string') throw new EvalFault(`map key must be a string, got ${typeName(key)}`);
      checkName(key);
      // A missing key is nil, as reading a Go map is.
      return mapGet(object as ExprMap, key);
    }
    case 'array': {
      if (typeof key === 'string') {
        checkName(key);
        throw new EvalFault(`cannot fetch "${key}" from array`);
      }
      const array = object as readonly unknown[];
      const index = resolveIndex(toIndex(key, 'array index'), array.length);
      return ownData(array, String(index));
    }
    case 'string': {
      if (typeof key === 'string') {
        checkName(key);
        throw new EvalFault(`cannot fetch "${key}" from string`);
      }
      budget.chargeText((object as string).length);
      const chars = Array.from(object as string);
      return chars[resolveIndex(toIndex(key, 'string index'), chars.length)];
    }
    default:
      if (typeof key === 'string') checkName(key);
      throw new EvalFault(`cannot fetch ${describeValue(key)} from ${type}`);
  }
}

function resolveIndex(index: number, length: number): number {
  const resolved = index < 0 ? length + index : index;
  if (resolved < 0 || resolved >= length) {
    throw new EvalFault(`index out of range: ${index} (length is ${length})`);
  }
  return resolved;
}

/** Elements of an array value, read as own data. */
export function elements(array: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < array.length; i++) out.push(ownData(array, String(i)));
  return out;
}

/**
 * Equality as in expr-lang: numbers compare by value across int and float, values of different types are unequal
 * (never an error), arrays and maps compare element by element.
 */
export function equal(a: unknown, b: unknown, budget: Budget, depth = 0): boolean {
  budget.charge(1);
  budget.checkDepth(depth);
  const ta = typeName(a);
  const tb = typeName(b);
  if (isNumber(a) && isNumber(b)) {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a === b : Number(a) === Number(b);
  }
  if (ta !== tb) return false;
  switch (ta) {
    case 'nil':
      return true;
    case 'array': {
      const left = a as readonly unknown[];
      const right = b as readonly unknown[];
      if (left.length !== right.length) return false;
      for (let i = 0; i < left.length; i++) {
        if (!equal(ownData(left, String(i)), ownData(right, String(i)), budget, depth + 1)) return false;
      }
      return true;
    }
    case 'map': {
      const left = a as ExprMap;
      const right = b as ExprMap;
      const keys = mapKeys(left);
      if (keys.length !== mapKeys(right).length) return false;
      for (const key of keys) {
        if (Object.getOwnPropertyDescriptor(right, key) === undefined) return false;
        if (!equal(ownData(left, key), ownData(right, key), budget, depth + 1)) return false;
      }
      return true;
    }
    default:
      budget.chargeText(typeof a === 'string' ? a.length : 0);
      return a === b;
  }
}

/** Converts an evaluation result for callers: ints become numbers, created maps become ordinary objects. */
export function toPublic(value: unknown, budget: Budget, depth = 0): unknown {
  budget.checkDepth(depth);
  const type = typeName(value);
  switch (type) {
    case 'nil':
      return null;
    case 'int':
      return Number(value);
    case 'array':
      budget.charge((value as readonly unknown[]).length);
      return elements(value as readonly unknown[]).map((item) => toPublic(item, budget, depth + 1));
    case 'map': {
      const map = value as ExprMap;
      const keys = mapKeys(map);
      budget.charge(keys.length);
      return Object.fromEntries(keys.map((key) => [key, toPublic(mapGet(map, key), budget, depth + 1)]));
    }
    default:
      return value;
  }
}

/** A short rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  const type = typeName(value);
  switch (type) {
    case 'nil':
      return 'nil';
    case 'string': {
      const text = value as string;
      return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    }
    case 'int':
    case 'float':
    case 'bool':
      return `${type} ${String(value)}`;
    default:
      return type;
  }
}

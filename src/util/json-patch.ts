import { isDeepStrictEqual } from 'node:util';

/** One operation of a JSON patch (RFC 6902). */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}

/** A JSON patch that cannot apply: a `test` that failed or a path that does not exist, as the API server refuses it. */
export class JsonPatchError extends Error {}

/**
 * Applies a JSON patch (RFC 6902: add, remove, replace, test; not move/copy) to a copy of `doc`, all or nothing,
 * as the API server does. The simulation behind `aviary plan` and the routers' tests use it to see exactly what
 * a router's patch does to an object.
 */
export function applyJsonPatch<T>(doc: T, operations: readonly JsonPatchOperation[]): T {
  let result: unknown = structuredClone(doc);
  for (const operation of operations) result = applyOne(result, operation);
  return result as T;
}

function applyOne(doc: unknown, operation: JsonPatchOperation): unknown {
  const tokens = parsePointer(operation.path);
  if (tokens.length === 0) {
    if (operation.op === 'test') return assertEqual(doc, operation);
    if (operation.op === 'add' || operation.op === 'replace') return structuredClone(operation.value);
    throw new JsonPatchError(`${operation.op} of the whole document is not supported`);
  }
  const parent = resolve(doc, tokens.slice(0, -1), operation.path);
  const last = tokens[tokens.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    const inRange = Number.isInteger(index) && index >= 0 && (operation.op === 'add' ? index <= parent.length : index < parent.length);
    if (!inRange) throw new JsonPatchError(`${operation.op} ${operation.path}: index ${last} out of range`);
    switch (operation.op) {
      case 'test': assertEqual(parent[index], operation); break;
      case 'add': parent.splice(index, 0, structuredClone(operation.value)); break;
      case 'replace': parent[index] = structuredClone(operation.value); break;
      case 'remove': parent.splice(index, 1); break;
      default: throw new JsonPatchError(`${operation.op} is not supported`);
    }
    return doc;
  }
  if (!isRecord(parent)) throw new JsonPatchError(`${operation.op} ${operation.path}: the parent is not an object or array`);
  const exists = Object.hasOwn(parent, last);
  switch (operation.op) {
    case 'test':
      if (!exists) throw new JsonPatchError(`test ${operation.path}: no such member`);
      assertEqual(parent[last], operation);
      break;
    case 'add': parent[last] = structuredClone(operation.value); break;
    case 'replace':
      if (!exists) throw new JsonPatchError(`replace ${operation.path}: no such member`);
      parent[last] = structuredClone(operation.value);
      break;
    case 'remove':
      if (!exists) throw new JsonPatchError(`remove ${operation.path}: no such member`);
      Reflect.deleteProperty(parent, last);
      break;
    default: throw new JsonPatchError(`${operation.op} is not supported`);
  }
  return doc;
}

function assertEqual(actual: unknown, operation: JsonPatchOperation): unknown {
  if (!isDeepStrictEqual(actual, operation.value)) {
    throw new JsonPatchError(`test ${operation.path}: expected ${JSON.stringify(operation.value)}, found ${JSON.stringify(actual)}`);
  }
  return actual;
}

function resolve(doc: unknown, tokens: readonly string[], path: string): unknown {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isRecord(node) && Object.hasOwn(node, token)) node = node[token];
    else throw new JsonPatchError(`${path}: ${token} does not exist`);
    if (node === undefined) throw new JsonPatchError(`${path}: ${token} does not exist`);
  }
  return node;
}

/** RFC 6901: "/a/b~1c" → ["a", "b/c"]. */
export function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JsonPatchError(`a JSON pointer starts with "/", got "${path}"`);
  return path.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** ["a", "b/c"] → "/a/b~1c". */
export function pointer(...tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

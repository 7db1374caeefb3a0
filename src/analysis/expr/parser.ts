/**
 * A precedence-climbing parser with expr-lang's grammar: the same operator precedences and associativity, chained
 * comparisons (`1 < x < 3` means `1 < x && x < 3`), `not in` and friends, `??` that may not be mixed with other
 * binary operators without parentheses, the ternary `a ? b : c` and `a ?: b`, optional chaining, slices, the pipe
 * `x | f()`, and predicates (`{# > 1}` or bare `# > 1`) as the second argument of the collection builtins.
 * Size is bounded while parsing: a node budget and a nesting depth keep hostile input from exhausting the stack.
 */
import type { BinaryOperator, MapEntry, Node, UnaryOperator } from './ast.ts';
import { ExprSyntaxError } from './errors.ts';
import { negatableOperators, tokenize, type Token } from './lexer.ts';

export interface ParseLimits {
  /** Most AST nodes one expression may have. */
  readonly maxNodes: number;
  /** Deepest nesting of sub-expressions (parentheses, operands, arguments). */
  readonly maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxNodes: 1000, maxDepth: 64 };

interface OperatorInfo {
  readonly precedence: number;
  readonly right: boolean;
}

const binaryOperators: ReadonlyMap<string, OperatorInfo> = new Map([
  ['|', { precedence: 0, right: false }],
  ['or', { precedence: 10, right: false }],
  ['||', { precedence: 10, right: false }],
  ['and', { precedence: 15, right: false }],
  ['&&', { precedence: 15, right: false }],
  ['==', { precedence: 20, right: false }],
  ['!=', { precedence: 20, right: false }],
  ['<', { precedence: 20, right: false }],
  ['>', { precedence: 20, right: false }],
  ['<=', { precedence: 20, right: false }],
  ['>=', { precedence: 20, right: false }],
  ['in', { precedence: 20, right: false }],
  ['matches', { precedence: 20, right: false }],
  ['contains', { precedence: 20, right: false }],
  ['startsWith', { precedence: 20, right: false }],
  ['endsWith', { precedence: 20, right: false }],
  ['..', { precedence: 25, right: false }],
  ['+', { precedence: 30, right: false }],
  ['-', { precedence: 30, right: false }],
  ['*', { precedence: 60, right: false }],
  ['/', { precedence: 60, right: false }],
  ['%', { precedence: 60, right: false }],
  ['**', { precedence: 100, right: true }],
  ['^', { precedence: 100, right: true }],
  ['??', { precedence: 500, right: false }],
]);

const comparisonPrecedence = 20;

const unaryOperators: ReadonlyMap<string, number> = new Map([
  ['not', 50],
  ['!', 50],
  ['-', 90],
  ['+', 90],
]);

/** Builtins whose second argument is a predicate; `optional` marks the ones where it may be left out. */
export const predicateBuiltins: ReadonlyMap<string, { readonly optional: boolean }> = new Map([
  ['all', { optional: false }],
  ['any', { optional: false }],
  ['none', { optional: false }],
  ['one', { optional: false }],
  ['filter', { optional: false }],
  ['map', { optional: false }],
  ['find', { optional: false }],
  ['findIndex', { optional: false }],
  ['findLast', { optional: false }],
  ['findLastIndex', { optional: false }],
  ['count', { optional: true }],
  ['sum', { optional: true }],
]);

const maxInt64 = 2n ** 63n - 1n;

function describe(token: Token): string {
  return token.kind === 'eof' ? 'end of expression' : JSON.stringify(token.value);
}

class Parser {
  private readonly source: string;
  private readonly tokens: Token[];
  private readonly limits: ParseLimits;
  private pos = 0;
  private nodes = 0;
  private depth = 0;
  /** Nesting of predicates: `#` and `.field` are only meaningful inside one. */
  private predicateDepth = 0;

  constructor(source: string, limits: ParseLimits) {
    this.source = source;
    this.tokens = tokenize(source);
    this.limits = limits;
  }

  parse(): { node: Node; nodeCount: number } {
    if (this.is('eof')) this.fail('empty expression', this.current);
    const node = this.parseExpression(0);
    if (!this.is('eof')) this.unexpected();
    return { node, nodeCount: this.nodes };
  }

  private get current(): Token {
    // The eof token is always last, and `next` never moves past it.
    return this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1] ?? { kind: 'eof', value: '', offset: 0 };
  }

  private peek(distance = 1): Token {
    return this.tokens[Math.min(this.pos + distance, this.tokens.length - 1)] ?? this.current;
  }

  private next(): void {
    if (this.pos < this.tokens.length - 1) this.pos++;
  }

  private is(kind: Token['kind'], value?: string): boolean {
    return this.current.kind === kind && (value === undefined || this.current.value === value);
  }

  private expect(kind: Token['kind'], value: string): void {
    if (!this.is(kind, value)) this.unexpected();
    this.next();
  }

  private fail(reason: string, token: Token): never {
    throw new ExprSyntaxError(reason, this.source, token.offset);
  }

  private unexpected(): never {
    return this.fail(`unexpected ${describe(this.current)}`, this.current);
  }

  /** Counts every node against the budget; the error points at the token that made the tree too big. */
  private make<T extends Node>(node: T): T {
    this.nodes++;
    if (this.nodes > this.limits.maxNodes) {
      throw new ExprSyntaxError(`expression is too large (more than ${this.limits.maxNodes} nodes)`, this.source, node.offset);
    }
    return node;
  }

  private enter(): void {
    this.depth++;
    if (this.depth > this.limits.maxDepth) {
      this.fail(`expression is nested too deeply (more than ${this.limits.maxDepth} levels)`, this.current);
    }
  }

  private parseExpression(minPrecedence: number): Node {
    this.enter();
    try {
      return this.parseBinary(minPrecedence);
    } finally {
      this.depth--;
    }
  }

  private parseBinary(minPrecedence: number): Node {
    let left = this.parsePrimary();
    let previous = '';
    for (;;) {
      const token = this.current;
      if (token.kind !== 'operator') break;
      let opToken = token;
      let negate = false;
      if (token.value === 'not') {
        const following = this.peek();
        if (following.kind !== 'operator' || !negatableOperators.has(following.value)) this.fail(`unexpected "not"`, token);
        const info = binaryOperators.get(following.value);
        if (info === undefined || info.precedence < minPrecedence) break;
        this.next();
        negate = true;
        opToken = following;
      }
      const info = binaryOperators.get(opToken.value);
      if (info === undefined || info.precedence < minPrecedence) break;
      this.next();

      if (opToken.value === '|') {
        left = this.parsePipe(left);
      } else {
        if (previous === '??' && opToken.value !== '??') {
          this.fail(`operator "${opToken.value}" and "??" cannot be mixed without parentheses`, opToken);
        }
        if (info.precedence === comparisonPrecedence) {
          left = this.parseComparison(left, opToken);
        } else {
          const right = this.parseExpression(info.right ? info.precedence : info.precedence + 1);
          left = this.make({
            kind: 'binary', operator: opToken.value as BinaryOperator, left, right, offset: opToken.offset,
          });
        }
        if (negate) left = this.make({ kind: 'unary', operator: 'not', operand: left, offset: token.offset });
      }
      previous = opToken.value;
    }
    if (minPrecedence === 0) left = this.parseConditional(left);
    return left;
  }

  /** `a < b < c` is `a < b && b < c`, as in expr-lang. */
  private parseComparison(left: Node, first: Token): Node {
    let result: Node | undefined;
    let operand = left;
    let opToken = first;
    for (;;) {
      const right = this.parseExpression(comparisonPrecedence + 1);
      const comparison = this.make({
        kind: 'binary', operator: opToken.value as BinaryOperator, left: operand, right, offset: opToken.offset,
      });
      result = result === undefined
        ? comparison
        : this.make({ kind: 'binary', operator: '&&', left: result, right: comparison, offset: opToken.offset });
      operand = right;
      const info = this.current.kind === 'operator' ? binaryOperators.get(this.current.value) : undefined;
      if (info?.precedence !== comparisonPrecedence) return result;
      opToken = this.current;
      this.next();
    }
  }

  private parsePipe(left: Node): Node {
    const name = this.current;
    if (name.kind !== 'identifier') this.fail('expected a function name after "|"', name);
    this.next();
    if (!this.is('bracket', '(')) this.fail(`expected "(" after "${name.value}"`, this.current);
    return this.parseCall(name, [left]);
  }

  private parseConditional(test: Node): Node {
    let node = test;
    while (this.is('operator', '?')) {
      const question = this.current;
      this.next();
      let then: Node;
      let otherwise: Node;
      if (this.is('operator', ':')) {
        // `a ?: b` keeps `a` when it is true.
        this.next();
        then = node;
        otherwise = this.parseExpression(0);
      } else {
        then = this.parseExpression(0);
        this.expect('operator', ':');
        otherwise = this.parseExpression(0);
      }
      node = this.make({ kind: 'conditional', test: node, then, otherwise, offset: question.offset });
    }
    return node;
  }

  private parsePrimary(): Node {
    const token = this.current;
    if (token.kind === 'operator') {
      const precedence = unaryOperators.get(token.value);
      if (precedence !== undefined) {
        this.next();
        const operand = this.parseExpression(precedence);
        const node = this.make({ kind: 'unary', operator: token.value as UnaryOperator, operand, offset: token.offset });
        return this.parsePostfix(node);
      }
      if (token.value === '#' || token.value === '.') {
        if (this.predicateDepth === 0) this.fail('cannot use "#" or ".field" outside a predicate', token);
        let name = '';
        if (token.value === '#') {
          this.next();
          if (this.is('identifier') && this.current.offset === token.offset + 1) {
            name = this.current.value;
            this.next();
          }
        }
        // For `.field` the dot stays current, so the postfix loop reads it as member access on the element.
        return this.parsePostfix(this.make({ kind: 'pointer', name, offset: token.offset }));
      }
    }
    if (this.is('bracket', '(')) {
      this.next();
      const inner = this.parseExpression(0);
      this.expect('bracket', ')');
      return this.parsePostfix(inner);
    }
    return this.parsePostfix(this.parseLiteralOrName());
  }

  private parseLiteralOrName(): Node {
    const token = this.current;
    switch (token.kind) {
      case 'identifier': {
        this.next();
        if (token.value === 'true' || token.value === 'false') {
          return this.make({ kind: 'bool', value: token.value === 'true', offset: token.offset });
        }
        if (token.value === 'nil') return this.make({ kind: 'nil', offset: token.offset });
        if (this.is('bracket', '(')) return this.parseCall(token, []);
        return this.make({ kind: 'identifier', name: token.value, offset: token.offset });
      }
      case 'number':
        this.next();
        return this.make(this.numberNode(token));
      case 'string':
        this.next();
        return this.make({ kind: 'string', value: token.value, offset: token.offset });
      case 'bracket':
        if (token.value === '[') return this.parseArray();
        if (token.value === '{') return this.parseMap();
        return this.unexpected();
      default:
        return this.unexpected();
    }
  }

  private numberNode(token: Token): Node {
    const text = token.value.replaceAll('_', '');
    const lower = text.toLowerCase();
    const prefixes = [['0x', 16, /^[0-9a-f]+$/], ['0o', 8, /^[0-7]+$/], ['0b', 2, /^[01]+$/]] as const;
    const based = prefixes.find(([prefix]) => lower.startsWith(prefix));
    const radix = based?.[1] ?? 10;
    if (radix === 10 && /[.e]/.test(lower)) {
      const value = Number(lower.endsWith('.') ? `${lower}0` : lower.startsWith('.') ? `0${lower}` : lower);
      if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower) || Number.isNaN(value)) {
        this.fail(`invalid float literal "${token.value}"`, token);
      }
      if (!Number.isFinite(value)) this.fail('float literal is too large', token);
      return { kind: 'float', value, offset: token.offset };
    }
    const digits = based === undefined ? lower : lower.slice(2);
    if (!(based?.[2] ?? /^\d+$/).test(digits)) this.fail(`invalid integer literal "${token.value}"`, token);
    const value = BigInt(`${based?.[0] ?? ''}${digits}`);
    if (value > maxInt64) this.fail('integer literal is too large', token);
    return { kind: 'int', value, offset: token.offset };
  }

  private parseArray(): Node {
    const open = this.current;
    this.next();
    const items = this.parseList(']', () => this.parseExpression(0));
    return this.make({ kind: 'array', items, offset: open.offset });
  }

  private parseMap(): Node {
    const open = this.current;
    this.next();
    const entries = this.parseList('}', (): MapEntry => {
      const keyToken = this.current;
      let key: Node;
      if (keyToken.kind === 'number' || keyToken.kind === 'string' || keyToken.kind === 'identifier') {
        key = this.make({ kind: 'string', value: keyToken.value, offset: keyToken.offset });
        this.next();
      } else if (this.is('bracket', '(')) {
        key = this.parseExpression(0);
      } else {
        return this.fail(
          `a map key must be a quoted string, a number, a name, or an expression in parentheses (found ${describe(keyToken)})`,
          keyToken,
        );
      }
      this.expect('operator', ':');
      return { key, value: this.parseExpression(0) };
    });
    return this.make({ kind: 'map', entries, offset: open.offset });
  }

  /** A call by name; `leading` holds the piped value, if any. */
  private parseCall(name: Token, leading: Node[]): Node {
    const predicate = predicateBuiltins.get(name.value);
    const args = [...leading];
    this.expect('bracket', '(');
    if (predicate === undefined) {
      this.parseList(')', () => this.parseExpression(0), args);
      return this.make({ kind: 'call', name: name.value, args, offset: name.offset });
    }
    if (leading.length === 0) {
      if (this.is('bracket', ')')) this.fail(`${name.value} expects an array and a predicate`, this.current);
      args.push(this.parseExpression(0));
    }
    const hasPredicate = leading.length === 0 ? this.is('operator', ',') : !this.is('bracket', ')');
    if (hasPredicate) {
      if (leading.length === 0) this.next();
      if (!(predicate.optional && this.is('bracket', ')'))) args.push(this.parsePredicate());
    } else if (!predicate.optional) {
      this.fail(`${name.value} expects a predicate as its second argument`, this.current);
    }
    if (this.is('operator', ',')) this.next();
    this.expect('bracket', ')');
    return this.make({ kind: 'call', name: name.value, args, offset: name.offset });
  }

  private parsePredicate(): Node {
    const start = this.current;
    const braced = this.is('bracket', '{');
    if (braced) this.next();
    this.predicateDepth++;
    const body = this.parseExpression(0);
    this.predicateDepth--;
    if (braced) this.expect('bracket', '}');
    return this.make({ kind: 'predicate', body, offset: start.offset });
  }

  private parsePostfix(start: Node): Node {
    let node = start;
    for (;;) {
      const token = this.current;
      if (token.kind === 'operator' && (token.value === '.' || token.value === '?.')) {
        const optional = token.value === '?.';
        this.next();
        if (optional && this.is('bracket', '[')) {
          node = this.parseIndex(node, true);
          continue;
        }
        const property = this.current;
        // Word operators (`not`, `in`, `matches`, ...) are valid property names after a dot.
        const isName = property.kind === 'identifier' || (property.kind === 'operator' && /^[a-zA-Z]+$/.test(property.value));
        if (!isName) this.fail('expected a property name', property);
        this.next();
        if (this.is('bracket', '(')) {
          const args = this.parseArgumentList();
          node = this.make({ kind: 'method', object: node, name: property.value, args, offset: property.offset });
          continue;
        }
        const key = this.make({ kind: 'string', value: property.value, offset: property.offset });
        node = this.make({ kind: 'member', object: node, property: key, optional, offset: property.offset });
        continue;
      }
      if (this.is('bracket', '[')) {
        node = this.parseIndex(node, false);
        continue;
      }
      return node;
    }
  }

  private parseArgumentList(): Node[] {
    this.expect('bracket', '(');
    return this.parseList(')', () => this.parseExpression(0));
  }

  /**
   * Comma-separated items up to the `close` bracket, which it consumes; a trailing comma is allowed. Items go after
   * those already in `into` (the piped value of a call).
   */
  private parseList<T>(close: string, item: () => T, into: T[] = []): T[] {
    const start = into.length;
    while (!this.is('bracket', close)) {
      if (into.length > start) {
        this.expect('operator', ',');
        if (this.is('bracket', close)) break;
      }
      into.push(item());
    }
    this.next();
    return into;
  }

  private parseIndex(object: Node, optional: boolean): Node {
    const open = this.current;
    this.expect('bracket', '[');
    if (this.is('operator', ':')) {
      this.next();
      const to = this.is('bracket', ']') ? undefined : this.parseExpression(0);
      this.expect('bracket', ']');
      return this.make({ kind: 'slice', object, from: undefined, to, offset: open.offset });
    }
    const index = this.parseExpression(0);
    if (this.is('operator', ':')) {
      this.next();
      const to = this.is('bracket', ']') ? undefined : this.parseExpression(0);
      this.expect('bracket', ']');
      return this.make({ kind: 'slice', object, from: index, to, offset: open.offset });
    }
    this.expect('bracket', ']');
    return this.make({ kind: 'member', object, property: index, optional, offset: open.offset });
  }
}

/** Parses `source` into a tree; throws ExprSyntaxError with the column of the first problem. */
export function parse(source: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): { node: Node; nodeCount: number } {
  return new Parser(source, limits).parse();
}

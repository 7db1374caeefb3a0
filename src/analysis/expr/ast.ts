/** The syntax tree the parser builds and the evaluator walks. `offset` is where the node's token starts. */

export type UnaryOperator = '-' | '+' | 'not' | '!';

export type BinaryOperator =
  | 'or' | '||' | 'and' | '&&'
  | '==' | '!=' | '<' | '>' | '<=' | '>='
  | 'in' | 'matches' | 'contains' | 'startsWith' | 'endsWith'
  | '..' | '+' | '-' | '*' | '/' | '%' | '**' | '^' | '??';

interface At {
  readonly offset: number;
}

export type Node =
  | (At & { readonly kind: 'nil' })
  | (At & { readonly kind: 'bool'; readonly value: boolean })
  /** Integers are bigint: expr-lang keeps ints and floats apart (`%` takes ints only, `/` always gives a float). */
  | (At & { readonly kind: 'int'; readonly value: bigint })
  | (At & { readonly kind: 'float'; readonly value: number })
  | (At & { readonly kind: 'string'; readonly value: string })
  | (At & { readonly kind: 'array'; readonly items: readonly Node[] })
  | (At & { readonly kind: 'map'; readonly entries: readonly MapEntry[] })
  | (At & { readonly kind: 'identifier'; readonly name: string })
  /** `#` (name ''), `#index`, or the implicit element of `.field` inside a predicate. */
  | (At & { readonly kind: 'pointer'; readonly name: string })
  | (At & { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly operand: Node })
  | (At & { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Node; readonly right: Node })
  /** `a.b`, `a?.b`, `a[b]`, `a?.[b]`: `property` is a string node for the dotted forms. */
  | (At & { readonly kind: 'member'; readonly object: Node; readonly property: Node; readonly optional: boolean })
  | (At & { readonly kind: 'slice'; readonly object: Node; readonly from: Node | undefined; readonly to: Node | undefined })
  | (At & { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] })
  /** `x.name(...)`: parsed so the error can name it, never callable. */
  | (At & { readonly kind: 'method'; readonly object: Node; readonly name: string; readonly args: readonly Node[] })
  /** The closure argument of `all`, `map`, ...: `{# > 1}` or the bare `# > 1`. */
  | (At & { readonly kind: 'predicate'; readonly body: Node })
  | (At & { readonly kind: 'conditional'; readonly test: Node; readonly then: Node; readonly otherwise: Node });

export interface MapEntry {
  readonly key: Node;
  readonly value: Node;
}


/**
 * Errors of the condition language. Both kinds carry the source and, where one is known, the position of the
 * offending token, so a caller can show the expression with a caret under the problem.
 */

/** A position in the source: 0-based code-unit offset, 1-based line and column. */
export interface SourcePosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** Line and column (both 1-based) of a code-unit offset; columns count code points, as an editor shows them. */
export function positionAt(source: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  const lineStart = source.lastIndexOf('\n', clamped - 1) + 1;
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < clamped; i = source.indexOf('\n', i + 1)) line++;
  const column = [...source.slice(lineStart, clamped)].length + 1;
  return { offset: clamped, line, column };
}

/** The line holding `position` and a caret line under its column, for display. */
export function caretSnippet(source: string, position: SourcePosition): string {
  const lines = source.split('\n');
  const text = lines[position.line - 1] ?? '';
  return `${text}\n${' '.repeat(position.column - 1)}^`;
}

function where(position: SourcePosition): string {
  return position.line > 1 ? `line ${position.line}, column ${position.column}` : `column ${position.column}`;
}

/** Common base, so callers can catch every error of the language with one `instanceof`. */
export class ExprError extends Error {
  readonly source: string;
  readonly position: SourcePosition | undefined;
  /** The field the expression came from (`successCondition`, ...), when the caller named one. */
  readonly field: string | undefined;
  constructor(message: string, source: string, position: SourcePosition | undefined, field: string | undefined) {
    super(field === undefined ? message : `${field}: ${message}`);
    this.name = 'ExprError';
    this.source = source;
    this.position = position;
    this.field = field;
  }

  /** 1-based column of the problem, when known. */
  get column(): number | undefined {
    return this.position?.column;
  }

  /** The offending line and a caret under the problem, or just the source when no position is known. */
  get snippet(): string {
    return this.position === undefined ? this.source : caretSnippet(this.source, this.position);
  }
}

/**
 * The source does not compile: a lexical or grammatical error, or the expression exceeds the size limits. The
 * message ends with the position (`unexpected ")" at column 14`).
 */
export class ExprSyntaxError extends ExprError {
  /** The message without the position suffix. */
  readonly reason: string;
  constructor(reason: string, source: string, offset: number, field?: string) {
    const position = positionAt(source, offset);
    super(`${reason} at ${where(position)}`, source, position, field);
    this.name = 'ExprSyntaxError';
    this.reason = reason;
  }

  /** The same error, attributed to a field of a resource. */
  withField(field: string): ExprSyntaxError {
    return new ExprSyntaxError(this.reason, this.source, this.position?.offset ?? 0, field);
  }

  override get column(): number {
    return this.position?.column ?? 1;
  }
}

/** Which limit stopped an evaluation, when one did. */
export type ExprLimit = 'steps' | 'stringLength' | 'arrayLength' | 'depth';

/**
 * Evaluation failed: a type error, an unknown name, a function that is not allowed, a sandbox violation, or a
 * limit. The message is for users (it ends up in a measurement's message); `position` points at the node.
 */
export class ExprEvalError extends ExprError {
  /** Set when a resource limit, not the expression's logic, ended the evaluation. */
  readonly limit: ExprLimit | undefined;
  /** Steps the evaluation had taken when it failed. */
  readonly steps: number | undefined;
  /** The message without the field prefix. */
  readonly reason: string;
  constructor(message: string, source: string, details: EvalErrorDetails = {}) {
    const { offset, limit, steps, field } = details;
    super(message, source, offset === undefined ? undefined : positionAt(source, offset), field);
    this.name = 'ExprEvalError';
    this.reason = message;
    this.limit = limit;
    this.steps = steps;
  }

  /** The same error, attributed to a field of a resource. */
  withField(field: string): ExprEvalError {
    return new ExprEvalError(this.reason, this.source, {
      offset: this.position?.offset, limit: this.limit, steps: this.steps, field,
    });
  }
}

export interface EvalErrorDetails {
  readonly offset?: number | undefined;
  readonly limit?: ExprLimit | undefined;
  readonly steps?: number | undefined;
  readonly field?: string | undefined;
}

/**
 * Raised by value helpers and builtins, which do not know where in the source they run; the evaluator turns it into
 * an ExprEvalError positioned at the node being evaluated.
 */
export class EvalFault extends Error {
  readonly limit: ExprLimit | undefined;
  constructor(message: string, limit?: ExprLimit) {
    super(message);
    this.name = 'EvalFault';
    this.limit = limit;
  }
}

/**
 * Tokens of the condition language, following expr-lang's lexer: numbers (decimal, hex, octal, binary, floats with
 * `_` separators), strings in double or single quotes with Go escapes, raw strings in backticks, identifiers, word
 * operators (`and`, `or`, `not`, `in`, `matches`, `contains`, `startsWith`, `endsWith`), symbol operators, brackets,
 * `#` pointers and comments.
 */
import { ExprSyntaxError } from './errors.ts';

export type TokenKind = 'number' | 'string' | 'identifier' | 'operator' | 'bracket' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** For strings the decoded value; otherwise the text as written. */
  readonly value: string;
  /** 0-based code-unit offset of the token's first character. */
  readonly offset: number;
}

const wordOperators = new Set(['and', 'or', 'not', 'in', 'matches', 'contains', 'startsWith', 'endsWith']);

/** Operators that may follow `not` (`not in`, `not contains`, ...). */
export const negatableOperators = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);

const symbolOperators = [
  '**', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '..',
  '+', '-', '*', '/', '%', '^', '<', '>', '!', '?', ':', ',', '.', '|',
];

function isLetter(ch: string): boolean {
  return /^[\p{L}_$]$/u.test(ch);
}

function isIdentChar(ch: string): boolean {
  return /^[\p{L}\p{Nd}_$]$/u.test(ch);
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

const simpleEscapes: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"',
};

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (reason: string, offset: number): never => {
    throw new ExprSyntaxError(reason, source, offset);
  };

  while (i < source.length) {
    const ch = source[i] ?? '';
    const start = i;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v') {
      i++;
      continue;
    }
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end + 1;
      continue;
    }
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) fail('unclosed comment', start);
      i = end + 2;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const { value, end } = scanString(source, i, fail);
      tokens.push({ kind: 'string', value, offset: start });
      i = end;
      continue;
    }
    if (ch === '`') {
      const end = source.indexOf('`', i + 1);
      if (end === -1) fail('string literal not terminated', start);
      tokens.push({ kind: 'string', value: source.slice(i + 1, end), offset: start });
      i = end + 1;
      continue;
    }
    if (isDigit(ch) || (ch === '.' && isDigit(source[i + 1]))) {
      const end = scanNumber(source, i);
      if (end < source.length && isIdentChar(String.fromCodePoint(source.codePointAt(end) ?? 0))) {
        fail(`bad number syntax "${source.slice(i, end + 1)}"`, start);
      }
      tokens.push({ kind: 'number', value: source.slice(i, end), offset: start });
      i = end;
      continue;
    }
    if (ch === '#') {
      tokens.push({ kind: 'operator', value: '#', offset: start });
      i++;
      const end = scanIdentifier(source, i);
      if (end > i) {
        tokens.push({ kind: 'identifier', value: source.slice(i, end), offset: i });
        i = end;
      }
      continue;
    }
    const codePoint = String.fromCodePoint(source.codePointAt(i) ?? 0);
    if (isLetter(codePoint)) {
      const end = scanIdentifier(source, i);
      const word = source.slice(i, end);
      tokens.push({ kind: wordOperators.has(word) ? 'operator' : 'identifier', value: word, offset: start });
      i = end;
      continue;
    }
    if ('([{'.includes(ch) || ')]}'.includes(ch)) {
      tokens.push({ kind: 'bracket', value: ch, offset: start });
      i++;
      continue;
    }
    const op = symbolOperators.find((candidate) => source.startsWith(candidate, i));
    if (op !== undefined) {
      tokens.push({ kind: 'operator', value: op, offset: start });
      i += op.length;
      continue;
    }
    fail(`unrecognized character ${JSON.stringify(codePoint)}`, start);
  }
  tokens.push({ kind: 'eof', value: '', offset: source.length });
  return tokens;
}

function scanIdentifier(source: string, from: number): number {
  let i = from;
  while (i < source.length) {
    const cp = String.fromCodePoint(source.codePointAt(i) ?? 0);
    if (!isIdentChar(cp)) break;
    i += cp.length;
  }
  return i;
}

/** End offset of a number literal; validation of its value is the parser's job. */
function scanNumber(source: string, from: number): number {
  let i = from;
  let digits = '0123456789_';
  if (source[i] === '0' && /[xXoObB]/.test(source[i + 1] ?? '')) {
    const base = (source[i + 1] ?? '').toLowerCase();
    digits = base === 'x' ? '0123456789abcdefABCDEF_' : base === 'o' ? '01234567_' : '01_';
    i += 2;
    while (i < source.length && digits.includes(source[i] ?? '')) i++;
    return i;
  }
  while (i < source.length && digits.includes(source[i] ?? '')) i++;
  // `1..3` is a range, not the float `1.` followed by `.3`.
  if (source[i] === '.' && source[i + 1] !== '.') {
    i++;
    while (i < source.length && digits.includes(source[i] ?? '')) i++;
  }
  if (source[i] === 'e' || source[i] === 'E') {
    i++;
    if (source[i] === '+' || source[i] === '-') i++;
    while (i < source.length && digits.includes(source[i] ?? '')) i++;
  }
  return i;
}

function scanString(
  source: string,
  from: number,
  fail: (reason: string, offset: number) => never,
): { value: string; end: number } {
  const quote = source[from];
  let value = '';
  let i = from + 1;
  for (;;) {
    const ch = source[i];
    if (ch === undefined || ch === '\n') return fail('string literal not terminated', from);
    if (ch === quote) return { value, end: i + 1 };
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const escape = source[i + 1] ?? '';
    const simple = escape === '"' || escape === "'" ? (escape === quote ? escape : undefined) : simpleEscapes[escape];
    if (simple !== undefined) {
      value += simple;
      i += 2;
      continue;
    }
    const hexLength = escape === 'x' ? 2 : escape === 'u' ? 4 : escape === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = source.slice(i + 2, i + 2 + hexLength);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLength ? parseInt(hex, 16) : Number.NaN;
      if (Number.isNaN(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return fail('invalid escape in string literal', i);
      }
      value += String.fromCodePoint(code);
      i += 2 + hexLength;
      continue;
    }
    const octal = source.slice(i + 1, i + 4);
    if (/^[0-7]{3}$/.test(octal)) {
      const code = parseInt(octal, 8);
      if (code > 255) return fail('invalid escape in string literal', i);
      value += String.fromCharCode(code);
      i += 4;
      continue;
    }
    return fail('invalid escape in string literal', i);
  }
}

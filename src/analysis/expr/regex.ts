/**
 * `matches` with RE2 syntax (what expr-lang uses through Go's regexp) and RE2's guarantee: matching takes time
 * linear in the input. JavaScript's backtracking RegExp cannot run user patterns safely — `(a+)+$` takes exponential
 * time — so patterns compile here to a small program that a Pike VM runs over all alternatives at once.
 *
 * Supported: literals, `.`, classes (`[a-z]`, `[^...]`, `\d \w \s \D \W \S`, `\pL`, `\p{Greek}`, `[[:alpha:]]`),
 * anchors (`^ $ \A \z \b \B`), groups (`(...)`, `(?:...)`, `(?P<n>...)`, `(?<n>...)`), flags (`(?i)`, `(?s)`, `(?m)`,
 * `(?i:...)`), alternation and quantifiers (`* + ? {n} {n,} {n,m}`, lazy forms). Not supported: backreferences and
 * lookaround, which RE2 rejects too.
 */
import type { Budget } from './budget.ts';
import { boundedMemo } from './cache.ts';
import { EvalFault } from './errors.ts';

type CharTest = (codePoint: number) => boolean;

type AssertKind = 'lineStart' | 'lineEnd' | 'textStart' | 'textEnd' | 'wordBoundary' | 'notWordBoundary';

type Instruction =
  | { readonly op: 'char'; readonly test: CharTest }
  | { readonly op: 'split'; readonly first: number; readonly second: number }
  | { readonly op: 'jump'; readonly to: number }
  | { readonly op: 'assert'; readonly kind: AssertKind }
  | { readonly op: 'match' };

type RegexNode =
  | { readonly type: 'empty' }
  | { readonly type: 'char'; readonly test: CharTest }
  | { readonly type: 'assert'; readonly kind: AssertKind }
  | { readonly type: 'concat'; readonly parts: readonly RegexNode[] }
  | { readonly type: 'alternate'; readonly options: readonly RegexNode[] }
  | { readonly type: 'repeat'; readonly node: RegexNode; readonly min: number; readonly max: number };

interface Flags {
  readonly ignoreCase: boolean;
  readonly dotAll: boolean;
  readonly multiLine: boolean;
}

/** RE2's limit on a counted repetition. */
const maxRepeat = 1000;
/** Largest compiled program; bounds the work per input character. */
const maxProgram = 5000;

const isWordChar = (cp: number): boolean =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
const isDigitChar = (cp: number): boolean => cp >= 0x30 && cp <= 0x39;
const isSpaceChar = (cp: number): boolean => cp === 0x20 || (cp >= 0x09 && cp <= 0x0d && cp !== 0x0b);

const posixClasses: Readonly<Record<string, CharTest>> = {
  alnum: (cp) => isDigitChar(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a),
  alpha: (cp) => (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a),
  ascii: (cp) => cp <= 0x7f,
  blank: (cp) => cp === 0x20 || cp === 0x09,
  cntrl: (cp) => cp < 0x20 || cp === 0x7f,
  digit: isDigitChar,
  graph: (cp) => cp > 0x20 && cp < 0x7f,
  lower: (cp) => cp >= 0x61 && cp <= 0x7a,
  print: (cp) => cp >= 0x20 && cp < 0x7f,
  punct: (cp) => (cp > 0x20 && cp < 0x7f && !isWordChar(cp)) || cp === 0x5f,
  space: (cp) => isSpaceChar(cp) || cp === 0x0b,
  upper: (cp) => cp >= 0x41 && cp <= 0x5a,
  word: isWordChar,
  xdigit: (cp) => isDigitChar(cp) || (cp >= 0x41 && cp <= 0x46) || (cp >= 0x61 && cp <= 0x66),
};

function negate(test: CharTest): CharTest {
  return (cp) => !test(cp);
}

/** A Unicode property or script test, `\pL` or `\p{Greek}`, evaluated one character at a time. */
function unicodeClass(name: string): CharTest {
  let probe: RegExp;
  try {
    const property = name.length === 1 || /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
    probe = new RegExp(`^\\p{${property}}$`, 'u');
  } catch {
    throw new EvalFault(`invalid regular expression: unknown character class \\p{${name}}`);
  }
  return (cp) => probe.test(String.fromCodePoint(cp));
}

function foldCase(test: CharTest): CharTest {
  return (cp) => {
    if (test(cp)) return true;
    const char = String.fromCodePoint(cp);
    for (const variant of [char.toLowerCase(), char.toUpperCase()]) {
      const other = variant.codePointAt(0);
      if (other !== undefined && variant.length === String.fromCodePoint(other).length && other !== cp && test(other)) return true;
    }
    return false;
  };
}

class RegexParser {
  private readonly chars: number[];
  private pos = 0;

  constructor(pattern: string) {
    this.chars = Array.from(pattern, (char) => char.codePointAt(0) ?? 0);
  }

  parse(): RegexNode {
    const node = this.parseAlternation({ ignoreCase: false, dotAll: false, multiLine: false });
    if (this.pos < this.chars.length) this.fail('unexpected )');
    return node;
  }

  private fail(reason: string): never {
    throw new EvalFault(`invalid regular expression: ${reason}`);
  }

  private peek(offset = 0): number | undefined {
    return this.chars[this.pos + offset];
  }

  private eat(char: string): boolean {
    if (this.peek() === char.codePointAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private parseAlternation(initial: Flags): RegexNode {
    let flags = initial;
    const options: RegexNode[] = [];
    let parts: RegexNode[] = [];
    for (;;) {
      const cp = this.peek();
      if (cp === undefined || cp === 0x29 /* ) */) break;
      if (cp === 0x7c /* | */) {
        this.pos++;
        options.push({ type: 'concat', parts });
        parts = [];
        continue;
      }
      const atom = this.parseAtom(flags);
      if ('flags' in atom) {
        flags = atom.flags;
        continue;
      }
      parts.push(this.parseQuantifier(atom.node));
    }
    options.push({ type: 'concat', parts });
    return options.length === 1 ? (options[0] ?? { type: 'empty' }) : { type: 'alternate', options };
  }

  private parseQuantifier(node: RegexNode): RegexNode {
    let result = node;
    for (;;) {
      const cp = this.peek();
      let min: number;
      let max: number;
      if (cp === 0x2a /* * */) [min, max] = [0, Infinity];
      else if (cp === 0x2b /* + */) [min, max] = [1, Infinity];
      else if (cp === 0x3f /* ? */) [min, max] = [0, 1];
      else if (cp === 0x7b /* { */) {
        const counted = this.parseCount();
        if (counted === undefined) return result;
        [min, max] = counted;
        this.pos--;
      } else return result;
      this.pos++;
      this.eat('?');
      if (result.type === 'repeat') this.fail('bad repetition operator');
      if (result.type === 'empty' || result.type === 'assert') this.fail('missing argument to repetition operator');
      result = { type: 'repeat', node: result, min, max };
    }
  }

  /** `{n}`, `{n,}`, `{n,m}`; leaves the position on the closing brace. A `{` that is not a count is a literal. */
  private parseCount(): [number, number] | undefined {
    const rest = String.fromCodePoint(...this.chars.slice(this.pos, this.pos + 16));
    const match = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (min > maxRepeat || (max !== Infinity && max > maxRepeat) || max < min) this.fail('invalid repeat count');
    this.pos += match[0].length;
    return [min, max];
  }

  private parseAtom(flags: Flags): { node: RegexNode } | { flags: Flags } {
    const cp = this.peek();
    this.pos++;
    const charNode = (test: CharTest): { node: RegexNode } => ({
      node: { type: 'char', test: flags.ignoreCase ? foldCase(test) : test },
    });
    switch (cp) {
      case 0x28 /* ( */:
        return this.parseGroup(flags);
      case 0x2e /* . */:
        return { node: { type: 'char', test: flags.dotAll ? () => true : (c) => c !== 0x0a } };
      case 0x5e /* ^ */:
        return { node: { type: 'assert', kind: flags.multiLine ? 'lineStart' : 'textStart' } };
      case 0x24 /* $ */:
        return { node: { type: 'assert', kind: flags.multiLine ? 'lineEnd' : 'textEnd' } };
      case 0x5b /* [ */:
        return charNode(this.parseClass());
      case 0x5c /* \ */: {
        const letter = this.peek();
        if (letter === 0x41 /* A */) {
          this.pos++;
          return { node: { type: 'assert', kind: 'textStart' } };
        }
        if (letter === 0x7a /* z */) {
          this.pos++;
          return { node: { type: 'assert', kind: 'textEnd' } };
        }
        if (letter === 0x62 /* b */ || letter === 0x42 /* B */) {
          this.pos++;
          return { node: { type: 'assert', kind: letter === 0x62 ? 'wordBoundary' : 'notWordBoundary' } };
        }
        return charNode(this.parseEscape(false));
      }
      case 0x2a:
      case 0x2b:
      case 0x3f:
        return this.fail('missing argument to repetition operator');
      case undefined:
        return this.fail('unexpected end of pattern');
      default:
        return charNode((c) => c === cp);
    }
  }

  private parseGroup(flags: Flags): { node: RegexNode } | { flags: Flags } {
    let inner = flags;
    if (this.eat('?')) {
      if (this.eat('P') || this.peek() === 0x3c /* < */) {
        if (!this.eat('<')) this.fail('invalid named capture');
        while (this.peek() !== undefined && this.peek() !== 0x3e /* > */) this.pos++;
        if (!this.eat('>')) this.fail('invalid named capture');
      } else {
        let on = true;
        let ignoreCase = flags.ignoreCase;
        let dotAll = flags.dotAll;
        let multiLine = flags.multiLine;
        for (;;) {
          const cp = this.peek();
          this.pos++;
          if (cp === 0x69 /* i */) ignoreCase = on;
          else if (cp === 0x73 /* s */) dotAll = on;
          else if (cp === 0x6d /* m */) multiLine = on;
          else if (cp === 0x55 /* U */) { /* ungreedy: no effect on whether a match exists */ }
          else if (cp === 0x2d /* - */ && on) on = false;
          else if (cp === 0x29 /* ) */) return { flags: { ignoreCase, dotAll, multiLine } };
          else if (cp === 0x3a /* : */) {
            inner = { ignoreCase, dotAll, multiLine };
            break;
          } else this.fail('invalid or unsupported group flags (lookaround is not supported)');
        }
      }
    }
    const node = this.parseAlternation(inner);
    if (!this.eat(')')) this.fail('missing )');
    return { node };
  }

  private parseClass(): CharTest {
    const negated = this.eat('^');
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const cp = this.peek();
      if (cp === undefined) this.fail('missing ]');
      if (cp === 0x5d /* ] */ && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (cp === 0x5b /* [ */ && this.peek(1) === 0x3a /* : */) {
        const rest = String.fromCodePoint(...this.chars.slice(this.pos, this.pos + 12));
        const match = /^\[:(\^?)([a-z]+):\]/.exec(rest);
        const posix = match === null ? undefined : posixClasses[match[2] ?? ''];
        if (match === null || posix === undefined) this.fail('invalid character class');
        this.pos += match[0].length;
        tests.push(match[1] === '^' ? negate(posix) : posix);
        continue;
      }
      const low = this.classChar();
      if (typeof low !== 'number') {
        tests.push(low);
        continue;
      }
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== 0x5d && this.peek(1) !== undefined) {
        this.pos++;
        const high = this.classChar();
        if (typeof high !== 'number' || high < low) this.fail('invalid character class range');
        tests.push((c) => c >= low && c <= high);
      } else {
        tests.push((c) => c === low);
      }
    }
    const any: CharTest = (c) => tests.some((test) => test(c));
    return negated ? negate(any) : any;
  }

  /** A single character inside a class, or a class escape such as `\d`. */
  private classChar(): number | CharTest {
    const cp = this.peek();
    this.pos++;
    if (cp === 0x5c /* \ */) {
      const letter = this.peek();
      if (letter !== undefined && 'dDwWsSpP'.includes(String.fromCodePoint(letter))) return this.parseEscape(true);
      // Every other escape is one literal character, which `literal` recorded.
      this.parseEscape(true);
      return this.escapedCodePoint;
    }
    return cp ?? this.fail('missing ]');
  }

  /** Code point of the last literal escape (`\n`, `\.`, `\x{263a}`), for class ranges. */
  private escapedCodePoint = 0;

  private parseEscape(inClass: boolean): CharTest {
    const cp = this.peek();
    this.pos++;
    if (cp === undefined) this.fail('trailing backslash');
    const letter = String.fromCodePoint(cp);
    switch (letter) {
      case 'd': return isDigitChar;
      case 'D': return negate(isDigitChar);
      case 'w': return isWordChar;
      case 'W': return negate(isWordChar);
      case 's': return isSpaceChar;
      case 'S': return negate(isSpaceChar);
      case 'p':
      case 'P': {
        let name: string;
        if (this.eat('{')) {
          const start = this.pos;
          while (this.peek() !== undefined && this.peek() !== 0x7d /* } */) this.pos++;
          name = String.fromCodePoint(...this.chars.slice(start, this.pos));
          if (!this.eat('}')) this.fail('invalid character class');
        } else {
          const next = this.peek();
          if (next === undefined) this.fail('invalid character class');
          this.pos++;
          name = String.fromCodePoint(next);
        }
        const test = unicodeClass(name);
        return letter === 'P' ? negate(test) : test;
      }
      case 'n': return this.literal(0x0a);
      case 't': return this.literal(0x09);
      case 'r': return this.literal(0x0d);
      case 'f': return this.literal(0x0c);
      case 'v': return this.literal(0x0b);
      case 'a': return this.literal(0x07);
      case 'x': {
        let hex: string;
        if (this.eat('{')) {
          const start = this.pos;
          while (this.peek() !== undefined && this.peek() !== 0x7d) this.pos++;
          hex = String.fromCodePoint(...this.chars.slice(start, this.pos));
          if (!this.eat('}')) this.fail('invalid escape');
        } else {
          hex = String.fromCodePoint(...this.chars.slice(this.pos, this.pos + 2));
          this.pos += 2;
        }
        const value = /^[0-9a-fA-F]{1,8}$/.test(hex) ? parseInt(hex, 16) : Number.NaN;
        if (Number.isNaN(value) || value > 0x10ffff) this.fail('invalid escape');
        return this.literal(value);
      }
      default:
        // Punctuation escapes itself; letters and digits are reserved, as in RE2.
        if (/[\p{L}\p{N}]/u.test(letter)) this.fail(`invalid escape \\${letter}${inClass ? ' in class' : ''}`);
        return this.literal(cp);
    }
  }

  private literal(codePoint: number): CharTest {
    this.escapedCodePoint = codePoint;
    return (c) => c === codePoint;
  }
}

class Compiler {
  readonly program: Instruction[] = [];

  private emit(instruction: Instruction): number {
    if (this.program.length >= maxProgram) {
      throw new EvalFault(`invalid regular expression: pattern is too large (more than ${maxProgram} instructions)`);
    }
    this.program.push(instruction);
    return this.program.length - 1;
  }

  private patch(at: number, instruction: Instruction): void {
    this.program[at] = instruction;
  }

  compile(node: RegexNode): void {
    switch (node.type) {
      case 'empty':
        return;
      case 'char':
        this.emit({ op: 'char', test: node.test });
        return;
      case 'assert':
        this.emit({ op: 'assert', kind: node.kind });
        return;
      case 'concat':
        for (const part of node.parts) this.compile(part);
        return;
      case 'alternate': {
        const jumps: number[] = [];
        node.options.forEach((option, index) => {
          if (index === node.options.length - 1) {
            this.compile(option);
            return;
          }
          const split = this.emit({ op: 'jump', to: -1 });
          this.compile(option);
          jumps.push(this.emit({ op: 'jump', to: -1 }));
          this.patch(split, { op: 'split', first: split + 1, second: this.program.length });
        });
        for (const jump of jumps) this.patch(jump, { op: 'jump', to: this.program.length });
        return;
      }
      case 'repeat': {
        for (let i = 0; i < node.min; i++) this.compile(node.node);
        if (node.max === Infinity) {
          const split = this.emit({ op: 'jump', to: -1 });
          this.compile(node.node);
          this.emit({ op: 'jump', to: split });
          this.patch(split, { op: 'split', first: split + 1, second: this.program.length });
          return;
        }
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          splits.push(this.emit({ op: 'jump', to: -1 }));
          this.compile(node.node);
        }
        for (const split of splits) this.patch(split, { op: 'split', first: split + 1, second: this.program.length });
        return;
      }
    }
  }
}

function compilePattern(pattern: string): readonly Instruction[] {
  const compiler = new Compiler();
  compiler.compile(new RegexParser(pattern).parse());
  compiler.program.push({ op: 'match' });
  return compiler.program;
}

const programFor = boundedMemo(128, compilePattern);

function assertionHolds(kind: AssertKind, previous: number | undefined, next: number | undefined): boolean {
  switch (kind) {
    case 'textStart':
      return previous === undefined;
    case 'textEnd':
      return next === undefined;
    case 'lineStart':
      return previous === undefined || previous === 0x0a;
    case 'lineEnd':
      return next === undefined || next === 0x0a;
    case 'wordBoundary':
    case 'notWordBoundary': {
      const boundary = (previous !== undefined && isWordChar(previous)) !== (next !== undefined && isWordChar(next));
      return kind === 'wordBoundary' ? boundary : !boundary;
    }
  }
}

/**
 * Whether `pattern` matches anywhere in `text`, as Go's regexp.MatchString. Each input character costs steps in
 * proportion to the threads alive, so the budget bounds the total work.
 */
export function regexMatches(pattern: string, text: string, budget: Budget): boolean {
  budget.chargeText(pattern.length);
  const program = programFor(pattern);
  const input = Array.from(text, (char) => char.codePointAt(0) ?? 0);
  // Generation marks keep each instruction at most once per position: this is what makes the run linear.
  const seen = new Int32Array(program.length).fill(-1);
  let current: number[] = [];
  let generation = 0;

  const addThread = (list: number[], start: number, previous: number | undefined, next: number | undefined): boolean => {
    const stack = [start];
    while (stack.length > 0) {
      const pc = stack.pop() ?? 0;
      if (seen[pc] === generation) continue;
      seen[pc] = generation;
      const instruction = program[pc];
      if (instruction === undefined) continue;
      switch (instruction.op) {
        case 'match':
          return true;
        case 'jump':
          stack.push(instruction.to);
          break;
        case 'split':
          stack.push(instruction.second, instruction.first);
          break;
        case 'assert':
          if (assertionHolds(instruction.kind, previous, next)) stack.push(pc + 1);
          break;
        case 'char':
          list.push(pc);
          break;
      }
    }
    return false;
  };

  for (let position = 0; position <= input.length; position++) {
    const previous = position === 0 ? undefined : input[position - 1];
    const next = input[position];
    // Unanchored search: a new attempt starts at every position.
    if (addThread(current, 0, previous, next)) return true;
    budget.charge(1 + Math.floor(current.length / 16));
    if (next === undefined) break;
    generation++;
    const following: number[] = [];
    const afterNext = input[position + 1];
    for (const pc of current) {
      const instruction = program[pc];
      if (instruction?.op === 'char' && instruction.test(next)) {
        if (addThread(following, pc + 1, next, afterNext)) return true;
      }
    }
    current = following;
  }
  return false;
}

// Calls and taint: a call's arguments, and which variables carry request input from where.

import { stringEnd, type Dialect } from './lex.js';

/** Argument text examined per call: enough for any real payload expression. */
export const ARG_WINDOW = 400;
/** Assignments followed per pattern: a real 256 KiB script has a few thousand. */
const MAX_WRITES = 20_000;

/** The top-level arguments of the call whose `(` is at `open`, within ARG_WINDOW characters. */
export function callArgs(code: string, open: number, dialect: Dialect): { text: string; list: string[] } {
  const limit = Math.min(code.length, open + ARG_WINDOW);
  const list: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < limit; i++) {
    const c = code[i]!;
    if (c === '"' || (c === "'" && dialect !== 'vb') || c === '`') i = stringEnd(code, i, dialect !== 'vb', limit) - 1;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) {
        list.push(code.slice(start, i));
        return { text: code.slice(open + 1, i), list };
      }
    } else if (c === ',' && depth === 1) {
      list.push(code.slice(start, i));
      start = i + 1;
    }
  }
  // Cut off by the window (or the file): what there is still counts.
  list.push(code.slice(start, limit));
  return { text: code.slice(open + 1, limit), list };
}

export interface Language {
  /** Request input, tested on an expression. */
  source: RegExp;
  /** Calls and casts whose result carries nothing of the request (numbers, hashes, escaped args). */
  sanitized: RegExp;
  /** Variables referenced by an expression (global). */
  variable: RegExp;
  /** The target of an assignment, up to its `=` (global): 1 the variable. */
  assignment: RegExp;
  /** A call that adds to a collection, up to the start of its value (global): 1 the collection. */
  mutation?: RegExp;
  /** String literals, removed before variables are looked up so words inside them are not names. */
  strings?: RegExp;
  /** A bare reference, the whole of an expression: 1 the variable, 2 its subscripts. */
  reference?: RegExp;
  /** Variable names are case-insensitive (VBScript). */
  ignoreCase?: boolean;
}

/** A parenthesised argument list with one level of nested calls, bounded. */
export const balanced = String.raw`\([^()]{0,200}(?:\([^()]{0,200}\)[^()]{0,200}){0,3}\)`;

/**
 * Which variables carry request input, and from where in the file: assignments are read in
 * order, so `$x = $_POST['a']; … eval($x)` is tainted but `eval($x); $x = $_POST['a']` is not.
 */
export class Taint {
  /** Variable → the offset of the first assignment that gave it request input. */
  readonly request = new Map<string, number>();
  /** Variable → offsets and values of plain literal assignments. */
  readonly literals = new Map<string, Array<[number, string]>>();
  /** Variable → first offset it holds the output of a decoder. */
  readonly decoded = new Map<string, number>();
  /** Variable → first offset it holds a long encoded blob. */
  readonly blob = new Map<string, number>();
  /** Variable → first offset it holds a request value itself, not something built from one. */
  readonly exact = new Map<string, number>();
  /** Variable → first offset it is assigned at all. */
  readonly assigned = new Map<string, number>();

  constructor(
    private readonly lang: Language,
    code: string,
    decoder?: RegExp,
  ) {
    // Targets first; each value then runs to the `;`, the next write or ARG_WINDOW, whichever
    // comes first. Values never overlap, so the pass stays linear even on `a=a=a=…`.
    const writes = writesOf(code, lang.assignment, lang.mutation);
    let chain: string[] = [];
    // The next `;` at or after a write, searched again only once passed: linear overall.
    let semicolon = -1;
    for (let i = 0; i < writes.at.length; i++) {
      const [target, at, from] = [writes.target[i]!, writes.at[i]!, writes.from[i]!];
      const next = writes.at[i + 1] ?? code.length;
      const end = Math.max(from, Math.min(next, from + ARG_WINDOW));
      if (semicolon < from) {
        const found = code.indexOf(';', from);
        semicolon = found < 0 ? Infinity : found;
      }
      const rhs = code.slice(from, semicolon >= 0 && semicolon < end ? semicolon : end);
      chain.push(this.key(target));
      // `$a = $b = $_POST['x']`: every target of the chain gets the value.
      if (rhs.trim() === '' && end === next) continue;
      this.write(chain, rhs, at, decoder);
      chain = [];
    }
  }

  private write(targets: string[], rhs: string, at: number, decoder: RegExp | undefined): void {
    const literal = /^\s*(['"])([\w\\ ./-]{1,60})\1\s*$/.exec(rhs)?.[2];
    const carries = this.carries(rhs, at);
    const reference = this.lang.reference?.exec(rhs);
    const exact = carries && reference != null && this.chosen(reference[1]!, reference[2] ?? '', at);
    const decoded = decoder !== undefined && (decoder.test(rhs) || this.uses(rhs, at, this.decoded));
    const blob = /^\s*['"][A-Za-z0-9+/=\\\r\n]{200}/.test(rhs);
    const first = (map: Map<string, number>, t: string) => !map.has(t) && map.set(t, at);
    for (const t of targets) {
      first(this.assigned, t);
      if (carries) first(this.request, t);
      if (exact) first(this.exact, t);
      if (decoded) first(this.decoded, t);
      if (blob) first(this.blob, t);
      if (literal !== undefined) this.literals.set(t, [...(this.literals.get(t) ?? []), [at, literal]]);
    }
  }

  /** Whether an expression at offset `at` carries request input. */
  carries(expr: string, at: number): boolean {
    const clean = expr.replace(this.lang.sanitized, ' ');
    return this.lang.source.test(clean) || this.uses(clean, at, this.request);
  }

  /** Whether an expression refers to a variable of `set` that got there before `at`. */
  uses(expr: string, at: number, set: Map<string, number>): boolean {
    if (set.size === 0) return false;
    const names = this.lang.strings ? expr.replace(this.lang.strings, '""') : expr;
    for (const v of names.matchAll(this.lang.variable)) {
      const since = set.get(this.key(v[0]));
      if (since !== undefined && since < at) return true;
    }
    return false;
  }

  /** The literal last assigned to a variable before `at`. */
  literalOf(name: string, at: number): string | undefined {
    let value: string | undefined;
    for (const [pos, v] of this.literals.get(this.key(name)) ?? []) if (pos < at) value = v;
    return value;
  }

  /**
   * Whether a reference (`$f`, `$_GET['f']`, `$parts[0]`) is a value the request chose as is:
   * a request source, a variable holding one, or an element of a variable built from one.
   */
  chosen(base: string, subscript: string, at: number): boolean {
    if (this.lang.source.test(base + subscript)) return true;
    return ((subscript ? this.request : this.exact).get(this.key(base)) ?? Infinity) < at;
  }

  private readonly key = (name: string) => (this.lang.ignoreCase ? name.toLowerCase() : name);
}

/** Assignment targets as parallel arrays (no object per write: a hostile file has 80k of them). */
interface Writes {
  target: string[];
  /** Where the write starts, and where its value does. */
  at: number[];
  from: number[];
}

/** The writes two target regexes (group 1: the variable) find, in file order. */
function writesOf(text: string, ...patterns: Array<RegExp | undefined>): Writes {
  const found: Writes[] = patterns.map((re) => {
    const w: Writes = { target: [], at: [], from: [] };
    if (!re) return w;
    re.lastIndex = 0;
    for (let m = re.exec(text); m && w.at.length < MAX_WRITES; m = re.exec(text)) {
      w.target.push(m[1]!);
      w.at.push(m.index);
      w.from.push(re.lastIndex);
    }
    return w;
  });
  const [a, b] = found as [Writes, Writes];
  if (b.at.length === 0) return a;
  const out: Writes = { target: [], at: [], from: [] };
  const take = (w: Writes, k: number) => (out.target.push(w.target[k]!), out.at.push(w.at[k]!), out.from.push(w.from[k]!));
  let j = 0;
  for (let i = 0; i < a.at.length; i++) {
    while (j < b.at.length && b.at[j]! < a.at[i]!) take(b, j++);
    take(a, i);
  }
  while (j < b.at.length) take(b, j++);
  return out;
}

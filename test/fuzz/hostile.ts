// What the parser fuzz tests share: hostile values, mutations of real samples, and the checks
// every parser must pass whatever it is fed (no pollution, reasons fit for a terminal).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';

/** Generous enough for a GC pause on a loaded 2-core machine; a catastrophic backtrack takes seconds. */
const MAX_MS_PER_INPUT = 500;

export const fixture = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
export const projectFile = (path: string): Buffer => readFileSync(new URL(`../../${path}`, import.meta.url));

/** The lines of a text file that are not blank. */
export const linesOf = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

// Characters that break terminals, splitters and quoting: C0/C1 controls, ESC, bidi overrides,
// line separators, a BOM, lone surrogates, and the delimiters of the formats under test.
const NASTY_CHARS = [
  '\0', '\x07', '\x08', '\t', '\n', '\r', '\v', '\f', '\x1b', '\x1d', '\x7f', '\x85', '\x9b', '\u2028', '\u2029',
  '\u202e', '\ufeff', '\ufffd', '\ud800', '\udfff', '"', "'", '\\', '/', '=', ' ', ':', ',', '{', '}', '[', ']', '(',
  ')', '@', '%', '&', '*', '!', '#', '-', '?', '|', '>', '~',
];
const NASTY_SNIPPETS = [
  '\x1b[2J', '\x1b]0;owned\x07', '\x1b[31m', '\x1b[?1049h', '\r\n', '%s%n%x', '${x}', '{{x}}', '../../etc/passwd',
  '__proto__', 'constructor', 'prototype', '\ud83d\ude00', 'e\u0301', '\u0000\u0000', '<script>', "' OR 1=1 --",
];
/** Keys that pollute or shadow prototypes when a parser assigns them naively. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
/** Numbers where integer, safe-integer and float handling part ways, as their JSON text. */
const EDGE_NUMBERS = [
  '0', '-0', '-1', '1.5', '1e3', '2147483648', '4294967296', '9007199254740991', '9007199254740993', '-9007199254740993',
  '1e308', '1e309', '-1e309', '5e-324', '0.1e-400', '123456789012345678901234567890',
];

const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** Strings a parser should survive: any code point, control and markup runs, huge runs, edge texts. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  weighted(160, fc.string({ unit: 'binary', maxLength: 24 })),
  weighted(160, fc.string({ unit: fc.constantFrom(...NASTY_CHARS, ...NASTY_SNIPPETS), maxLength: 16 })),
  weighted(80, fc.constantFrom('', ...PROTO_KEYS, ...EDGE_NUMBERS, 'null', 'true', '(null)', 'NaN', 'Infinity')),
  // Rare, as they cost far more to parse than the rest: enough of them all the same.
  weighted(
    1,
    fc
      .tuple(fc.constantFrom('A', ' ', '\x1b', '\\', '"', '%', '\ud83d\ude00', '=', 'a b'), fc.integer({ min: 1_000, max: 70_000 }))
      .map(([unit, n]) => unit.repeat(n)),
  ),
);

/** Short hostile strings, for where a parser caps its input and long ones would only be cut. */
const shortHostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.string({ unit: fc.constantFrom(...NASTY_CHARS, ...NASTY_SNIPPETS), maxLength: 10 }),
  fc.constantFrom('', ...PROTO_KEYS, ...EDGE_NUMBERS),
);

// Deep nesting and edge numbers cannot be built as values (JSON.stringify overflows its stack,
// and `1e309` or `-0` would not survive it), so they travel as marker strings that `jsonText`
// replaces in the serialised text.
const DEEP_OPENERS = ['[', '{"a":', '{"__proto__":'];
const deepMarker = fc
  .tuple(fc.nat(DEEP_OPENERS.length - 1), fc.integer({ min: 100, max: 6_000 }))
  .map(([opener, depth]) => `\u0001deep${opener}x${depth}\u0001`);
const numberMarker = fc.nat(EDGE_NUMBERS.length - 1).map((i) => `\u0001number${i}\u0001`);
const MARKER = /"\\u0001(deep|number)(\d+)(?:x(\d+))?\\u0001"/g;

/** JSON text of a value, with its marker strings replaced by deep nesting or edge numbers. */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes('\\u0001')) return text;
  return text.replace(MARKER, (_, what: string, index: string, depth: string) => {
    if (what === 'number') return EDGE_NUMBERS[Number(index)]!;
    const opener = DEEP_OPENERS[Number(index)]!;
    const n = Number(depth);
    return opener.repeat(n) + '1' + (opener === '[' ? ']' : '}').repeat(n);
  });
}

/** JSON values of every type, hostile in their strings, keys and numbers. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    numberMarker,
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_KEYS), shortHostileString), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** What replaces a value inside a valid sample. */
export const replacement: fc.Arbitrary<unknown> = fc.oneof(weighted(300, hostileJson), weighted(1, deepMarker));

/** A structural change to a parsed JSON sample: at `path` (indices taken modulo what is there). */
type Edit =
  | { op: 'set'; path: number[]; value: unknown }
  | { op: 'delete'; path: number[] }
  | { op: 'add'; path: number[]; key: string; value: unknown }
  | { op: 'duplicate'; path: number[]; value: unknown };

const path = fc.array(fc.nat(), { minLength: 1, maxLength: 6 });
export const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.oneof(
    weighted(4, fc.record({ op: fc.constant('set' as const), path, value: replacement })),
    weighted(2, fc.record({ op: fc.constant('delete' as const), path })),
    weighted(1, fc.record({ op: fc.constant('add' as const), path, key: fc.oneof(fc.constantFrom(...PROTO_KEYS), shortHostileString), value: replacement })),
    weighted(1, fc.record({ op: fc.constant('duplicate' as const), path, value: replacement })),
  ),
  { minLength: 1, maxLength: 3 },
);

const DUPLICATE_MARKER = '\u0001dup\u0001';

/**
 * Applies edits to a JSON text's value and serialises it again. A duplicate key cannot live in an
 * object, so it is written as a marker key and renamed in the text: `{"a":1,"a":<value>}`.
 */
export function applyEdits(sampleText: string, list: readonly Edit[]): string {
  let root: unknown = JSON.parse(sampleText);
  const renames: string[] = [];
  for (const edit of list) {
    // Walk to the container that holds the target, choosing children by index modulo their count.
    let parent: unknown = undefined;
    let key: string | number | undefined;
    let at: unknown = root;
    for (const step of edit.path) {
      const children = childKeys(at);
      if (children.length === 0) break;
      parent = at;
      key = children[step % children.length]!;
      at = (at as Record<string | number, unknown>)[key];
    }
    if (parent === undefined || key === undefined) {
      if (edit.op === 'set') root = edit.value;
      continue;
    }
    const holder = parent as Record<string | number, unknown>;
    // defineProperty, not assignment: an own "__proto__" key must stay data here too.
    if (edit.op === 'set') Object.defineProperty(holder, key, { value: edit.value, enumerable: true, writable: true, configurable: true });
    else if (edit.op === 'delete') {
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else delete holder[key];
    } else if (edit.op === 'add' && !Array.isArray(holder)) {
      Object.defineProperty(holder, edit.key, { value: edit.value, enumerable: true, writable: true, configurable: true });
    } else if (edit.op === 'duplicate' && !Array.isArray(holder)) {
      const marker = `${DUPLICATE_MARKER}${renames.length}`;
      holder[marker] = edit.value;
      renames.push(String(key));
    }
  }
  let text = jsonText(root);
  renames.forEach((name, i) => {
    text = text.replace(JSON.stringify(`${DUPLICATE_MARKER}${i}`), JSON.stringify(name));
  });
  return text;
}

function childKeys(value: unknown): (string | number)[] {
  if (Array.isArray(value)) return value.map((_, i) => i);
  if (typeof value === 'object' && value !== null) return Object.keys(value);
  return [];
}

/**
 * `n` inputs for one file or one stream. A failure names the offending input itself, so the
 * counterexample prints as a summary rather than megabytes of generated lines.
 */
export function batch<T>(arbitrary: fc.Arbitrary<T>, n: number): fc.Arbitrary<T[]> {
  return fc
    .array(arbitrary, { minLength: n, maxLength: n })
    .map((items) => Object.assign(items, { [fc.toStringMethod]: () => `[${n} inputs: rerun with the seed and path above]` }));
}

/** A change to raw text or bytes, at a position taken modulo the length. An insert carries both forms. */
type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; text: string; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'truncate'; at: number };

// Byte sequences that are not UTF-8: stray continuation bytes, overlong forms, encoded
// surrogates, a sequence cut short, bytes that never occur.
const INVALID_UTF8 = [[0x80], [0xbf], [0xc0, 0x80], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xfe], [0xff]];

export const mutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 15 }) }),
    fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      text: shortHostileString,
      bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.constantFrom(...INVALID_UTF8).map((b) => Uint8Array.from(b))),
    }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), to: fc.nat() }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  ),
  { minLength: 1, maxLength: 4 },
);

/** Mutates text by UTF-16 code units, so a flip or cut can leave a lone surrogate. */
export function mutateText(text: string, list: readonly Mutation[]): string {
  let s = text;
  for (const m of list) {
    const at = m.at % (s.length + 1);
    switch (m.op) {
      case 'flip':
        if (s.length > 0) {
          const i = at % s.length;
          s = s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << m.bit)) + s.slice(i + 1);
        }
        break;
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.length);
        break;
      case 'duplicate': {
        const piece = s.slice(at, at + m.length);
        const to = m.to % (s.length + 1);
        s = s.slice(0, to) + piece + s.slice(to);
        break;
      }
      case 'truncate':
        s = s.slice(0, at);
        break;
    }
  }
  return s;
}

/** Mutates bytes, so a flip, an insert or a cut can leave invalid UTF-8. */
export function mutateBytes(bytes: Buffer, list: readonly Mutation[]): Buffer {
  let b = bytes;
  for (const m of list) {
    const at = m.at % (b.length + 1);
    switch (m.op) {
      case 'flip':
        if (b.length > 0) {
          b = Buffer.from(b);
          b[at % b.length]! ^= 1 << (m.bit % 8);
        }
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'duplicate': {
        const to = m.to % (b.length + 1);
        b = Buffer.concat([b.subarray(0, to), b.subarray(at, at + m.length), b.subarray(to)]);
        break;
      }
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

// What a terminal acts on or hides (as src/text/terminal-safe.ts escapes it): C0 (bar none: a
// reason is one line), DEL, C1, and the bidi marks, overrides and isolates.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A rejection reason fit to print and to count: non-empty, one line, nothing a terminal would act on, short. */
export function checkReason(reason: unknown, maxLength = 300): void {
  if (typeof reason !== 'string' || reason.trim() === '') fail('an empty reason', reason);
  if (CONTROL.test(reason)) fail('a reason with control characters', reason);
  if (reason.length > maxLength) fail(`a reason over ${maxLength} characters`, reason);
}

/** Fails the property with the offending value, cut to a readable length. */
export function fail(what: string, value?: unknown): never {
  throw new Error(value === undefined ? what : `${what}: ${JSON.stringify(value)?.slice(0, 400)}`);
}

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype];

/** Every property of the built-in prototypes, by identity: what prototype pollution would change. */
export function prototypeState(): unknown[] {
  return PROTOTYPES.map((proto) =>
    Reflect.ownKeys(proto).map((key) => {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      return [String(key), d.value, d.get, d.set, d.writable, d.enumerable];
    }),
  );
}

/** Runs `body` and fails if it took longer than the per-input bound; returns what it returned. */
export function timed<T>(body: () => T, bound = MAX_MS_PER_INPUT): T {
  const start = performance.now();
  const result = body();
  const ms = performance.now() - start;
  if (ms > bound) fail(`took ${Math.round(ms)} ms, over ${bound} ms`);
  return result;
}

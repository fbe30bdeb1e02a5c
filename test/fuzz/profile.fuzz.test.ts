// Fuzzes the profile loader (loadProfile): YAML an operator wrote, merged over the shipped default
// and validated. Inputs are the settings of profiles/default.yaml and the demo profiles, mutated
// as text or bytes; profiles generated with hostile keys and values, right or wrong in type; and
// YAML's own hazards (aliases, tags, merge keys, directives, several documents).
//
// loadProfile reads and parses the shipped default, and its signature file, on every call: 8 ms
// that are the same for every input. So that 100 000 inputs fit the time budget, files are served
// from memory and the shipped YAML is parsed once (the fuzzed profile is parsed afresh every
// time), and the bulk of the inputs merge over a default with the real keys but empty lists, which
// validates in a fraction of the time; 2 000 more merge over the real default and signatures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { LineCounter } from 'yaml';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadProfile, ProfileError } from '../../src/profile/load.js';
import { batch, checkReason, fail, hostileJson, hostileString, jsonText, mutateBytes, mutateText, mutations, PROTO_KEYS, prototypeState } from './hostile.js';

/** Files loadProfile reads, by absolute path, as bytes (decoded as readFile decodes them). */
const files = vi.hoisted(() => new Map<string, Buffer>());
/** YAML texts parsed once: the shipped files, which every call reads. */
const parsedOnce = vi.hoisted(() => new Set<string>());

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (path: unknown, options: unknown) => {
    const bytes = typeof path === 'string' ? files.get(path) : undefined;
    if (bytes === undefined) return (actual.readFile as (p: unknown, o: unknown) => Promise<unknown>)(path, options);
    return options === 'utf8' ? bytes.toString('utf8') : bytes;
  }) as typeof actual.readFile;
  // The loader looks at a file before reading it: a virtual file is a regular file of its size.
  const stat = (async (path: unknown, options: unknown) => {
    const bytes = typeof path === 'string' ? files.get(path) : undefined;
    if (bytes === undefined) return (actual.stat as (p: unknown, o: unknown) => Promise<unknown>)(path, options);
    return { isFile: () => true, size: bytes.length };
  }) as typeof actual.stat;
  return { ...actual, readFile, stat };
});

vi.mock('yaml', async (importOriginal) => {
  const yaml = await importOriginal<typeof import('yaml')>();
  const memo = new Map<string, { doc: ReturnType<typeof yaml.parseDocument>; lineStarts: number[] }>();
  const parseDocument = (text: string, options: { lineCounter: LineCounter; prettyErrors: boolean }) => {
    if (!parsedOnce.has(text)) return yaml.parseDocument(text, options);
    let parsed = memo.get(text);
    if (!parsed) {
      const lines = new yaml.LineCounter();
      parsed = { doc: yaml.parseDocument(text, { ...options, lineCounter: lines }), lineStarts: lines.lineStarts };
      memo.set(text, parsed);
    }
    // The caller's line counter learns the lines as if the text had been parsed again.
    for (const start of parsed.lineStarts) options.lineCounter.addNewLine(start);
    return parsed.doc;
  };
  return { ...yaml, parseDocument };
});

const projectPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const DEFAULT = projectPath('profiles/default.yaml');
const SIGNATURES = projectPath('profiles/signatures.yaml');
/** The fuzzed profile: beside the shipped ones, so that `signatureFiles: [signatures.yaml]` finds theirs. */
const USER = projectPath('profiles/fuzz-profile.yaml');

const defaultText = readFileSync(DEFAULT, 'utf8');
const signaturesText = readFileSync(SIGNATURES, 'utf8');
/** The default with every list and mapping emptied and no signature file: the same keys, validated fast. */
const emptiedDefault = JSON.stringify(parse(defaultText), (_key, value: unknown) => (Array.isArray(value) ? [] : value));

/**
 * Each setting of the default, with its comments and its section's key, is a valid user profile by
 * itself, and a small one (YAML parsing is most of the cost of an input).
 */
const settings = defaultText
  .split(/\n(?=[a-zA-Z])/)
  .flatMap((section) => {
    const [head, ...parts] = section.split(/\n(?=  [a-zA-Z])/);
    return parts.length === 0 ? [section] : parts.map((part) => `${head}\n${part}`);
  })
  .map((text) => `${text.trimEnd()}\n`);
const samples = [...settings, ...['demo', 'demo-web'].map((name) => readFileSync(projectPath(`recordings/${name}.profile.yaml`), 'utf8'))];
/** The samples mostly without their comment lines, which cost parsing time but change nothing a mutation reaches. */
const mutable = samples.map((sample, i) => (i % 4 === 0 ? sample : sample.replace(/^ *#.*\n/gm, '')));

/** A string as it survives the file (UTF-8), for values the loaded profile must hold exactly. */
const fileString = hostileString.filter((s) => s.length < 2000 && Buffer.from(s).toString('utf8') === s);
// zod drops a record's __proto__ key, rather than let it set the prototype of the record.
const key = fileString.filter((s) => s !== '__proto__');

/** Settings of the right types with hostile values, and what the loaded profile must then hold. */
const validProfile = fc
  .record(
    {
      blockedImages: fc.array(fileString, { maxLength: 4 }),
      enforce: fc.boolean(),
      processWhitelist: fc.dictionary(key, fc.array(fileString, { maxLength: 3 }), { maxKeys: 3 }),
      mounts: fc.record({ allow: fc.array(fileString, { maxLength: 3 }) }),
      files: fc.record({ contentLimitBytes: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), debounceMs: fc.nat() }),
      ransomware: fc.record({ minEntropy: fc.double({ min: 0, max: 8, noNaN: true }) }),
      malware: fc.record({ sha256: fc.array(fc.stringMatching(/^[0-9a-fA-F]{64}$/), { maxLength: 2 }) }),
      logs: fc.record({ webLoginPaths: fc.array(fileString, { maxLength: 3 }) }),
    },
    { requiredKeys: [] },
  )
  .chain((settings) => fc.boolean().map((block) => ({ text: block ? stringify(settings) : JSON.stringify(settings), settings })));

/** Anything at all under the profile's keys and under keys it does not have. */
const wrongProfile = fc
  .dictionary(
    fc.oneof(fc.constantFrom('blockedImages', 'enforce', 'mounts', 'logs', 'files', 'malware', 'highRiskCommands', 'namespaces', ...PROTO_KEYS), hostileString),
    hostileJson,
    { maxKeys: 4 },
  )
  .chain((value) => fc.boolean().map((block) => (block ? safeStringify(value) : jsonText(value))));

function safeStringify(value: unknown): string {
  try {
    return stringify(value);
  } catch {
    return JSON.stringify(value);
  }
}

// YAML's own hazards: alias expansion, tags the core schema lacks, merge keys, directives, several
// documents, complex keys, anchors on the wrong things, tabs, a BOM, NUL and other controls.
const yamlHazards = fc.constantFrom(
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
  'blockedImages: &x [a]\nmounts: {allow: *x, benign: *x}\n',
  'blockedImages: *nothing\n',
  'enforce: !!binary aGVsbG8=\n',
  'blockedImages: !!set {a, b}\n',
  'processWhitelist: !!omap [a: [b]]\n',
  'enforce: !!timestamp 2001-12-14\n',
  'enforce: !js/function "function(){}"\n',
  'enforce: !<tag:example.com,2000:x> 1\n',
  '%YAML 1.1\n---\nenforce: yes\n',
  '%TAG ! tag:example.com,2000:\n---\nenforce: !x 1\n',
  '---\nenforce: true\n---\nenforce: false\n',
  '<<: {enforce: true}\n',
  '? [a, b]\n: c\n',
  '? {a: b}\n: c\nprocessWhitelist: {[x]: [y]}\n',
  'mounts:\n\tallow: []\n',
  '\ufeffenforce: true\r\nblockedImages: [a]\r\n',
  'enforce: true\0\n',
  'blockedImages: ["\\x1b[2J", "\\u202e", "\\0"]\n',
  '"\\x1b[2J": 1\n"a\\nb": 2\n',
  'blockedImages:\n- a\n - b\n',
  'processWhitelist:\n  __proto__: [x]\n  constructor: [y]\n',
  'constructor:\n  prototype:\n    polluted: true\n',
  '__proto__:\n  polluted: true\n',
  'malware: {signatureFiles: [missing.yaml, "", ".", "../profiles"]}\n',
  'files: {contentLimitBytes: 1e999, hashLimitBytes: -0, debounceMs: 0x10, maxFilesPerSecond: .inf}\n',
  '',
  '# only a comment\n',
  '[a, b]\n',
  'just a string\n',
  '42\n',
);

const input: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...samples).map((s) => Buffer.from(s)) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...mutable), mutations).map(([s, list]) => Buffer.from(mutateText(s, list))) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...mutable), mutations).map(([s, list]) => mutateBytes(Buffer.from(s), list)) },
  { weight: 1, arbitrary: validProfile.map(({ text }) => Buffer.from(text)) },
  { weight: 2, arbitrary: wrongProfile.map((text) => Buffer.from(text)) },
  { weight: 1, arbitrary: yamlHazards.map((text) => Buffer.from(text)) },
  { weight: 1, arbitrary: fc.tuple(yamlHazards, mutations).map(([text, list]) => Buffer.from(mutateText(text, list))) },
);

/** Loads the given bytes as the operator's profile; what it resolved to, or the error. */
async function load(bytes: Buffer): Promise<unknown> {
  files.set(USER, bytes);
  const started = performance.now();
  const result = await loadProfile(USER).catch((err: unknown) => err);
  if (performance.now() - started > 2000) fail(`took ${Math.round(performance.now() - started)} ms`, bytes.toString('utf8').slice(0, 200));
  return result;
}

const lineCount = (path: string) => (files.get(path)?.toString('utf8').split('\n').length ?? 0) + 1;

/**
 * What the loader may throw: a ProfileError, one problem a line, each naming the file (and its
 * line, within the file) or the file it cannot read, with a reason fit to print.
 */
function checkError(err: unknown, bytes: Buffer): void {
  if (!(err instanceof ProfileError)) fail(`threw ${String(err)}`, bytes.toString('utf8').slice(0, 200));
  if (err.problems.length === 0 || err.message !== err.problems.join('\n')) fail('a ProfileError without its problems', err.message);
  for (const problem of err.problems) {
    const at = /^(\/[^:]+?):(?:(\d+):)? (.+)$/s.exec(problem);
    const unreadable = /^cannot read (?:profile|signature file) (.+)$/s.exec(problem);
    if (!at && !unreadable) fail('a problem naming no file', problem);
    if (at?.[2] !== undefined && (Number(at[2]) < 1 || Number(at[2]) > lineCount(at[1]!))) fail('a problem at a line outside its file', problem);
    checkReason(problem, 400);
    // A reason that contradicts itself is no reason.
    if (/must be an? (\w+), got \1\b/.test(problem)) fail('a problem naming the same kind twice', problem);
  }
}

describe('profile loader', () => {
  const before = prototypeState();
  beforeAll(() => {
    files.set(SIGNATURES, Buffer.from(signaturesText));
    parsedOnce.add(defaultText).add(signaturesText).add(emptiedDefault);
    // yaml warns through process.emitWarning (of a collection used as a key): not printed here.
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
    expect(prototypeState()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the settings of the default and the demo profiles all load', async () => {
    files.set(DEFAULT, Buffer.from(defaultText));
    for (const sample of samples) expect(await load(Buffer.from(sample))).not.toBeInstanceOf(Error);
  });

  // Found by the fuzzing: problems quoted keys, values and YAML's excerpts raw (terminal escapes,
  // line breaks that split one problem into forged ones), and an excerpt could be the whole file.
  it('problems quote the file escaped and cut', async () => {
    files.set(DEFAULT, Buffer.from(emptiedDefault));
    const problems = async (text: string) => ((await load(Buffer.from(text))) as ProfileError).problems;
    expect(await problems('"\\e[2J\\nvigil: forged": 1\n')).toEqual([`${USER}:1: unknown key '\\x1b[2J\\x0avigil: forged'`]);
    expect(await problems('logs: {files: [{path: /x, service: "\\e]0;owned\\a"}]}\n')).toEqual([
      `${USER}:1: 'logs.files[0].service' must be one of ssh, web, mysql, postgresql, redis, mongodb, got '\\x1b]0;owned\\x07'`,
    ]);
    // yaml quotes the rest of this file as the unexpected token.
    const excerpts = await problems(`capabilities:\ufffd\n  # c\n  default:\n    - A\n"   - B\n${'    - C\n'.repeat(500)}`);
    expect(excerpts.some((p) => p.includes('…(+'))).toBe(true);
    expect(Math.max(...excerpts.map((p) => p.length))).toBeLessThan(USER.length + 250);
  });

  // Found by the fuzzing: a value YAML's tags made (a Map, a Set, bytes) was called a mapping:
  // "'processWhitelist' must be a mapping, got mapping".
  it('a tagged value is named by its tag', async () => {
    files.set(DEFAULT, Buffer.from(emptiedDefault));
    const problems = async (text: string) => ((await load(Buffer.from(text))) as ProfileError).problems;
    expect(await problems('processWhitelist: !!omap [a: [b]]\nenforce: !!binary aGVsbG8=\n')).toEqual([
      `${USER}:1: 'processWhitelist' must be a mapping, got omap`,
      `${USER}:2: 'enforce' must be a boolean, got binary`,
    ]);
    expect(await problems('!!set {a, b}\n')).toEqual([`${USER}:1: a profile must be a mapping of settings, got set`]);
  });

  it('100 000 mutated and generated profiles: a profile, or a ProfileError naming file and line', async () => {
    files.set(DEFAULT, Buffer.from(emptiedDefault));
    await fc.assert(
      fc.asyncProperty(batch(input, 100), async (inputs) => {
        for (const bytes of inputs) {
          const result = await load(bytes);
          if (result instanceof Error) checkError(result, bytes);
        }
      }),
      { numRuns: 1000, seed: 0x9f1_0001, endOnFailure: true },
    );
  }, 120_000);

  it('2 000 mutated and generated profiles over the real default and signatures; valid settings loaded as written', async () => {
    files.set(DEFAULT, Buffer.from(defaultText));
    await fc.assert(
      fc.asyncProperty(fc.oneof(input.map((bytes) => ({ bytes, settings: undefined })), validProfile.map(({ text, settings }) => ({ bytes: Buffer.from(text), settings }))), async ({ bytes, settings }) => {
        const result = await load(bytes);
        if (result instanceof Error) {
          if (settings) fail(`valid settings refused: ${result.message}`, bytes.toString('utf8'));
          checkError(result, bytes);
        } else if (settings) {
          expect(result).toMatchObject(settings);
        }
      }),
      { numRuns: 2000, seed: 0x9f1_0002 },
    );
  }, 120_000);
});

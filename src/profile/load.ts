// Loads the shipped default profile and merges an operator's profile over it.
// Every problem is reported as `<file>:<line>: <what>` so it can be fixed without guessing.
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { LineCounter, isMap, isNode, isSeq, isScalar, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { profileSchema, type Profile } from '../engine/profile.js';
import { signatureFileSchema, type Signature } from '../engine/signatures.js';
import { packageFile } from '../runtime/package-files.js';
import { terminalSafe } from '../text/terminal-safe.js';

// Two levels up from both src/profile/load.ts and dist/profile/load.js is the package root.
const defaultProfileFile = packageFile('profiles', 'default.yaml');

/** A profile that cannot be used; `message` has one `<file>:<line>: <what>` line per problem. */
export class ProfileError extends Error {
  override name = 'ProfileError';
  readonly problems: string[];
  constructor(problems: string[]) {
    // Problems quote the files (keys, values, paths, YAML's excerpts): made safe to print.
    const safe = problems.map((problem) => terminalSafe(problem));
    super(safe.join('\n'));
    this.problems = safe;
  }
}

type Path = readonly PropertyKey[];

/** A parsed profile file, kept with its YAML nodes so problems can be traced to lines. */
interface Source {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  value: Record<string, unknown>;
}

// The same schema with every key optional at every level, still strict about unknown keys
// and types: a user profile only states what it changes.
function deepPartial(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject)) return schema;
  const shape = Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, value]) => [key, deepPartial(value).optional()]),
  );
  // extend keeps the object's strictness; it only replaces the listed keys.
  return schema.extend(shape);
}

const userProfileSchema = deepPartial(profileSchema);

/**
 * Loads profiles/default.yaml and, when `userPath` is given, merges that profile over it:
 * mappings merge key by key, lists and scalars replace. Throws ProfileError.
 */
export async function loadProfile(userPath?: string): Promise<Profile> {
  const base = await readProfile(defaultProfileFile);
  let merged: unknown = resolveSignatureFiles(base);
  if (userPath !== undefined) {
    const user = await readProfile(userPath);
    // Validated on its own first, so line numbers refer to the user's file.
    check(userProfileSchema, user);
    merged = merge(merged, resolveSignatureFiles(user));
  }
  // A user profile valid on its own cannot break the merge, so any problem left is in the default.
  const settings = check(profileSchema, { ...base, value: merged as Record<string, unknown> });
  const signatures: Signature[] = [];
  for (const file of settings.malware.signatureFiles) {
    signatures.push(...check(signatureFileSchema, await readProfile(file, 'signature file')).signatures);
  }
  return { ...settings, signatures };
}

/** The profile's value with its signature files made absolute, relative to the profile itself. */
function resolveSignatureFiles(source: Source): Record<string, unknown> {
  const malware = source.value.malware;
  if (!isMapping(malware) || !Array.isArray(malware.signatureFiles)) return source.value;
  const files = malware.signatureFiles.map((f) => (typeof f === 'string' ? resolve(dirname(source.file), f) : f));
  return { ...source.value, malware: { ...malware, signatureFiles: files } };
}

/** Far beyond any profile or signature file; what is larger (a device, a log) is not one. */
const MAX_PROFILE_BYTES = 16 * 1024 * 1024;

async function readProfile(file: string, what = 'profile'): Promise<Source> {
  let text: string;
  try {
    text = await readBounded(file);
  } catch (err) {
    if (err instanceof ProfileError) throw new ProfileError([`${what} ${file}: ${err.problems[0]}`]);
    throw new ProfileError([`cannot read ${what} ${file}: ${describeSystemError(err)}`]);
  }
  const lines = new LineCounter();
  // Plain messages: the file and line are added here, prettyErrors would add a code excerpt.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ProfileError(
      // yaml quotes the offending text, which can be the rest of the file.
      doc.errors.map((e) => `${file}:${lines.linePos(e.pos[0]).line}: YAML syntax error: ${terminalSafe(e.message, 160)}`),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    // toJS refuses documents that expand aliases excessively (a resource-exhaustion guard).
    throw new ProfileError([`${file}: YAML error: ${(err as Error).message}`]);
  }
  // An empty file (or one with only comments) overrides nothing.
  if (value === null) return { file, doc, lines, value: {} };
  if (!isMapping(value)) {
    const line = doc.contents ? lineAt(lines, doc.contents.range[0]) : 1;
    throw new ProfileError([`${file}:${line}: a ${what} must be a mapping of settings, got ${kindOf(value)}`]);
  }
  return { file, doc, lines, value };
}

/** The file's text, if it is a regular file of a profile's size (not a device, FIFO or huge log). */
async function readBounded(file: string): Promise<string> {
  const info = await stat(file);
  if (!info.isFile()) throw new ProfileError(['not a regular file']);
  if (info.size > MAX_PROFILE_BYTES) throw new ProfileError([`larger than ${MAX_PROFILE_BYTES / 1024 / 1024} MiB: not a profile`]);
  return readFile(file, 'utf8');
}

function describeSystemError(err: unknown): string {
  const { code, errno } = err as NodeJS.ErrnoException;
  // errno maps to the OS's plain description, e.g. "no such file or directory".
  const reason = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
  if (reason !== undefined && code !== undefined) return `${reason} (${code})`;
  return code ?? (err as Error).message;
}

// A plain mapping: tags make other objects of YAML (a Map of !!omap, a Set of !!set, bytes of !!binary).
function isMapping(value: unknown): value is Record<string, unknown> {
  return kindOf(value) === 'mapping';
}

// Builds new objects with Object.fromEntries so a '__proto__' key stays an ordinary key.
function merge(base: unknown, override: unknown): unknown {
  if (!isMapping(base) || !isMapping(override)) return override;
  const keys = new Set([...Object.keys(base), ...Object.keys(override)]);
  return Object.fromEntries(
    [...keys].map((key) => [
      key,
      !Object.hasOwn(override, key)
        ? base[key]
        : Object.hasOwn(base, key)
          ? merge(base[key], override[key])
          : override[key],
    ]),
  );
}

function check<T>(schema: z.ZodType<T>, source: Source): T {
  // reportInput puts the offending value in each issue, for "got <kind>".
  const result = schema.safeParse(source.value, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, source, schema));
  // Zod reports in schema order; the file's order is easier to work through.
  problems.sort((a, b) => a.line - b.line);
  throw new ProfileError(problems.map((p) => `${source.file}:${p.line}: ${p.text}`));
}

function describeIssue(issue: z.core.$ZodIssue, source: Source, root: z.ZodType): Array<{ line: number; text: string }> {
  const at = (path: Path, text: string) => ({ line: lineOf(source, path), text });
  const name = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...issue.path, key], `unknown key '${formatPath([...issue.path, key])}'`));
    case 'invalid_type':
      // Only the default profile can lack a key: the user profile's keys are all optional.
      if (issue.input === undefined) return [at(issue.path, `'${name}' is missing`)];
      return [at(issue.path, `'${name}' must be ${expectedAt(root, issue.path, issue.expected)}, got ${kindOf(issue.input)}`)];
    case 'invalid_value':
      return [at(issue.path, `'${name}' must be one of ${issue.values.join(', ')}, got ${show(issue.input)}`)];
    default:
      return [at(issue.path, `'${name}': ${issue.message}`)];
  }
}

/** `mounts.allow[2]`: keys dotted, list positions in brackets; a key as the file has it, made safe to print. */
function formatPath(path: Path): string {
  return path
    .map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : `${i > 0 ? '.' : ''}${terminalSafe(String(seg), 60)}`))
    .join('');
}

// Article and plural form of each kind of schema node the profile uses.
const nouns: Record<string, [one: string, many: string]> = {
  string: ['a string', 'strings'],
  boolean: ['a boolean', 'booleans'],
  object: ['a mapping', 'mappings'],
  record: ['a mapping', 'mappings'],
  array: ['a list', 'lists'],
};

// Looks the schema up rather than trusting `expected` alone, to say "a list of strings".
function expectedAt(root: z.ZodType, path: Path, expected: string): string {
  let schema: z.ZodType | undefined = root;
  for (const seg of path) {
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<PropertyKey, z.ZodType>)[seg];
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else schema = undefined;
    // A user profile's keys are all optional.
    if (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  }
  if (schema instanceof z.ZodArray) {
    return `a list of ${nouns[(schema.element as z.ZodType).def.type]?.[1] ?? 'items'}`;
  }
  return nouns[expected]?.[0] ?? expected;
}

/** The YAML name of a value's kind; a tag such as !!set or !!binary makes a kind of its own. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map) return 'omap';
  if (value instanceof Set) return 'set';
  if (value instanceof Uint8Array) return 'binary';
  if (value instanceof Date) return 'timestamp';
  return typeof value === 'object' ? 'mapping' : typeof value;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${terminalSafe(value, 60)}'` : kindOf(value);
}

// A mapping member is reported at its key, a list item at the item; a path the document
// cannot resolve (e.g. a numeric YAML key) falls back to its nearest resolvable parent.
function lineOf(source: Source, path: Path): number {
  if (path.length === 0) return source.doc.contents ? lineAt(source.lines, source.doc.contents.range[0]) : 1;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = parentPath.length === 0 ? source.doc.contents : source.doc.getIn(parentPath, true);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    if (pair && isNode(pair.key) && pair.key.range) return lineAt(source.lines, pair.key.range[0]);
  } else if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last];
    if (isNode(item) && item.range) return lineAt(source.lines, item.range[0]);
  }
  return lineOf(source, parentPath);
}

function lineAt(lines: LineCounter, offset: number): number {
  return lines.linePos(offset).line;
}

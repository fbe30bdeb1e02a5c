// Facts about a container's accounts for user.illegal_account, from the texts of its account
// files. Each finding names one account:
//   cloned-root       uid 0 under a name other than root.
//   duplicate-uid     a uid other than 0 under a second name; the first name owns it. No
//                     official image (Debian, Alpine, busybox) shares a uid, so none is exempt.
//   hidden-name       empty, ending in `$`, holding control or invisible characters, or with
//                     leading or trailing whitespace.
//   passwd-shadow-mismatch (shadow known)
//                     a login account (shell not in noLoginShells) missing from shadow, or a
//                     shadow entry whose password is usable — set, or empty, which asks for no
//                     password at all — for a name passwd lacks. An empty password on an account
//                     present in both files is a weak account, not an illegal one: not a finding.
//   new-login-account (image passwd known)
//                     a login account the image's own /etc/passwd does not have.
// Evidence holds the passwd line (raw, line number, uid, shell) and, with the image passwd
// known, whether the image ships that very line (inImage). Files are untrusted: parsing is
// linear, never throws, and reads lines the way glibc or musl would, so odd spellings of a uid
// or name cannot hide an account.

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** 1-based line number. */
  line: number;
  raw: string;
}

export type AccountFindingKind = 'cloned-root' | 'duplicate-uid' | 'hidden-name' | 'passwd-shadow-mismatch' | 'new-login-account';

export interface AccountFinding {
  kind: AccountFindingKind;
  /** The name, as in the file. */
  account: string;
  summary: string;
  evidence: Record<string, unknown>;
}

/**
 * The entries glibc or musl would read. glibc wants name, password, uid and gid (missing fields
 * are empty, the shell is the rest of the line); musl wants all seven and starts the name's
 * colon search at its second character, so to musl a line starting with `:` names an account
 * `:…`. Lines starting with `#` count too (musl reads them); other lines are skipped.
 */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const entry = raw.startsWith(':')
      ? (parseLine(raw, raw.indexOf(':', 1), i + 1, [musl]) ?? parseLine(raw, 0, i + 1, [glibc]))
      : parseLine(raw, raw.indexOf(':'), i + 1, [glibc, musl]);
    if (entry) entries.push(entry);
  });
  return entries;
}

/** A C library's reading of a line's fields: uid and gid, or undefined when it skips the line. */
type Reader = (fields: readonly string[]) => [number, number] | undefined;

function parseLine(raw: string, nameEnd: number, line: number, readers: readonly Reader[]): PasswdEntry | undefined {
  if (nameEnd < 0) return undefined;
  const fields = [raw.slice(0, nameEnd)];
  let start = nameEnd + 1;
  while (fields.length < 6) {
    const end = raw.indexOf(':', start);
    if (end < 0) break;
    fields.push(raw.slice(start, end));
    start = end + 1;
  }
  fields.push(raw.slice(start));
  const readings = readers.map((read) => read(fields)).filter((ids) => ids !== undefined);
  // Where the libraries differ, the reading that makes the account root counts.
  const ids = readings.find(([uid]) => uid === 0) ?? readings[0];
  if (!ids) return undefined;
  return { name: fields[0]!, uid: ids[0], gid: ids[1], home: fields[5] ?? '', shell: fields[6] ?? '', line, raw };
}

const readIds = (fields: readonly string[], minFields: number, id: (field: string) => number | undefined): [number, number] | undefined => {
  if (fields.length < minFields) return undefined;
  const uid = id(fields[2]!);
  const gid = id(fields[3]!);
  return uid === undefined || gid === undefined ? undefined : [uid, gid];
};

/** glibc: strtoul (leading blanks and a sign allowed, at least one digit), cut to 32 bits. */
const glibc: Reader = (fields) => readIds(fields, 4, (field) => {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(field);
  return m ? strtoul32(m[2]!, m[1] === '-') : undefined;
});

/** musl: digits only, an empty field is 0, wrapping at 2^32. */
const musl: Reader = (fields) => readIds(fields, 7, (field) => {
  let id = 0;
  for (let i = 0; i < field.length; i++) {
    const d = field.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    id = (id * 10 + d) % 2 ** 32;
  }
  return id;
});

/** strtoul of a digit string, cut to a 32-bit uid_t; an overflow reads ULONG_MAX. */
function strtoul32(digits: string, negative: boolean): number {
  if (digits.length <= 9 && !negative) return Number(digits);
  const significant = digits.replace(/^0+/, '');
  const value = significant.length > 20 ? 2n ** 64n : BigInt(significant || '0');
  if (value >= 2n ** 64n) return 2 ** 32 - 1;
  return Number(BigInt.asUintN(32, negative ? -value : value));
}

interface ShadowEntry {
  name: string;
  password: string;
  line: number;
}

/** Shadow entries, the first per name as getspnam reads them. */
function parseShadow(text: string): ShadowEntry[] {
  const entries = new Map<string, ShadowEntry>();
  text.split('\n').forEach((raw, i) => {
    const nameEnd = raw.indexOf(':');
    const name = raw.slice(0, nameEnd);
    if (nameEnd < 0 || entries.has(name)) return;
    const end = raw.indexOf(':', nameEnd + 1);
    entries.set(name, { name, password: raw.slice(nameEnd + 1, end < 0 ? undefined : end), line: i + 1 });
  });
  return [...entries.values()];
}

/** Shadow names and their (reduced) password fields. */
export function parseShadowNames(text: string): Map<string, string> {
  return new Map(parseShadow(text).map((e) => [e.name, e.password]));
}

/** What a reduced password field allows; `empty` asks for no password. */
function passwordState(field: string): 'empty' | 'locked' | 'set' {
  return field === '' ? 'empty' : field.startsWith('!') || field.startsWith('*') ? 'locked' : 'set';
}

/** Control characters, DEL, soft hyphen and the zero-width, joiner and bidi characters. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'g');

function hiddenReason(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (INVISIBLE.test(name)) return 'holds control or invisible characters';
  if (/\s/.test(name[0]!) || /\s/.test(name.at(-1)!)) return 'has leading or trailing whitespace';
  if (name.endsWith('$')) return 'ends in "$"';
  return undefined;
}

/** A name or shell in a summary: quoted, cut, its invisible characters made visible. */
function shown(text: string): string {
  const cut = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return JSON.stringify(cut).replace(INVISIBLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function accountFindings(
  files: { passwd: string; shadow: string | null; imagePasswd: string | null },
  noLoginShells: readonly string[],
): AccountFinding[] {
  const entries = parsePasswd(files.passwd);
  const noLogin = new Set(noLoginShells);
  const canLogIn = (e: PasswdEntry) => !noLogin.has(e.shell);
  const imageLines = files.imagePasswd === null ? undefined : new Set(files.imagePasswd.split('\n'));
  // Built without spreads: a hostile file can make hundreds of thousands of findings.
  const evidenceOf = (e: PasswdEntry, more?: Record<string, unknown>) => {
    const evidence: Record<string, unknown> = { line: e.line, raw: e.raw, uid: e.uid, shell: e.shell };
    if (imageLines) evidence.inImage = imageLines.has(e.raw);
    return Object.assign(evidence, more);
  };

  const findings: AccountFinding[] = [];
  const seen = new Map<AccountFindingKind, Set<string>>();
  const add = (kind: AccountFindingKind, account: string, summary: string, evidence: Record<string, unknown>) => {
    const names = seen.get(kind) ?? seen.set(kind, new Set()).get(kind)!;
    if (names.has(account)) return;
    names.add(account);
    findings.push({ kind, account, summary, evidence });
  };

  for (const e of entries) {
    if (e.uid === 0 && e.name !== 'root') add('cloned-root', e.name, `Account ${shown(e.name)} has uid 0, the uid of root.`, evidenceOf(e));
  }

  const owners = new Map<number, PasswdEntry>();
  for (const e of entries) {
    if (e.uid === 0) continue;
    const owner = owners.get(e.uid);
    if (!owner) owners.set(e.uid, e);
    else if (owner.name !== e.name) {
      add('duplicate-uid', e.name, `Account ${shown(e.name)} shares uid ${e.uid} with ${shown(owner.name)}.`, evidenceOf(e, {
        clones: owner.name,
        clonedLine: owner.line,
        clonedRaw: owner.raw,
      }));
    }
  }

  for (const e of entries) {
    const reason = hiddenReason(e.name);
    if (reason) add('hidden-name', e.name, `Account name ${shown(e.name)} ${reason}.`, evidenceOf(e, { reason }));
  }

  if (files.shadow !== null) {
    const shadow = parseShadow(files.shadow);
    const shadowNames = new Set(shadow.map((e) => e.name));
    for (const e of entries) {
      if (canLogIn(e) && !shadowNames.has(e.name)) {
        add('passwd-shadow-mismatch', e.name, `Login account ${shown(e.name)} (shell ${shown(e.shell)}) has no /etc/shadow entry.`, evidenceOf(e, { problem: 'no shadow entry' }));
      }
    }
    const names = new Set(entries.map((e) => e.name));
    for (const { name, password, line } of shadow) {
      const state = passwordState(password);
      if (names.has(name) || state === 'locked') continue;
      const what = state === 'empty' ? 'an empty password (none needed)' : 'a password';
      add('passwd-shadow-mismatch', name, `/etc/shadow holds ${what} for ${shown(name)}, which /etc/passwd lacks.`, {
        shadowLine: line,
        password: state,
        problem: 'no passwd entry',
      });
    }
  }

  if (files.imagePasswd !== null) {
    const imageNames = new Set(parsePasswd(files.imagePasswd).map((e) => e.name));
    for (const e of entries) {
      if (canLogIn(e) && !imageNames.has(e.name)) {
        add('new-login-account', e.name, `Login account ${shown(e.name)} (uid ${e.uid}, shell ${shown(e.shell)}) is not in the image's /etc/passwd.`, evidenceOf(e));
      }
    }
  }
  return findings;
}

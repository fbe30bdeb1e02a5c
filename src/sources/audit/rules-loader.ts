// Puts vigil's audit rules (profiles/audit.rules) into the kernel, or says why it cannot: not
// root, no auditd, auditing off, rules made immutable. Nothing here throws: the audit source
// reports the outcome as its state and vigil carries on with the other sources.
//
// Rules go in one auditctl call each, so a rule this host cannot take (a syscall its ABI lacks,
// a cgroup hierarchy it does not mount) is skipped and reported instead of failing the rest.
// Whether vigil's rules are already in place is decided by comparing `auditctl -l` with the file,
// both normalised the way auditctl prints rules back.
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface CommandResult {
  /** Exit code; -1 when the command could not be run at all (missing, timed out). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell. Injectable so tests can play auditctl. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<CommandResult>;

export interface AuditCommandOptions {
  run?: RunCommand;
}

export interface EnsureAuditRulesOptions extends AuditCommandOptions {
  /** The effective uid to decide on (default: this process's). */
  uid?: number;
}

export type AuditRulesState = 'loaded' | 'present' | 'unavailable';

export interface AuditRulesResult {
  state: AuditRulesState;
  reason: string;
  /** Rules (or syscall names of a rule) this host could not take, one note each. */
  skipped: string[];
}

/** What `auditctl -s` says, as far as vigil uses it: lost records are its health signal. */
export interface AuditStatus {
  /** 0 off, 1 on, 2 on and immutable (rules locked until reboot). */
  enabled: number;
  /** auditd's pid; 0 when no daemon is registered. */
  pid: number;
  lost: number;
  backlog: number;
}

const COMMAND_TIMEOUT_MS = 10_000;
const VIGIL_KEY_PREFIX = 'vigil_';

const runCommand: RunCommand = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ code: 0, stdout, stderr });
      // A non-zero exit carries a numeric code; spawn failures (ENOENT) and kills do not.
      const code = typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr: stderr || error.message });
    });
  });

/** Parses `auditctl -s`: the "key value" lines of audit 3.x and the one-line "key=value" form of 2.x. */
export function parseAuditStatus(text: string): AuditStatus | undefined {
  const values = new Map<string, number>();
  for (const m of text.matchAll(/(?:^|[\s,])(enabled|pid|lost|backlog)[=\s]+(\d+)/gm)) values.set(m[1]!, Number(m[2]));
  const enabled = values.get('enabled');
  const pid = values.get('pid');
  if (enabled === undefined || pid === undefined) return undefined;
  return { enabled, pid, lost: values.get('lost') ?? 0, backlog: values.get('backlog') ?? 0 };
}

/** The kernel's audit status, or undefined when auditctl cannot tell (missing, not permitted). */
export async function readAuditStatus(options: AuditCommandOptions = {}): Promise<AuditStatus | undefined> {
  const r = await (options.run ?? runCommand)('auditctl', ['-s']);
  return r.code === 0 ? parseAuditStatus(r.stdout) : undefined;
}

/** One rule as auditctl understands it, reduced to what identifies it in the kernel. */
interface ParsedRule {
  /** `list,action` (exit,always), or `watch` for -w rules. */
  kind: string;
  arch: string | undefined;
  /** Syscall names or numbers, as written. */
  syscalls: string[];
  /** Every other field, normalised; keys apart. */
  fields: string[];
  keys: string[];
}

interface FileRule {
  line: number;
  args: string[];
  rule: ParsedRule;
}

const fieldPattern = /^([a-z_0-9]+)(!=|<=|>=|&=|=|<|>|&)(.*)$/;

/** Syscall argument fields are numbers auditctl prints in hex (`a1&06000` comes back `a1&0xC00`). */
function normaliseField(name: string, op: string, value: string): string {
  if (/^a[0-3]$/.test(name) && /^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(value)) {
    const n = /^0x/i.test(value) ? parseInt(value, 16) : value.startsWith('0') ? parseInt(value, 8) : parseInt(value, 10);
    return `${name}${op}${n}`;
  }
  return `${name}${op}${value}`;
}

/** Permission letters come back in auditctl's order (rwxa) whatever order they were given in. */
function normalisePerm(perm: string): string {
  return [...'rwxa'].filter((c) => perm.includes(c)).join('');
}

/** Parses one rule's words; a string is the reason it is not a rule vigil may load. */
function parseRule(args: readonly string[]): ParsedRule | string {
  const rule: ParsedRule = { kind: '', arch: undefined, syscalls: [], fields: [], keys: [] };
  for (let i = 0; i < args.length; i += 2) {
    const opt = args[i]!;
    const value = args[i + 1];
    if (value === undefined) return `${opt} has no value`;
    switch (opt) {
      case '-a':
      case '-A': {
        const parts = value.split(',');
        const list = parts.find((p) => p !== 'always' && p !== 'never');
        const action = parts.find((p) => p === 'always' || p === 'never');
        if (parts.length !== 2 || !list || !action) return `bad list,action ${value}`;
        rule.kind = `${list},${action}`;
        break;
      }
      case '-w':
        rule.kind = 'watch';
        rule.fields.push(`path=${value}`);
        break;
      case '-p':
        rule.fields.push(`perm=${normalisePerm(value)}`);
        break;
      case '-S':
        rule.syscalls.push(...value.split(',').filter(Boolean));
        break;
      case '-k':
        rule.keys.push(value);
        break;
      case '-F':
      case '-C': {
        const m = fieldPattern.exec(value);
        if (!m) return `bad field ${value}`;
        const [, name = '', op = '', v = ''] = m;
        if (name === 'key' && op === '=') rule.keys.push(v);
        else if (name === 'arch' && op === '=') rule.arch = v;
        else if (name === 'perm') rule.fields.push(`perm=${normalisePerm(v)}`);
        else rule.fields.push(`${opt}${normaliseField(name, op, v)}`);
        break;
      }
      default:
        return `${opt} is not a rule option`;
    }
  }
  return rule.kind ? rule : 'neither -a nor -w';
}

/** A syscall's identity: its number when the ABI's table is known (names and numbers then agree). */
function syscallId(name: string, table: Map<string, number> | undefined): string {
  return /^\d+$/.test(name) ? name : String(table?.get(name) ?? name);
}

/** The rule as a comparable string: everything order-insensitive sorted, -A and -a alike. */
function ruleIdentity(rule: ParsedRule, tables: Map<string, Map<string, number> | undefined>): string {
  const table = tables.get(rule.arch ?? 'b64');
  const syscalls = [...new Set(rule.syscalls.map((s) => syscallId(s, table)))].sort();
  return JSON.stringify([rule.kind, rule.arch ?? '', syscalls, [...rule.fields].sort(), rule.keys]);
}

/** Reads the rules file: its rule lines, and a note for each line that is not one vigil loads. */
async function readRulesFile(path: string): Promise<{ rules: FileRule[]; skipped: string[] } | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return `cannot read audit rules ${path}: ${(err as Error).message}`;
  }
  const rules: FileRule[] = [];
  const skipped: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    // auditctl -R splits lines on blanks and knows no quoting; neither does this.
    const args = raw.trim().split(/\s+/).filter(Boolean);
    // -c and -i only steer how `auditctl -R` treats errors: meaningless line by line.
    if (args.length === 0 || args[0]!.startsWith('#') || (args.length === 1 && (args[0] === '-c' || args[0] === '-i'))) return;
    const rule = parseRule(args);
    if (typeof rule === 'string') skipped.push(`line ${line}: not loaded (${rule}): ${raw.trim()}`);
    else if (!rule.keys.some((k) => k.startsWith(VIGIL_KEY_PREFIX))) skipped.push(`line ${line}: not loaded (no vigil_ key): ${raw.trim()}`);
    else rules.push({ line, args, rule });
  });
  return { rules, skipped };
}

/** Splits `auditctl -l` output into rules, words kept (the "No rules" line and anything odd drop out). */
function parseListing(text: string): { args: string[]; rule: ParsedRule }[] {
  return text.split('\n').flatMap((l) => {
    const args = l.trim().split(/\s+/).filter(Boolean);
    const rule = parseRule(args);
    return typeof rule === 'string' ? [] : [{ args, rule }];
  });
}

/**
 * The syscall table auditctl uses for an arch, from `ausyscall <arch> --dump` (same package,
 * same tables). Undefined without ausyscall: names are then compared as written, and names the
 * ABI lacks are found when auditctl rejects them.
 */
async function syscallTable(run: RunCommand, arch: string): Promise<Map<string, number> | undefined> {
  const r = await run('ausyscall', [arch, '--dump']);
  if (r.code !== 0) return undefined;
  const table = new Map<string, number>();
  for (const m of r.stdout.matchAll(/^(\d+)\s+(\S+)$/gm)) table.set(m[2]!, Number(m[1]));
  return table.size > 0 ? table : undefined;
}

/** Drops the named syscalls from a rule's words; an emptied -S goes with its option. */
function withoutSyscalls(args: readonly string[], drop: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i + 1] ?? '';
    if (args[i] !== '-S') {
      out.push(args[i]!, value);
      continue;
    }
    const kept = value.split(',').filter((s) => s && !drop.has(s));
    if (kept.length > 0) out.push('-S', kept.join(','));
  }
  return out;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Adds one rule, dropping syscall names auditctl does not know for the arch until it takes it. */
async function addRule(run: RunCommand, rule: FileRule, skipped: string[]): Promise<'added' | 'exists' | 'failed'> {
  let args = rule.args;
  for (;;) {
    const r = await run('auditctl', args);
    if (r.code === 0) return 'added';
    const message = firstLine(r.stderr) || `auditctl exited ${r.code}`;
    if (/Rule exists/.test(message)) return 'exists';
    const unknown = /Syscall name unknown: (\S+)/.exec(message)?.[1];
    if (!unknown || !args.includes('-S')) {
      skipped.push(`line ${rule.line}: ${message}: ${args.join(' ')}`);
      return 'failed';
    }
    skipped.push(`line ${rule.line}: ${unknown} is not a syscall on ${rule.rule.arch ?? 'this arch'}: left out of the rule`);
    args = withoutSyscalls(args, new Set([unknown]));
    if (!args.includes('-S')) {
      skipped.push(`line ${rule.line}: no syscall left: rule skipped`);
      return 'failed';
    }
  }
}

/**
 * The rule as this host can take it, or undefined (with a note) when it cannot take it at all.
 * Decided before loading, as the kernel would, so that an immutable rule set holding everything
 * loadable still counts as present: syscall names the ABI lacks (when its table is known) are
 * dropped, and a watch whose directory does not exist (a cgroup hierarchy not mounted) is skipped.
 */
async function applicable(
  fileRule: FileRule,
  tables: Map<string, Map<string, number> | undefined>,
  skipped: string[],
): Promise<FileRule | undefined> {
  const { rule, line } = fileRule;
  if (rule.kind === 'watch') {
    const path = fileRule.args[fileRule.args.indexOf('-w') + 1] ?? '';
    const exists = await stat(dirname(path)).then(() => true, () => false);
    if (!exists) skipped.push(`line ${line}: ${dirname(path)} does not exist: watch on ${path} skipped`);
    return exists ? fileRule : undefined;
  }
  const table = tables.get(rule.arch ?? 'b64');
  const unknown = table ? rule.syscalls.filter((s) => !/^\d+$/.test(s) && !table.has(s)) : [];
  if (unknown.length === 0) return fileRule;
  for (const name of unknown) skipped.push(`line ${line}: ${name} is not a syscall on ${rule.arch ?? 'this arch'}: left out of the rule`);
  const args = withoutSyscalls(fileRule.args, new Set(unknown));
  if (!args.includes('-S')) {
    skipped.push(`line ${line}: no syscall left: rule skipped`);
    return undefined;
  }
  return { line, args, rule: { ...rule, syscalls: rule.syscalls.filter((s) => !unknown.includes(s)) } };
}

/** auditd's pid as the host sees it: vigil runs in the host's pid namespace. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal (not the case for root, but harmless).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes sure vigil's audit rules are loaded: 'present' when they already were, 'loaded' when
 * some had to be added, 'unavailable' (with the reason) when the kernel audit source cannot run.
 */
export async function ensureAuditRules(rulesFile: string, options: EnsureAuditRulesOptions = {}): Promise<AuditRulesResult> {
  const run = options.run ?? runCommand;
  const unavailable = (reason: string, skipped: string[] = []): AuditRulesResult => ({ state: 'unavailable', reason, skipped });

  const uid = options.uid ?? process.geteuid?.();
  if (uid !== 0) return unavailable('not running as root: kernel audit source off');

  const file = await readRulesFile(rulesFile);
  if (typeof file === 'string') return unavailable(file);
  const skipped = [...file.skipped];
  if (file.rules.length === 0) return unavailable(`no vigil audit rules in ${rulesFile}`, skipped);

  const statusRun = await run('auditctl', ['-s']);
  if (statusRun.code !== 0) return unavailable(`auditctl -s failed: ${firstLine(statusRun.stderr) || `exit ${statusRun.code}`}`, skipped);
  const status = parseAuditStatus(statusRun.stdout);
  if (!status) return unavailable(`auditctl -s: unrecognised output: ${firstLine(statusRun.stdout)}`, skipped);
  if (status.pid === 0) return unavailable('auditd is not running (auditctl -s: pid 0): the kernel has nowhere to send records', skipped);
  if (!isAlive(status.pid)) return unavailable(`auditd is not running (auditctl -s: pid ${status.pid}, no such process)`, skipped);
  if (status.enabled === 0) return unavailable('kernel auditing is disabled (auditctl -s: enabled 0)', skipped);

  const listRun = await run('auditctl', ['-l']);
  if (listRun.code !== 0) return unavailable(`auditctl -l failed: ${firstLine(listRun.stderr) || `exit ${listRun.code}`}`, skipped);
  const listed = parseListing(listRun.stdout).map((l) => l.rule);
  // A task,never rule denies every process an audit context: no syscall rule can ever fire.
  if (listed.some((r) => r.kind === 'task,never' && r.fields.length === 0)) {
    return unavailable('a "-a never,task" rule turns syscall auditing off for every process: vigil\'s rules would never fire', skipped);
  }

  const arches = [...new Set(file.rules.map((r) => r.rule.arch ?? 'b64'))];
  const tables = new Map(await Promise.all(arches.map(async (a) => [a, await syscallTable(run, a)] as const)));
  const present = new Set(listed.map((r) => ruleIdentity(r, tables)));

  const missing: FileRule[] = [];
  let alreadyPresent = 0;
  for (const fileRule of file.rules) {
    const rule = await applicable(fileRule, tables, skipped);
    if (!rule) continue;
    if (present.has(ruleIdentity(rule.rule, tables))) alreadyPresent++;
    else missing.push(rule);
  }

  if (missing.length === 0) return { state: 'present', reason: `vigil's ${alreadyPresent} audit rules are already loaded`, skipped };
  if (status.enabled === 2) return unavailable("audit rules are immutable (enabled 2) and vigil's rules are not loaded", skipped);

  let added = 0;
  for (const rule of missing) {
    const outcome = await addRule(run, rule, skipped);
    if (outcome === 'added') added++;
    else if (outcome === 'exists') alreadyPresent++;
  }
  if (added > 0) return { state: 'loaded', reason: `loaded ${added} vigil audit rules (${alreadyPresent} already present)`, skipped };
  if (alreadyPresent > 0) return { state: 'present', reason: `vigil's ${alreadyPresent} audit rules are already loaded`, skipped };
  return unavailable('auditctl refused every vigil audit rule', skipped);
}

/**
 * Deletes the rules whose keys are all vigil's (by default any `vigil_` key; tests pass their
 * own), each by its exact listing (`-d` for -a rules, `-W` for watches). Not `auditctl -D -k`:
 * that deletes every rule whose key merely contains the given one. Other rules stay.
 */
export async function removeVigilRules(
  options: AuditCommandOptions & { keys?: readonly string[] } = {},
): Promise<{ removed: number; errors: string[] }> {
  const run = options.run ?? runCommand;
  const listRun = await run('auditctl', ['-l']);
  if (listRun.code !== 0) return { removed: 0, errors: [`auditctl -l failed: ${firstLine(listRun.stderr)}`] };
  const wanted = (key: string) => (options.keys ? options.keys.includes(key) : key.startsWith(VIGIL_KEY_PREFIX));
  let removed = 0;
  const errors: string[] = [];
  for (const { args, rule } of parseListing(listRun.stdout)) {
    if (rule.keys.length === 0 || !rule.keys.every(wanted)) continue;
    const [opt, ...rest] = args;
    const r = await run('auditctl', [opt === '-w' ? '-W' : '-d', ...rest]);
    if (r.code === 0) removed++;
    else errors.push(`${args.join(' ')}: ${firstLine(r.stderr) || `auditctl exited ${r.code}`}`);
  }
  return { removed, errors };
}

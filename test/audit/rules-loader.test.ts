// The audit rules loader: status parsing on real `auditctl -s` output, every "unavailable" path
// through an injected command runner (no root or auditd needed), and, on a host with both, the
// real thing: load profiles/audit.rules, see it present, see a rule fire, remove it.
//
// The live part loads a copy of the rules whose keys are unique to this test run
// (vigil_t<pid>_exec, …) and removes exactly those: other tests, and other tools, may have vigil's
// own rules or theirs loaded at the same time, and the kernel takes a rule that differs only by key.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureAuditRules,
  parseAuditStatus,
  readAuditStatus,
  removeVigilRules,
  type CommandResult,
  type RunCommand,
} from '../../src/sources/audit/rules-loader.js';
import { liveGate } from '../helpers/live.js';

const RULES = new URL('../../profiles/audit.rules', import.meta.url).pathname;
const AUDIT_LOG = '/var/log/audit/audit.log';

// Captured on Debian 12 (audit 3.0.9, kernel 6.18) with auditd running.
const STATUS_3 = `enabled 1
failure 1
pid 2253
rate_limit 0
backlog_limit 64
lost 0
backlog 0
backlog_wait_time 15000
backlog_wait_time_actual 3
loginuid_immutable 0 unlocked
`;
// audit 2.x prints one line (RHEL 7, Ubuntu 16.04): that form, with made-up values (immutable, records lost).
const STATUS_2 = 'AUDIT_STATUS: enabled=2 flag=1 pid=812 rate_limit=0 backlog_limit=8192 lost=1536 backlog=17\n';

const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string): CommandResult => ({ code: 255, stdout: '', stderr });

/** A fake auditctl/ausyscall: answers by the command line, records every call. */
function fakeRun(answer: (args: readonly string[]) => CommandResult | undefined): RunCommand & { calls: string[] } {
  const calls: string[] = [];
  const run = async (file: string, args: readonly string[]) => {
    calls.push([file, ...args].join(' '));
    if (file === 'ausyscall') return fail('ausyscall: not found');
    return answer(args) ?? ok();
  };
  return Object.assign(run, { calls });
}

const withStatus = (status: string, listing = 'No rules\n') =>
  fakeRun((args) => (args[0] === '-s' ? ok(status) : args[0] === '-l' ? ok(listing) : undefined));

const scratch = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let scratchFiles = 0;

function rulesFile(text: string): string {
  const file = join(scratch, `audit-${++scratchFiles}.rules`);
  writeFileSync(file, text);
  return file;
}

describe('auditctl -s parsing', () => {
  it('reads enabled, pid, lost and backlog from audit 3.x output (backlog_limit is not backlog)', () => {
    expect(parseAuditStatus(STATUS_3)).toEqual({ enabled: 1, pid: 2253, lost: 0, backlog: 0 });
  });

  it('reads the one-line audit 2.x form', () => {
    expect(parseAuditStatus(STATUS_2)).toEqual({ enabled: 2, pid: 812, lost: 1536, backlog: 17 });
  });

  it('gives undefined for output that is not a status', () => {
    expect(parseAuditStatus('You must be root to run this program.\n')).toBeUndefined();
    expect(parseAuditStatus('')).toBeUndefined();
  });

  it('readAuditStatus is undefined when auditctl fails', async () => {
    expect(await readAuditStatus({ run: async () => fail('Error sending status request (Operation not permitted)') })).toBeUndefined();
    expect(await readAuditStatus({ run: async () => ok(STATUS_3) })).toEqual({ enabled: 1, pid: 2253, lost: 0, backlog: 0 });
  });
});

describe('ensureAuditRules, with auditctl injected', () => {
  const self = `enabled 1\npid ${process.pid}\nlost 0\nbacklog 0\n`;

  it('not root (uid injected as 1000): unavailable, and no command is run', async () => {
    const run = withStatus(self);
    expect(await ensureAuditRules(RULES, { uid: 1000, run })).toEqual({
      state: 'unavailable',
      reason: 'not running as root: kernel audit source off',
      skipped: [],
    });
    expect(run.calls).toEqual([]);
  });

  it('auditd not running (injected status: pid 0, then a pid no process has)', async () => {
    const none = await ensureAuditRules(RULES, { uid: 0, run: withStatus('enabled 1\npid 0\n') });
    expect(none.state).toBe('unavailable');
    expect(none.reason).toMatch(/auditd is not running .*pid 0/);
    const dead = await ensureAuditRules(RULES, { uid: 0, run: withStatus('enabled 1\npid 99999999\n') });
    expect(dead).toMatchObject({ state: 'unavailable', reason: 'auditd is not running (auditctl -s: pid 99999999, no such process)' });
  });

  it('auditctl missing or refusing (injected): unavailable with its message', async () => {
    const run = fakeRun(() => ({ code: -1, stdout: '', stderr: 'spawn auditctl ENOENT' }));
    expect(await ensureAuditRules(RULES, { uid: 0, run })).toMatchObject({ state: 'unavailable', reason: 'auditctl -s failed: spawn auditctl ENOENT' });
  });

  it('auditing disabled (injected enabled 0): unavailable', async () => {
    const r = await ensureAuditRules(RULES, { uid: 0, run: withStatus(`enabled 0\npid ${process.pid}\n`) });
    expect(r).toMatchObject({ state: 'unavailable', reason: 'kernel auditing is disabled (auditctl -s: enabled 0)' });
  });

  it('immutable (injected enabled 2) without vigil rules: unavailable, and nothing is added', async () => {
    const run = withStatus(`enabled 2\npid ${process.pid}\n`);
    const r = await ensureAuditRules(RULES, { uid: 0, run });
    expect(r).toMatchObject({ state: 'unavailable', reason: "audit rules are immutable (enabled 2) and vigil's rules are not loaded" });
    expect(run.calls.filter((c) => c.startsWith('auditctl -a') || c.startsWith('auditctl -w'))).toEqual([]);
  });

  it('a "-a never,task" rule (injected listing): unavailable, since no syscall rule could fire', async () => {
    const r = await ensureAuditRules(RULES, { uid: 0, run: withStatus(self, '-a never,task\n') });
    expect(r.state).toBe('unavailable');
    expect(r.reason).toMatch(/never,task/);
  });

  it('watches every host key file the profile names, so exploit.escape_file can see it', async () => {
    const { loadProfile } = await import('../../src/profile/load.js');
    const watched = readFileSync(RULES, 'utf8').split('\n').flatMap((l) => /^-w (\S+) .*-k vigil_hostfile$/.exec(l)?.slice(1) ?? []);
    const unwatched = (await loadProfile()).hostKeyFiles.map((glob) => glob.replace(/\/\*\*$/, '')).filter((path) => !watched.includes(path));
    expect(unwatched).toEqual([]);
  });

  it('recognises its rules in the form auditctl lists them back (hex arguments, -F key=, any order)', async () => {
    const file = rulesFile(
      ['-a always,exit -F arch=b64 -S fchmodat,452 -F a2&06000 -k vigil_perm', '-w /proc -p wa -k vigil_write', '-a always,exit -F arch=b64 -S ptrace -F a0=0x4206 -k vigil_syscall'].join('\n'),
    );
    const listing = [
      '-a always,exit -F arch=b64 -S ptrace -F a0=0x4206 -F key=vigil_syscall',
      '-a always,exit -F arch=b64 -S 452,fchmodat -F a2&0xC00 -F key=vigil_perm',
      '-w /proc -p wa -k vigil_write',
    ].join('\n');
    const run = withStatus(self, listing);
    expect(await ensureAuditRules(file, { uid: 0, run })).toEqual({ state: 'present', reason: "vigil's 3 audit rules are already loaded", skipped: [] });
    // Even immutable: everything is there, so nothing needs changing.
    expect((await ensureAuditRules(file, { uid: 0, run: withStatus(`enabled 2\npid ${process.pid}\n`, listing) })).state).toBe('present');
  });

  it('without ausyscall, drops a syscall name auditctl does not know for the arch and loads the rest of the rule', async () => {
    const file = rulesFile('-a always,exit -F arch=b64 -S chmod,fchmod -F a1&06000 -k vigil_perm\n');
    const run = fakeRun((args) => {
      if (args[0] === '-s') return ok(self);
      if (args[0] === '-a' && args.includes('chmod,fchmod')) return fail('Syscall name unknown: chmod');
      return undefined;
    });
    const r = await ensureAuditRules(file, { uid: 0, run });
    expect(r.state).toBe('loaded');
    expect(r.skipped).toEqual(['line 1: chmod is not a syscall on b64: left out of the rule']);
    expect(run.calls).toContain('auditctl -a always,exit -F arch=b64 -S fchmod -F a1&06000 -k vigil_perm');
  });

  it('never runs control lines (-D, -e, -b) or rules without a vigil key; -c is for auditctl -R only', async () => {
    const file = rulesFile('-c\n-D\n-e 2\n-b 8192\n-a always,exit -F arch=b64 -S reboot -k other\n-a always,exit -F arch=b64 -S reboot -k vigil_syscall\n');
    const run = withStatus(self);
    const r = await ensureAuditRules(file, { uid: 0, run });
    expect(r.state).toBe('loaded');
    expect(r.skipped).toHaveLength(4);
    expect(r.skipped[0]).toMatch(/^line 2: not loaded/);
    expect(run.calls.filter((c) => c.startsWith('auditctl -') && !/^auditctl -[sl]$/.test(c))).toEqual([
      'auditctl -a always,exit -F arch=b64 -S reboot -k vigil_syscall',
    ]);
  });

  it('counts a rule auditctl says exists as present, and reports other refusals', async () => {
    const file = rulesFile('-a always,exit -F arch=b64 -S reboot -k vigil_syscall\n-w /nonexistent-vigil/x -p wa -k vigil_write\n');
    const run = withStatus(self);
    const exists = fakeRun((args) => (args[0] === '-s' ? ok(self) : args[0] === '-a' ? fail('Error sending add rule data request (Rule exists)') : undefined));
    const r = await ensureAuditRules(file, { uid: 0, run: exists });
    expect(r).toEqual({
      state: 'present',
      reason: "vigil's 1 audit rules are already loaded",
      skipped: ['line 2: /nonexistent-vigil does not exist: watch on /nonexistent-vigil/x skipped'],
    });
    expect((await ensureAuditRules(file, { uid: 0, run })).state).toBe('loaded');
  });

  it('removeVigilRules deletes each rule by its exact listing, and only rules all of whose keys are vigil_', async () => {
    const listing = [
      '-a always,exit -F arch=b64 -S fchmodat,452 -F a2&0xC00 -F key=vigil_perm',
      '-w /proc -p w -k vigil_write',
      '-a always,exit -F arch=b64 -S reboot -F key=other',
      '-a always,exit -F arch=b64 -S reboot -F key=other -F key=vigil_syscall',
    ].join('\n');
    const run = fakeRun((args) => (args[0] === '-l' ? ok(listing) : undefined));
    expect(await removeVigilRules({ run })).toEqual({ removed: 2, errors: [] });
    expect(run.calls).toEqual([
      'auditctl -l',
      'auditctl -d always,exit -F arch=b64 -S fchmodat,452 -F a2&0xC00 -F key=vigil_perm',
      'auditctl -W /proc -p w -k vigil_write',
    ]);
  });

  it('unreadable rules file: unavailable, naming it', async () => {
    const r = await ensureAuditRules('/nonexistent/audit.rules', { uid: 0, run: withStatus(self) });
    expect(r.state).toBe('unavailable');
    expect(r.reason).toMatch(/^cannot read audit rules \/nonexistent\/audit.rules/);
  });
});

function auditCheck(): { ok: boolean; reason: string } {
  if (process.geteuid?.() !== 0) return { ok: false, reason: 'not root' };
  const s = spawnSync('auditctl', ['-s'], { encoding: 'utf8' });
  if (s.error || s.status !== 0) return { ok: false, reason: `auditctl -s failed: ${s.error?.message ?? s.stderr}` };
  const status = parseAuditStatus(s.stdout);
  if (!status || status.pid === 0 || status.enabled !== 1) return { ok: false, reason: `audit not usable: ${s.stdout.replace(/\n/g, ' ')}` };
  return { ok: true, reason: '' };
}

const live = liveGate('kernel audit', auditCheck);

describe.runIf(live)('ensureAuditRules, live on this kernel', () => {
  const tag = `vigil_t${process.pid}_`;
  const keys = ['exec', 'syscall', 'setuid', 'perm', 'write', 'hostfile'].map((k) => tag + k);
  let dir: string;
  let file: string;
  const listed = () => spawnSync('auditctl', ['-l'], { encoding: 'utf8' }).stdout;
  const ours = () => listed().split('\n').filter((l) => l.includes(tag));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-audit-'));
    file = join(dir, 'audit.rules');
    writeFileSync(file, readFileSync(RULES, 'utf8').replace(/-k vigil_/g, `-k ${tag}`));
  });

  afterAll(async () => {
    await removeVigilRules({ keys: [...keys, `${tag}perm_keep`] });
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the rules, finds them present, reloads one that went missing', async () => {
    const first = await ensureAuditRules(file);
    expect(first.state).toBe('loaded');
    const loaded = Number(/^loaded (\d+) /.exec(first.reason)?.[1]);
    expect(ours()).toHaveLength(loaded);
    // Every rule either loaded or was reported, and the reports are host facts (directories such
    // as unmounted cgroup v1 hierarchies, syscalls another ABI lacks), never a refusal of a rule.
    for (const note of first.skipped) expect(note).toMatch(/does not exist: watch on \S+ skipped$|is not a syscall on b(32|64): left out of the rule$/);

    expect(await ensureAuditRules(file)).toEqual({ state: 'present', reason: `vigil's ${loaded} audit rules are already loaded`, skipped: first.skipped });
    // Every rule matches the way this auditctl prints it back, so an immutable rule set
    // (enabled 2, injected) holding them counts as present and is left alone.
    const realListing = listed();
    const immutable: RunCommand = async (f, args) => {
      if (f === 'auditctl' && args[0] === '-s') return ok(`enabled 2\npid ${process.pid}\n`);
      if (f === 'auditctl' && args[0] === '-l') return ok(realListing);
      const r = spawnSync(f, args, { encoding: 'utf8' });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    expect((await ensureAuditRules(file, { run: immutable })).state).toBe('present');

    expect((await removeVigilRules({ keys: [`${tag}perm`] })).removed).toBe(6);
    const again = await ensureAuditRules(file);
    expect(again.state).toBe('loaded');
    expect(again.reason).toBe(`loaded 6 vigil audit rules (${loaded - 6} already present)`);
    expect(ours()).toHaveLength(loaded);
  });

  it('the loaded rules fire: chmod 04755 is logged with a vigil perm key', async () => {
    const target = join(dir, 'suid-probe');
    writeFileSync(target, '');
    const start = statSync(AUDIT_LOG).size;
    chmodSync(target, 0o4755);
    // auditd writes asynchronously; another rule set of vigil's loaded first would give its key.
    let found = false;
    for (let i = 0; i < 50 && !found; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const log = readFileSync(AUDIT_LOG);
      // A rotation meanwhile leaves a shorter, new file: read it whole.
      const fresh = log.subarray(log.length >= start ? start : 0).toString('utf8');
      const serial = new RegExp(`^type=PATH msg=audit\\(([\\d.:]+)\\): item=0 name="${target}"`, 'm').exec(fresh)?.[1];
      found = serial !== undefined && new RegExp(`^type=SYSCALL msg=audit\\(${serial.replace('.', '\\.')}\\):.* key="vigil_\\w*perm"`, 'm').test(fresh);
    }
    expect(found).toBe(true);
  });

  it('removes exactly the rules with the given keys, not those whose key merely contains one', async () => {
    // `auditctl -D -k ${tag}perm` would take this one too: it matches keys by substring.
    spawnSync('auditctl', ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'reboot', '-k', `${tag}perm_keep`]);
    const before = ours().length;
    const r = await removeVigilRules({ keys });
    expect(r).toEqual({ removed: before - 1, errors: [] });
    expect(ours()).toEqual([`-a always,exit -F arch=b64 -S reboot -F key=${tag}perm_keep`]);
  });
});

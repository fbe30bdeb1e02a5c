// 32-bit programs (arch=b32 rules): i386 audit events named from the i386 table and analysed as
// `vigil detect --audit-log` does (runAuditLog, through the TypeScript modules: the CLI tests run
// the built bundle). i386-offline.log is hand-written in the real record format: a container's
// shim (captured), runc exec'ing a 32-bit busybox (an x86_64 record: the caller's ABI), then the
// 32-bit sh's unshare, mount and execs. Its x86_64 twin is the same log with 64-bit numbers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditLog } from '../../src/cli/run.js';
import type { Alert } from '../../src/engine/alert.js';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { AuditAssembler, syscallRecord, type AuditEvent } from '../../src/sources/audit/assemble.js';
import { Attribution } from '../../src/sources/audit/attribution.js';
import { AuditConverter } from '../../src/sources/audit/to-events.js';

const fixture = fileURLToPath(new URL('../fixtures/audit/i386-offline.log', import.meta.url));
const CONTAINER = '18451f7b597f42b0daab1a9c079c95f74ce08e95cad945bcbf734c542cbe90ac';
/** i386 → x86_64 numbers of the syscalls below (syscall_32.tbl / syscall_64.tbl). */
const TO_X86_64: Record<string, string> = { '11': '59', '21': '165', '208': '117', '310': '272' };

function twin(log: string): string {
  return log
    .replace(/arch=40000003 syscall=(\d+)/g, (_, nr: string) => `arch=c000003e syscall=${TO_X86_64[nr] ?? `unmapped_${nr}`}`)
    .replace(/\x1dARCH=i386 /g, '\x1dARCH=x86_64 ');
}

function assemble(log: string): AuditEvent[] {
  const events: AuditEvent[] = [];
  const assembler = new AuditAssembler({ onEvent: (e) => events.push(e) });
  for (const line of log.split('\n').filter(Boolean)) assembler.push(line);
  assembler.flush();
  return events;
}

let profile: Profile;
let dir: string;
beforeAll(async () => {
  profile = await loadProfile();
  dir = mkdtempSync(join(tmpdir(), 'vigil-arch32-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function detect(log: string, name: string): Promise<Alert[]> {
  const file = join(dir, name);
  writeFileSync(file, log);
  const alerts: Alert[] = [];
  await runAuditLog(file, { profile, onAlert: (a) => alerts.push(a) });
  return alerts;
}

describe('i386 audit events', () => {
  const log = readFileSync(fixture, 'utf8');

  it('are named from the i386 table, and its execs are execs', () => {
    const converter = new AuditConverter({ attribution: new Attribution(false), hashExecutables: false });
    const events = assemble(log).map((e) => ({ arch: syscallRecord(e)?.fields.arch, vigil: converter.convert(e) }));
    expect(events.map(({ arch, vigil }) => [arch, vigil?.kind, vigil?.kind === 'syscall' ? vigil.data.syscall : undefined])).toEqual([
      ['c000003e', 'exec', undefined], // the shim
      ['c000003e', 'exec', undefined], // runc exec'ing the 32-bit sh
      ['40000003', 'exec', undefined], // unshare -m true
      ['40000003', 'syscall', 'unshare'],
      ['40000003', 'syscall', 'mount'],
      ['40000003', 'exec', undefined],
      ['40000003', 'exec', undefined],
      ['40000003', 'exec', undefined],
      ['40000003', 'exec', undefined],
    ]);
  });

  it('raise the same alerts through `detect --audit-log` as their x86_64 twin', async () => {
    const x86 = twin(log);
    expect(x86).not.toMatch(/40000003|ARCH=i386|unmapped/);
    const [i386Alerts, x86Alerts] = [await detect(log, 'i386.log'), await detect(x86, 'x86_64.log')];
    expect(x86Alerts.map((a) => [a.ruleId, a.container?.id, (a.evidence.syscall as { name?: string } | undefined)?.name ?? a.evidence.command])).toEqual([
      ['system.syscall', CONTAINER, 'unshare'],
      ['system.syscall', CONTAINER, 'mount'],
      ['system.high_risk_command', CONTAINER, 'sh -c echo aGk= | base64 -d | sh'],
    ]);
    expect(i386Alerts).toEqual(x86Alerts);
  });

  it('of setresuid32 to root raise the setuid-root escalation, under its own name', async () => {
    const shim = log.split('\n').slice(0, 7);
    const m = (serial: number) => `msg=audit(1795785809.${serial}:${serial})`;
    const ids = (uid: number) =>
      `auid=4294967295 uid=${uid} gid=${uid} euid=${uid} suid=${uid} fsuid=${uid} egid=${uid} sgid=${uid} fsgid=${uid} tty=(none) ses=4294967295`;
    const lines = [
      ...shim,
      // A 32-bit exploit started as uid 1000 under the shim, then setresuid32(0, 0, 0).
      `type=SYSCALL ${m(101)}: arch=40000003 syscall=11 success=yes exit=0 a0=80d5272 a1=ff9c48e0 a2=ff9c4900 a3=8 items=1 ppid=23811 pid=24001 ${ids(1000)} comm="exploit" exe="/tmp/exploit" key="vigil_exec"`,
      `type=EXECVE ${m(101)}: argc=1 a0="/tmp/exploit"`,
      `type=CWD ${m(101)}: cwd="/tmp"`,
      `type=PATH ${m(101)}: item=0 name="/tmp/exploit" inode=1499200 dev=00:26 mode=0100755 ouid=1000 ogid=1000 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
      `type=PROCTITLE ${m(101)}: proctitle=2F746D702F6578706C6F6974`,
      `type=SYSCALL ${m(102)}: arch=40000003 syscall=208 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=23811 pid=24001 ${ids(0)} comm="exploit" exe="/tmp/exploit" key="vigil_setuid"`,
      `type=PROCTITLE ${m(102)}: proctitle=2F746D702F6578706C6F6974`,
    ].join('\n');
    const escalation = (alerts: Alert[]) => alerts.filter((a) => a.ruleId === 'system.privilege_escalation').map((a) => [a.evidence.technique, a.summary, (a.evidence.syscall as { name: string }).name]);
    expect(escalation(await detect(twin(lines), 'setuid-x86_64.log'))).toEqual([['setuid-root', 'exploit (uid 1000, euid 1000) became root with setresuid', 'setresuid']]);
    expect(escalation(await detect(lines, 'setuid-i386.log'))).toEqual([['setuid-root', 'exploit (uid 1000, euid 1000) became root with setresuid32', 'setresuid32']]);
  });
});

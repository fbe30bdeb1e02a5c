// Event assembly on real auditd output (which has no EOE records) and on the awkward cases:
// interleaved serials, events that never end, floods; plus the accessors the audit source
// reads events through, and the syscall tables checked against ausyscall.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AuditAssembler,
  eventCwd,
  eventSockaddr,
  execveArgv,
  pathsByItem,
  proctitleArgv,
  syscallRecord,
  type AssemblerOptions,
  type AuditEvent,
} from '../../src/sources/audit/assemble.js';
import { AUDIT_ARCH, archName, syscallName, syscallNumber, syscallTable } from '../../src/sources/audit/syscalls.js';

function fixture(name: string): string[] {
  return readFileSync(new URL(`../fixtures/audit/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);
}

function collect(options: Partial<AssemblerOptions> = {}): { assembler: AuditAssembler; events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  const assembler = new AuditAssembler({ ...options, onEvent: (e) => events.push(e) });
  return { assembler, events };
}

/** Events of a whole fixture, and how many were still pending before the final flush. */
function assemble(lines: string[]): { events: AuditEvent[]; pendingAtEnd: number } {
  const { assembler, events } = collect();
  for (const line of lines) assembler.push(line);
  const emitted = events.length;
  assembler.flush();
  return { events, pendingAtEnd: events.length - emitted };
}

function idOf(line: string): string {
  return (/msg=audit\(([^)]*)\)/.exec(line) as RegExpExecArray)[1] as string;
}

function withTime(line: string, timestamp: string): string {
  return line.replace(/msg=audit\([^:]*:/, `msg=audit(${timestamp}:`);
}

const execveLines = fixture('execve.log');
const execveEvents = assemble(execveLines).events;

function execWith(predicate: (argv: string[]) => boolean): AuditEvent {
  const found = execveEvents.filter((e) => predicate(execveArgv(e) ?? []));
  expect(found).toHaveLength(1);
  return found[0] as AuditEvent;
}

describe('AuditAssembler on captured logs', () => {
  it('groups every record by event, each ending at its PROCTITLE, in log order', () => {
    for (const name of ['execve.log', 'docker.log', 'path.log', 'connect.log']) {
      const lines = fixture(name);
      const { events, pendingAtEnd } = assemble(lines);
      expect(pendingAtEnd, name).toBe(0);
      expect(events.map((e) => `${e.timestamp}:${e.serial}`)).toEqual([...new Set(lines.map(idOf))]);
      expect(events.flatMap((e) => e.records)).toHaveLength(lines.length);
      for (const event of events) {
        expect(event.records.at(-1)?.type).toBe('PROCTITLE');
        expect(new Set(event.records.map((r) => `${r.timestamp}:${r.serial}`))).toEqual(new Set([`${event.timestamp}:${event.serial}`]));
      }
    }
  });

  it('rebuilds argv from hex arguments and names the syscall', () => {
    const event = execWith((argv) => argv[1] === 'has space');
    expect(execveArgv(event)).toEqual(['/bin/echo', 'has space', 'quo"te', 'new\nline', '\uFFFD\uFFFDbad', 'ünïcode']);
    const syscall = syscallRecord(event);
    expect(syscallName(syscall?.fields.arch ?? '', syscall?.fields.syscall ?? '')).toBe('execve');
  });

  it('joins an argument split as aN_len/aN[i] over several records', () => {
    const event = execWith((argv) => argv[1]?.startsWith('xx') === true);
    expect(event.records.filter((r) => r.type === 'EXECVE')).toHaveLength(3);
    expect(execveArgv(event)).toEqual(['/bin/echo', 'x'.repeat(9000)]);
  });

  it('joins chunks as bytes when a chunk boundary cuts a UTF-8 character', () => {
    const event = execWith((argv) => argv[1]?.startsWith('€') === true);
    const chunkBytes = event.records.flatMap((r) => Object.values(r.hex).map((h) => h.length / 2));
    expect(chunkBytes.some((n) => n % 3 !== 0)).toBe(true);
    expect(execveArgv(event)).toEqual(['/bin/echo', '€'.repeat(4000)]);
  });

  it('reads argv spread over several EXECVE records', () => {
    const event = execWith((argv) => argv[0] === '/bin/true');
    expect(event.records.filter((r) => r.type === 'EXECVE').length).toBeGreaterThan(3);
    expect(execveArgv(event)).toEqual(['/bin/true', ...Array.from({ length: 3000 }, (_, i) => String(i + 1))]);
  });

  it('reads cwd, PATH items and PROCTITLE', () => {
    const event = execWith((argv) => argv[0] === './tr ue');
    expect(eventCwd(event)).toMatch(/^\/tmp\/vigil-fx\.[^/]+\/dir with space$/);
    const paths = pathsByItem(event);
    expect([...paths.keys()]).toEqual([0, 1]);
    expect(paths.get(0)?.fields.name).toBe('./tr ue');
    expect(proctitleArgv(event)).toEqual(['./tr ue', 'x']);
  });

  it('shows why PROCTITLE is no substitute for EXECVE: the kernel keeps the first one a task logged', () => {
    // The shell's child opened /dev/null (an audited syscall) before exec'ing /bin/echo.
    const event = execWith((argv) => argv[1] === 'has space');
    expect(proctitleArgv(event)?.[0]).toBe('bash');
  });

  it('reads a container process and its long argument', () => {
    const events = assemble(fixture('docker.log')).events;
    const argvs = events.map((e) => execveArgv(e) ?? []);
    const long = `: vigilfx ${'y'.repeat(9000)}`;
    expect(argvs).toContainEqual(['sh', '-c', long]);
    expect(argvs).toContainEqual(['docker', 'run', '--rm', '--network', 'none', 'vigil-test/busybox:1', 'sh', '-c', long]);
    const inContainer = events[argvs.findIndex((a) => a[0] === 'sh')] as AuditEvent;
    expect(eventCwd(inContainer)).toBe('/');
  });

  it('reads the socket address of each connect()', () => {
    const events = assemble(fixture('connect.log')).events;
    for (const event of events) {
      const syscall = syscallRecord(event);
      expect(syscallName(syscall?.fields.arch ?? '', syscall?.fields.syscall ?? '')).toBe('connect');
    }
    expect(events.map(eventSockaddr)).toEqual([
      { family: 'unix', path: '/var/run/docker.sock' },
      { family: 'unix', path: '@vigil-fx-abstract' },
      { family: 'inet', address: '127.0.0.1', port: 9 },
      { family: 'inet6', address: '::1', port: 9 },
    ]);
  });

  it('orders PATH records by item (rename: parents, then the old and new names)', () => {
    const events = assemble(fixture('path.log')).events;
    const rename = events.find((e) => syscallName(AUDIT_ARCH.x86_64, syscallRecord(e)?.fields.syscall ?? '') === 'renameat2');
    const paths = pathsByItem(rename as AuditEvent);
    expect([...paths.values()].map((p) => p.fields.nametype)).toEqual(['PARENT', 'PARENT', 'DELETE', 'CREATE']);
    expect(paths.get(2)?.fields.name).toMatch(/\/files\/na me$/);
    expect(paths.get(3)?.fields.name).toMatch(/\/files\/renamed é$/);
  });

  it('keeps CONFIG_CHANGE and LOGIN with the syscall that caused them; user and daemon records stand alone', () => {
    const { events, pendingAtEnd } = assemble(fixture('misc.log'));
    expect(pendingAtEnd).toBe(0);
    expect(events.map((e) => e.records.map((r) => r.type))).toEqual([
      ['CONFIG_CHANGE', 'SYSCALL', 'SOCKADDR', 'CWD', 'PATH', 'PROCTITLE'],
      ['USER'],
      ['LOGIN', 'SYSCALL', 'PROCTITLE'],
      ['DAEMON_START'],
    ]);
  });
});

describe('AuditAssembler completion', () => {
  const lines = fixture('execve.log');
  const byId = new Map<string, string[]>();
  for (const line of lines) byId.set(idOf(line), [...(byId.get(idOf(line)) ?? []), line]);
  const [first, second, third] = [...byId.values()] as [string[], string[], string[]];
  const withoutEnd = (event: string[]) => event.filter((l) => !l.startsWith('type=PROCTITLE'));

  it('assembles interleaved events', () => {
    const { assembler, events } = collect();
    const longest = Math.max(first.length, second.length);
    for (let i = 0; i < longest; i++) {
      if (first[i]) assembler.push(first[i] as string);
      if (second[i]) assembler.push(second[i] as string);
    }
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.records.length).sort()).toEqual([first.length, second.length].sort());
  });

  it('ends an event at EOE when the stream has them, without keeping the EOE record', () => {
    const { assembler, events } = collect();
    for (const line of withoutEnd(first)) assembler.push(line);
    expect(events).toHaveLength(0);
    assembler.push(`type=EOE msg=audit(${idOf(first[0] as string)}): `);
    expect(events).toHaveLength(1);
    expect(events[0]?.records.map((r) => r.type)).not.toContain('EOE');
    assembler.push(`type=EOE msg=audit(${idOf(first[0] as string)}): `);
    expect(assembler.stats).toMatchObject({ events: 1, records: withoutEnd(first).length + 2 });
  });

  it('ends an event without an end marker once a record 2 s later in log time arrives', () => {
    const { assembler, events } = collect();
    for (const line of withoutEnd(first)) assembler.push(line);
    const start = events.length;
    const t = Number(idOf(first[0] as string).split(':')[0]);
    assembler.push(withTime(second[0] as string, (t + 1.999).toFixed(3)));
    expect(events.length - start).toBe(0);
    assembler.push(withTime(third[0] as string, (t + 2).toFixed(3)));
    expect(events).toHaveLength(1);
    expect(events[0]?.records).toHaveLength(withoutEnd(first).length);
  });

  it('ends an idle event on expire() once it has waited the timeout in wall time', () => {
    let now = 1_000_000;
    const { assembler, events } = collect({ now: () => now, timeoutMs: 500 });
    for (const line of withoutEnd(first)) assembler.push(line);
    now += 499;
    assembler.expire();
    expect(events).toHaveLength(0);
    now += 1;
    assembler.expire();
    expect(events).toHaveLength(1);
  });

  it('evicts the oldest pending event past the caps, and counts it', () => {
    const events = collect({ maxPendingEvents: 2 });
    for (const line of [...withoutEnd(first), ...withoutEnd(second), ...withoutEnd(third)]) events.assembler.push(line);
    expect(events.assembler.stats.evicted).toBe(1);
    expect(events.events.map((e) => e.serial)).toEqual([Number(idOf(first[0] as string).split(':')[1])]);
    events.assembler.flush();
    expect(events.events).toHaveLength(3);

    const records = collect({ maxPendingRecords: 3 });
    for (const line of withoutEnd(first)) records.assembler.push(line);
    expect(records.assembler.stats.evicted).toBeGreaterThan(0);
    records.assembler.flush();
    expect(records.events.flatMap((e) => e.records)).toHaveLength(withoutEnd(first).length);
  });

  it('stays bounded under a flood of events that never end', () => {
    const { assembler, events } = collect({ maxPendingEvents: 100 });
    for (let serial = 1; serial <= 20_000; serial++) {
      assembler.push(`type=CONFIG_CHANGE msg=audit(1795783116.247:${serial}): op=add_rule key="k" list=4 res=1`);
    }
    expect(assembler.stats).toMatchObject({ records: 20_000, events: 19_900, evicted: 19_900 });
    assembler.flush();
    expect(events).toHaveLength(20_000);
  });

  it('emits user-space records at once, and holds kernel records that a syscall may follow', () => {
    const { assembler, events } = collect();
    const at = (serial: number, type: string) => `type=${type} msg=audit(1795783116.247:${serial}): pid=1 res=1`;
    const alone = ['USER_LOGIN', 'CRED_ACQ', 'DAEMON_ROTATE', 'ANOM_LOGIN_FAILURES', 'USER', 'SERVICE_START'];
    for (const type of alone) assembler.push(at(events.length + 1, type));
    expect(events.map((e) => e.records[0]?.type)).toEqual(alone);
    const inSyscall = ['ANOM_PROMISCUOUS', 'ANOM_ABEND', 'AVC', 'CONFIG_CHANGE', 'LOGIN', 'SECCOMP', 'TTY'];
    for (const type of inSyscall) assembler.push(at(100, type));
    expect(events).toHaveLength(alone.length);
  });

  it('counts and reports malformed lines and goes on', () => {
    const reasons: string[] = [];
    const { assembler, events } = collect({ onMalformed: (reason) => reasons.push(reason) });
    assembler.push('not an audit line');
    assembler.push(`${(first[0] as string).split('\x1d')[0] as string} comm="open`);
    for (const line of first) assembler.push(line);
    expect(reasons).toEqual(['no type', 'unterminated quote']);
    expect(assembler.stats).toMatchObject({ malformed: 2, records: first.length, events: 1 });
    expect(events[0]?.records).toHaveLength(first.length);
  });

  it('keeps events of different nodes apart', () => {
    const { assembler, events } = collect();
    for (const line of first) {
      assembler.push(`node=a ${line}`);
      assembler.push(`node=b ${line}`);
    }
    expect(events.map((e) => [e.node, e.records.length])).toEqual([
      ['a', first.length],
      ['b', first.length],
    ]);
  });
});

describe('syscall tables', () => {
  it('names syscalls and architectures, both ways', () => {
    expect(archName('C000003E')).toBe('x86_64');
    expect(archName('c00000b7')).toBe('aarch64');
    expect(archName('40000003')).toBe('i386');
    expect(archName('constructor')).toBeUndefined();
    expect(syscallName(AUDIT_ARCH.x86_64, 59)).toBe('execve');
    expect(syscallName(AUDIT_ARCH.x86_64, '42')).toBe('connect');
    expect(syscallName(AUDIT_ARCH.aarch64, 221)).toBe('execve');
    expect(syscallName(AUDIT_ARCH.aarch64, 203)).toBe('connect');
    expect(syscallName(AUDIT_ARCH.x86_64, 470)).toBe('listns');
    expect(syscallName(AUDIT_ARCH.aarch64, 250)).toBeUndefined();
    expect(syscallName(AUDIT_ARCH.x86_64, '59abc')).toBeUndefined();
    expect(syscallName(AUDIT_ARCH.i386, 11)).toBe('execve');
    expect(syscallName(AUDIT_ARCH.i386, '310')).toBe('unshare');
    expect(syscallName(AUDIT_ARCH.arm, 11)).toBe('execve');
    expect(syscallName(AUDIT_ARCH.arm, 337)).toBe('unshare');
    expect(syscallName(AUDIT_ARCH.arm, 7)).toBeUndefined(); // unused: no '-' entry
    expect(syscallName('40000015', 11)).toBeUndefined(); // ppc: no table
    expect(syscallNumber('x86_64', 'execve')).toBe(59);
    expect(syscallNumber(AUDIT_ARCH.aarch64, 'execveat')).toBe(281);
    expect(syscallNumber('x86_64', 'pread64')).toBe(17);
    expect(syscallNumber('aarch64', 'getdents64')).toBe(61);
    expect(syscallNumber('aarch64', 'open')).toBeUndefined();
    expect(syscallNumber('x86_64', 'toString')).toBeUndefined();
    expect(syscallNumber('i386', 'sys_kexec_load')).toBe(283);
    expect(syscallNumber('arm', '_llseek')).toBe(140);
    expect(syscallNumber('arm', '-')).toBeUndefined();
  });

  // Every name vigil's audit rules or detection rules use, on each 32-bit ABI, against the
  // kernel's tables (arch/x86/entry/syscalls/syscall_32.tbl, arch/arm/tools/syscall.tbl).
  it.each([
    ['i386', AUDIT_ARCH.i386, { execve: 11, execveat: 358, setuid: 23, setuid32: 213, setreuid32: 203, setresuid: 164, setresuid32: 208, setfsuid32: 215, setgid32: 214, chmod: 15, fchmod: 94, fchmodat: 306, fchmodat2: 452, setxattr: 226, lsetxattr: 227, fsetxattr: 228, setxattrat: 463, mount: 21, umount: 22, umount2: 52, pivot_root: 217, init_module: 128, finit_module: 350, delete_module: 129, open_by_handle_at: 342, ptrace: 26, setns: 346, unshare: 310, reboot: 88, kexec_load: 283, bpf: 357, process_vm_writev: 348, fsopen: 430, move_mount: 429, open: 5, openat: 295, openat2: 437, creat: 8, truncate: 92, truncate64: 193, write: 4, socket: 359, connect: 362 }],
    ['arm', AUDIT_ARCH.arm, { execve: 11, execveat: 387, setuid: 23, setuid32: 213, setreuid32: 203, setresuid: 164, setresuid32: 208, setfsuid32: 215, setgid32: 214, chmod: 15, fchmod: 94, fchmodat: 333, fchmodat2: 452, setxattr: 226, lsetxattr: 227, fsetxattr: 228, setxattrat: 463, mount: 21, umount2: 52, pivot_root: 218, init_module: 128, finit_module: 379, delete_module: 129, open_by_handle_at: 371, ptrace: 26, setns: 375, unshare: 337, reboot: 88, kexec_load: 347, kexec_file_load: 401, bpf: 386, process_vm_writev: 377, fsopen: 430, move_mount: 429, open: 5, openat: 322, openat2: 437, creat: 8, truncate: 92, truncate64: 193, write: 4, socket: 281, connect: 283 }],
  ])('numbers the syscalls vigil uses on %s', (arch, hex, expected: Record<string, number>) => {
    for (const [name, nr] of Object.entries(expected)) {
      expect(syscallName(hex, nr), `${arch} ${nr}`).toBe(name);
      expect(syscallNumber(arch, name), `${arch} ${name}`).toBe(nr);
    }
    expect(syscallNumber('i386', 'kexec_file_load')).toBeUndefined();
  });

  const ausyscall = spawnSync('ausyscall', ['--dump'], { encoding: 'utf8' });
  it.skipIf(ausyscall.status !== 0)('agrees with ausyscall --dump, plus only the syscalls added since', () => {
    // Numbers libaudit 3.0.9 lacks, taken from the kernel's tables (before the common 451 on).
    const after = { x86_64: [335, 336], aarch64: [] as number[], i386: [] as number[], arm: [335, 336, 346] };
    // Where vigil names a number differently: libaudit's `sys_kexec_load` (still accepted by number lookup).
    const renamed: Record<string, Record<number, string>> = { i386: { 283: 'kexec_load' } };
    for (const arch of ['x86_64', 'aarch64', 'i386', 'arm'] as const) {
      const dump = spawnSync('ausyscall', [arch, '--dump'], { encoding: 'utf8' }).stdout;
      const known = new Map(
        dump
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map((l) => l.split('\t'))
          .map(([nr, name]) => [Number(nr), name as string]),
      );
      const table = syscallTable(arch) as ReadonlyMap<number, string>;
      for (const [nr, name] of known) {
        expect(table.get(nr), `${arch} ${nr}`).toBe(renamed[arch]?.[nr] ?? name);
        expect(syscallNumber(arch, name)).toBe(nr);
      }
      const extra = [...table.keys()].filter((nr) => !known.has(nr));
      expect(extra).toEqual([...after[arch], ...Array.from({ length: 20 }, (_, k) => 451 + k)]);
    }
  });
});

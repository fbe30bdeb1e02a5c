// Builders for kernel-level events (audit and /proc), shaped as the sources emit them, for rule
// unit tests. The live suite checks the same rules against the real kernel.
import type { AuditPath, SocketInfo, VigilEvent } from '../../src/engine/events.js';

export const CONTAINER = 'c'.repeat(64);

let seq = 100;
const ts = () => new Date(Date.parse('2026-11-27T10:00:00Z') + seq).toISOString();

export interface ProcSpec {
  pid?: number;
  ppid?: number;
  startTime?: number;
  exe?: string;
  cmdline?: string[];
  uid?: number;
  euid?: number;
  containerId?: string | undefined;
  comm?: string;
}

function processOf(p: ProcSpec) {
  const exe = p.exe ?? '/bin/sh';
  return {
    pid: p.pid ?? 4242,
    ppid: p.ppid ?? 4200,
    startTime: p.startTime ?? 5000,
    exe,
    cmdline: p.cmdline ?? [exe],
    uid: p.uid ?? 0,
    euid: p.euid ?? p.uid ?? 0,
    ...('containerId' in p ? (p.containerId === undefined ? {} : { containerId: p.containerId }) : { containerId: CONTAINER }),
  };
}

export function procSnapshot(p: ProcSpec, sockets: SocketInfo[] = []): VigilEvent {
  return { seq: ++seq, ts: ts(), source: 'proc', kind: 'process.snapshot', data: { ...processOf(p), sockets } };
}

export function auditExec(p: ProcSpec, extra: { success?: boolean; exeSha256?: string; cwd?: string } = {}): VigilEvent {
  const process = processOf(p);
  return {
    seq: ++seq,
    ts: ts(),
    source: 'audit',
    kind: 'exec',
    data: {
      serial: seq,
      key: 'vigil_exec',
      success: extra.success ?? true,
      exit: 0,
      process: { ...process, comm: p.comm ?? process.exe.split('/').pop()!.slice(0, 15), startTimeExact: true },
      cwd: extra.cwd ?? '/',
      paths: [{ name: process.exe, nametype: 'NORMAL', mode: '0100755', inode: '1' }],
      ...(extra.exeSha256 !== undefined && { exeSha256: extra.exeSha256 }),
    },
  };
}

export interface SyscallSpec {
  syscall: string;
  args?: string[];
  success?: boolean;
  exit?: number;
  paths?: Partial<AuditPath>[];
  cwd?: string;
  key?: string;
}

export function auditSyscall(p: ProcSpec, s: SyscallSpec): VigilEvent {
  const process = processOf(p);
  return {
    seq: ++seq,
    ts: ts(),
    source: 'audit',
    kind: 'syscall',
    data: {
      serial: seq,
      key: s.key ?? 'vigil_syscall',
      success: s.success ?? true,
      exit: s.exit ?? 0,
      process: { ...process, comm: p.comm ?? process.exe.split('/').pop()!.slice(0, 15), startTimeExact: true },
      cwd: s.cwd ?? '/',
      paths: (s.paths ?? []).map((x) => ({ name: '', nametype: 'NORMAL', mode: '', inode: '', ...x })),
      syscall: s.syscall,
      args: s.args ?? ['0', '0', '0', '0'],
    },
  };
}

export function whitelistEvent(entries: { image: string; process: string; enabled: boolean }[]): VigilEvent {
  return { seq: ++seq, ts: ts(), source: 'vigil', kind: 'whitelist', data: { entries } };
}

export function tcp(fd: number, remote = '10.0.0.9:4444', state = 'ESTABLISHED'): SocketInfo {
  return { fd, protocol: 'tcp', local: '172.17.0.2:40000', remote, state };
}

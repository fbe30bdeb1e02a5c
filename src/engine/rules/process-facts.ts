// Facts about processes shared by the kernel-level rules: which container a process belongs
// to, whether it is the container runtime at work, what it executed, and the evidence an
// investigator needs (the process and its ancestry).
import type { AlertProcess } from '../alert.js';
import type { ProcessInfo, VigilEvent } from '../events.js';
import type { RuleContext } from '../rule.js';

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Multi-call binaries: the program a user ran is the name it was called by (argv[0]). */
const multiCall = new Set(['busybox', 'toybox']);

/** The process's program name as whitelists and fingerprints mean it. */
export function processName(p: ProcessInfo): string {
  const exe = basename(p.exe);
  return exe === '' || multiCall.has(exe) ? basename(p.cmdline[0] ?? '') || exe : exe;
}

export function alertProcess(p: ProcessInfo): AlertProcess {
  return { pid: p.pid, ppid: p.ppid, exe: p.exe, cmdline: p.cmdline, uid: p.uid, euid: p.euid };
}

/**
 * The container a process runs in: as the source saw it, inherited in the process table, or,
 * for a container's init gone before its cgroup was read, the container started with its pid.
 */
export function containerIdOf(process: ProcessInfo, ctx: RuleContext): string | undefined {
  return process.containerId ?? ctx.processes.of(process)?.info.containerId ?? ctx.containers.withInitPid(process.pid);
}

/** The process and its ancestors up to the container's init (or the host), nearest first. */
export function processEvidence(process: ProcessInfo, ctx: RuleContext) {
  const entry = ctx.processes.of(process);
  const chain = entry ? ctx.processes.ancestry(entry.key).slice(1) : [];
  return {
    process: { ...alertProcess(process), startTime: process.startTime },
    ancestry: chain.map(({ info }) => ({
      pid: info.pid,
      exe: info.exe,
      cmdline: info.cmdline,
      uid: info.uid,
      euid: info.euid,
      ...(info.containerId === undefined && { host: true }),
    })),
  };
}

/**
 * Whether a process is the container runtime setting a container up (runc joining namespaces,
 * mounting the rootfs). runc's stages name themselves `runc:[0:PARENT]`…, re-execute runc from
 * a memfd (their exe then reads `/memfd:runc…`, or just `/`), and the runtime's binaries are
 * known — but every ancestor still inside the container must be the runtime too, so a program
 * a container names `runc` does not pass for it.
 */
export function compileRuntimeCheck(runtimeProcesses: readonly string[]) {
  const names = new Set(runtimeProcesses);
  const isRuntimeImage = (p: { exe: string; comm?: string }) =>
    names.has(basename(p.exe)) ||
    p.exe === '/' ||
    p.exe.startsWith('/memfd:runc') ||
    (p.comm !== undefined && (p.comm.startsWith('runc:[') || names.has(p.comm)));
  return (process: ProcessInfo & { comm?: string }, ctx: RuleContext): boolean => {
    if (!isRuntimeImage(process)) return false;
    const self = ctx.processes.of(process);
    const candidate = self?.parentKey !== undefined ? ctx.processes.get(self.parentKey) : ctx.processes.byPid(process.ppid);
    let parent = candidate && !candidate.exited && candidate.info.startTime <= process.startTime ? candidate : undefined;
    for (let depth = 0; parent && depth < 16; depth++) {
      if (parent.info.containerId === undefined) return true; // reached the host side
      if (!isRuntimeImage(parent.info)) return false;
      parent = parent.parentKey !== undefined ? ctx.processes.get(parent.parentKey) : undefined;
    }
    return true;
  };
}

/** A program that started running in a container, from audit (exact) or a /proc scan. */
export interface Execution {
  process: ProcessInfo;
  containerId: string;
  via: 'audit' | 'proc';
}

/**
 * The execution an event reports, if any: a successful execve seen by audit, or a process a
 * /proc scan saw for the first time or with a new image (how exec shows without audit).
 */
export function executionOf(event: VigilEvent, ctx: RuleContext): Execution | undefined {
  let process: ProcessInfo;
  if (event.source === 'audit' && event.kind === 'exec') {
    if (!event.data.success) return undefined;
    process = event.data.process;
  } else if (event.source === 'proc' && event.kind === 'process.snapshot') {
    const entry = ctx.processes.of(event.data);
    const before = entry?.previous;
    if (before && before.exe === event.data.exe && before.cmdline.join('\0') === event.data.cmdline.join('\0')) return undefined;
    process = event.data;
  } else {
    return undefined;
  }
  const containerId = containerIdOf(process, ctx);
  return containerId === undefined ? undefined : { process, containerId, via: event.source };
}

export const executionKinds = ['audit/exec', 'proc/process.snapshot'] as const;

// Facts about processes shared by the kernel-level rules: which container a process belongs
// to, whether it is the container runtime at work, what it executed, and the evidence an
// investigator needs (the process and its ancestry).
import type { AlertProcess } from '../alert.js';
import type { EventOf, ProcessInfo, VigilEvent } from '../events.js';
import type { RuleContext } from '../rule.js';
import { sameArgv } from '../state/processes.js';

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
  const chain = entry ? ctx.processes.ancestry(entry).slice(1) : [];
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

/** Whether a process is the container runtime at work (see compileRuntimeCheck). */
export type RuntimeCheck = (process: ProcessInfo & { comm?: string }, ctx: RuleContext) => boolean;

const runtimeChecks = new WeakMap<readonly string[], RuntimeCheck>();

/**
 * The runtime's programs that act inside a container's namespaces while setting it up. The
 * daemons also in `runtimeProcesses` (dockerd, containerd, its shims, conmon…) only ever act from
 * outside: a container program named like one of them is judged as itself.
 */
const SETUP_PROGRAMS = new Set(['runc', 'crun', 'runsc', 'youki', 'docker-init']);

/**
 * Whether a process is the container runtime setting a container up (runc joining namespaces,
 * mounting the rootfs). runc's stages run the runc binary, or re-execute it from a memfd (their
 * exe then reads `/memfd:runc…`, or `/` once the root has moved), and every ancestor still inside
 * the container must be the runtime too, so a program named `runc` that a container process
 * started does not pass. (One its parent outside started, its entrypoint, still does.) The names
 * a process gives itself (comm, argv) are never trusted: `prctl` sets comm to `runc:[2:INIT]` as
 * easily as runc does. Rules compiled from one profile share one check, so
 * the per-event answers below are shared too.
 */
export function compileRuntimeCheck(runtimeProcesses: readonly string[]): RuntimeCheck {
  const known = runtimeChecks.get(runtimeProcesses);
  if (known) return known;
  const names = new Set(runtimeProcesses);
  const isRunImage = (exe: string) => exe === '/' || exe.startsWith('/memfd:runc');
  const isSetupStage = (p: { exe: string }) => isRunImage(p.exe) || (names.has(basename(p.exe)) && SETUP_PROGRAMS.has(basename(p.exe)));
  const isRuntimeImage = (p: { exe: string }) => isRunImage(p.exe) || names.has(basename(p.exe));
  const check: RuntimeCheck = (process, ctx) => {
    if (!isSetupStage(process)) return false;
    const self = ctx.processes.of(process);
    const candidate = (self && ctx.processes.parentOf(self)) ?? ctx.processes.byPid(process.ppid);
    let parent = candidate && !candidate.exited && candidate.info.startTime <= process.startTime ? candidate : undefined;
    for (let depth = 0; parent && depth < 16; depth++) {
      if (parent.info.containerId === undefined) return true; // reached the host side
      if (!isRuntimeImage(parent.info)) return false;
      parent = ctx.processes.parentOf(parent);
    }
    return true;
  };
  runtimeChecks.set(runtimeProcesses, check);
  return check;
}

/** Events about one process: what the kernel-level rules read. */
export type ProcessEvent = EventOf<'audit/exec' | 'audit/syscall' | 'proc/process.snapshot'>;

/** The container process an event is about, unless it is the runtime at work. */
export interface Actor {
  process: ProcessInfo & { comm?: string };
  containerId: string;
}

/** A program that started running in a container, from audit (exact) or a /proc scan. */
export interface Execution extends Actor {
  via: 'audit' | 'proc';
  /** The command line joined with spaces, as the command patterns match it. */
  command: string;
}

/**
 * `compute`, answered once per event: most kernel-level rules ask the same questions of each
 * event. The engine evaluates one event at a time, so one slot, keyed by the engine's event
 * count (not the event object, which a caller may pass twice), holds the answer.
 */
function oncePerEvent<E, T>(compute: (event: E, ctx: RuleContext, isRuntime: RuntimeCheck) => T) {
  let context: RuleContext | undefined;
  let events = -1;
  let check: RuntimeCheck | undefined;
  let value: T;
  return (event: E, ctx: RuleContext, isRuntime: RuntimeCheck): T => {
    if (ctx !== context || ctx.stats.events !== events || isRuntime !== check) {
      value = compute(event, ctx, isRuntime);
      context = ctx;
      events = ctx.stats.events;
      check = isRuntime;
    }
    return value;
  };
}

/** The container process an event is about, unless it is the runtime at work. */
export const actorOf = oncePerEvent((event: ProcessEvent, ctx, isRuntime): Actor | undefined => {
  const process = event.source === 'audit' ? event.data.process : event.data;
  const containerId = containerIdOf(process, ctx);
  return containerId === undefined || isRuntime(process, ctx) ? undefined : { process, containerId };
});

/**
 * The execution an event reports, if any: a successful execve seen by audit, or a process a
 * /proc scan saw for the first time or with a new image (how exec shows without audit).
 */
export const executionOf = oncePerEvent(findExecution);

function findExecution(event: VigilEvent, ctx: RuleContext, isRuntime: RuntimeCheck): Execution | undefined {
  if (event.source === 'audit' && event.kind === 'exec') {
    if (!event.data.success) return undefined;
  } else if (event.source === 'proc' && event.kind === 'process.snapshot') {
    const before = ctx.processes.of(event.data)?.previous;
    if (before && before.exe === event.data.exe && sameArgv(before.cmdline, event.data.cmdline)) return undefined;
  } else {
    return undefined;
  }
  const actor = actorOf(event, ctx, isRuntime);
  // Built field by field: an object spread here cost more than the rest of the function.
  return actor && { process: actor.process, containerId: actor.containerId, via: event.source, command: actor.process.cmdline.join(' ') };
}

export const executionKinds = ['audit/exec', 'proc/process.snapshot'] as const;

// The process table: processes identified by pid + start time (pid reuse cannot graft a new
// process onto an old tree), with parent links for ancestry. Bounded: exited processes are
// evicted first. Every event touches it, so it is indexed by pid alone (a number), holders of a
// reused pid are chained behind the newest, and a parent is named by pid + start time rather
// than held, so an evicted ancestor is simply gone.
import type { ProcessInfo, SocketInfo, VigilEvent } from '../events.js';

export interface ProcessEntry {
  info: ProcessInfo;
  /** What the process looked like before its latest update (credential changes show here). */
  previous: ProcessInfo | undefined;
  /** Open sockets at the latest /proc scan. */
  sockets: SocketInfo[];
  /** The parent's pid and start time; -1 when the parent was unknown at insert. */
  parentPid: number;
  parentStart: number;
  exited: boolean;
  /** The previous holder of this pid, while the table keeps it. */
  older: ProcessEntry | undefined;
  removed: boolean;
}

/** Deepest ancestry walked; real trees are far shallower, so hitting it means a loop or junk. */
const MAX_DEPTH = 128;

/** An insertion- or exit-ordered queue of entries, consumed from the head. */
class EntryQueue {
  private items: ProcessEntry[] = [];
  private head = 0;

  push(entry: ProcessEntry): void {
    this.items.push(entry);
  }

  /** The oldest entry still in the table. */
  shift(): ProcessEntry | undefined {
    while (this.head < this.items.length) {
      const entry = this.items[this.head++]!;
      if (!entry.removed) return entry;
    }
    return undefined;
  }

  /**
   * Drops the consumed head once it is half the array, and removed entries once the array passes
   * `limit` (twice what the table can hold): each copy pays for as many pushes as it moves.
   */
  compact(limit: number): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.items.length - this.head > limit) {
      this.items = this.items.slice(this.head).filter((e) => !e.removed);
      this.head = 0;
    }
  }
}

export class ProcessTable {
  /** pid -> the newest process with that pid (older holders chained behind it). */
  private readonly current = new Map<number, ProcessEntry>();
  private readonly inserted = new EntryQueue();
  private readonly exitedOrder = new EntryQueue();
  private count = 0;

  /** Several times the processes a busy node runs at once; exited ones are evicted first. */
  constructor(private readonly cap = 32_768) {}

  apply(event: VigilEvent): void {
    if (event.source === 'proc') {
      if (event.kind === 'process.snapshot') this.upsert(event.data, event.data.sockets);
      else if (event.kind === 'process.exit') this.exit(this.of(event.data));
    } else if (event.source === 'audit') {
      // An exec replaces the process image; another syscall only introduces a process not yet
      // seen (its proctitle is cut at 128 bytes, so it must not overwrite a full argv).
      if (event.kind === 'exec') this.upsert(event.data.process);
      else if (event.kind === 'syscall' && this.of(event.data.process) === undefined) this.insert(event.data.process, [], this.current.get(event.data.process.pid));
    }
  }

  /** The entry for a process (pid + start time), if the table knows it. */
  of(process: { pid: number; startTime: number }): ProcessEntry | undefined {
    return holderAt(this.current.get(process.pid), process.startTime);
  }

  /** The live (or most recent) process with this pid. */
  byPid(pid: number): ProcessEntry | undefined {
    return this.current.get(pid);
  }

  parentOf(entry: ProcessEntry): ProcessEntry | undefined {
    return entry.parentStart < 0 ? undefined : this.of({ pid: entry.parentPid, startTime: entry.parentStart });
  }

  /** The process and its ancestors, nearest first; stops at an unknown parent or a loop. */
  ancestry(entry: ProcessEntry): ProcessEntry[] {
    const chain: ProcessEntry[] = [];
    for (let e: ProcessEntry | undefined = entry; e !== undefined && chain.length < MAX_DEPTH && !chain.includes(e); e = this.parentOf(e)) {
      chain.push(e);
    }
    return chain;
  }

  /** Direct children in stable pid order (a scan: asked for on drill-down, not per event). */
  children(parent: ProcessEntry): ProcessEntry[] {
    const { pid, startTime } = parent.info;
    const found: ProcessEntry[] = [];
    for (const newest of this.current.values()) {
      for (let e: ProcessEntry | undefined = newest; e !== undefined; e = e.older) {
        if (e.parentPid === pid && e.parentStart === startTime) found.push(e);
      }
    }
    return found.sort((a, b) => a.info.pid - b.info.pid || a.info.startTime - b.info.startTime);
  }

  get size(): number {
    return this.count;
  }

  private upsert(info: ProcessInfo, sockets?: SocketInfo[]): void {
    const newest = this.current.get(info.pid);
    const known = holderAt(newest, info.startTime);
    if (known === undefined) return this.insert(info, sockets ?? [], newest);
    known.previous = known.info;
    // Most updates are a rescan finding the process as it was: the record it has stays.
    if (!sameProcess(known.info, info)) known.info = this.kept(info, known);
    if (sockets) known.sockets = sockets;
  }

  /** `older`: the process that held the pid until now (pid reuse), which is therefore gone. */
  private insert(info: ProcessInfo, sockets: SocketInfo[], older: ProcessEntry | undefined): void {
    this.exit(older);
    const parent = this.current.get(info.ppid);
    const known = parent !== undefined && parent.info.startTime <= info.startTime;
    const entry: ProcessEntry = {
      info,
      previous: undefined,
      sockets,
      parentPid: known ? parent.info.pid : -1,
      parentStart: known ? parent.info.startTime : -1,
      exited: false,
      older,
      removed: false,
    };
    entry.info = this.kept(info, entry);
    this.current.set(info.pid, entry);
    this.inserted.push(entry);
    if (++this.count > this.cap) this.evict();
  }

  /** What the table keeps of a process: the event's object carries more (sockets, audit fields). */
  private kept(info: ProcessInfo & { comm?: string }, entry: ProcessEntry): ProcessInfo {
    const kept: ProcessInfo & { comm?: string } = {
      pid: info.pid,
      ppid: info.ppid,
      startTime: info.startTime,
      exe: info.exe,
      cmdline: info.cmdline,
      uid: info.uid,
      euid: info.euid,
    };
    // A process whose cgroup could not be read (it was gone) belongs to its parent's container:
    // children inherit their parent's cgroup at fork.
    const containerId = info.containerId ?? this.parentOf(entry)?.info.containerId;
    if (containerId !== undefined) kept.containerId = containerId;
    // The runtime check reads the name runc's stages give themselves.
    if (info.comm !== undefined) kept.comm = info.comm;
    return kept;
  }

  private exit(entry: ProcessEntry | undefined): void {
    if (entry === undefined || entry.exited) return;
    entry.exited = true;
    this.exitedOrder.push(entry);
  }

  private evict(): void {
    while (this.count > this.cap) {
      const victim = this.exitedOrder.shift() ?? this.inserted.shift();
      if (victim === undefined) break;
      this.remove(victim);
    }
    this.exitedOrder.compact(this.cap * 2);
    this.inserted.compact(this.cap * 2);
  }

  private remove(entry: ProcessEntry): void {
    entry.removed = true;
    this.count--;
    const newest = this.current.get(entry.info.pid);
    if (newest === entry) {
      if (entry.older !== undefined) this.current.set(entry.info.pid, entry.older);
      else this.current.delete(entry.info.pid);
      return;
    }
    for (let e = newest; e !== undefined; e = e.older) {
      if (e.older === entry) {
        e.older = entry.older;
        return;
      }
    }
  }
}

/** The holder of a pid, from its newest back through older ones, that started at `startTime`. */
function holderAt(newest: ProcessEntry | undefined, startTime: number): ProcessEntry | undefined {
  let entry = newest;
  while (entry !== undefined && entry.info.startTime !== startTime) entry = entry.older;
  return entry;
}

function sameProcess(a: ProcessInfo & { comm?: string }, b: ProcessInfo & { comm?: string }): boolean {
  if (a.exe !== b.exe || a.uid !== b.uid || a.euid !== b.euid || a.ppid !== b.ppid || a.comm !== b.comm) return false;
  if (b.containerId !== undefined && a.containerId !== b.containerId) return false;
  return sameArgv(a.cmdline, b.cmdline);
}

export function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

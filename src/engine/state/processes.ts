// The process table: processes keyed by pid + start time (pid reuse cannot graft a new process
// onto an old tree), with parent links for ancestry. Bounded: exited processes are evicted first.
import type { ProcessInfo, SocketInfo, VigilEvent } from '../events.js';

export interface ProcessEntry {
  key: string;
  info: ProcessInfo;
  /** What the process looked like before its latest update (credential changes show here). */
  previous: ProcessInfo | undefined;
  /** Open sockets at the latest /proc scan. */
  sockets: SocketInfo[];
  parentKey: string | undefined;
  children: Set<string>;
  exited: boolean;
}

export function processKey(pid: number, startTime: number): string {
  return `${pid}:${startTime}`;
}

/** Deepest ancestry walked; real trees are far shallower, so hitting it means a loop or junk. */
const MAX_DEPTH = 128;

export class ProcessTable {
  private readonly byKey = new Map<string, ProcessEntry>();
  /** pid -> key of the newest process with that pid. */
  private readonly currentByPid = new Map<number, string>();
  private readonly exitedOrder: string[] = [];

  constructor(private readonly cap = 65_536) {}

  apply(event: VigilEvent): void {
    if (event.source === 'proc') {
      if (event.kind === 'process.snapshot') this.upsert(event.data, event.data.sockets);
      else this.exit(processKey(event.data.pid, event.data.startTime));
    } else if (event.source === 'audit') {
      // An exec replaces the process image; another syscall only introduces a process not yet
      // seen (its proctitle is cut at 128 bytes, so it must not overwrite a full argv).
      if (event.kind === 'exec') this.upsert(event.data.process);
      else if (event.kind === 'syscall') this.introduce(event.data.process);
    }
  }

  /** The entry for the process an event names, if the table knows it. */
  of(process: { pid: number; startTime: number }): ProcessEntry | undefined {
    return this.byKey.get(processKey(process.pid, process.startTime));
  }

  get(key: string): ProcessEntry | undefined {
    return this.byKey.get(key);
  }

  /** The live (or most recent) process with this pid. */
  byPid(pid: number): ProcessEntry | undefined {
    const key = this.currentByPid.get(pid);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** The process and its ancestors, nearest first; stops at an unknown parent or a loop. */
  ancestry(key: string): ProcessEntry[] {
    const chain: ProcessEntry[] = [];
    const seen = new Set<string>();
    for (let k: string | undefined = key; k !== undefined && chain.length < MAX_DEPTH; ) {
      const entry = this.byKey.get(k);
      if (!entry || seen.has(k)) break;
      seen.add(k);
      chain.push(entry);
      k = entry.parentKey;
    }
    return chain;
  }

  /** Direct children in stable pid order. */
  children(key: string): ProcessEntry[] {
    const entry = this.byKey.get(key);
    if (!entry) return [];
    return [...entry.children]
      .map((k) => this.byKey.get(k))
      .filter((e): e is ProcessEntry => e !== undefined)
      .sort((a, b) => a.info.pid - b.info.pid || a.info.startTime - b.info.startTime);
  }

  get size(): number {
    return this.byKey.size;
  }

  private upsert(info: ProcessInfo, sockets?: SocketInfo[]): void {
    const known = this.byKey.get(processKey(info.pid, info.startTime));
    if (!known) return this.insert(info, sockets ?? []);
    known.previous = known.info;
    known.info = this.attributed(info, known.parentKey);
    if (sockets) known.sockets = sockets;
  }

  private introduce(info: ProcessInfo): void {
    if (!this.byKey.has(processKey(info.pid, info.startTime))) this.insert(info, []);
  }

  private insert(info: ProcessInfo, sockets: SocketInfo[]): void {
    const key = processKey(info.pid, info.startTime);
    const previous = this.currentByPid.get(info.pid);
    if (previous !== undefined) this.exit(previous); // pid reused: the old holder is gone
    const parent = this.byPid(info.ppid);
    const parentKey = parent && parent.info.startTime <= info.startTime ? parent.key : undefined;
    this.byKey.set(key, {
      key,
      info: this.attributed(info, parentKey),
      previous: undefined,
      sockets,
      parentKey,
      children: new Set(),
      exited: false,
    });
    this.currentByPid.set(info.pid, key);
    if (parentKey !== undefined) parent!.children.add(key);
    this.evict();
  }

  /**
   * A process whose cgroup could not be read (it was gone) belongs to its parent's container:
   * children inherit their parent's cgroup at fork.
   */
  private attributed(info: ProcessInfo, parentKey: string | undefined): ProcessInfo {
    if (info.containerId !== undefined || parentKey === undefined) return info;
    const containerId = this.byKey.get(parentKey)?.info.containerId;
    return containerId === undefined ? info : { ...info, containerId };
  }

  private exit(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry || entry.exited) return;
    entry.exited = true;
    this.exitedOrder.push(key);
  }

  private evict(): void {
    while (this.byKey.size > this.cap) {
      const key = this.exitedOrder.shift() ?? this.byKey.keys().next().value!;
      this.remove(key);
    }
  }

  private remove(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.byKey.delete(key);
    if (this.currentByPid.get(entry.info.pid) === key) this.currentByPid.delete(entry.info.pid);
    if (entry.parentKey !== undefined) this.byKey.get(entry.parentKey)?.children.delete(key);
  }
}

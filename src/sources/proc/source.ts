// The proc source: a snapshot of every container process at start, then a scan every second
// that emits what changed (a new process, a new image or credentials, different sockets) and
// which processes exited. Without audit this is how execs are seen, only coarser.
import { readFileSync, readlinkSync } from 'node:fs';
import type { SocketInfo } from '../../engine/events.js';
import { isoNow, type Emit, type Source } from '../source.js';
import { readContainerOf } from './cgroup.js';
import { DEFAULT_PROC_ROOT, listPids, readProcess, type ProcessDetails } from './process.js';
import { readNetTables, readSocketFds, type NetSocket } from './sockets.js';

export interface ProcSourceOptions {
  intervalMs?: number;
  procRoot?: string;
}

interface Known {
  startTime: number;
  /** undefined: a host process (not watched, but remembered so its cgroup is read once). */
  containerId: string | undefined;
  /** What was last emitted, to emit changes only. */
  signature: string;
}

export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The network namespace id, to read socket tables once per namespace; unreadable: per pid. */
function namespaceOf(pid: number, procRoot: string): string {
  try {
    return readlinkSync(`${procRoot}/${pid}/ns/net`);
  } catch {
    return `pid:${pid}`; // gone or denied (ptrace rules deny even root some processes)
  }
}

export class ProcSource implements Source {
  readonly name = 'proc';
  private emit: Emit = () => {};
  private timer: NodeJS.Timeout | undefined;
  private readonly known = new Map<number, Known>();
  private readonly intervalMs: number;
  private readonly procRoot: string;
  private scanning = false;
  private corePattern: string | undefined;

  constructor(options: ProcSourceOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.procRoot = options.procRoot ?? DEFAULT_PROC_ROOT;
  }

  start(emit: Emit): void {
    this.emit = emit;
    this.scan();
    this.timer = setInterval(() => this.scan(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  /** One pass over /proc. Synchronous: /proc answers from memory, and a pass is short. */
  scan(): void {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const seen = new Set<number>();
      const tables = new Map<string, Map<number, NetSocket> | undefined>();
      for (const pid of listPids(this.procRoot)) {
        seen.add(pid);
        this.visit(pid, tables);
      }
      for (const [pid, known] of this.known) {
        if (seen.has(pid)) continue;
        this.known.delete(pid);
        if (known.containerId !== undefined) this.exited(pid, known.startTime);
      }
      this.readCorePattern();
    } finally {
      this.scanning = false;
    }
  }

  private visit(pid: number, tables: Map<string, Map<number, NetSocket> | undefined>): void {
    const details = readProcess(pid, this.procRoot);
    if (!details || details.state === 'Z') return;
    let known = this.known.get(pid);
    if (known && known.startTime !== details.startTime) {
      // The pid was reused between two scans: the old process exited.
      if (known.containerId !== undefined) this.exited(pid, known.startTime);
      known = undefined;
    }
    if (!known) {
      known = { startTime: details.startTime, containerId: readContainerOf(pid, this.procRoot)?.id, signature: '' };
      this.known.set(pid, known);
    }
    if (known.containerId === undefined || details.exe === '') return;
    const sockets = this.sockets(pid, tables);
    const signature = JSON.stringify([details.exe, details.cmdline, details.uid, details.euid, details.ppid, sockets]);
    if (signature === known.signature) return;
    known.signature = signature;
    this.emitSnapshot(details, known.containerId, sockets);
  }

  private emitSnapshot(p: ProcessDetails, containerId: string, sockets: SocketInfo[]): void {
    this.emit({
      ts: isoNow(),
      source: 'proc',
      kind: 'process.snapshot',
      data: { pid: p.pid, ppid: p.ppid, startTime: p.startTime, exe: p.exe, cmdline: p.cmdline, uid: p.uid, euid: p.euid, containerId, sockets },
    });
  }

  /** The host's core_pattern, emitted at the first scan and then when it changes. */
  private readCorePattern(): void {
    let value: string;
    try {
      value = readFileSync(`${this.procRoot}/sys/kernel/core_pattern`, 'utf8').replace(/\n$/, '');
    } catch {
      return; // no such setting here (a /proc without sys)
    }
    if (value === this.corePattern) return;
    const reason = this.corePattern === undefined ? 'startup' : 'change';
    this.corePattern = value;
    this.emit({ ts: isoNow(), source: 'proc', kind: 'host.setting', data: { name: 'kernel.core_pattern', value, reason } });
  }

  private exited(pid: number, startTime: number): void {
    this.emit({ ts: isoNow(), source: 'proc', kind: 'process.exit', data: { pid, startTime } });
  }

  /** The process's network sockets; tables are read once per network namespace per scan. */
  private sockets(pid: number, tables: Map<string, Map<number, NetSocket> | undefined>): SocketInfo[] {
    const fds = readSocketFds(pid, this.procRoot);
    if (!fds || fds.size === 0) return [];
    const netns = namespaceOf(pid, this.procRoot);
    if (!tables.has(netns)) tables.set(netns, readNetTables(pid, this.procRoot));
    const table = tables.get(netns);
    const out: SocketInfo[] = [];
    for (const [fd, inode] of [...fds].sort((a, b) => a[0] - b[0])) {
      const s = table?.get(inode);
      if (s) out.push({ fd, protocol: s.protocol, local: endpoint(s.local.address, s.local.port), remote: endpoint(s.remote.address, s.remote.port), state: s.state });
    }
    return out;
  }
}

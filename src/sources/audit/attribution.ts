// Which process, and which container, an audit event belongs to. Live, /proc answers while the
// process exists: its start time (pid + start time name one process) and its cgroup. When it is
// gone, or offline, the process tree seen in the log answers: a container's processes descend
// from its containerd-shim, whose command line names the container (`-id <id>`).
import { readContainerOf } from '../proc/cgroup.js';
import { bootTimeMs, clockTicksPerSecond, readStat } from '../proc/process.js';

export interface Attributed {
  startTime: number;
  startTimeExact: boolean;
  containerId: string | undefined;
}

/** Remembered pids: enough for every live process of a busy host, bounded all the same. */
const TREE_CAP = 65_536;

export class Attribution {
  private readonly byPid = new Map<number, string>();
  private readonly shims = new Map<number, string>();
  private readonly boot: number | undefined;
  private readonly ticks: number;

  /** `live`: consult /proc. Offline (a saved log) only the log's own process tree is used. */
  constructor(private readonly live: boolean, private readonly procRoot = '/proc') {
    this.boot = live ? bootTimeMs(procRoot) : undefined;
    this.ticks = clockTicksPerSecond();
  }

  /** Learns the process tree from an exec: shims name their container, children inherit. */
  noteExec(pid: number, argv: readonly string[]): void {
    const name = (argv[0] ?? '').slice((argv[0] ?? '').lastIndexOf('/') + 1);
    const id = name.startsWith('containerd-shim') ? argv[argv.indexOf('-id') + 1] : undefined;
    if (id && /^[0-9a-f]{64}$/.test(id)) this.shims.set(pid, id);
    else this.shims.delete(pid); // the pid now runs something else
  }

  resolve(pid: number, ppid: number, time: number): Attributed {
    const fromProc = this.live ? this.fromProc(pid, time) : undefined;
    const containerId = fromProc ? fromProc.containerId : (this.byPid.get(pid) ?? this.shims.get(ppid) ?? this.byPid.get(ppid));
    this.remember(pid, containerId);
    if (fromProc) return fromProc;
    // Gone: an estimate from the event time, in the same unit, so it orders with exact ones.
    const base = this.boot ?? 0;
    return { startTime: Math.max(0, Math.floor(((time - base) * this.ticks) / 1000)), startTimeExact: false, containerId };
  }

  private fromProc(pid: number, time: number): Attributed | undefined {
    const stat = readStat(pid, this.procRoot);
    if (!stat) return undefined;
    // A process started after the event is a newer one that reused the pid.
    if (this.boot !== undefined && this.boot + (stat.startTime * 1000) / this.ticks > time + 1000) return undefined;
    const containerId = readContainerOf(pid, this.procRoot)?.id ?? this.byPid.get(pid);
    return { startTime: stat.startTime, startTimeExact: true, containerId };
  }

  private remember(pid: number, containerId: string | undefined): void {
    if (containerId === undefined) {
      this.byPid.delete(pid);
      return;
    }
    this.byPid.delete(pid); // re-insert: the map's order is its age
    this.byPid.set(pid, containerId);
    if (this.byPid.size > TREE_CAP) this.byPid.delete(this.byPid.keys().next().value!);
  }
}

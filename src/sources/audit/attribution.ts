// Which process, and which container, an audit event belongs to. Live, /proc answers while the
// process exists: its start time (pid + start time name one process) and its cgroup. When it is
// gone, or offline, the process tree seen in the log answers: a container's processes descend
// from its containerd-shim, whose command line names the container (`-id <id>`).
import { readContainerOf } from '../proc/cgroup.js';
import { bootTimeMs, clockTicksPerSecond, readCmdline, readStat } from '../proc/process.js';

export interface Attributed {
  startTime: number;
  startTimeExact: boolean;
  containerId: string | undefined;
}

/** Remembered pids: enough for every live process of a busy host, bounded all the same. */
const TREE_CAP = 65_536;
/** Ancestors walked to attribute a vanished process; container trees are far shallower. */
const MAX_WALK = 16;

export class Attribution {
  private readonly byPid = new Map<number, string>();
  private readonly parentOf = new Map<number, number>();
  private readonly started = new Map<number, { startTime: number; exact: boolean }>();
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
    const id = shimContainer(argv);
    if (id) this.shims.set(pid, id);
    else this.shims.delete(pid); // the pid now runs something else
  }

  resolve(pid: number, ppid: number, time: number): Attributed {
    this.remember(this.parentOf, pid, ppid);
    const fromProc = this.live ? this.fromProc(pid, time) : undefined;
    const containerId = fromProc ? fromProc.containerId : (this.byPid.get(pid) ?? this.fromAncestors(ppid));
    this.remember(this.byPid, pid, containerId);
    if (fromProc) {
      this.remember(this.started, pid, { startTime: fromProc.startTime, exact: true });
      return fromProc;
    }
    // Gone: the start time it was last seen with (its events must name one process), else an
    // estimate from the event time, in the same unit, so it orders with exact ones.
    const base = this.boot ?? 0;
    const seen = this.started.get(pid) ?? { startTime: Math.max(0, Math.floor(((time - base) * this.ticks) / 1000)), exact: false };
    this.remember(this.started, pid, seen);
    return { startTime: seen.startTime, startTimeExact: seen.exact, containerId };
  }

  private fromProc(pid: number, time: number): Attributed | undefined {
    const stat = readStat(pid, this.procRoot);
    if (!stat) return undefined;
    // A process started after the event is a newer one that reused the pid.
    if (this.boot !== undefined && this.boot + (stat.startTime * 1000) / this.ticks > time + 1000) return undefined;
    const containerId = readContainerOf(pid, this.procRoot)?.id ?? this.byPid.get(pid);
    return { startTime: stat.startTime, startTimeExact: true, containerId };
  }

  /**
   * A process gone before its cgroup was read (a short `docker exec`) belongs to the container
   * of its nearest known ancestor; below a container's shim (runc exec, runc init) that is the
   * shim's container. Live, ancestors still running are looked up in /proc.
   */
  private fromAncestors(ppid: number): string | undefined {
    for (let p: number | undefined = ppid, depth = 0; p !== undefined && p > 1 && depth < MAX_WALK; depth++) {
      const known = this.byPid.get(p) ?? this.shims.get(p) ?? this.shimFromProc(p);
      if (known !== undefined) return known;
      p = this.parentOf.get(p) ?? (this.live ? readStat(p, this.procRoot)?.ppid : undefined);
    }
    return undefined;
  }

  private shimFromProc(pid: number): string | undefined {
    if (!this.live) return undefined;
    const id = shimContainer(readCmdline(pid, this.procRoot) ?? []);
    if (id) this.shims.set(pid, id);
    return id;
  }

  /** Sets or clears a pid's entry in a bounded map whose insertion order is its age. */
  private remember<V>(map: Map<number, V>, pid: number, value: V | undefined): void {
    map.delete(pid);
    if (value === undefined) return;
    map.set(pid, value);
    if (map.size > TREE_CAP) map.delete(map.keys().next().value!);
  }
}

/** The container a containerd shim serves, from its command line (`-id <id>`). */
function shimContainer(argv: readonly string[]): string | undefined {
  const name = (argv[0] ?? '').slice((argv[0] ?? '').lastIndexOf('/') + 1);
  const id = name.startsWith('containerd-shim') ? argv[argv.indexOf('-id') + 1] : undefined;
  return id && /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}

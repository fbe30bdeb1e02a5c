// The container table: the latest snapshot of every container, fed only by docker events.
// Destroyed containers stay (marked) for a while so their alerts can still be drilled into.
import type { ContainerSnapshot, VigilEvent } from '../events.js';

export interface ContainerEntry {
  snapshot: ContainerSnapshot;
  removed: boolean;
}

export class ContainerTable {
  private readonly byId = new Map<string, ContainerEntry>();
  /** Host pid of each running container's init process -> container id. */
  private readonly byInitPid = new Map<number, string>();
  private readonly removedOrder: string[] = [];
  private lastId: string | undefined;
  private lastEntry: ContainerEntry | undefined;

  constructor(private readonly removedCap = 1024) {}

  apply(event: VigilEvent): void {
    if (event.source !== 'docker') return;
    this.lastId = undefined;
    if (event.kind === 'container.snapshot') {
      const { container } = event.data;
      this.trackInit(container);
      const entry = this.byId.get(container.id);
      if (entry) {
        entry.snapshot = container;
        entry.removed = false;
      } else {
        this.byId.set(container.id, { snapshot: container, removed: false });
      }
      return;
    }
    const entry = this.byId.get(event.data.id);
    if (!entry) return;
    if (event.data.action === 'rename') entry.snapshot = { ...entry.snapshot, name: event.data.name };
    if (event.data.action === 'destroy' && !entry.removed) {
      entry.removed = true;
      this.removedOrder.push(event.data.id);
      this.evictRemoved();
    }
  }

  get(id: string): ContainerEntry | undefined {
    // Several rules look up the same container for one event: the last answer is kept (ids are
    // 64 characters, and hashing a freshly parsed one each time shows in a profile).
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastEntry = this.byId.get(id);
    }
    return this.lastEntry;
  }

  /**
   * The container whose own filesystem (its writable layer or merged root, as the host sees
   * them) holds a host path. Walks every container: for rare events only.
   */
  withHostPath(path: string): string | undefined {
    for (const [id, { snapshot, removed }] of this.byId) {
      if (removed) continue;
      const { UpperDir, MergedDir } = snapshot.graphDriver.data;
      if ([UpperDir, MergedDir].some((dir) => dir && path.startsWith(`${dir}/`))) return id;
    }
    return undefined;
  }

  /** The container whose init process has this host pid (the runtime reports it on start). */
  withInitPid(pid: number): string | undefined {
    return this.byInitPid.get(pid);
  }

  private trackInit(c: ContainerSnapshot): void {
    for (const [pid, id] of this.byInitPid) if (id === c.id && pid !== c.state.pid) this.byInitPid.delete(pid);
    if (c.state.running && c.state.pid > 0) this.byInitPid.set(c.state.pid, c.id);
  }

  /** Containers not yet destroyed. */
  *live(): IterableIterator<ContainerSnapshot> {
    for (const entry of this.byId.values()) if (!entry.removed) yield entry.snapshot;
  }

  get size(): number {
    return this.byId.size;
  }

  private evictRemoved(): void {
    while (this.removedOrder.length > this.removedCap) {
      const id = this.removedOrder.shift()!;
      if (this.byId.get(id)?.removed) this.byId.delete(id);
    }
  }
}

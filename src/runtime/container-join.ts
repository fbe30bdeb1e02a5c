// Live sources race each other: a new container's first processes reach vigil through /proc
// and audit before the docker source has inspected it, all the more on a loaded host. The engine
// would then judge them without the container: alerts with no name or image, and no verdict at
// all from rules that need the image (process whitelists). So while Docker is up, the events of
// a container it has not described yet wait here for its snapshot, for a bounded time; events of
// other containers and of the host go on. Only arrival order changes, before numbering and
// recording, so a replay sees exactly what the engine saw.
import type { UnsequencedEvent } from '../engine/events.js';
import { RecentMap } from '../engine/recent-map.js';

export interface ContainerJoinOptions {
  /** How long a container's events wait for its snapshot, in ms (a container Docker does not run never gets one). */
  maxWaitMs: number;
  /** Events waiting at most, all containers together; beyond it the longest-waiting container goes on. */
  capacity: number;
}

export const defaultContainerJoinOptions: ContainerJoinOptions = { maxWaitMs: 3_000, capacity: 10_000 };

/** Containers remembered as described (or waited for in vain): far more than a host runs. */
const KNOWN_CAP = 65_536;

interface Waiting {
  events: UnsequencedEvent[];
  pids: number[];
  timer: NodeJS.Timeout;
}

export class ContainerJoin {
  private dockerUp = false;
  private readonly settled = new RecentMap<string, true>(KNOWN_CAP);
  private readonly waiting = new Map<string, Waiting>();
  /** Pids whose events wait, so their exits wait behind them. */
  private readonly waitingPids = new Map<number, string>();
  private count = 0;

  constructor(
    private readonly emit: (event: UnsequencedEvent) => void,
    private readonly options: ContainerJoinOptions = defaultContainerJoinOptions,
  ) {}

  /** Events waiting for their container's snapshot. */
  get held(): number {
    return this.count;
  }

  readonly push = (event: UnsequencedEvent): void => {
    if (event.source === 'docker') {
      this.emit(event);
      const id = event.kind === 'container.snapshot' ? event.data.container.id : event.data.action === 'destroy' ? event.data.id : undefined;
      if (id !== undefined) this.settle(id);
      return;
    }
    if (event.source === 'vigil' && event.kind === 'source.status' && event.data.source === 'docker') {
      this.dockerUp = event.data.state === 'up';
      this.emit(event);
      if (!this.dockerUp) this.flush();
      return;
    }
    const id = containerOf(event) ?? (event.source === 'proc' && event.kind === 'process.exit' ? this.waitingPids.get(event.data.pid) : undefined);
    if (id === undefined || !this.dockerUp || this.settled.has(id)) {
      this.emit(event);
      return;
    }
    this.hold(id, event);
  };

  /** Lets every waiting event go on, longest-waiting container first. */
  flush(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id);
  }

  private hold(id: string, event: UnsequencedEvent): void {
    let group = this.waiting.get(id);
    if (!group) {
      group = { events: [], pids: [], timer: setTimeout(() => this.settle(id), this.options.maxWaitMs).unref() };
      this.waiting.set(id, group);
    }
    group.events.push(event);
    const pid = pidOf(event);
    if (pid !== undefined) {
      group.pids.push(pid);
      this.waitingPids.set(pid, id);
    }
    if (++this.count > this.options.capacity) this.settle(this.waiting.keys().next().value!);
  }

  /** The container is described (or will not be): its waiting events go on, later ones pass. */
  private settle(id: string): void {
    this.settled.set(id, true);
    const group = this.waiting.get(id);
    if (!group) return;
    this.waiting.delete(id);
    clearTimeout(group.timer);
    for (const pid of group.pids) if (this.waitingPids.get(pid) === id) this.waitingPids.delete(pid);
    this.count -= group.events.length;
    for (const event of group.events) this.emit(event);
  }
}

/** The container an event is about, as its source attributed it. */
function containerOf(event: UnsequencedEvent): string | undefined {
  switch (event.source) {
    case 'audit':
      return event.kind === 'status' ? undefined : event.data.process.containerId;
    case 'proc':
      return event.kind === 'process.snapshot' ? event.data.containerId : undefined;
    case 'files':
    case 'logs':
      return event.data.containerId;
    default:
      return undefined;
  }
}

function pidOf(event: UnsequencedEvent): number | undefined {
  if (event.source === 'audit' && event.kind !== 'status') return event.data.process.pid;
  if (event.source === 'proc' && event.kind === 'process.snapshot') return event.data.pid;
  return undefined;
}

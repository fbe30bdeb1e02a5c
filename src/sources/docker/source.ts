// The docker source: lists and inspects every container at start, follows the daemon's event
// stream, and turns both into snapshot and lifecycle events. When dockerd goes away it says so,
// reconnects with backoff and resynchronises (containers that vanished meanwhile are destroyed).
import type Docker from 'dockerode';
import pLimit from 'p-limit';
import { lifecycleActions, type ContainerSnapshot, type LifecycleAction, type SourceState } from '../../engine/events.js';
import { isoNow, sourceStatus, type Emit, type Source } from '../source.js';
import type { DockerClient } from './client.js';
import { snapshotFromInspect } from './snapshot.js';
import { splitLines } from '../lines.js';

export interface DockerSourceOptions {
  /** Keep container environment values in snapshots (and so in recordings). */
  keepEnvValues?: boolean;
  /** Backoff bounds for reconnecting, in ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** The client, or why none could be made from the environment (see dockerClient). */
  client: DockerClient;
}

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
  time?: number;
}

const actions = new Set<string>(lifecycleActions);
/** Inspects in flight at once: a burst of container events is described side by side, not in turn. */
const INSPECTS_AT_ONCE = 8;

export class DockerSource implements Source {
  readonly name = 'docker';
  private emit: Emit = () => {};
  private client: Docker | undefined;
  private stream: NodeJS.ReadableStream | undefined;
  private stopped = false;
  private state: SourceState | undefined;
  /** Serialises event handling so lifecycle and snapshot events keep the daemon's order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly inspects = pLimit(INSPECTS_AT_ONCE);
  private readonly known = new Set<string>();
  private readonly digestCache = new Map<string, readonly string[]>();
  private cgroupVersion = '';
  private usernsRemap = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private connected: Promise<void> | undefined;
  private resolveConnected: (() => void) | undefined;

  constructor(private readonly options: DockerSourceOptions) {
    this.minBackoff = options.minBackoffMs ?? 500;
    this.maxBackoff = options.maxBackoffMs ?? 10_000;
    this.backoff = this.minBackoff;
  }

  start(emit: Emit): void {
    this.emit = emit;
    this.connected = new Promise((resolve) => (this.resolveConnected = resolve));
    void this.connect(true);
  }

  /** Resolves once the first listing has been emitted (or the source reported itself down). */
  ready(): Promise<void> {
    return this.connected ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    (this.stream as { destroy?: () => void } | undefined)?.destroy?.();
    await this.queue;
  }

  /** Stops a container (enforcement) and reports the outcome as an event. */
  async stopContainer(id: string): Promise<void> {
    let error: string | undefined;
    try {
      if (!this.client) throw new Error('docker is not connected');
      await this.client.getContainer(id).stop({ t: 1 });
    } catch (err) {
      // 304: already stopped, which is what enforcement wants.
      if ((err as { statusCode?: number }).statusCode !== 304) error = describe(err);
    }
    this.emit({
      ts: isoNow(),
      source: 'vigil',
      kind: 'enforcement',
      data: { containerId: id, action: 'stop', ok: error === undefined, ...(error !== undefined && { error }) },
    });
  }

  private async connect(first: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.options.client.ok) throw new Error(this.options.client.reason);
      this.client = this.options.client.client;
      const info = (await this.client.info()) as { CgroupVersion?: string; SecurityOptions?: string[] };
      this.cgroupVersion = info.CgroupVersion ?? '';
      this.usernsRemap = (info.SecurityOptions ?? []).some((o) => o.startsWith('name=userns'));
      const stream = (await this.client.getEvents({ filters: { type: ['container'] } })) as NodeJS.ReadableStream;
      if (this.stopped) return void (stream as { destroy?: () => void }).destroy?.();
      this.stream = stream;
      this.backoff = this.minBackoff;
      this.setState('up');
      await this.enqueue(() => this.resync(first ? 'startup' : 'resync'));
      this.resolveConnected?.();
      stream.on('data', splitLines((line) => this.onMessage(line)));
      stream.once('error', (err: unknown) => this.lost(`event stream failed: ${describe(err)}`));
      stream.once('end', () => this.lost('event stream closed by dockerd'));
    } catch (err) {
      this.client = undefined;
      this.lost(describe(err));
    }
  }

  private lost(reason: string): void {
    this.stream = undefined;
    if (this.stopped) return;
    this.setState('down', reason);
    this.resolveConnected?.();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(false), this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.maxBackoff);
  }

  /** Emits state changes only: retries failing for a new reason are the same outage. */
  private setState(state: SourceState, reason?: string): void {
    if (this.state === state) return;
    this.state = state;
    this.emit(sourceStatus(this.name, state, reason));
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task, task);
    return this.queue;
  }

  /** Lists every container and snapshots it; those known but no longer listed are destroyed. */
  private async resync(reason: 'startup' | 'resync'): Promise<void> {
    const client = this.client!;
    const listed = await client.listContainers({ all: true });
    const ids = new Set(listed.map((c) => c.Id));
    for (const id of [...this.known]) {
      if (ids.has(id)) continue;
      this.known.delete(id);
      this.emit({ ts: isoNow(), source: 'docker', kind: 'container.lifecycle', data: { action: 'destroy', id, name: '', image: '' } });
    }
    // Oldest first, so a recording reads in creation order.
    const sorted = [...listed].sort((a, b) => a.Created - b.Created || a.Id.localeCompare(b.Id));
    const described = sorted.map((c) => this.describe(c.Id));
    for (const pending of described) this.emitSnapshot(await pending, reason, isoNow());
  }

  /**
   * A container's snapshot, or undefined when it is gone (its destroy event follows). Called as
   * the event arrives, so the inspect runs while earlier events are still being described; the
   * snapshots are emitted in event order all the same. A slow dockerd then delays each snapshot
   * by one inspect, not by every inspect queued before it.
   */
  private describe(id: string): Promise<ContainerSnapshot | undefined> {
    const client = this.client!;
    return this.inspects(async () => {
      try {
        const inspect = await client.getContainer(id).inspect();
        return snapshotFromInspect(inspect, {
          cgroupVersion: this.cgroupVersion,
          usernsRemap: this.usernsRemap,
          imageDigests: await this.imageDigests(client, inspect.Image),
          keepEnvValues: this.options.keepEnvValues === true,
        });
      } catch {
        return undefined;
      }
    });
  }

  private emitSnapshot(container: ContainerSnapshot | undefined, reason: 'startup' | 'resync' | LifecycleAction, ts: string): void {
    if (!container) return;
    this.known.add(container.id);
    this.emit({ ts, source: 'docker', kind: 'container.snapshot', data: { reason, container } });
  }

  private async imageDigests(client: Docker, imageId: string): Promise<readonly string[]> {
    const cached = this.digestCache.get(imageId);
    if (cached) return cached;
    let digests: readonly string[] = [];
    try {
      digests = (await client.getImage(imageId).inspect()).RepoDigests ?? [];
    } catch {
      // image already removed: the id still identifies it
    }
    this.digestCache.set(imageId, digests);
    return digests;
  }

  private onMessage(line: string): void {
    let message: DockerEventMessage;
    try {
      message = JSON.parse(line) as DockerEventMessage;
    } catch {
      return;
    }
    const action = message.Action ?? '';
    const id = message.Actor?.ID;
    if (message.Type !== 'container' || !actions.has(action) || !id) return;
    const attrs = message.Actor?.Attributes ?? {};
    const ts = message.timeNano
      ? new Date(Math.floor(message.timeNano / 1e6)).toISOString()
      : message.time
        ? new Date(message.time * 1000).toISOString()
        : isoNow();
    const lifecycle = action as LifecycleAction;
    const described = lifecycle === 'destroy' ? undefined : this.describe(id);
    void this.enqueue(async () => {
      const exitCode = attrs.exitCode === undefined ? undefined : Number(attrs.exitCode);
      this.emit({
        ts,
        source: 'docker',
        kind: 'container.lifecycle',
        data: {
          action: lifecycle,
          id,
          name: (attrs.name ?? '').replace(/^\//, ''),
          image: attrs.image ?? '',
          ...(exitCode !== undefined && Number.isInteger(exitCode) && { exitCode }),
        },
      });
      if (described) this.emitSnapshot(await described, lifecycle, ts);
      else this.known.delete(id);
    });
  }
}

function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: string; address?: string; message?: string; statusCode?: number };
    if (e.code && e.address) return `${e.code} ${e.address}`;
    if (e.message) return e.message.split('\n', 1)[0]!;
  }
  return String(err);
}

// What the status line shows, kept outside React: each source's state, the event rate, skipped
// and lost counts, and whether a recording is being written. Published like the alert store.
import type { SourceState, UnsequencedEvent } from '../../engine/events.js';

export interface SourceStatus {
  state: SourceState;
  reason?: string;
}

export interface StatusSnapshot {
  sources: ReadonlyMap<string, SourceStatus>;
  eventsPerSec: number;
  events: number;
  lost: number;
  /** Live events vigil dropped because the engine could not keep up. */
  dropped: number;
  skipped: number;
  recording: string | undefined;
}

export class StatusModel {
  private readonly sources = new Map<string, SourceStatus>();
  private events = 0;
  private lost = 0;
  private dropped = 0;
  private skipped = 0;
  private recording: string | undefined;
  private rate = 0;
  private windowStart = Date.now();
  private windowEvents = 0;
  private snapshot: StatusSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.snapshot = this.build();
    // Once a second: the rate, and one publish for whatever changed.
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  observe = (event: UnsequencedEvent): void => {
    this.events++;
    this.windowEvents++;
    if (event.source === 'vigil' && event.kind === 'source.status') {
      const { source, state, reason } = event.data;
      this.sources.set(source, { state, ...(reason !== undefined && { reason }) });
      this.publish();
    } else if (event.source === 'audit' && event.kind === 'status') {
      this.lost = event.data.lost;
    } else if (event.source === 'vigil' && event.kind === 'dropped') {
      this.dropped += event.data.count;
      this.publish();
    }
  };

  setSkipped(count: number): void {
    this.skipped = count;
    this.publish();
  }

  setRecording(path: string | undefined): void {
    this.recording = path;
    this.publish();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): StatusSnapshot => this.snapshot;

  private tick(): void {
    const now = this.now();
    this.rate = Math.round((this.windowEvents * 1000) / Math.max(1, now - this.windowStart));
    this.windowStart = now;
    this.windowEvents = 0;
    this.publish();
  }

  private publish(): void {
    this.snapshot = this.build();
    for (const l of this.listeners) l();
  }

  private build(): StatusSnapshot {
    return {
      sources: new Map(this.sources),
      eventsPerSec: this.rate,
      events: this.events,
      lost: this.lost,
      dropped: this.dropped,
      skipped: this.skipped,
      recording: this.recording,
    };
  }
}

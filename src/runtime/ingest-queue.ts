// Live events on their way to the engine. Under a flood the engine gets at most a slice of each
// event-loop turn, so keys, frames and the sources' own I/O still get theirs; what waits is
// queued up to a bound, and what does not fit is dropped, counted per source and reported as a
// `vigil/dropped` event, so the gap is an alert and part of any recording, never silent.
import type { UnsequencedEvent } from '../engine/events.js';
import { isoNow } from '../sources/source.js';

export interface IngestQueueOptions {
  /** Events waiting at most; beyond it new events are dropped. */
  capacity: number;
  /** Engine time per event-loop turn, in ms. */
  sliceMs: number;
  /** Drops are reported at most this often per source, in ms. */
  reportEveryMs: number;
  now: () => number;
}

export const defaultIngestQueueOptions: IngestQueueOptions = {
  // Events are ~0.5–2 KB once parsed: some 40 MB at worst, two seconds of a busy engine.
  capacity: 20_000,
  sliceMs: 15,
  reportEveryMs: 5_000,
  now: () => performance.now(),
};

interface DropCount {
  pending: number;
  total: number;
  reportedAt: number;
}

export class IngestQueue {
  // A ring: a flood pushes and shifts tens of thousands of events a second.
  private readonly ring: (UnsequencedEvent | undefined)[];
  private head = 0;
  private size = 0;
  private sliceStart = 0;
  private sliceOpen = false;
  private readonly drops = new Map<string, DropCount>();
  private reportTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly process: (event: UnsequencedEvent) => void,
    private readonly options: IngestQueueOptions = defaultIngestQueueOptions,
  ) {
    this.ring = new Array<UnsequencedEvent | undefined>(options.capacity);
  }

  /** Events waiting for the engine. */
  get waiting(): number {
    return this.size;
  }

  /** Processes `event` now if this turn's slice allows and nothing waits; else queues or drops it. */
  readonly push = (event: UnsequencedEvent): void => {
    if (this.size === 0 && !this.sliceSpent()) {
      this.process(event);
      return;
    }
    if (this.size === this.options.capacity) {
      this.drop(event.source);
      return;
    }
    // Queued only while a slice is open, so its next turn drains this.
    this.ring[(this.head + this.size) % this.options.capacity] = event;
    this.size++;
  };

  /** Processes everything waiting and reports the drops not yet reported (at stop). */
  flush(): void {
    while (this.size > 0) this.process(this.shift());
    clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    this.report(true);
  }

  /** Opens a slice on the first event of a turn; true once this turn's slice is used up. */
  private sliceSpent(): boolean {
    const now = this.options.now();
    if (!this.sliceOpen) {
      this.sliceOpen = true;
      this.sliceStart = now;
      // Closed on the next turn, after the loop has polled for I/O (keys among it).
      setImmediate(this.nextTurn);
      return false;
    }
    return now - this.sliceStart > this.options.sliceMs;
  }

  private readonly nextTurn = (): void => {
    this.sliceOpen = false;
    if (this.size > 0) this.drain();
  };

  /** A slice of the waiting events; asking for it opens the slice whose next turn drains the rest. */
  private drain(): void {
    while (this.size > 0 && !this.sliceSpent()) this.process(this.shift());
    this.report(false);
  }

  private shift(): UnsequencedEvent {
    const event = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.options.capacity;
    this.size--;
    return event;
  }

  private drop(source: string): void {
    const count = this.drops.get(source);
    if (count) {
      count.pending++;
      count.total++;
    } else this.drops.set(source, { pending: 1, total: 1, reportedAt: -Infinity });
    this.armReport();
  }

  /** Drops are reported when due even if the flood stops and nothing drains any more. */
  private armReport(): void {
    this.reportTimer ??= setTimeout(() => {
      this.reportTimer = undefined;
      this.report(false);
      if ([...this.drops.values()].some((c) => c.pending > 0)) this.armReport();
    }, this.options.reportEveryMs).unref();
  }

  /** One `vigil/dropped` event per source with unreported drops, when due (or at once with `all`). */
  private report(all: boolean): void {
    const at = this.options.now();
    for (const [source, count] of this.drops) {
      if (count.pending === 0 || (!all && at - count.reportedAt < this.options.reportEveryMs)) continue;
      this.process({ ts: isoNow(), source: 'vigil', kind: 'dropped', data: { source, count: count.pending, total: count.total } });
      count.pending = 0;
      count.reportedAt = at;
    }
  }
}

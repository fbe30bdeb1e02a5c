// The most recent events by sequence number, for the drill-down's raw Events tab. Bounded: an
// alert whose events have scrolled out says so instead of holding the whole stream in memory.
import type { VigilEvent } from '../../engine/events.js';

export class EventWindow {
  private readonly ring: (VigilEvent | undefined)[];
  private next = 0;
  private readonly bySeq = new Map<number, number>();

  constructor(readonly capacity = 50_000) {
    this.ring = new Array<VigilEvent | undefined>(capacity);
  }

  add(event: VigilEvent): void {
    const old = this.ring[this.next];
    if (old && this.bySeq.get(old.seq) === this.next) this.bySeq.delete(old.seq);
    this.ring[this.next] = event;
    this.bySeq.set(event.seq, this.next);
    this.next = (this.next + 1) % this.capacity;
  }

  get(seq: number): VigilEvent | undefined {
    const slot = this.bySeq.get(seq);
    return slot === undefined ? undefined : this.ring[slot];
  }

  clear(): void {
    this.ring.fill(undefined);
    this.bySeq.clear();
    this.next = 0;
  }
}

// Recent events per key (a container, a source address, a user) within a time window: what the
// burst rules count. Only the most recently active keys are kept, so memory stays bounded.

export interface Window<I, T> {
  /** Event times (ms) and sequence numbers inside the window, oldest first. */
  times: number[];
  seqs: number[];
  /** One item per event, dropped with it. */
  items: I[];
  /** The key's own state, kept while the key is. */
  extra: T;
}

export class SlidingWindows<I, T> {
  private readonly windows = new Map<string, Window<I, T>>();

  constructor(
    private readonly windowMs: number,
    private readonly extra: () => T,
    private readonly maxKeys = 10_000,
  ) {}

  /** The key's window at `now`, older events dropped; the key becomes the most recently active. */
  at(key: string, now: number): Window<I, T> {
    const w = this.windows.get(key) ?? { times: [], seqs: [], items: [], extra: this.extra() };
    while (w.times.length > 0 && now - w.times[0]! > this.windowMs) {
      w.times.shift();
      w.seqs.shift();
      w.items.shift();
    }
    // Re-inserted so the map's order is least recently active first.
    this.windows.delete(key);
    this.windows.set(key, w);
    if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    return w;
  }
}

export function addTo<I, T>(w: Window<I, T>, now: number, seq: number, item: I): void {
  w.times.push(now);
  w.seqs.push(seq);
  w.items.push(item);
}

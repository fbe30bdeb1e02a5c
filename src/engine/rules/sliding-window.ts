// Recent events per key (a container, a source address, a user) within a time window: what the
// burst rules count. Only the most recently active keys are kept, so memory stays bounded.
import { RecentMap } from '../recent-map.js';

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
  private readonly windows: RecentMap<string, Window<I, T>>;

  constructor(
    private readonly windowMs: number,
    private readonly extra: () => T,
    maxKeys = 10_000,
  ) {
    this.windows = new RecentMap(maxKeys);
  }

  /** The key's window at `now`, older events dropped; created when the key has none. */
  at(key: string, now: number): Window<I, T> {
    let w = this.peek(key, now);
    if (w === undefined) {
      w = { times: [], seqs: [], items: [], extra: this.extra() };
      this.windows.set(key, w);
    }
    return w;
  }

  /** The key's window at `now` if it has one (a check that must not start tracking a key). */
  peek(key: string, now: number): Window<I, T> | undefined {
    const w = this.windows.get(key);
    if (w === undefined) return undefined;
    let expired = 0;
    while (expired < w.times.length && now - w.times[expired]! > this.windowMs) expired++;
    if (expired > 0) {
      w.times.splice(0, expired);
      w.seqs.splice(0, expired);
      w.items.splice(0, expired);
    }
    return w;
  }
}

export function addTo<I, T>(w: Window<I, T>, now: number, seq: number, item: I): void {
  w.times.push(now);
  w.seqs.push(seq);
  w.items.push(item);
}

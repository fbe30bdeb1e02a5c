// The process whitelist the operator edits at run time (the workbench's `w`, `W`, space, `d`):
// every change is saved in the state file and enters the event stream as the full entry list,
// so the engine applies it from the next event and a recording replays it at the same point.
import type { UnsequencedEvent } from '../engine/events.js';
import type { StateData, StateStore } from '../state/store.js';

export interface WhitelistKey {
  image: string;
  process: string;
}

export class WhitelistService {
  constructor(
    private readonly store: StateStore,
    private readonly ingest: (event: UnsequencedEvent) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Publishes the saved entries: when a live session starts, and at each pass of a replay. */
  publish(): void {
    if (this.store.data.whitelist.length > 0) this.announce();
  }

  entries() {
    return this.store.data.whitelist;
  }

  /** Adds an entry, or sets an existing one's state (undo restores a deleted entry as it was). */
  add(key: WhitelistKey, enabled = true): Promise<void> {
    return this.change((list) => {
      const found = list.find((e) => same(e, key));
      if (found) found.enabled = enabled;
      else list.push({ ...key, enabled, addedAt: this.now().toISOString() });
    });
  }

  remove(key: WhitelistKey): Promise<void> {
    return this.change((list) => {
      const i = list.findIndex((e) => same(e, key));
      if (i >= 0) list.splice(i, 1);
    });
  }

  toggle(key: WhitelistKey): Promise<void> {
    return this.change((list) => {
      const found = list.find((e) => same(e, key));
      if (found) found.enabled = !found.enabled;
    });
  }

  private async change(edit: (list: StateData['whitelist']) => void): Promise<void> {
    await this.store.update((data) => edit(data.whitelist));
    this.announce();
  }

  private announce(): void {
    this.ingest({
      ts: this.now().toISOString(),
      source: 'vigil',
      kind: 'whitelist',
      data: { entries: this.store.data.whitelist.map(({ image, process, enabled }) => ({ image, process, enabled })) },
    });
  }
}

function same(a: WhitelistKey, b: WhitelistKey): boolean {
  return a.image === b.image && a.process === b.process;
}

// The operator's process whitelist entries (kept in the state file), fed only by
// `vigil/whitelist` events so a replay applies the same toggles at the same point.
import type { VigilEvent } from '../events.js';

export interface WhitelistEntry {
  image: string;
  process: string;
  enabled: boolean;
}

export class WhitelistTable {
  private byImage = new Map<string, WhitelistEntry[]>();

  apply(event: VigilEvent): void {
    if (event.source !== 'vigil' || event.kind !== 'whitelist') return;
    const byImage = new Map<string, WhitelistEntry[]>();
    for (const entry of event.data.entries) {
      const list = byImage.get(entry.image);
      if (list) list.push(entry);
      else byImage.set(entry.image, [entry]);
    }
    this.byImage = byImage;
  }

  /** Entries for an image reference exactly as the container names it; undefined when none. */
  forImage(image: string): readonly WhitelistEntry[] | undefined {
    return this.byImage.get(image);
  }
}

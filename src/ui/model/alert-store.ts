// The workbench's alerts, outside React: a bounded ring (the newest `capacity` alerts) with
// counts that stay exact however many were dropped, and acknowledgements. Changes are
// published at most every `flushMs`, so a burst of alerts costs one render, not thousands.
import { severityRank, type Alert, type Category, type Severity } from '../../engine/alert.js';
import { frameMs } from './frame.js';

export interface Counts {
  total: number;
  unacked: number;
}

export interface StoreSnapshot {
  /** Newest last; at most `capacity`. */
  alerts: readonly Alert[];
  acked: ReadonlySet<string>;
  byCategory: ReadonlyMap<Category, Counts>;
  byRule: ReadonlyMap<string, Counts>;
  /** Alerts that fell out of the ring (still counted above). */
  dropped: number;
  version: number;
}

export interface AlertFilter {
  category?: Category | undefined;
  ruleId?: string | undefined;
  minSeverity?: Severity | undefined;
  /** Case-insensitive text over rule, container, image, command line and user. */
  text?: string | undefined;
}

export class AlertStore {
  private alerts: Alert[] = [];
  private acked = new Set<string>();
  private byCategory = new Map<Category, Counts>();
  private byRule = new Map<string, Counts>();
  private dropped = 0;
  private version = 0;
  private snapshot: StoreSnapshot;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly capacity = 10_000,
    private readonly flushMs = frameMs,
  ) {
    this.snapshot = this.build();
  }

  add(alert: Alert): void {
    this.alerts.push(alert);
    // Trim in chunks: shifting one at a time would be quadratic under a burst.
    if (this.alerts.length > this.capacity * 1.25) {
      const excess = this.alerts.length - this.capacity;
      this.alerts = this.alerts.slice(excess);
      this.dropped += excess;
    }
    const acked = this.acked.has(alert.id);
    count(this.byCategory, alert.category, acked);
    count(this.byRule, alert.ruleId, acked);
    this.changed();
  }

  /** Marks alerts acknowledged (ids from the state file may name alerts not seen yet). */
  ack(ids: Iterable<string>): void {
    for (const id of ids) {
      if (this.acked.has(id)) continue;
      this.acked.add(id);
      const alert = this.alerts.find((a) => a.id === id);
      if (alert) {
        this.byCategory.get(alert.category)!.unacked--;
        this.byRule.get(alert.ruleId)!.unacked--;
      }
    }
    this.changed();
  }

  clear(): void {
    this.alerts = [];
    this.byCategory = new Map();
    this.byRule = new Map();
    this.dropped = 0;
    this.changed();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): StoreSnapshot => this.snapshot;

  /** Publishes pending changes now (tests, and before the first frame). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.snapshot = this.build();
    for (const l of this.listeners) l();
  }

  private changed(): void {
    this.version++;
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  private build(): StoreSnapshot {
    const visible = this.alerts.length > this.capacity ? this.alerts.slice(-this.capacity) : this.alerts.slice();
    return {
      alerts: visible,
      acked: new Set(this.acked),
      byCategory: new Map([...this.byCategory].map(([k, v]) => [k, { ...v }])),
      byRule: new Map([...this.byRule].map(([k, v]) => [k, { ...v }])),
      dropped: this.dropped + (this.alerts.length - visible.length),
      version: this.version,
    };
  }
}

function count<K>(map: Map<K, Counts>, key: K, acked: boolean): void {
  const c = map.get(key) ?? { total: 0, unacked: 0 };
  c.total++;
  if (!acked) c.unacked++;
  map.set(key, c);
}

/** Newest first, filtered. */
export function filterAlerts(alerts: readonly Alert[], filter: AlertFilter): Alert[] {
  const text = filter.text?.toLowerCase();
  const min = filter.minSeverity ? severityRank[filter.minSeverity] : 0;
  const out: Alert[] = [];
  for (let i = alerts.length - 1; i >= 0; i--) {
    const a = alerts[i]!;
    if (filter.category && a.category !== filter.category) continue;
    if (filter.ruleId && a.ruleId !== filter.ruleId) continue;
    if (severityRank[a.severity] < min) continue;
    if (text && !haystack(a).includes(text)) continue;
    out.push(a);
  }
  return out;
}

// Built once per alert, from at most the first 64 Ki characters of each field: every keystroke in
// the filter searches every alert, and an attacker's megabyte command lines would otherwise be
// joined and lowercased again, whole, for each key.
const haystacks = new WeakMap<Alert, string>();
const FIELD_CHARS = 64 * 1024;

function haystack(a: Alert): string {
  let text = haystacks.get(a);
  if (text === undefined) {
    text = [a.ruleId, a.title, a.summary, a.container?.name, a.container?.image, a.container?.id, a.process?.cmdline.join(' '), a.process?.exe, a.process && `uid ${a.process.uid}`, a.k8s?.user, a.pod?.name]
      .filter((field): field is string => Boolean(field))
      .map((field) => field.slice(0, FIELD_CHARS))
      .join('\n')
      .toLowerCase();
    haystacks.set(a, text);
  }
  return text;
}

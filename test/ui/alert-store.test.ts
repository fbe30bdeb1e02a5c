// The workbench's alert store stays bounded under any number of alerts while its counts stay
// exact: the tree's totals and unacknowledged counts are of every alert seen, not of those kept.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { AlertStore } from '../../src/ui/model/alert-store.js';

const rules = [
  ['system.syscall', 'system'],
  ['system.reverse_shell', 'system'],
  ['malware.webshell', 'malware'],
  ['exploit.escape_file', 'exploit'],
  ['user.brute_force', 'user'],
] as const;

const alert = (n: number): Alert => {
  const [ruleId, category] = rules[n % rules.length]!;
  return { id: `a${n}`, ruleId, category, severity: 'high', ts: new Date(Date.UTC(2026, 10, 27, 10, 0, 0, n)).toISOString(), summary: `#${n}` } as unknown as Alert;
};

describe('AlertStore', () => {
  it('keeps the newest alerts up to its capacity, and counts every alert it was given', () => {
    const store = new AlertStore(100, 60_000);
    for (let n = 0; n < 1000; n++) store.add(alert(n));
    store.flush();
    const s = store.getSnapshot();
    expect(s.alerts.map((a) => a.id)).toEqual(Array.from({ length: 100 }, (_, i) => `a${900 + i}`));
    expect(s.dropped).toBe(900);
    expect(Object.fromEntries(s.byCategory)).toEqual({
      system: { total: 400, unacked: 400 },
      malware: { total: 200, unacked: 200 },
      exploit: { total: 200, unacked: 200 },
      user: { total: 200, unacked: 200 },
    });
    expect([...s.byRule.values()].reduce((sum, c) => sum + c.total, 0)).toBe(1000);
  });

  it('counts acknowledgements exactly: of kept alerts at once, and of alerts acknowledged before they arrive', () => {
    const store = new AlertStore(100, 60_000);
    store.ack(['a1001', 'a1002']); // from the state file, before a replay reaches them
    for (let n = 0; n < 1000; n++) store.add(alert(n));
    store.ack(['a995', 'a995']);
    for (let n = 1000; n < 1005; n++) store.add(alert(n));
    store.flush();
    const s = store.getSnapshot();
    expect(s.byRule.get('system.syscall')).toEqual({ total: 201, unacked: 200 }); // a995 acked; a1000 not
    expect(s.byRule.get('system.reverse_shell')).toEqual({ total: 201, unacked: 200 }); // a1001 acked on arrival
    expect(s.byRule.get('malware.webshell')).toEqual({ total: 201, unacked: 200 }); // a1002 acked on arrival
    expect([...s.acked].sort()).toEqual(['a1001', 'a1002', 'a995']);
  });
});

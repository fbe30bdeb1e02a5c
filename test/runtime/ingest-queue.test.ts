import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { UnsequencedEvent, VigilEvent } from '../../src/engine/events.js';
import { loadProfile } from '../../src/profile/load.js';
import { IngestQueue } from '../../src/runtime/ingest-queue.js';
import { Session } from '../../src/runtime/session.js';

const event = (source: 'docker' | 'k8s', n: number): UnsequencedEvent =>
  ({ ts: `2026-01-01T00:00:00.${String(n).padStart(3, '0')}Z`, source, kind: 'x', data: { n } }) as unknown as UnsequencedEvent;

/** A queue whose engine takes `costMs` of a fake clock per event. */
function harness(options: { capacity?: number; sliceMs?: number; reportEveryMs?: number; costMs?: number } = {}) {
  let clock = 0;
  const seen: UnsequencedEvent[] = [];
  const queue = new IngestQueue(
    (e) => {
      seen.push(e);
      clock += options.costMs ?? 1;
    },
    { capacity: options.capacity ?? 1000, sliceMs: options.sliceMs ?? 10, reportEveryMs: options.reportEveryMs ?? 5000, now: () => clock },
  );
  const numbers = () => seen.filter((e) => (e.kind as string) === 'x').map((e) => (e.data as unknown as { n: number }).n);
  const reports = () => seen.filter((e) => e.kind === 'dropped').map((e) => e.data);
  return { queue, seen, numbers, reports, advance: (ms: number) => (clock += ms) };
}

async function drained(queue: { waiting: number }): Promise<number> {
  let turns = 0;
  while (queue.waiting > 0) {
    await nextTurn();
    turns++;
  }
  return turns;
}

describe('IngestQueue', () => {
  it('hands light traffic to the engine at once, in order', () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.queue.push(event('docker', i));
    expect(h.numbers()).toEqual([0, 1, 2, 3, 4]);
    expect(h.queue.waiting).toBe(0);
  });

  it('gives the engine one slice per turn and the rest of each turn to everyone else, keeping order', async () => {
    const h = harness({ sliceMs: 10 });
    for (let i = 0; i < 100; i++) h.queue.push(event('docker', i));
    // 0..10 ms of engine time this turn: eleven events; the rest wait.
    expect(h.numbers()).toHaveLength(11);
    expect(h.queue.waiting).toBe(89);
    const turns = await drained(h.queue);
    expect(turns).toBeGreaterThanOrEqual(8);
    expect(h.numbers()).toEqual([...Array(100).keys()]);
    expect(h.reports()).toEqual([]);
  });

  it('drops what does not fit, counts it per source, and reports it as an event', async () => {
    const h = harness({ capacity: 50, sliceMs: 10 });
    for (let i = 0; i < 200; i++) h.queue.push(event(i % 2 ? 'k8s' : 'docker', i));
    expect(h.queue.waiting).toBe(50);
    await drained(h.queue);
    // 11 at once, 50 queued, 139 dropped: nothing unaccounted for.
    expect(h.numbers()).toHaveLength(61);
    const reports = h.reports();
    // In the order of each source's first drop (event 61 was the first not to fit).
    expect(reports).toEqual([
      { source: 'k8s', count: 70, total: 70 },
      { source: 'docker', count: 69, total: 69 },
    ]);
    expect(h.numbers().length + reports.reduce((n, r) => n + (r as { count: number }).count, 0)).toBe(200);
  });

  it('reports a source at most once per interval, and what is left when flushed', async () => {
    const h = harness({ capacity: 5, sliceMs: 0, reportEveryMs: 1000 });
    const flood = (from: number) => {
      for (let i = from; i < from + 20; i++) h.queue.push(event('docker', i));
    };
    flood(0);
    await drained(h.queue);
    flood(100);
    await drained(h.queue);
    // The second flood's drops are not due yet.
    expect(h.reports()).toHaveLength(1);
    h.advance(1000);
    flood(200);
    await drained(h.queue);
    expect(h.reports()).toHaveLength(2);
    flood(300);
    h.queue.flush();
    expect(h.queue.waiting).toBe(0);
    const reports = h.reports() as { count: number; total: number }[];
    expect(reports.at(-1)!.total).toBe(reports.reduce((n, r) => n + r.count, 0));
    expect(h.numbers().length + reports.at(-1)!.total).toBe(80);
  });
});

describe('a live session under a flood', () => {
  it('raises what it drops as a vigil health alert, and records the report', async () => {
    const profile = await loadProfile();
    const alerts: Alert[] = [];
    const recorded: VigilEvent[] = [];
    const session = new Session({
      profile,
      onAlert: (a) => alerts.push(a),
      recorder: { write: (e) => recorded.push(e) },
      queue: { capacity: 1000, sliceMs: 5, reportEveryMs: 60_000, now: () => performance.now() },
    });
    // One source callback handing over far more than the engine takes in a turn.
    const total = 200_000;
    for (let i = 0; i < total; i++) {
      session.ingest({ ts: '2026-11-27T09:00:00.000Z', source: 'vigil', kind: 'source.status', data: { source: `probe-${i}`, state: 'up' } });
    }
    await drained(session);
    session.flush();
    const reports = recorded.filter((e) => e.source === 'vigil' && e.kind === 'dropped');
    const dropped = reports.reduce((n, e) => n + (e.data as { count: number }).count, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(recorded.length - reports.length + dropped).toBe(total);
    const raised = alerts.filter((a) => a.ruleId === 'vigil.events_dropped');
    expect(raised).toHaveLength(reports.length);
    expect(raised[0]).toMatchObject({ category: 'vigil', severity: 'high', evidence: { source: 'vigil', count: dropped, total: dropped } });
    expect(raised[0]!.summary).toBe(`vigil dropped ${dropped} vigil events (${dropped} since start): more than the engine could keep up with, detection has gaps`);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { checkEvent, type VigilEvent } from '../src/engine/events.js';
import type { Profile } from '../src/engine/profile.js';
import { catalogue } from '../src/engine/rules/index.js';
import { ProcessTable, type ProcessEntry } from '../src/engine/state/processes.js';
import { hostPathOf } from '../src/engine/state/mounts.js';
import { loadProfile } from '../src/profile/load.js';
import { runEngine, snapshotEvent, snapshotFixture } from './helpers/engine.js';

let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

describe('engine', () => {
  it('raises one alert per finding per container across create, start and resync snapshots', () => {
    const c = snapshotFixture('privileged');
    const { alerts, engine } = runEngine(
      [snapshotEvent(c, 'create', 1), snapshotEvent(c, 'start', 2), snapshotEvent(c, 'resync', 3)],
      profile,
    );
    expect(alerts.map((a) => a.ruleId)).toEqual(['system.container_security_options']);
    expect(alerts[0]!.events).toEqual([1]);
    expect(engine.stats.duplicates).toBe(2);
  });

  it('gives the same input the same alert ids, and different containers different ids', () => {
    const a = snapshotFixture('privileged');
    const b = { ...a, id: 'b'.repeat(64), name: 'other' };
    const first = runEngine([snapshotEvent(a), snapshotEvent(b, 'create', 2)], profile).alerts;
    const second = runEngine([snapshotEvent(a), snapshotEvent(b, 'create', 2)], profile).alerts;
    expect(first.map((x) => x.id)).toEqual(second.map((x) => x.id));
    expect(new Set(first.map((x) => x.id)).size).toBe(2);
  });

  it('fills in every contract field of an alert', () => {
    const c = snapshotFixture('mount-docker-sock');
    const [alert] = runEngine([snapshotEvent(c, 'start', 7)], profile).alerts;
    expect(alert).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{20}$/),
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ruleId: 'system.container_mounts',
      category: 'system',
      severity: 'critical',
      title: 'Container mount directory',
      titleZh: '容器挂载目录',
      container: { id: c.id, name: 'vigil-fx-mount-docker-sock', image: 'vigil-test/busybox:1' },
      events: [7],
      mitre: 'T1611',
    });
    expect(alert!.summary).toMatch(/^started with host mounts \/var\/run\/docker.sock:\/var\/run\/docker.sock$/);
  });

  it('dispatches each event only to the rules that consume its kind', () => {
    const seen: string[] = [];
    const spy = catalogue.map((rule) => ({
      ...rule,
      create: () => (event: VigilEvent) => {
        seen.push(`${rule.id}<-${event.source}/${event.kind}`);
        return [];
      },
    }));
    const status: VigilEvent = { seq: 1, ts: '2026-11-27T10:00:00.000Z', source: 'vigil', kind: 'source.status', data: { source: 'docker', state: 'down', reason: 'x' } };
    const engine = new Engine(spy, profile, { alert: () => {} });
    engine.process(status);
    expect(seen).toEqual(['vigil.source_down<-vigil/source.status']);
  });

  it('reports a source going down as a vigil health alert, each outage once', () => {
    const down = (seq: number): VigilEvent => ({ seq, ts: '2026-11-27T10:00:00.000Z', source: 'vigil', kind: 'source.status', data: { source: 'docker', state: 'down', reason: 'connect ENOENT /var/run/docker.sock' } });
    const { alerts } = runEngine([down(1), down(2)], profile);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatchObject({ ruleId: 'vigil.source_down', category: 'vigil', severity: 'high', summary: 'docker source down: connect ENOENT /var/run/docker.sock' });
  });

  it('keeps destroyed and renamed containers in the table for drill-down', () => {
    const c = snapshotFixture('plain');
    const { engine } = runEngine(
      [
        snapshotEvent(c),
        { seq: 2, ts: c.created, source: 'docker', kind: 'container.lifecycle', data: { action: 'rename', id: c.id, name: 'renamed', image: c.image } },
        { seq: 3, ts: c.created, source: 'docker', kind: 'container.lifecycle', data: { action: 'destroy', id: c.id, name: 'renamed', image: c.image } },
      ],
      profile,
    );
    expect(engine.containers.get(c.id)).toMatchObject({ removed: true, snapshot: { name: 'renamed' } });
    expect([...engine.containers.live()]).toEqual([]);
  });
});

describe('process table', () => {
  const proc = (seq: number, pid: number, ppid: number, startTime: number, exe = '/bin/sh'): VigilEvent => ({
    seq,
    ts: '2026-11-27T10:00:00.000Z',
    source: 'proc',
    kind: 'process.snapshot',
    data: { pid, ppid, startTime, exe, cmdline: [exe], uid: 0, euid: 0, sockets: [] },
  });

  it('walks ancestry nearest first and lists children in pid order', () => {
    const t = new ProcessTable();
    for (const e of [proc(1, 1, 0, 1), proc(2, 50, 1, 5), proc(3, 70, 50, 9), proc(4, 60, 50, 8)]) t.apply(e);
    expect(t.ancestry(t.of({ pid: 70, startTime: 9 })!).map((p) => p.info.pid)).toEqual([70, 50, 1]);
    expect(t.children(t.of({ pid: 50, startTime: 5 })!).map((p) => p.info.pid)).toEqual([60, 70]);
  });

  it('does not graft a reused pid onto the old process tree', () => {
    const t = new ProcessTable();
    for (const e of [proc(1, 1, 0, 1), proc(2, 50, 1, 5), proc(3, 70, 50, 9)]) t.apply(e);
    t.apply({ seq: 4, ts: '2026-11-27T10:00:00.000Z', source: 'proc', kind: 'process.exit', data: { pid: 50, startTime: 5 } });
    t.apply(proc(5, 50, 1, 100, '/bin/evil'));
    // The old child keeps its real (exited) parent; the new pid-50 process has no children.
    const key = (p: ProcessEntry) => `${p.info.pid}:${p.info.startTime}`;
    expect(t.ancestry(t.of({ pid: 70, startTime: 9 })!).map(key)).toEqual(['70:9', '50:5', '1:1']);
    expect(t.children(t.of({ pid: 50, startTime: 100 })!)).toEqual([]);
    // A child claiming a parent that started after it is not attached to it.
    t.apply(proc(6, 80, 50, 50));
    expect(t.ancestry(t.of({ pid: 80, startTime: 50 })!).map(key)).toEqual(['80:50']);
  });

  it('stays bounded, evicting exited processes first', () => {
    const t = new ProcessTable(100);
    t.apply(proc(1, 1, 0, 1));
    for (let i = 0; i < 1000; i++) {
      t.apply(proc(i * 2 + 2, 1000 + i, 1, 10 + i));
      t.apply({ seq: i * 2 + 3, ts: '2026-11-27T10:00:00.000Z', source: 'proc', kind: 'process.exit', data: { pid: 1000 + i, startTime: 10 + i } });
    }
    expect(t.size).toBeLessThanOrEqual(100);
    expect(t.of({ pid: 1, startTime: 1 })).toBeDefined();
  });

  it('stays bounded when nothing exits, dropping the oldest, and keeps older holders of a reused pid findable', () => {
    const t = new ProcessTable(100);
    for (let i = 0; i < 1000; i++) t.apply(proc(i + 1, 1000 + i, 1, 10 + i));
    expect(t.size).toBe(100);
    expect(t.of({ pid: 1999, startTime: 1009 })).toBeDefined();
    expect(t.of({ pid: 1900, startTime: 910 })).toBeDefined();
    expect(t.of({ pid: 1899, startTime: 909 })).toBeUndefined();
    // A reused pid: the newest holder and the one before it are both found by start time.
    const u = new ProcessTable();
    for (const e of [proc(1, 50, 1, 5), proc(2, 50, 1, 100)]) u.apply(e);
    expect(u.of({ pid: 50, startTime: 5 })?.exited).toBe(true);
    expect(u.of({ pid: 50, startTime: 100 })?.exited).toBe(false);
  });
});

describe('mount map', () => {
  it('resolves a container path to the host path behind the longest bind', () => {
    const c = snapshotFixture('mount-host-root');
    expect(hostPathOf(c, '/host/etc/shadow')).toMatchObject({ hostPath: '/etc/shadow' });
    expect(hostPathOf(c, '/etc/shadow')).toBeUndefined();
    expect(hostPathOf(snapshotFixture('mount-host-etc'), '/host-etc/../host-etc/cron.d/x')).toMatchObject({ hostPath: '/etc/cron.d/x' });
  });
});

describe('checkEvent', () => {
  it('accepts a valid event, and tells unknown kinds from invalid data', () => {
    const ok = { seq: 1, ts: 't', source: 'vigil', kind: 'source.status', data: { source: 'docker', state: 'up' } };
    expect(checkEvent(ok)).toMatchObject({ ok: true });
    expect(checkEvent({ ...ok, kind: 'nope' })).toMatchObject({ ok: false, reason: 'unknown-kind' });
    expect(checkEvent({ ...ok, source: '__proto__' })).toMatchObject({ ok: false, reason: 'unknown-kind' });
    expect(checkEvent({ ...ok, kind: 'toString' })).toMatchObject({ ok: false, reason: 'unknown-kind' });
    expect(checkEvent({ ...ok, data: { source: 'docker', state: 'sideways' } })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(checkEvent({ ...ok, seq: -1 })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(checkEvent(null)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

// A new container's processes reach vigil before Docker has described it: the session holds
// that container's events for its snapshot (bounded in time and number), so alerts carry the
// container and image-bound rules can judge. Through the Session, checking alerts and the
// recorded order; the live suite shows the race against the real dockerd.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { UnsequencedEvent, VigilEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import type { ContainerJoinOptions } from '../../src/runtime/container-join.js';
import { Session } from '../../src/runtime/session.js';
import { sourceStatus } from '../../src/sources/source.js';
import { snapshotEvent, snapshotFixture } from '../helpers/engine.js';
import { auditExec, CONTAINER, procSnapshot } from '../helpers/kernel-events.js';

let profile: Profile;
beforeAll(async () => {
  profile = { ...(await loadProfile()), processWhitelist: { 'shop/web:*': ['sh'] } };
});

const container = (id = CONTAINER) => snapshotFixture('nnp-true', { id, name: `web-${id.slice(0, 4)}`, image: 'shop/web:1.4' });
const unsequenced = ({ seq: _, ...event }: VigilEvent) => event as UnsequencedEvent;
const described = (id = CONTAINER) => unsequenced(snapshotEvent(container(id)));
const stray = (pid: number, id = CONTAINER) => unsequenced(procSnapshot({ pid, exe: '/bin/cat', cmdline: ['cat', '/etc/shadow'], containerId: id }));
const exit = (pid: number): UnsequencedEvent => ({ ts: new Date().toISOString(), source: 'proc', kind: 'process.exit', data: { pid, startTime: 5000 } });
const hostExec = unsequenced(auditExec({ pid: 77, exe: '/usr/bin/make', containerId: undefined }));

function session(join: Partial<ContainerJoinOptions> = {}) {
  const alerts: Alert[] = [];
  const recorded: VigilEvent[] = [];
  const s = new Session({
    profile,
    onAlert: (a) => alerts.push(a),
    recorder: { write: (e) => recorded.push(e) },
    join: { maxWaitMs: 60_000, capacity: 100, ...join },
    // A clock that stands still: the engine's slice never runs out, so what is let through is processed at once.
    queue: { capacity: 1000, sliceMs: 15, reportEveryMs: 60_000, now: () => 0 },
  });
  /** The recording, one word per event: what the engine saw, in its order. */
  const order = () =>
    recorded.map((e) =>
      e.source === 'docker' ? 'described' : e.source === 'vigil' ? 'docker-status' : e.kind === 'process.exit' ? `exit:${e.data.pid}` : `${e.kind}:${e.kind === 'process.snapshot' ? e.data.pid : (e.data as { process: { pid: number } }).process.pid}`,
    );
  return { s, alerts, order };
}

describe('events wait for their container to be described', () => {
  it('holds a container process seen before its snapshot, so the alert names the container and the whitelist applies', () => {
    const { s, alerts, order } = session();
    s.ingest(sourceStatus('docker', 'up'));
    s.ingest(stray(10));
    s.ingest(hostExec);
    expect(alerts).toEqual([]);
    s.ingest(described());
    expect(order()).toEqual(['docker-status', 'exec:77', 'described', 'process.snapshot:10']);
    expect(alerts.map((a) => [a.ruleId, a.container?.name, a.evidence.name])).toEqual([['system.container_abnormal_process', 'web-cccc', 'cat']]);
    // Described now: its later events go straight on.
    s.ingest(stray(11));
    expect(order().at(-1)).toBe('process.snapshot:11');
  });

  it('keeps a held process ahead of its exit, which names no container', () => {
    const { s, order } = session();
    s.ingest(sourceStatus('docker', 'up'));
    s.ingest(stray(10));
    s.ingest(exit(10));
    s.ingest(exit(99)); // some other process
    s.ingest(described());
    expect(order()).toEqual(['docker-status', 'exit:99', 'described', 'process.snapshot:10', 'exit:10']);
  });

  it('waits no longer than the bound, then lets the container through for good', async () => {
    const { s, alerts, order } = session({ maxWaitMs: 30 });
    s.ingest(sourceStatus('docker', 'up'));
    s.ingest(stray(10));
    expect(order()).toEqual(['docker-status']);
    await sleep(80);
    expect(order()).toEqual(['docker-status', 'process.snapshot:10']);
    s.ingest(stray(11));
    expect(order().at(-1)).toBe('process.snapshot:11');
    // Without the container, the image-bound rule cannot judge: that is why the wait exists.
    expect(alerts).toEqual([]);
  });

  it('lets a destroyed container through, and everything through once Docker is down', () => {
    const { s, order } = session();
    s.ingest(sourceStatus('docker', 'up'));
    const other = 'd'.repeat(64);
    s.ingest(stray(10));
    s.ingest(stray(20, other));
    s.ingest({ ts: new Date().toISOString(), source: 'docker', kind: 'container.lifecycle', data: { action: 'destroy', id: CONTAINER, name: 'gone', image: 'x' } });
    expect(order()).toEqual(['docker-status', 'described', 'process.snapshot:10']);
    s.ingest(sourceStatus('docker', 'down', 'dockerd went away'));
    expect(order()).toEqual(['docker-status', 'described', 'process.snapshot:10', 'docker-status', 'process.snapshot:20']);
    s.ingest(stray(21, 'e'.repeat(64)));
    expect(order().at(-1)).toBe('process.snapshot:21');
  });

  it('holds nothing before Docker is known to be up (no Docker on the host, or a replay)', () => {
    const { s, order } = session();
    s.ingest(stray(10));
    expect(order()).toEqual(['process.snapshot:10']);
  });

  it('bounds what waits: past the capacity the longest-waiting container goes on, and flush lets everything go', () => {
    const { s, order } = session({ capacity: 2 });
    s.ingest(sourceStatus('docker', 'up'));
    s.ingest(stray(10));
    s.ingest(stray(20, 'd'.repeat(64)));
    expect(order()).toEqual(['docker-status']);
    s.ingest(stray(21, 'd'.repeat(64)));
    expect(order()).toEqual(['docker-status', 'process.snapshot:10']);
    s.flush();
    expect(order()).toEqual(['docker-status', 'process.snapshot:10', 'process.snapshot:20', 'process.snapshot:21']);
  });
});

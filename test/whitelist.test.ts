// The run-time whitelist API the workbench calls: each change is saved in the state file and
// enters the event stream, so the engine applies it from the next event.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../src/engine/alert.js';
import type { UnsequencedEvent } from '../src/engine/events.js';
import { Session } from '../src/runtime/session.js';
import { WhitelistService } from '../src/runtime/whitelist.js';
import { loadProfile } from '../src/profile/load.js';
import { openStateStore } from '../src/state/store.js';
import { snapshotEvent, snapshotFixture } from './helpers/engine.js';
import { auditExec, CONTAINER } from './helpers/kernel-events.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-wl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('WhitelistService', () => {
  it('saves each change and applies it to the next event', async () => {
    const path = join(dir, 'state.json');
    const store = await openStateStore(path, { onWarning: () => {} });
    const alerts: Alert[] = [];
    const profile = { ...(await loadProfile()), processWhitelist: { 'shop/web:*': ['sh'] } };
    const session = new Session({ profile, onAlert: (a) => alerts.push(a) });
    const whitelist = new WhitelistService(store, session.ingest, () => new Date('2026-11-27T10:00:00Z'));
    session.replay(snapshotEvent(snapshotFixture('plain', { id: CONTAINER, image: 'shop/web:1' }), 'start'));
    const wget = (pid: number) => session.replay(auditExec({ pid, exe: '/usr/bin/wget' }));

    await whitelist.add({ image: 'shop/web:1', process: 'wget' });
    wget(1);
    expect(alerts).toEqual([]);
    await whitelist.toggle({ image: 'shop/web:1', process: 'wget' });
    wget(2);
    expect(alerts.map((a) => a.evidence.name)).toEqual(['wget']);
    expect(JSON.parse(readFileSync(path, 'utf8')).whitelist).toEqual([
      { image: 'shop/web:1', process: 'wget', enabled: false, addedAt: '2026-11-27T10:00:00.000Z' },
    ]);
    await whitelist.remove({ image: 'shop/web:1', process: 'wget' });
    expect(JSON.parse(readFileSync(path, 'utf8')).whitelist).toEqual([]);

    // A new session publishes what the file holds.
    await whitelist.add({ image: 'shop/web:1', process: 'curl' });
    const seen: UnsequencedEvent[] = [];
    new WhitelistService(await openStateStore(path, { onWarning: () => {} }), (e) => seen.push(e)).publish();
    expect(seen.map((e) => e.data)).toEqual([{ entries: [{ image: 'shop/web:1', process: 'curl', enabled: true }] }]);
  });
});

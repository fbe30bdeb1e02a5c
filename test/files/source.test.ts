// The files source on a container whose overlay directories are plain temporary directories:
// what its processes delete is reported, its writable layer vanishing (docker rm running ahead
// of the die event) is not a mass deletion and crashes nothing, and a watched web directory
// reached through a link in a volume is never read through it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UnsequencedEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { FilesSource } from '../../src/sources/files/source.js';
import { snapshotEvent, snapshotFixture } from '../helpers/engine.js';

let dir: string;
let source: FilesSource | undefined;
let events: UnsequencedEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-files-source-'));
  events = [];
});

afterEach(async () => {
  await source?.stop();
  source = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A running container on overlay directories under `dir`, watched until its start-up scan is done. */
async function watchContainer(profile: Profile, mounts: Array<{ source: string; destination: string }> = []): Promise<{ upper: string; merged: string }> {
  const layer = join(dir, 'overlay2/layer');
  const [upper, merged, lower] = ['diff', 'merged', 'lower'].map((d) => join(layer, d)) as [string, string, string];
  for (const d of [upper, lower]) mkdirSync(d, { recursive: true });
  // The start-up scan ends with the account files: their event says the watches are set up.
  mkdirSync(join(merged, 'etc'), { recursive: true });
  writeFileSync(join(merged, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  source = new FilesSource(profile);
  source.start((e) => events.push(e));
  const container = snapshotFixture('plain', {
    graphDriver: { name: 'overlay2', data: { UpperDir: upper, MergedDir: merged, LowerDir: lower } },
    mounts: mounts.map((m) => ({ type: 'bind', rw: true, propagation: 'rprivate', ...m })),
  });
  source.observe(snapshotEvent(container, 'start'));
  await until(() => events.some((e) => e.kind === 'accounts'), 'the start-up scan');
  return { upper, merged };
}

async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const changes = () => events.flatMap((e) => (e.kind === 'file.change' ? [e.data] : []));

describe('FilesSource', () => {
  it("reports its processes' deletions, but not the writable layer vanishing with the container", async () => {
    const profile = await loadProfile();
    const upper = join(dir, 'overlay2/layer/diff');
    mkdirSync(join(upper, 'app/config'), { recursive: true });
    for (const name of ['app.yaml', 'db.yaml', 'cache.yaml']) writeFileSync(join(upper, 'app/config', name), `${name}\n`);
    await watchContainer(profile);

    unlinkSync(join(upper, 'app/config/cache.yaml'));
    await until(() => changes().some((c) => c.action === 'deleted'), 'the deletion');
    expect(changes().map((c) => [c.path, c.action])).toEqual([['/app/config/cache.yaml', 'deleted']]);

    // docker rm: the layer's directories go, files first, while the watch is still on.
    rmSync(join(dir, 'overlay2'), { recursive: true });
    await until(() => source!.stats.gone > 0, 'the vanished layer to be counted');
    // Past the longest a batch is held: nothing more comes.
    await new Promise((r) => setTimeout(r, profile.files.debounceMs + 1200));
    expect(changes()).toHaveLength(1);
    expect(source!.stats.unreadable).toBe(0);
  });

  it('never reads a web directory through a link a container planted in its volume', async () => {
    const profile = await loadProfile();
    const volume = join(dir, 'volume');
    const hostSide = join(dir, 'host-www');
    mkdirSync(join(hostSide, 'html'), { recursive: true });
    mkdirSync(join(volume, 'real/html'), { recursive: true });
    // The volume is the container's /srv; its /srv/www a link to a host directory.
    symlinkSync(hostSide, join(volume, 'www'));
    await watchContainer({ ...profile, files: { ...profile.files, webDirectories: ['/srv/www/html'] } }, [{ source: volume, destination: '/srv' }]);

    writeFileSync(join(hostSide, 'html/config.php'), '<?php $db_password = "host-secret"; ?>\n');
    await until(() => source!.stats.unreadable > 0, 'the refused read');
    expect(JSON.stringify(events)).not.toContain('host-secret');
    expect(changes()).toEqual([]);
  });
});

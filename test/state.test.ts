import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UnsequencedEvent } from '../src/engine/events.js';
import { StateHealth } from '../src/runtime/state-health.js';
import { defaultStatePath, openStateStore, type StateData } from '../src/state/store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Opens a store, collecting its warnings. */
async function open(path: string) {
  const warnings: string[] = [];
  const recoveries: string[] = [];
  const store = await openStateStore(path, {
    onWarning: (line, lasting) => warnings.push(`${lasting ? 'lasting' : 'passing'}: ${line}`),
    onRecovered: (line) => recoveries.push(line),
  });
  return { store, warnings, recoveries };
}

const ack = (id: string) => (d: StateData) => {
  d.acks[id] = { at: '2024-01-01T00:00:00.000Z' };
};

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('defaultStatePath', () => {
  it('uses an absolute XDG_STATE_HOME', () => {
    expect(defaultStatePath({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' })).toBe('/x/state/vigil/state.json');
  });

  it('falls back to ~/.local/state when XDG_STATE_HOME is unset, empty or relative', () => {
    const fallback = '/home/u/.local/state/vigil/state.json';
    expect(defaultStatePath({ HOME: '/home/u' })).toBe(fallback);
    expect(defaultStatePath({ XDG_STATE_HOME: '', HOME: '/home/u' })).toBe(fallback);
    expect(defaultStatePath({ XDG_STATE_HOME: 'state', HOME: '/home/u' })).toBe(fallback);
  });

  it('uses the OS home directory without HOME', () => {
    expect(defaultStatePath({})).toBe(join(homedir(), '.local/state/vigil/state.json'));
  });
});

describe('openStateStore', () => {
  it('starts empty and writes nothing until the first update', async () => {
    const path = join(dir, 'vigil', 'state.json');
    const { store, warnings } = await open(path);
    expect(store.data).toEqual({ version: 1, whitelist: [], acks: {} });
    expect(warnings).toEqual([]);
    await expect(stat(join(dir, 'vigil'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('persists updates across reopen', async () => {
    const path = join(dir, 'vigil', 'state.json');
    const { store } = await open(path);
    await store.update((d) => {
      d.whitelist.push({ image: 'nginx:*', process: 'nginx', enabled: true, addedAt: '2024-01-01T00:00:00.000Z' });
      d.acks['a1'] = { at: '2024-01-02T00:00:00.000Z' };
    });
    await store.update((d) => {
      d.whitelist[0]!.enabled = false;
    });
    const expected: StateData = {
      version: 1,
      whitelist: [{ image: 'nginx:*', process: 'nginx', enabled: false, addedAt: '2024-01-01T00:00:00.000Z' }],
      acks: { a1: { at: '2024-01-02T00:00:00.000Z' } },
    };
    expect(store.data).toEqual(expected);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(expected);
    const reopened = await open(path);
    expect(reopened.store.data).toEqual(expected);
    expect(reopened.warnings).toEqual([]);
  });

  it('leaves state unchanged when the change throws or breaks the shape', async () => {
    const { store } = await open(join(dir, 'state.json'));
    await expect(
      store.update((d) => {
        d.acks['a1'] = { at: 'now' };
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      store.update((d) => {
        (d as { version: number }).version = 2;
      }),
    ).rejects.toThrow();
    expect(store.data).toEqual({ version: 1, whitelist: [], acks: {} });
  });

  it('creates the directory 0700 and the file 0600, even under umask 0', async () => {
    const previous = process.umask(0);
    try {
      const path = join(dir, 'a', 'b', 'state.json');
      const { store } = await open(path);
      await store.update((d) => {
        d.acks['x'] = { at: '2024-01-01T00:00:00.000Z' };
      });
      expect(await modeOf(join(dir, 'a', 'b'))).toBe(0o700);
      expect(await modeOf(path)).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('replaces a file of another mode with a 0600 one', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, JSON.stringify({ version: 1, whitelist: [], acks: {} }), { mode: 0o644 });
    const { store } = await open(path);
    await store.update((d) => {
      d.acks['x'] = { at: '2024-01-01T00:00:00.000Z' };
    });
    expect(await modeOf(path)).toBe(0o600);
  });

  it('lands concurrent updates and leaves no temp files', async () => {
    const path = join(dir, 'state.json');
    const { store } = await open(path);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update((d) => {
          d.acks[`alert-${i}`] = { at: '2024-01-01T00:00:00.000Z' };
        }),
      ),
    );
    expect(await readdir(dir)).toEqual(['state.json']);
    const reopened = await open(path);
    expect(Object.keys(reopened.store.data.acks)).toHaveLength(20);
  });

  it.each([
    ['not JSON', '{"version": 1, "whitelist": [', 'not valid JSON'],
    ['the wrong shape', JSON.stringify({ version: 1, whitelist: [{ image: 'x' }], acks: {} }), "unexpected content at 'whitelist.0.process'"],
  ])('backs up a file that is %s, warns once and starts empty', async (_, content, reason) => {
    await mkdir(join(dir, 'vigil'));
    const path = join(dir, 'vigil', 'state.json');
    await writeFile(path, content);
    const { store, warnings } = await open(path);
    expect(store.data).toEqual({ version: 1, whitelist: [], acks: {} });

    const files = await readdir(join(dir, 'vigil'));
    const backups = files.filter((f) => f.startsWith('state.json.corrupt-'));
    expect(backups).toHaveLength(1);
    const backup = join(dir, 'vigil', backups[0]!);
    expect(backup).toMatch(/state\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    expect(await readFile(backup, 'utf8')).toBe(content);
    expect(files.sort()).toEqual(['state.json', backups[0]!].sort());

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^passing: /);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain(backup);
    expect(warnings[0]).toContain(reason);

    // The file was reset, so the next run neither warns nor backs up again.
    const again = await open(path);
    expect(again.warnings).toEqual([]);
    expect((await readdir(join(dir, 'vigil'))).length).toBe(2);
  });

  it('leaves a file it cannot read untouched, and keeps changes for the session only', async () => {
    // A directory where the file should be: unreadable even for root, as EACCES is not.
    const path = join(dir, 'state.json');
    await mkdir(path);
    const { store, warnings } = await open(path);
    expect(warnings).toEqual([
      expect.stringMatching(/^lasting: state file \S+ cannot be read \(EISDIR.*\); leaving it untouched: whitelist and acknowledgement changes hold for this session only$/),
    ]);
    expect(store.problem).toMatch(/cannot be read/);
    await store.update(ack('a1'));
    expect(Object.keys(store.data.acks)).toEqual(['a1']);
    expect(await readdir(path)).toEqual([]);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('keeps changes in memory while the file cannot be saved, says so once, and saves them all when it can again', async () => {
    const parent = join(dir, 'vigil');
    const path = join(parent, 'state.json');
    const { store, warnings, recoveries } = await open(path);
    // Something that is not a directory where the directory should be.
    await writeFile(parent, 'in the way');
    await store.update(ack('a1'));
    await store.update(ack('a2'));
    expect(warnings).toEqual([expect.stringMatching(/^lasting: state file \S+ cannot be saved \(EEXIST|ENOTDIR/)]);
    expect(warnings[0]).toMatch(/changes hold for this session only until it can$/);
    expect(store.problem).toMatch(/cannot be saved/);
    expect(Object.keys(store.data.acks)).toEqual(['a1', 'a2']);

    await rm(parent);
    await store.update(ack('a3'));
    expect(recoveries).toEqual([`state file ${path} saved again`]);
    expect(store.problem).toBeUndefined();
    expect(Object.keys(JSON.parse(await readFile(path, 'utf8')).acks)).toEqual(['a1', 'a2', 'a3']);
    expect(warnings).toHaveLength(1);
  });
});

describe('StateHealth', () => {
  const statuses = (events: UnsequencedEvent[]) =>
    events.map((e) => (e.kind === 'source.status' ? `${e.data.source} ${e.data.state}${e.data.reason ? `: ${e.data.reason}` : ''}` : e.kind));

  it('raises a corrupt file set aside as a passing problem, met before the session, in the session', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, '{');
    const lines: string[] = [];
    const health = new StateHealth((line) => lines.push(line));
    await health.open(path);
    const seen: UnsequencedEvent[] = [];
    health.attach((e) => seen.push(e));
    expect(statuses(seen)).toEqual([expect.stringMatching(/^state degraded: state file \S+ was corrupt \(not valid JSON\); saved a copy as /), 'state up']);
    expect(lines).toHaveLength(1);
  });

  it('reports a file that cannot be saved as degraded until saving works again', async () => {
    const parent = join(dir, 'vigil');
    const health = new StateHealth(undefined);
    const store = await health.open(join(parent, 'state.json'));
    const seen: UnsequencedEvent[] = [];
    health.attach((e) => seen.push(e));
    await writeFile(parent, 'in the way');
    await store.update(ack('a1'));
    await rm(parent);
    await store.update(ack('a2'));
    expect(statuses(seen)).toEqual([expect.stringMatching(/^state degraded: state file \S+ cannot be saved/), expect.stringMatching(/^state up: state file \S+ saved again$/)]);
  });
});

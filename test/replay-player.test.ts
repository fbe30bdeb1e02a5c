// The replay controller on small recordings: pacing by recorded time at each speed (on a
// manual clock), pause, steps, jumps between alerts, resets, a responsive event loop at full
// speed, and alerts identical to `vigil detect --replay`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../src/engine/alert.js';
import type { VigilEvent } from '../src/engine/events.js';
import type { Profile } from '../src/engine/profile.js';
import { loadProfile } from '../src/profile/load.js';
import { RECORDING_FORMAT, RECORDING_VERSION } from '../src/recording/format.js';
import type { RecordingProblem } from '../src/recording/reader.js';
import { openRecordingWriter } from '../src/recording/writer.js';
import { ReplayPlayer, type ReplayPlayerOptions, type ReplayState, type ReplayTimers } from '../src/runtime/replay-player.js';
import { jsonLines, runVigil } from './helpers/cli.js';
import { snapshotEvent, snapshotFixture } from './helpers/engine.js';

const STARTED_AT = '2026-11-27T09:59:59.000Z';
const T0 = Date.parse('2026-11-27T10:00:00.000Z');

let profile: Profile;
let dir: string;
const players: ReplayPlayer[] = [];

beforeAll(async () => {
  profile = await loadProfile();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-replay-'));
});
afterEach(async () => {
  await Promise.all(players.splice(0).map((p) => p.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function writeRecording(name: string, events: VigilEvent[]): Promise<string> {
  const path = join(dir, name);
  const writer = await openRecordingWriter(path, {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    host: 'test-host',
    startedAt: STARTED_AT,
    vigilVersion: '0.1.0',
  });
  for (const event of events) writer.write(event);
  await writer.close();
  return path;
}

/** Container snapshots one second apart; seq 2, 4 and 6 each raise one alert. */
function incident(): VigilEvent[] {
  const fixtures = ['plain', 'privileged', 'hardened', 'mount-docker-sock', 'nnp-true', 'ns-pid-host'];
  return fixtures.map((name, i) => ({
    ...snapshotEvent(snapshotFixture(name), 'create', i + 1),
    ts: new Date(T0 + i * 1000).toISOString(),
  }));
}
const ALERT_RULES = ['system.container_security_options', 'system.container_mounts', 'system.container_namespaces'];

/** A clock that moves only when told; timers fire in order as it passes them. */
class ManualTimers implements ReplayTimers {
  time = 0;
  private nextId = 0;
  private readonly armed = new Map<number, { at: number; callback: () => void }>();
  now = (): number => this.time;
  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = ++this.nextId;
    this.armed.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    this.armed.delete(handle as number);
  };
  get pending(): number {
    return this.armed.size;
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const [id, next] = [...this.armed].sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
      if (id === undefined || next!.at > until) break;
      this.armed.delete(id);
      this.time = next!.at;
      next!.callback();
    }
    this.time = until;
  }
  /** Moves to the earliest timer and fires it. */
  fireNext(): void {
    const at = Math.min(...[...this.armed.values()].map((t) => t.at));
    this.advance(at - this.time);
  }
}

/** Lets the player's loop run until nothing is left for it to do without the clock moving. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function until(check: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Harness {
  player: ReplayPlayer;
  alerts: Alert[];
  /** Wall time (manual clock) at which each event was played. */
  played: { seq: number; at: number }[];
  resets: number;
  problems: RecordingProblem[];
  timers: ManualTimers;
  state: () => ReplayState;
  /** Waits for a jump to land (reaching the end ends one too). */
  landed: () => Promise<void>;
}

function harness(file: string, extra: Partial<ReplayPlayerOptions> = {}): Harness {
  const timers = new ManualTimers();
  const h: Harness = {
    alerts: [],
    played: [],
    resets: 0,
    problems: [],
    timers,
    state: () => h.player.getState(),
    landed: () => until(() => !h.state().seeking, 'the jump to land'),
    player: new ReplayPlayer({
      file,
      profile,
      onAlert: (a) => h.alerts.push(a),
      onEvent: (e) => h.played.push({ seq: e.seq, at: timers.now() }),
      onReset: () => {
        h.resets++;
        h.alerts = [];
        h.played = [];
      },
      onProblem: (p) => h.problems.push(p),
      timers,
      ...extra,
    }),
  };
  players.push(h.player);
  return h;
}

function setSpeed(player: ReplayPlayer, times: number, direction: 'faster' | 'slower' = 'faster'): void {
  for (let i = 0; i < times; i++) player[direction]();
}

describe('pacing', () => {
  it.each([
    [1, 0],
    [64, 6],
  ])('plays events at their recorded spacing divided by the speed (%d×)', async (speed, presses) => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    setSpeed(h.player, presses);
    await h.player.start();
    expect(h.state().speed).toBe(speed);
    while (!h.state().ended) {
      await until(() => h.timers.pending > 0 || h.state().ended, 'a timer or the end');
      if (!h.state().ended) h.timers.fireNext();
    }
    // The first event plays at once; the clock starts from it, not from the header.
    expect(h.played).toEqual([1, 2, 3, 4, 5, 6].map((seq, i) => ({ seq, at: (i * 1000) / speed })));
    expect(h.alerts.map((a) => a.ruleId)).toEqual(ALERT_RULES);
  });

  it('waits the rest of a gap, not all of it, after a pause or a speed change', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    await h.player.start();
    await until(() => h.state().position === 1 && h.timers.pending > 0);
    h.timers.advance(300);
    h.player.pause();
    h.timers.advance(10_000);
    await settle();
    expect(h.state()).toMatchObject({ position: 1, paused: true });

    h.player.resume();
    await settle();
    h.timers.advance(699);
    await settle();
    expect(h.state().position).toBe(1);
    h.timers.advance(1);
    await until(() => h.state().position === 2);
    expect(h.played[1]).toEqual({ seq: 2, at: 11_000 });

    // Half of the next second at 1×, the other half at 2×: 250 ms more.
    await until(() => h.timers.pending > 0);
    h.timers.advance(500);
    h.player.faster();
    await settle();
    h.timers.advance(249);
    await settle();
    expect(h.state().position).toBe(2);
    h.timers.advance(1);
    await until(() => h.state().position === 3);
    expect(h.played[2]).toEqual({ seq: 3, at: 11_750 });
  });

  it('does not wait at max speed, and still gives the event loop turns during a long replay', async () => {
    // gzip: one compressed chunk inflates to thousands of events, read without any I/O wait.
    const events: VigilEvent[] = Array.from({ length: 30_000 }, (_, i) => ({
      seq: i + 1,
      ts: new Date(T0 + i * 1000).toISOString(),
      source: 'vigil',
      kind: 'source.status',
      data: { source: 'docker', state: 'up' },
    }));
    const player = new ReplayPlayer({ file: await writeRecording('long.jsonl.gz', events), profile, onAlert: () => undefined });
    players.push(player);
    setSpeed(player, 8);
    expect(player.getState().speed).toBe('max');
    const seen: number[] = [];
    const watch = (): void => {
      seen.push(player.getState().position);
      if (!player.getState().ended) setImmediate(watch);
    };
    await player.start();
    setImmediate(watch);
    await until(() => player.getState().ended, 'the end');
    expect(player.getState()).toMatchObject({ position: 30_000, total: 30_000, ended: true });
    const during = seen.filter((p) => p > 0 && p < 30_000);
    expect(during.length).toBeGreaterThan(10);
    const gaps = seen.slice(1).map((p, i) => p - seen[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2000);
  });
});

describe('pause and step', () => {
  it('plays exactly one event per step while paused', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    h.player.pause();
    await h.player.start();
    await settle();
    expect(h.state()).toMatchObject({ position: 0, seq: undefined, ts: STARTED_AT, paused: true, ended: false });

    h.player.step();
    await until(() => h.state().position === 1);
    h.player.step();
    await until(() => h.state().position === 2);
    await settle();
    expect(h.state()).toMatchObject({ position: 2, seq: 2, ts: '2026-11-27T10:00:01.000Z', paused: true });
    expect(h.alerts.map((a) => a.ruleId)).toEqual([ALERT_RULES[0]]);
    expect(h.timers.pending).toBe(0);
  });

  it('pauses a playing replay on a step, after one more event', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    await h.player.start();
    await until(() => h.state().position === 1);
    h.player.step();
    await until(() => h.state().position === 2);
    h.timers.advance(60_000);
    await settle();
    expect(h.state()).toMatchObject({ position: 2, paused: true });
  });

  it('toggles, and keeps the same state object until something changes', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    h.player.pause();
    await h.player.start();
    await settle();
    const before = h.state();
    expect(h.state()).toBe(before);
    let notified = 0;
    const unsubscribe = h.player.subscribe(() => notified++);
    h.player.togglePause();
    expect(h.state()).not.toBe(before);
    expect(h.state().paused).toBe(false);
    await until(() => notified > 0, 'a notification');
    h.player.togglePause();
    expect(h.state().paused).toBe(true);
    unsubscribe();
  });

  it('steps through the speeds and stops at either end', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    const speeds: unknown[] = [h.state().speed];
    for (let i = 0; i < 9; i++) {
      h.player.faster();
      speeds.push(h.state().speed);
    }
    expect(speeds).toEqual([1, 2, 4, 8, 16, 32, 64, 'max', 'max', 'max']);
    setSpeed(h.player, 9, 'slower');
    expect(h.state().speed).toBe(0.5);
  });
});

describe('jumps', () => {
  it('n runs to the next alert and pauses on the event that raised it; N goes back exactly', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    h.player.pause();
    await h.player.start();

    h.player.nextAlert();
    await h.landed();
    expect(h.state()).toMatchObject({ position: 2, seq: 2, paused: true, seeking: false });
    h.player.nextAlert();
    await h.landed();
    expect(h.state()).toMatchObject({ position: 4, seq: 4, paused: true });
    expect(h.alerts.map((a) => a.ruleId)).toEqual(ALERT_RULES.slice(0, 2));
    const [first] = h.alerts;

    h.player.previousAlert();
    await h.landed();
    expect(h.resets).toBe(1);
    expect(h.state()).toMatchObject({ position: 2, seq: 2, paused: true });
    // Replayed from the start: the same first alert, id included, and nothing after it.
    expect(h.alerts).toEqual([first]);
    expect(h.played.map((p) => p.seq)).toEqual([1, 2]);

    h.player.previousAlert();
    await h.landed();
    expect(h.resets).toBe(2);
    expect(h.state()).toMatchObject({ position: 0, seq: undefined, paused: true });
    expect(h.alerts).toEqual([]);
    expect(h.timers.pending).toBe(0);
  });

  it('N between alerts goes back to the last one passed; repeated N keeps going back', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    h.player.seekEnd();
    await h.player.start();
    await until(() => h.state().ended);
    expect(h.state()).toMatchObject({ position: 6, seq: 6 });

    h.player.previousAlert(); // at 6, which raised an alert: the one before it
    h.player.previousAlert();
    await h.landed();
    expect(h.state()).toMatchObject({ position: 2, seq: 2, ended: false });

    h.player.step();
    h.player.step();
    h.player.step();
    await until(() => h.state().position === 5);
    h.player.previousAlert();
    await h.landed();
    expect(h.state()).toMatchObject({ position: 4, seq: 4, paused: true });
    expect(h.alerts.map((a) => a.ruleId)).toEqual(ALERT_RULES.slice(0, 2));
  });

  it('n after the last alert plays to the end', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident().slice(0, 5)));
    h.player.pause();
    await h.player.start();
    h.player.nextAlert();
    h.player.nextAlert();
    await h.landed();
    expect(h.state().position).toBe(4);
    h.player.nextAlert();
    await h.landed();
    expect(h.state()).toMatchObject({ position: 5, ended: true, seeking: false });
    h.player.nextAlert(); // nothing left: no jump that never lands
    expect(h.state().seeking).toBe(false);
  });

  it('g resets the session and the alerts, paused before the first event', async () => {
    const h = harness(await writeRecording('incident.jsonl', incident()));
    await h.player.start();
    h.player.seekEnd();
    await until(() => h.state().ended);
    const alerts = h.alerts;
    expect(alerts.map((a) => a.ruleId)).toEqual(ALERT_RULES);
    const engine = h.player.session.engine;

    h.player.seekStart();
    await until(() => h.resets === 1 && !h.state().seeking);
    await settle();
    expect(h.state()).toMatchObject({ position: 0, seq: undefined, ts: STARTED_AT, paused: true, ended: false });
    expect(h.alerts).toEqual([]);
    expect(h.player.session.engine).not.toBe(engine);
    expect(h.player.session.engine.stats.alerts).toBe(0);

    // The new session raises the same alerts again (a reused engine would call them duplicates).
    h.player.seekEnd();
    await until(() => h.state().ended);
    expect(h.alerts).toEqual(alerts);
  });
});

describe('recording facts', () => {
  it('knows the total from a first pass, and reports damaged lines once across resets', async () => {
    const path = join(dir, 'damaged.jsonl');
    const [a, b, c] = incident().map((e) => JSON.stringify(e));
    const header = { format: RECORDING_FORMAT, version: RECORDING_VERSION, host: 'h', startedAt: STARTED_AT, vigilVersion: '0.1.0' };
    const unknown = JSON.stringify({ seq: 9, ts: 't', source: 'falco', kind: 'rule', data: {} });
    await writeFile(path, [JSON.stringify(header), a, '{not json', b, unknown, c, '{"seq":'].join('\n'));
    const h = harness(path);
    h.player.pause();
    await h.player.start();
    await until(() => h.state().total !== undefined, 'the line count');
    expect(h.state().total).toBe(6); // lines after the header: an upper bound until the end
    h.player.seekEnd();
    await until(() => h.state().ended);
    expect(h.state()).toMatchObject({ position: 3, total: 3, problems: { corrupt: 1, unknownKinds: 1, truncated: true } });

    h.player.seekStart();
    h.player.seekEnd();
    await until(() => h.resets === 1 && h.state().ended);
    expect(h.state().problems).toEqual({ corrupt: 1, unknownKinds: 1, truncated: true });
    expect(h.problems.map((p) => [p.kind, p.line])).toEqual([
      ['corrupt', 3],
      ['unknown-kind', 5],
      ['truncated', 7],
    ]);
  });

  it('rejects a file that is not a recording, with a one-line message', async () => {
    const path = join(dir, 'not.jsonl');
    await writeFile(path, 'hello\n');
    const h = harness(path);
    await expect(h.player.start()).rejects.toThrow(`${path}: not a vigil recording`);
  });
});

describe('same alerts as vigil detect --replay', () => {
  const shipped = (name: string) => fileURLToPath(new URL(`../recordings/${name}`, import.meta.url));

  /** Alerts shown at the end, after `moves` (alerts a reset clears are dropped, as the UI does). */
  async function playerAlerts(file: string, playerProfile: Profile, moves: (p: ReplayPlayer) => Promise<void> = async () => undefined): Promise<Alert[]> {
    let alerts: Alert[] = [];
    const player = new ReplayPlayer({ file, profile: playerProfile, onAlert: (a) => alerts.push(a), onReset: () => (alerts = []) });
    players.push(player);
    player.pause();
    await player.start();
    await moves(player);
    player.seekEnd();
    await until(() => player.getState().ended, 'the end');
    return alerts;
  }

  it('on a recording written here', async () => {
    const file = await writeRecording('incident.jsonl', incident());
    const cli = await runVigil(['detect', '--replay', file, '--json']);
    expect(cli.code).toBe(0);
    const expected = jsonLines<Alert>(cli.stdout);
    expect(expected).toHaveLength(3);
    expect(await playerAlerts(file, profile)).toEqual(expected);
  });

  it('on the shipped recordings, after jumps forward and back', async () => {
    const jumps = async (player: ReplayPlayer): Promise<void> => {
      const landed = () => until(() => !player.getState().seeking, 'the jump to land');
      for (let i = 0; i < 3; i++) {
        player.nextAlert();
        await landed();
      }
      player.previousAlert();
      await landed();
    };
    const kernel = shipped('demo-kernel-incident.jsonl.gz');
    const startup = shipped('demo-startup-checks.jsonl');
    const demoProfile = await loadProfile(shipped('demo.profile.yaml'));
    for (const [file, args, p] of [
      [kernel, [], profile],
      [startup, ['--profile', shipped('demo.profile.yaml')], demoProfile],
    ] as const) {
      const cli = await runVigil(['detect', '--replay', file, ...args, '--json']);
      expect(cli.code).toBe(0);
      const expected = jsonLines<Alert>(cli.stdout);
      expect(expected.length).toBeGreaterThan(5);
      expect(await playerAlerts(file, p, jumps)).toEqual(expected);
    }
  });
});

// Recordings are the unit of investigation and of testing, so these tests hold the format to
// its promises: exact round trips, private files, clear refusals, and damage (corrupt lines,
// cut-off files, a writer killed with SIGKILL or stopped by a full disk) that costs at most
// the damaged lines.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VigilEvent } from '../src/engine/events.js';
import { RECORDING_FORMAT, RECORDING_VERSION, type RecordingHeader } from '../src/recording/format.js';
import { readRecording, type RecordingProblem } from '../src/recording/reader.js';
import { openRecordingWriter } from '../src/recording/writer.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('helpers/recording-child.mjs', import.meta.url));

const header: RecordingHeader = {
  format: RECORDING_FORMAT,
  version: RECORDING_VERSION,
  host: 'test-host',
  startedAt: '2025-01-02T03:04:05.678Z',
  vigilVersion: '0.1.0',
};
const headerLine =
  '{"format":"vigil-recording","version":1,"host":"test-host","startedAt":"2025-01-02T03:04:05.678Z","vigilVersion":"0.1.0"}';

/** The smallest valid event; `reason` pads it when a test needs volume. */
function statusEvent(seq: number, reason?: string): VigilEvent {
  return {
    seq,
    ts: '2025-01-02T03:04:06.000Z',
    source: 'vigil',
    kind: 'source.status',
    data: reason === undefined ? { source: 'docker', state: 'up' } : { source: 'docker', state: 'degraded', reason },
  };
}

/** Several kinds, optional fields, and enough multi-byte text to split characters across read chunks. */
function sampleEvents(): VigilEvent[] {
  const events: VigilEvent[] = [
    {
      seq: 0,
      ts: '2025-01-02T03:04:05.700Z',
      source: 'docker',
      kind: 'container.lifecycle',
      data: { action: 'die', id: 'c0ffee', name: 'web', image: 'nginx:1.27', exitCode: 137 },
    },
    {
      seq: 1,
      ts: '2025-01-02T03:04:05.800Z',
      source: 'proc',
      kind: 'process.snapshot',
      data: { pid: 42, ppid: 1, startTime: 9000, exe: '/bin/sh', cmdline: ['sh', '-c', 'echo "hi"\n'], uid: 0, euid: 0, containerId: 'c0ffee', sockets: [] },
    },
    { seq: 2, ts: '2025-01-02T03:04:05.900Z', source: 'proc', kind: 'process.exit', data: { pid: 42, startTime: 9000 } },
  ];
  for (let seq = 3; seq < 3000; seq++) events.push(statusEvent(seq, `état dégradé ✓ ${'😀'.repeat(seq % 7)} #${seq}`));
  return events;
}

async function readAll(path: string) {
  const problems: RecordingProblem[] = [];
  const recording = await readRecording(path, { onProblem: (p) => problems.push(p) });
  const events: VigilEvent[] = [];
  for await (const event of recording.events) events.push(event);
  return { header: recording.header, events, stats: { ...recording.stats }, problems };
}

/** Asserts the events are seq 0, 1, 2, ... in order: a prefix of what a writer wrote. */
function expectPrefix(events: VigilEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
}

function lines(...items: (string | VigilEvent)[]): string {
  return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('\n') + '\n';
}

/** Polls without setTimeout, which some tests fake. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-recording-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

describe('round trip', () => {
  it.each(['events.jsonl', 'events.jsonl.gz'])('%s reads back exactly what was written', async (name) => {
    const path = join(dir, name);
    const events = sampleEvents();
    const writer = await openRecordingWriter(path, header);
    for (const event of events) writer.write(event);
    await writer.close();
    writer.write(statusEvent(99_999)); // after close: ignored, not thrown

    const raw = await readFile(path);
    expect(writer.stats).toEqual({ events: events.length, bytes: raw.length });
    const gzip = name.endsWith('.gz');
    expect(raw.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(gzip);
    const text = (gzip ? gunzipSync(raw) : raw).toString('utf8');
    expect(text).toBe(lines(headerLine, ...events));

    const back = await readAll(path);
    expect(back.header).toEqual(header);
    expect(back.events).toEqual(events);
    expect(back.stats).toEqual({ events: events.length, corrupt: 0, unknownKinds: 0, truncated: false });
    expect(back.problems).toEqual([]);
  });

  it('delivers the same events in the same order a chunk at a time', async () => {
    const path = join(dir, 'batches.jsonl.gz');
    const events = sampleEvents();
    const writer = await openRecordingWriter(path, header);
    for (const event of events) writer.write(event);
    await writer.close();
    const recording = await readRecording(path);
    const batches: VigilEvent[][] = [];
    for await (const batch of recording.batches) batches.push(batch);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(events);
    expect(recording.stats.events).toBe(events.length);
  });

  it('drops keys an event kind does not have, as the schema does', async () => {
    const path = join(dir, 'extra-keys.jsonl');
    const event = { ...statusEvent(1), extra: 'envelope', data: { source: 'docker', state: 'up', injected: { deep: true } } };
    await writeFile(path, lines(headerLine, JSON.stringify(event)));
    const back = await readAll(path);
    expect(back.events).toEqual([statusEvent(1)]);
  });
});

describe('writer', () => {
  it('creates the file with mode 0600 even when the umask allows more', async () => {
    const path = join(dir, 'private.jsonl');
    const previous = process.umask(0);
    try {
      await (await openRecordingWriter(path, header)).close();
    } finally {
      process.umask(previous);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('truncates an existing file and narrows its mode to 0600', async () => {
    const path = join(dir, 'old.jsonl');
    await writeFile(path, 'old content that must go\n'.repeat(100));
    await chmod(path, 0o644);
    await (await openRecordingWriter(path, header)).close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe(lines(headerLine));
  });

  it('rejects with one line naming the path when the directory is missing', async () => {
    const path = join(dir, 'missing', 'x.jsonl');
    await expect(openRecordingWriter(path, header)).rejects.toThrow(
      `${path}: cannot create recording (directory ${join(dir, 'missing')} does not exist)`,
    );
  });

  it('refuses to follow a symlink at the recording path', async () => {
    const target = join(dir, 'target');
    await writeFile(target, 'keep me');
    const path = join(dir, 'link.jsonl');
    await symlink(target, path);
    await expect(openRecordingWriter(path, header)).rejects.toThrow(`${path}: cannot create recording (is a symbolic link`);
    expect(await readFile(target, 'utf8')).toBe('keep me');
  });

  it.each(['flush.jsonl', 'flush.jsonl.gz'])(
    '%s: events reach the file after 100 ms or 64 KiB, readable while the writer is still open',
    async (name) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const path = join(dir, name);
      const writer = await openRecordingWriter(path, header);
      // Writes are asynchronous: until the first one lands, the file is still empty.
      const readable = (count: number) =>
        readAll(path).then(
          (back) => back.events.length >= count,
          () => false,
        );

      for (let seq = 0; seq < 3; seq++) writer.write(statusEvent(seq));
      vi.advanceTimersByTime(100);
      await eventually(() => readable(3));
      const open = await readAll(path);
      expectPrefix(open.events);
      // Before close a gzip file has no trailer, yet its sync-flushed content is complete.
      expect(open.stats.truncated).toBe(name.endsWith('.gz'));
      expect(open.stats.corrupt).toBe(0);

      // About 70 KiB with no timer firing: only the size threshold can flush it.
      for (let seq = 3; seq < 67; seq++) writer.write(statusEvent(seq, 'x'.repeat(1000)));
      await eventually(() => readable(50));
      expectPrefix((await readAll(path)).events);

      await writer.close();
      expect((await readAll(path)).events).toHaveLength(67);
    },
  );
});

describe('reader: refusals', () => {
  const refusals: [string, string, string][] = [
    ['an empty file', '', 'not a vigil recording (the file is empty)'],
    ['an event as first line', lines(statusEvent(0)), 'not a vigil recording (first line is not a header)'],
    ['a first line that is not JSON', 'hello\n', 'not a vigil recording (first line is not a header)'],
    ['another format', lines('{"format":"other","version":1}'), 'not a vigil recording (first line is not a header)'],
    [
      'a newer version',
      lines(headerLine.replace('"version":1', '"version":2'), statusEvent(0)),
      'unsupported recording version 2 (this vigil reads version 1)',
    ],
    [
      'a header without a version',
      lines(headerLine.replace('"version":1,', '')),
      'unsupported recording without a version (this vigil reads version 1)',
    ],
    ['a malformed header', lines(headerLine.replace('"test-host"', '5')), 'invalid recording header (host: '],
  ];

  it.each(refusals)('refuses %s with one line naming the file', async (_, content, message) => {
    const path = join(dir, 'x.jsonl');
    await writeFile(path, content);
    const err = await readRecording(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`${path}: ${message}`);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a missing file, a directory and a .gz that is not gzip, in one line each', async () => {
    const missing = join(dir, 'nope.jsonl');
    await expect(readRecording(missing)).rejects.toThrow(`${missing}: cannot read recording (no such file or directory)`);
    const directory = join(dir, 'dir.jsonl');
    await mkdir(directory);
    await expect(readRecording(directory)).rejects.toThrow(`${directory}: cannot read recording (is a directory)`);
    const fake = join(dir, 'fake.jsonl.gz');
    await writeFile(fake, lines(headerLine));
    await expect(readRecording(fake)).rejects.toThrow(`${fake}: cannot read recording (corrupt gzip data: incorrect header check)`);
    const empty = join(dir, 'empty.jsonl.gz');
    await writeFile(empty, '');
    await expect(readRecording(empty)).rejects.toThrow(`${empty}: not a vigil recording (the file is empty)`);
  });
});

describe('reader: damage', () => {
  it('skips and counts corrupt lines, delivering the events around them', async () => {
    const path = join(dir, 'corrupt.jsonl');
    const invalid = { ...statusEvent(2), data: { source: 'docker', state: 'sideways' } };
    await writeFile(path, lines(headerLine, statusEvent(0), '{"seq":1,"ts":', statusEvent(1), JSON.stringify(invalid), statusEvent(3)));
    const back = await readAll(path);
    expect(back.events.map((e) => e.seq)).toEqual([0, 1, 3]);
    expect(back.stats).toEqual({ events: 3, corrupt: 2, unknownKinds: 0, truncated: false });
    expect(back.problems).toEqual([
      { kind: 'corrupt', line: 3, message: 'not valid JSON' },
      { kind: 'corrupt', line: 5, message: expect.stringContaining('vigil/source.status: data.state') },
    ]);
  });

  it('skips and counts events of unknown kinds', async () => {
    const path = join(dir, 'unknown.jsonl');
    await writeFile(
      path,
      lines(
        headerLine,
        statusEvent(0),
        '{"seq":1,"ts":"t","source":"docker","kind":"container.teleport","data":{}}',
        '{"seq":2,"ts":"t","source":"ebpf","kind":"exec","data":{}}',
        statusEvent(3),
      ),
    );
    const back = await readAll(path);
    expect(back.events.map((e) => e.seq)).toEqual([0, 3]);
    expect(back.stats).toEqual({ events: 2, corrupt: 0, unknownKinds: 2, truncated: false });
    expect(back.problems).toEqual([
      { kind: 'unknown-kind', line: 3, message: 'unknown event kind "docker/container.teleport"' },
      { kind: 'unknown-kind', line: 4, message: 'unknown event kind "ebpf/exec"' },
    ]);
  });

  it('ignores blank lines and delivers events whose seq does not increase', async () => {
    const path = join(dir, 'order.jsonl');
    await writeFile(path, lines(headerLine, '', statusEvent(5), '   ', statusEvent(3), statusEvent(3)));
    const back = await readAll(path);
    expect(back.events.map((e) => e.seq)).toEqual([5, 3, 3]);
    expect(back.problems).toEqual([]);
  });

  it('delivers a complete last line that lacks its newline', async () => {
    const path = join(dir, 'no-newline.jsonl');
    await writeFile(path, lines(headerLine) + JSON.stringify(statusEvent(0)));
    const back = await readAll(path);
    expect(back.events).toEqual([statusEvent(0)]);
    expect(back.stats.truncated).toBe(false);
  });

  it('reports a plain file cut mid-line as truncated, not corrupt', async () => {
    const path = join(dir, 'cut.jsonl');
    const writer = await openRecordingWriter(path, header);
    for (let seq = 0; seq < 10; seq++) writer.write(statusEvent(seq));
    await writer.close();
    await truncate(path, (await stat(path)).size - 15);
    const back = await readAll(path);
    expectPrefix(back.events);
    expect(back.events).toHaveLength(9);
    expect(back.stats).toEqual({ events: 9, corrupt: 0, unknownKinds: 0, truncated: true });
    expect(back.problems).toEqual([{ kind: 'truncated', line: 11, message: expect.stringContaining('cut off') }]);
  });

  it('delivers what a cut gzip file still holds, then reports truncation', async () => {
    const path = join(dir, 'cut.jsonl.gz');
    const writer = await openRecordingWriter(path, header);
    for (let seq = 0; seq < 200; seq++) writer.write(statusEvent(seq));
    await writer.close();
    await truncate(path, (await stat(path)).size - 12); // the 8-byte trailer and some data
    const back = await readAll(path);
    expectPrefix(back.events);
    expect(back.events.length).toBeGreaterThan(150);
    expect(back.stats).toMatchObject({ corrupt: 0, unknownKinds: 0, truncated: true });
    expect(back.problems).toEqual([{ kind: 'truncated', line: expect.any(Number), message: expect.stringContaining('cut off') }]);
  });
});

describe('writer in a child process', () => {
  // The child runs the compiled writer, as the installed vigil does; type errors elsewhere in a
  // tree under edit do not stop tsc from emitting, so only a missing output fails the build.
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      execFile(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root }, () => resolve());
    });
    expect(existsSync(join(root, 'dist/recording/writer.js'))).toBe(true);
  });

  it.each(['killed.jsonl', 'killed.jsonl.gz'])('%s: SIGKILL loses at most the last 100 ms', async (name) => {
    const path = join(dir, name);
    const child = spawn(process.execPath, [childScript, 'loop', path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    let written = 0;
    createInterface({ input: child.stdout }).on('line', (line) => {
      written = Number(line);
    });
    await eventually(async () => written >= 2000);
    // Everything written by now is at least 400 ms old by the kill: it must be on disk.
    const settled = written;
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGKILL');
    await exited;

    const back = await readAll(path);
    expect(back.header.host).toBe('child');
    expectPrefix(back.events);
    expect(back.events.length).toBeGreaterThanOrEqual(settled);
    expect(back.stats).toMatchObject({ corrupt: 0, unknownKinds: 0 });
    expect(back.problems.every((p) => p.kind === 'truncated')).toBe(true);
  });

  it('reports a write error (file size limit) once, without throwing into the writer’s caller', async () => {
    const path = join(dir, 'limited.jsonl');
    // `ulimit -f` makes writes past 16 blocks fail with EFBIG; Node ignores SIGXFSZ.
    const child = spawn('sh', ['-c', 'ulimit -f 16 && exec "$0" "$@"', process.execPath, childScript, 'limit', path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const result = JSON.parse(output) as { errors: string[]; closeError: string | null };
    expect(result.errors).toEqual([`${path}: recording stopped (file too large)`]);
    expect(result.closeError).toBe(`${path}.2: recording stopped (file too large)`);

    const back = await readAll(path);
    expectPrefix(back.events);
    expect(back.events.length).toBeGreaterThan(0);
    expect(back.stats.corrupt).toBe(0);
  });
});

// The tailer on a real file, rotated the way auditd rotates (rename to .1, keep writing the old
// handle until it closes, open a new file): every line must arrive exactly once, in order.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditAssembler, execveArgv, type AuditEvent } from '../../src/sources/audit/assemble.js';
import { LogTailer, MAX_LINE_BYTES, type TailerOptions } from '../../src/sources/tail.js';

const POLL_MS = 5;

let dir: string;
let log: string;
const tailers: LogTailer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-tail-'));
  log = join(dir, 'audit.log');
});

afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.stop()));
  await rm(dir, { recursive: true, force: true });
});

function follow(options: Partial<TailerOptions> = {}): { tailer: LogTailer; lines: string[]; errors: Error[] } {
  const lines: string[] = [];
  const errors: Error[] = [];
  const tailer = new LogTailer(log, {
    pollMs: POLL_MS,
    onLines: (batch) => lines.push(...batch),
    onError: (err) => errors.push(err),
    ...options,
  });
  tailers.push(tailer);
  tailer.start();
  return { tailer, lines, errors };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A few polls, to show that something does not happen. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, POLL_MS * 6));
}

/**
 * Rotates like auditd: shifts audit.log.N to .N+1, renames the live file to .1, writes its last
 * lines through the handle still open, closes it, and opens the new audit.log.
 */
function rotate(fd: number, lastLines: string[]): number {
  for (let n = 8; n >= 1; n--) if (existsSync(`${log}.${n}`)) renameSync(`${log}.${n}`, `${log}.${n + 1}`);
  renameSync(log, `${log}.1`);
  if (lastLines.length) writeSync(fd, lastLines.map((l) => `${l}\n`).join(''));
  closeSync(fd);
  return openSync(log, 'a');
}

function write(fd: number, lines: string[]): void {
  writeSync(fd, lines.map((l) => `${l}\n`).join(''));
}

function numbered(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `line ${from + i}`);
}

describe('LogTailer', () => {
  it('starts at the end by default, and reads from the start when asked', async () => {
    writeFileSync(log, 'old 1\nold 2\n');
    const live = follow();
    const offline = follow({ fromStart: true });
    await until(() => offline.lines.length === 2, 'the existing lines');
    await settle();
    appendFileSync(log, 'new\n');
    await until(() => live.lines.length === 1 && offline.lines.length === 3, 'the new line');
    expect(live.lines).toEqual(['new']);
    expect(offline.lines).toEqual(['old 1', 'old 2', 'new']);
  });

  it('holds a partial line until its newline, and drops one begun before it started', async () => {
    writeFileSync(log, 'done\nbegun before');
    const { lines } = follow();
    await settle();
    appendFileSync(log, ' the tailer\nfirst whole');
    await settle();
    expect(lines).toEqual([]);
    appendFileSync(log, ' line\n');
    await until(() => lines.length === 1, 'the completed line');
    expect(lines).toEqual(['first whole line']);
  });

  it('reads an event rotated away half-written exactly once, then the new file from its start', async () => {
    const captured = readFileSync(new URL('../fixtures/audit/execve.log', import.meta.url), 'utf8').split('\n');
    const id = (line: string) => /msg=audit\(([^)]*)\)/.exec(line)?.[1];
    const wanted = id(captured.find((l) => l.includes('argc=3001')) ?? '');
    const event = captured.filter((l) => id(l) === wanted);
    expect(event.length).toBeGreaterThan(8);
    const [before, last, after] = [event.slice(0, 5), event.slice(5, 7), event.slice(7)];

    writeFileSync(log, '');
    const { tailer, lines } = follow({ fromStart: true });
    const fd = openSync(log, 'a');
    write(fd, before);
    await until(() => lines.length === before.length, 'the first half');
    const next = rotate(fd, last);
    await settle();
    write(next, after);
    closeSync(next);
    await until(() => lines.length === event.length, 'the whole event');
    await settle();

    expect(lines).toEqual(event);
    expect(tailer.stats).toMatchObject({ lines: event.length, rotations: 1, truncations: 0 });
    const events: AuditEvent[] = [];
    const assembler = new AuditAssembler({ onEvent: (e) => events.push(e) });
    for (const line of lines) assembler.push(line);
    expect(events).toHaveLength(1);
    expect(execveArgv(events[0] as AuditEvent)).toHaveLength(3001);
  });

  it('loses and repeats nothing while a writer rotates repeatedly', async () => {
    const expected = numbered(0, 3000);
    writeFileSync(log, '');
    const { tailer, lines } = follow({ fromStart: true });
    await settle();
    let fd = openSync(log, 'a');
    for (let i = 0; i < expected.length; i += 50) {
      write(fd, expected.slice(i, i + 25));
      if (i % 500 === 450) fd = rotate(fd, expected.slice(i + 25, i + 50));
      else write(fd, expected.slice(i + 25, i + 50));
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    closeSync(fd);
    await until(() => lines.length >= expected.length, 'every line');
    await settle();
    expect(lines).toEqual(expected);
    expect(tailer.stats.rotations).toBe(6);
  });

  it('reads the files rotated in and out between two polls', async () => {
    writeFileSync(log, '');
    const { tailer, lines } = follow({ fromStart: true, pollMs: 300 });
    await settle();
    let fd = openSync(log, 'a');
    for (let n = 0; n < 3; n++) {
      write(fd, numbered(n * 10, n * 10 + 5));
      fd = rotate(fd, numbered(n * 10 + 5, n * 10 + 10));
    }
    write(fd, numbered(30, 35));
    closeSync(fd);
    await until(() => lines.length >= 35, 'every line');
    expect(lines).toEqual(numbered(0, 35));
    expect(tailer.stats.rotations).toBe(3);
  });

  it('starts over when the file is truncated', async () => {
    writeFileSync(log, 'a long first line\nanother long line\n');
    const { tailer, lines } = follow({ fromStart: true });
    await until(() => lines.length === 2, 'the first lines');
    truncateSync(log, 0);
    appendFileSync(log, 'short\n');
    await until(() => lines.length === 3, 'the line after truncation');
    expect(lines).toEqual(['a long first line', 'another long line', 'short']);
    expect(tailer.stats.truncations).toBe(1);
  });

  it('waits for a file that does not exist yet, then reads it from its start', async () => {
    const { lines, errors } = follow();
    await settle();
    writeFileSync(log, 'first\nsecond\n');
    await until(() => lines.length === 2, 'the new file');
    expect(lines).toEqual(['first', 'second']);
    expect(errors).toEqual([]);
  });

  it('reports a path it cannot read once, and says when it follows it again', async () => {
    mkdirSync(log); // a directory where the log should be: unreadable even for root
    let recovered = 0;
    const { lines, errors } = follow({ onRecovered: () => recovered++ });
    await until(() => errors.length > 0, 'the error');
    await settle();
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('EISDIR')]);
    expect(recovered).toBe(0);
    rmdirSync(log);
    writeFileSync(log, 'back\n');
    await until(() => recovered === 1, 'the recovery');
    await until(() => lines.length === 1, 'the line');
    expect(lines).toEqual(['back']);
  });

  it('keeps reading the renamed file while no new one exists', async () => {
    writeFileSync(log, '');
    const { lines } = follow({ fromStart: true });
    await settle();
    const fd = openSync(log, 'a');
    renameSync(log, `${log}.1`);
    await settle();
    writeSync(fd, 'late write\n');
    await until(() => lines.length === 1, 'the late write');
    closeSync(fd);
    writeFileSync(log, 'new file\n');
    await until(() => lines.length === 2, 'the new file');
    expect(lines).toEqual(['late write', 'new file']);
  });

  it('skips a line too long to be an audit record', async () => {
    writeFileSync(log, '');
    const { tailer, lines } = follow({ fromStart: true });
    appendFileSync(log, Buffer.alloc(MAX_LINE_BYTES + 10));
    appendFileSync(log, 'still NULs\nnext\n');
    await until(() => lines.length === 1, 'the line after the damage');
    expect(lines).toEqual(['next']);
    expect(tailer.stats.overlong).toBe(1);
  });

  it('delivers nothing after stop()', async () => {
    writeFileSync(log, '');
    const { tailer, lines } = follow({ fromStart: true });
    appendFileSync(log, 'before\n');
    await until(() => lines.length === 1, 'the first line');
    await tailer.stop();
    appendFileSync(log, 'after\n');
    await settle();
    expect(lines).toEqual(['before']);
  });

  it('reports a failure once while it lasts, and a throwing consumer', async () => {
    log = dir; // a directory: open succeeds, every read fails
    const { errors } = follow();
    await until(() => errors.length > 0, 'the error');
    await settle();
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['EISDIR']);

    log = join(dir, 'audit.log');
    writeFileSync(log, 'x\n');
    const throwing = follow({
      fromStart: true,
      onLines: () => {
        throw new Error('consumer broke');
      },
    });
    await until(() => throwing.errors.length > 0, 'the consumer error');
    expect(throwing.errors[0]?.message).toBe('consumer broke');
  });
});

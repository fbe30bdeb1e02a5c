// Fuzzes the audit log parser: raw auditd lines into records (parseRecord), records into events
// (AuditAssembler), events into vigil events (AuditConverter), and the offline reader that joins
// them (readAuditLog). Inputs are the captured fixture logs, whole events and single lines,
// mutated; records generated with hostile keys and values; and raw hostile text.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEvent, type UnsequencedEvent } from '../../src/engine/events.js';
import { AuditAssembler, type AuditEvent } from '../../src/sources/audit/assemble.js';
import { Attribution } from '../../src/sources/audit/attribution.js';
import { readAuditLog } from '../../src/sources/audit/offline.js';
import { MAX_LINE_LENGTH, parseRecord } from '../../src/sources/audit/record.js';
import { AuditConverter } from '../../src/sources/audit/to-events.js';
import {
  batch,
  checkReason,
  fail,
  fixture,
  hostileString,
  linesOf,
  mutateBytes,
  mutateText,
  mutations,
  PROTO_KEYS,
  prototypeState,
  timed,
} from './hostile.js';

const sampleLines = ['connect', 'container-offline', 'docker', 'execve', 'misc', 'path'].flatMap((name) =>
  linesOf(fixture(`fixtures/audit/${name}.log`)),
);
/** The fixture lines grouped into their events (consecutive lines with one msg=audit stamp). */
const sampleEvents = sampleLines.reduce<string[][]>((events, line) => {
  const stamp = (l: string) => /msg=audit\(([^)]*)\)/.exec(l)?.[1];
  const last = events[events.length - 1];
  if (last && stamp(last[0]!) === stamp(line)) last.push(line);
  else events.push([line]);
  return events;
}, []);

// The field conventions of record.ts, restated: what a generated field must parse to.
const STRING_FIELDS = new Set(['proctitle', 'comm', 'ocomm', 'exe', 'cwd', 'name', 'path', 'key', 'acct', 'cmd']);
const isStringField = (type: string, key: string) => STRING_FIELDS.has(key) || (type === 'EXECVE' && /^a\d+(\[\d+\])?$/.test(key));
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/** Any character but those that end a key, a value or the record (space, `=`, NUL, the ENRICHED separator). */
const textChar = (excluded: string) =>
  fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(...'\x1b\x07\t\n\r\x7f\x9b\u2028\ufeff\ud800"\'()=:,'.split('')))
    .filter((c) => !excluded.includes(c) && c !== '\0' && c !== '\x1d');

const fieldKey = fc.oneof(
  fc.constantFrom('pid', 'ppid', 'uid', 'exe', 'comm', 'key', 'name', 'item', 'saddr', 'a0', 'a1', 'a1[0]', 'a1_len', 'argc', 'proctitle', 'cwd', 'success', 'exit', 'syscall', 'arch', ...PROTO_KEYS),
  fc.string({ unit: textChar(' ='), minLength: 1, maxLength: 8 }),
).filter((key) => key !== 'msg'); // a single-quoted msg is a nested message: not a plain field

type Value = { written: string; parsed: (type: string, key: string) => string };
const fieldValue: fc.Arbitrary<Value> = fc.oneof(
  fc.tuple(fc.constantFrom('"', "'"), fc.string({ unit: textChar('"\''), maxLength: 20 })).map(([q, text]): Value => ({
    written: `${q}${text}${q}`,
    parsed: () => text,
  })),
  fc.uint8Array({ minLength: 1, maxLength: 20 }).map((bytes): Value => {
    const hex = Buffer.from(bytes).toString('hex').toUpperCase();
    return { written: hex, parsed: (type, key) => (isStringField(type, key) ? Buffer.from(bytes).toString('utf8') : hex) };
  }),
  fc
    .string({ unit: textChar(' '), minLength: 1, maxLength: 20 })
    .filter((text) => text[0] !== '"' && text[0] !== "'")
    .map((text): Value => ({
      written: text,
      parsed: (type, key) => (text === '(null)' ? '' : isStringField(type, key) && HEX.test(text) ? Buffer.from(text, 'hex').toString('utf8') : text),
    })),
  fc.constant({ written: '(null)', parsed: () => '' }),
);

/** A well-formed record with hostile keys and values, and the record it must parse to. */
const generatedRecord = fc
  .record({
    node: fc.option(fc.string({ unit: textChar(' '), maxLength: 12 }), { nil: undefined }),
    type: fc.oneof(
      fc.constantFrom('SYSCALL', 'EXECVE', 'PATH', 'CWD', 'PROCTITLE', 'SOCKADDR', 'EOE', 'USER_LOGIN', 'CONFIG_CHANGE', 'UNKNOWN[1334]'),
      fc.stringMatching(/^[A-Z0-9_]{1,64}$/),
    ),
    seconds: fc.integer({ min: 0, max: 999_999_999_999 }),
    millis: fc.integer({ min: 0, max: 999 }),
    serial: fc.integer({ min: 0, max: 999_999_999_999_999 }),
    fields: fc.array(fc.tuple(fieldKey, fieldValue, fc.constantFrom(' ', '  ')), { maxLength: 12 }),
  })
  .map(({ node, type, seconds, millis, serial, fields }) => {
    const timestamp = `${seconds}.${String(millis).padStart(3, '0')}`;
    const body = fields.map(([key, value, gap]) => `${gap}${key}=${value.written}`).join('');
    const expected: Record<string, string> = Object.create(null);
    for (const [key, value] of fields) if (!(key in expected)) expected[key] = value.parsed(type, key);
    // A last fixed field, so that trimming the line cannot take the end of a generated value.
    expected.end ??= '1';
    return {
      line: `${node === undefined ? '' : `node=${node} `}type=${type} msg=audit(${timestamp}:${serial}):${body} end=1`,
      record: { type, ...(node !== undefined && { node }), time: seconds * 1000 + millis, timestamp, serial, fields: expected },
    };
  });

/** Lines for the assembler: whole fixture events (possibly damaged), single lines, generated records, raw text. */
const lines: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.nat(sampleEvents.length - 1).map((i) => sampleEvents[i]!) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.nat(sampleEvents.length - 1), fc.nat(), mutations)
      .map(([i, at, list]) => sampleEvents[i]!.map((l, k) => (k === at % sampleEvents[i]!.length ? mutateText(l, list) : l))),
  },
  { weight: 2, arbitrary: fc.tuple(fc.nat(sampleLines.length - 1), mutations).map(([i, list]) => [mutateText(sampleLines[i]!, list)]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(sampleLines.length - 1), mutations)
      .map(([i, list]) => [mutateBytes(Buffer.from(sampleLines[i]!), list).toString('utf8')]),
  },
  { weight: 2, arbitrary: generatedRecord.map((g) => [g.line]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'type=SYSCALL msg=audit(1.000:1): ', 'node=', 'type=EXECVE msg=audit(1795783116.247:1484): a0='), hostileString)
      .map(([prefix, text]) => [prefix + text]),
  },
);

/** Each converted event is one a recording accepts. */
function checkConverted(converted: UnsequencedEvent | undefined, event: AuditEvent): void {
  if (converted === undefined) return;
  const check = checkEvent({ seq: 0, ...converted });
  if (!check.ok) fail(`a converted event is invalid (${check.message})`, event.records.map((r) => [r.type, r.fields]));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-fuzz-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit record parser', () => {
  const before = prototypeState();
  afterAll(() => {
    expect(prototypeState()).toEqual(before);
  });

  it('the fixture lines all parse', () => {
    for (const line of sampleLines) expect(parseRecord(line).ok).toBe(true);
  });

  it('5 000 generated records with hostile keys and values parse to exactly what they hold', () => {
    fc.assert(
      fc.property(generatedRecord, ({ line, record }) => {
        const parsed = timed(() => parseRecord(line));
        if (!parsed.ok) fail(`refused (${parsed.reason})`, line);
        expect({ ...parsed.record, fields: { ...parsed.record.fields } }).toEqual({ ...record, fields: { ...record.fields }, hex: parsed.record.hex });
        if (Object.getPrototypeOf(parsed.record.fields) !== null) fail('fields with a prototype', line);
      }),
      { numRuns: 5000, seed: 0xa0d1_0001 },
    );
  }, 60_000);

  it('100 000 mutated and generated lines in 100 streams: never a throw, every line a record or a counted reason, events valid', () => {
    let total = 0;
    let converted = 0;
    fc.assert(
      fc.property(batch(lines, 340), (groups) => {
        const pushed = groups.flat();
        total += pushed.length;
        const events: AuditEvent[] = [];
        const malformed: string[] = [];
        const assembler = new AuditAssembler({
          onEvent: (event) => events.push(event),
          onMalformed: (reason, line) => {
            checkReason(reason);
            malformed.push(line);
          },
          maxPendingEvents: 50,
          maxPendingRecords: 500,
          now: () => 0,
        });
        for (const line of pushed) timed(() => assembler.push(line));
        const parsed = pushed.map(parseRecord);
        const eoe = parsed.filter((p) => p.ok && p.record.type === 'EOE').length;
        const beforeFlush = events.length;
        assembler.flush();
        const { stats } = assembler;
        if (stats.records + stats.malformed !== pushed.length) fail('lines neither records nor malformed', stats);
        expect(malformed).toEqual(pushed.filter((_, i) => !parsed[i]!.ok));
        if (events.length - beforeFlush > 50) fail('more events pending than the bound', events.length - beforeFlush);
        if (stats.events !== events.length) fail('events miscounted', stats);
        const held = events.reduce((n, e) => n + e.records.length, 0);
        if (held !== stats.records - eoe) fail('records lost or duplicated', { ...stats, held, eoe });
        const converter = new AuditConverter({ attribution: new Attribution(false), hashExecutables: false });
        for (const event of events) {
          for (const r of event.records) {
            if (r.serial !== event.serial || r.timestamp !== event.timestamp || r.node !== event.node) fail('a record in the wrong event', r);
          }
          const result = timed(() => converter.convert(event));
          checkConverted(result, event);
          if (result) converted++;
        }
      }),
      { numRuns: 100, seed: 0xa0d1_0002, endOnFailure: true },
    );
    expect(total).toBeGreaterThanOrEqual(100_000);
    expect(converted).toBeGreaterThan(1000);
  }, 120_000);

  it('12 000 mutated and generated lines in 6 files through readAuditLog: every line a record or a counted reason', async () => {
    let files = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(batch(lines, 900), mutations, async (groups, damage) => {
        // The lines as bytes, with more damage to the file as a whole (invalid UTF-8, lost newlines).
        const content = mutateBytes(Buffer.from(`${groups.flat().join('\n')}\n`), damage);
        const path = join(dir, `${files++}.log`);
        await writeFile(path, content);
        const emitted: UnsequencedEvent[] = [];
        const started = performance.now();
        const stats = await readAuditLog(path, (e) => emitted.push(e));
        if (performance.now() - started > 10_000) fail('reading took over 10 s');
        // A line counts once: as a record or a rejection; an overlong one whatever it holds.
        const expected = content
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '' || l.length > MAX_LINE_LENGTH + 1).length;
        total += expected;
        if (stats.records + stats.malformed !== expected) fail(`${expected} lines, not all counted`, stats);
        const reasons = [...stats.reasons];
        reasons.forEach(([reason]) => checkReason(reason));
        if (reasons.reduce((n, [, count]) => n + count, 0) !== stats.malformed) fail('malformed lines without a reason', reasons);
        for (const event of emitted) {
          const check = checkEvent({ seq: 0, ...event });
          if (!check.ok) fail(`an emitted event is invalid (${check.message})`);
        }
      }),
      { numRuns: 6, seed: 0xa0d1_0003, endOnFailure: true },
    );
    expect(total).toBeGreaterThanOrEqual(12_000);
  }, 120_000);

  // Found with hostile input: the offline reader kept a line without its newline whole and rescanned
  // it with every chunk, so 32 MiB without a newline took 30 s, and memory grew with the file.
  it('a 32 MiB file without a newline is read in bounded time and counted as one line too long', async () => {
    const path = join(dir, 'no-newline.log');
    await writeFile(path, Buffer.alloc(32 * 1024 * 1024, 'x'));
    const started = performance.now();
    const stats = await readAuditLog(path, () => {});
    expect(performance.now() - started).toBeLessThan(5000);
    expect(stats).toMatchObject({ records: 0, malformed: 1, reasons: new Map([['line too long', 1]]) });
  });
});

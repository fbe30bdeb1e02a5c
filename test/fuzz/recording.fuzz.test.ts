// Fuzzes the recording reader (readRecording and the per-line checkEvent) with files built from
// the shipped demo recordings and the Kubernetes fixtures' events: lines kept valid, edited to
// carry hostile values, mutated byte by byte, or generated from nothing; headers likewise; and
// compressed files damaged at random.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEventKeys, checkEvent, eventKey, type VigilEvent } from '../../src/engine/events.js';
import { readRecording, type RecordingProblem } from '../../src/recording/reader.js';
import { auditEvent, parseAuditLine } from '../../src/sources/k8s/audit-event.js';
import {
  applyEdits,
  batch,
  checkReason,
  edits,
  fail,
  fixture,
  hostileJson,
  hostileString,
  jsonText,
  linesOf,
  mutateBytes,
  mutateText,
  mutations,
  projectFile,
  prototypeState,
} from './hostile.js';

const HEADER = '{"format":"vigil-recording","version":1,"host":"fuzz","startedAt":"2026-01-01T00:00:00.000Z","vigilVersion":"0.1.0"}';
/** Seqs of the lines kept valid, far above the demo recordings' own. */
const VALID_SEQ_BASE = 1_000_000_000;

/** Up to 25 events of each kind: the demo recordings' own, and Kubernetes audit events from the fixtures. */
const samples: VigilEvent[] = (() => {
  const recorded = [
    projectFile('recordings/demo-startup-checks.jsonl').toString('utf8'),
    gunzipSync(projectFile('recordings/demo-web-intrusion.jsonl.gz')).toString('utf8'),
    gunzipSync(projectFile('recordings/demo-kernel-incident.jsonl.gz')).toString('utf8'),
  ].flatMap((text) => linesOf(text).slice(1).map((line) => JSON.parse(line) as VigilEvent));
  const k8s = ['benign.jsonl', 'pod-anomaly.jsonl', 'role-binding.jsonl', 'user-enumeration.jsonl']
    .flatMap((name) => linesOf(fixture(`fixtures/k8s/${name}`)))
    .flatMap((line) => parseAuditLine(line).events)
    .map((data, seq) => ({ seq, ...auditEvent(data) }) as VigilEvent);
  const perKind = new Map<string, number>();
  return [...recorded, ...k8s].filter((e) => {
    const n = perKind.get(eventKey(e)) ?? 0;
    perKind.set(eventKey(e), n + 1);
    return n < 25;
  });
})();
const sampleLines = samples.map((e) => JSON.stringify(e));
const sampleIndex = fc.nat(samples.length - 1);

type Line =
  | { kind: 'valid'; sample: number }
  | { kind: 'bytes'; bytes: Buffer };

const knownKey = fc.constantFrom(...allEventKeys).map((key) => key.split('/') as [string, string]);
/** An event shape with anything in its fields: known and unknown kinds, wrong types, hostile data. */
const generatedEvent = fc
  .record({
    seq: fc.oneof(fc.nat(), hostileJson),
    ts: fc.oneof(fc.constant('2026-01-01T00:00:00.000Z'), hostileJson),
    key: fc.oneof(knownKey, fc.tuple(hostileString, hostileString)),
    data: hostileJson,
  })
  .map(({ seq, ts, key: [source, kind], data }) => jsonText({ seq, ts, source, kind, data }));

const line: fc.Arbitrary<Line> = fc.oneof(
  { weight: 3, arbitrary: sampleIndex.map((sample) => ({ kind: 'valid' as const, sample })) },
  {
    weight: 3,
    arbitrary: fc.tuple(sampleIndex, edits).map(([i, list]) => bytes(applyEdits(sampleLines[i]!, list))),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(sampleIndex, mutations).map(([i, list]) => ({
      kind: 'bytes' as const,
      bytes: mutateBytes(Buffer.from(sampleLines[i]!), list),
    })),
  },
  { weight: 1, arbitrary: fc.tuple(sampleIndex, mutations).map(([i, list]) => bytes(mutateText(sampleLines[i]!, list))) },
  { weight: 1, arbitrary: generatedEvent.map(bytes) },
  { weight: 1, arbitrary: fc.oneof(hostileJson.map(jsonText), fc.constantFrom('', ' ', '\t\r', '{', '}', '[]', 'null')).map(bytes) },
);

function bytes(text: string): Line {
  return { kind: 'bytes', bytes: Buffer.from(text) };
}

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-fuzz-recording-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(content: Buffer, gzip = false): Promise<string> {
  const path = join(dir, `${files++}.jsonl${gzip ? '.gz' : ''}`);
  await writeFile(path, gzip ? gzipSync(content, { level: 1 }) : content);
  return path;
}

/** Reads a whole recording, keeping what the reader reported. */
async function readAll(path: string) {
  const problems: RecordingProblem[] = [];
  const recording = await readRecording(path, { onProblem: (p) => problems.push(p) });
  const events: VigilEvent[] = [];
  for await (const batch of recording.batches) events.push(...batch);
  return { header: recording.header, events, stats: { ...recording.stats }, problems };
}

/** What a reader may throw: an Error of one line naming the file, with a reason fit to print. */
function checkThrown(err: unknown, path: string): void {
  if (!(err instanceof Error)) fail('threw a non-Error', String(err));
  if (!err.message.startsWith(`${path}: `)) fail('an error not naming the file', err.message);
  checkReason(err.message.slice(path.length + 2));
}

/** The problems agree with the counts, and each names a line of the file and says why. */
function checkProblems(problems: RecordingProblem[], stats: { corrupt: number; unknownKinds: number; truncated: boolean }, lastLine: number): void {
  const count = (kind: RecordingProblem['kind']) => problems.filter((p) => p.kind === kind).length;
  if (count('corrupt') !== stats.corrupt || count('unknown-kind') !== stats.unknownKinds) fail('problems and counts differ', stats);
  if (count('truncated') > 1 || (count('truncated') === 1) !== stats.truncated) fail('truncation reported wrongly', problems);
  let previous = 1; // the header
  for (const p of problems) {
    if (!['corrupt', 'unknown-kind', 'truncated'].includes(p.kind)) fail('a problem of no kind', p);
    if (!Number.isInteger(p.line) || p.line <= previous || p.line > lastLine + 1) fail('a problem at a wrong line', p);
    previous = p.line;
    checkReason(p.message);
  }
}

/** An event the reader delivered is one vigil can use: valid again, and writable to a recording. */
function checkDelivered(event: VigilEvent): void {
  let text: string;
  try {
    text = JSON.stringify(event);
  } catch (err) {
    fail(`a delivered event cannot be written back (${(err as Error).message})`, `${event.source}/${event.kind} #${event.seq}`);
  }
  if (!checkEvent(JSON.parse(text)).ok) fail('a delivered event is not valid when read again', text);
}

describe('recording reader', () => {
  const before = prototypeState();
  afterAll(() => {
    expect(prototypeState()).toEqual(before);
  });

  it('100 000 mutated and generated lines in 50 files: every line delivered or counted with a reason, valid lines delivered', async () => {
    await fc.assert(
      fc.asyncProperty(batch(line, 2000), fc.boolean(), fc.nat(4), async (lines, terminated, compress) => {
        const gzip = compress === 0;
        let validSeq = VALID_SEQ_BASE;
        const expected: number[] = [];
        const body = Buffer.concat(
          lines.flatMap((l, i) => {
            let b: Buffer;
            if (l.kind === 'valid') {
              expected.push(validSeq);
              b = Buffer.from(JSON.stringify({ ...samples[l.sample], seq: validSeq++ }));
            } else b = l.bytes;
            return i < lines.length - 1 || terminated ? [b, Buffer.from('\n')] : [b];
          }),
        );
        const path = await file(Buffer.concat([Buffer.from(`${HEADER}\n`), body]), gzip);
        const started = performance.now();
        const { events, stats, problems } = await readAll(path);
        if (performance.now() - started > 10_000) fail('reading 2 000 lines took over 10 s');

        const texts = body.toString('utf8').split('\n');
        if (body.length > 0 && body[body.length - 1] === 0x0a) texts.pop();
        const blank = texts.filter((t) => t.trim() === '').length;
        if (stats.events !== events.length) fail('events miscounted', stats);
        if (stats.events + stats.corrupt + stats.unknownKinds + blank + (stats.truncated ? 1 : 0) !== texts.length) {
          fail(`${texts.length} lines but not all delivered or counted`, { ...stats, blank });
        }
        if (stats.truncated && terminated) fail('a complete file reported as truncated', stats);
        checkProblems(problems, stats, texts.length + 1);
        const delivered = events.map((e) => e.seq).filter((seq) => seq >= VALID_SEQ_BASE && seq < validSeq);
        expect(delivered).toEqual(expected);
        // The lines kept valid are the demo recordings' own events; the rest are checked again.
        events.filter((e) => e.seq < VALID_SEQ_BASE || e.seq >= validSeq).forEach(checkDelivered);
      }),
      { numRuns: 50, seed: 0x5eed_0001, endOnFailure: true },
    );
  }, 120_000);

  const header = fc.record({
    format: fc.oneof({ weight: 4, arbitrary: fc.constant('vigil-recording') }, hostileJson),
    version: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, hostileJson),
    host: fc.oneof(hostileString, hostileJson),
    startedAt: fc.oneof(hostileString, hostileJson),
    vigilVersion: fc.oneof(hostileString, hostileJson),
  });
  const headerLine = fc.oneof(
    header.map((h) => jsonText(h)).map((text) => ({ text, valid: validHeader(JSON.parse(text) as Record<string, unknown>) })),
    fc.tuple(header, edits).map(([h, list]) => ({ text: applyEdits(JSON.stringify(h), list), valid: undefined })),
    mutations.map((list) => ({ text: mutateText(HEADER, list), valid: undefined })),
  );

  it('500 mutated and generated headers: a one-line error naming the file, or the header as written', async () => {
    await fc.assert(
      fc.asyncProperty(headerLine, async ({ text, valid }) => {
        const path = await file(Buffer.from(`${text}\n${JSON.stringify(samples[0])}\n`));
        const started = performance.now();
        const result = await readAll(path).catch((err: unknown) => err);
        if (performance.now() - started > 1000) fail('reading a header took over 1 s');
        if (result instanceof Error) {
          if (valid) fail('a valid header was refused', result.message);
          checkThrown(result, path);
        } else if (valid) {
          expect((result as Awaited<ReturnType<typeof readAll>>).header).toEqual(valid);
        }
      }),
      { numRuns: 500, seed: 0x5eed_0002 },
    );
  }, 60_000);

  it('100 damaged compressed recordings: read to the end or a one-line error naming the file', async () => {
    const content = Buffer.from(`${HEADER}\n${sampleLines.join('\n')}\n`);
    const compressed = gzipSync(content);
    await fc.assert(
      fc.asyncProperty(mutations, async (list) => {
        const path = join(dir, `${files++}.jsonl.gz`);
        await writeFile(path, mutateBytes(compressed, list));
        const started = performance.now();
        const result = await readAll(path).catch((err: unknown) => err);
        if (performance.now() - started > 5000) fail('reading took over 5 s');
        if (result instanceof Error) checkThrown(result, path);
        else {
          const { stats, problems, events } = result as Awaited<ReturnType<typeof readAll>>;
          checkProblems(problems, stats, Number.MAX_SAFE_INTEGER);
          events.forEach(checkDelivered);
        }
      }),
      { numRuns: 100, seed: 0x5eed_0003 },
    );
  }, 60_000);

  // Found by the fuzzing: reasons quoted the line's own kind and keys raw (a terminal escape, a
  // line break into the CLI's output), and a header's version whole (megabytes, or a nesting
  // JSON.stringify overflows on, which escaped as a RangeError not naming the file).
  it('reasons quote what the file holds escaped and cut', async () => {
    const kind = JSON.stringify({ seq: 1, ts: 'x', source: '\x1b[2J', kind: 'x\u009b31m' });
    const snapshot = structuredClone(samples.find((e) => e.kind === 'container.snapshot')) as Extract<VigilEvent, { kind: 'container.snapshot' }>;
    (snapshot.data.container.labels as Record<string, unknown>) = { 'a\nvigil: forged\x1b[2J': 1 };
    const key = JSON.stringify(snapshot);
    const { problems } = await readAll(await file(Buffer.from(`${HEADER}\n${kind}\n${key}\n`)));
    expect(problems.map((p) => p.message)).toEqual([
      'unknown event kind "\\u001b[2J/x\\x9b31m"',
      'docker/container.snapshot: data.container.labels.a\\x0avigil: forged\\x1b[2J: must be string',
    ]);
    for (const version of [`${'['.repeat(5000)}${']'.repeat(5000)}`, `"${'9'.repeat(100_000)}"`]) {
      const path = await file(Buffer.from(`{"format":"vigil-recording","version":${version}}\n`));
      const err = (await readAll(path).catch((e: unknown) => e)) as Error;
      expect(err.message.startsWith(`${path}: unsupported recording version `)).toBe(true);
      expect(err.message.length).toBeLessThan(path.length + 150);
    }
  });

  // Found with hostile input: the free-form request object passed the schema at any depth, and
  // the delivered event then overflowed JSON.stringify's stack when written to a recording.
  it('a Kubernetes request object nested 5 000 deep is counted, not delivered', async () => {
    const k8s = samples.find((e) => e.source === 'k8s')!;
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const line = JSON.stringify({ ...k8s, data: { ...k8s.data, requestObject: 0 } }).replace('"requestObject":0', `"requestObject":${deep}`);
    const { events, problems } = await readAll(await file(Buffer.from(`${HEADER}\n${line}\n`)));
    expect(events).toEqual([]);
    expect(problems).toEqual([{ kind: 'corrupt', line: 2, message: 'k8s/audit: data.requestObject: nested too deeply' }]);
  });

  // Found with hostile input: a long line was split again with every chunk read, so a 16 MiB
  // one took 13 s, and a file of them hung the replay.
  it('a line over the 16 MiB limit is counted in bounded time, and the lines around it are read', async () => {
    const long = `{"seq":1,"ts":"x","source":"vigil","kind":"source.status","data":{"source":"${'x'.repeat(17 * 1024 * 1024)}","state":"up"}}`;
    const valid = JSON.stringify(samples[0]);
    const path = await file(Buffer.from(`${HEADER}\n${valid}\n${long}\n${valid}\n`));
    const started = performance.now();
    const { events, stats, problems } = await readAll(path);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(events).toHaveLength(2);
    expect(stats).toMatchObject({ corrupt: 1, unknownKinds: 0, truncated: false });
    expect(problems).toEqual([{ kind: 'corrupt', line: 3, message: 'line longer than 16777216 characters' }]);
  });
});

/** The header a generated first line must yield, when it is a valid one. */
function validHeader(h: Record<string, unknown>): Record<string, unknown> | undefined {
  const { format, version, host, startedAt, vigilVersion } = h;
  const valid = format === 'vigil-recording' && version === 1 && [host, startedAt, vigilVersion].every((v) => typeof v === 'string');
  return valid ? { format, version, host, startedAt, vigilVersion } : undefined;
}

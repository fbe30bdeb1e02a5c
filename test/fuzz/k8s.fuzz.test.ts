// Fuzzes the Kubernetes audit reader: lines and EventList documents into k8s/audit data
// (parseAuditLine, parseAuditDocument), stage events into requests (StageMerger), and the offline
// reader that joins them (readK8sAuditLog). Inputs are the fixture events, edited to carry hostile
// values, mutated as text, or generated; EventLists of them; and raw hostile text.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEvent } from '../../src/engine/events.js';
import { auditEvent, MAX_REQUEST_OBJECT_BYTES, parseAuditDocument, parseAuditLine, type K8sAudit, type ParsedAudit } from '../../src/sources/k8s/audit-event.js';
import { readK8sAuditLog } from '../../src/sources/k8s/audit-offline.js';
import { StageMerger } from '../../src/sources/k8s/stages.js';
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
  prototypeState,
  replacement,
  timed,
} from './hostile.js';

const sampleLines = ['benign', 'event-deletion', 'pod-anomaly', 'role-binding', 'user-enumeration'].flatMap((name) =>
  linesOf(fixture(`fixtures/k8s/${name}.jsonl`)),
);
const samples = sampleLines.map((line) => JSON.parse(line) as Record<string, unknown>);
const eventList = JSON.parse(fixture('fixtures/k8s/eventlist.json')) as { items: Record<string, unknown>[] };
const listItems = eventList.items;
const sample = fc.nat(samples.length - 1).map((i) => samples[i]!);

const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/** An event valid in every field the parser requires, hostile in all the others, and what it must keep. */
const generatedEvent = fc
  .record({
    auditID: hostileString.filter((s) => s.length > 0),
    stage: fc.constantFrom(...STAGES),
    verb: hostileString.filter((s) => s.length > 0),
    username: fc.option(hostileString, { nil: undefined }),
    groups: fc.array(hostileString, { maxLength: 3 }),
    requestURI: hostileString,
    sourceIPs: fc.array(hostileString, { maxLength: 3 }),
    userAgent: hostileString,
    annotations: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
    requestObject: replacement,
    time: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
  })
  .map((g) => {
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Request',
      auditID: g.auditID,
      stage: g.stage,
      requestURI: g.requestURI,
      verb: g.verb,
      user: { ...(g.username !== undefined && { username: g.username }), groups: g.groups },
      sourceIPs: g.sourceIPs,
      userAgent: g.userAgent,
      annotations: g.annotations,
      requestObject: g.requestObject,
      requestReceivedTimestamp: g.time.toISOString(),
    };
    return { text: jsonText(event), expected: { auditID: g.auditID, verb: g.verb, username: g.username ?? '', stage: g.stage } };
  });

/** A line of a log: a fixture event as is, edited, mutated, generated; an EventList of such; raw text. */
const line: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.nat(sampleLines.length - 1).map((i) => sampleLines[i]!) },
  { weight: 4, arbitrary: fc.tuple(fc.nat(sampleLines.length - 1), edits).map(([i, list]) => applyEdits(sampleLines[i]!, list)) },
  { weight: 3, arbitrary: fc.tuple(fc.nat(sampleLines.length - 1), mutations).map(([i, list]) => mutateText(sampleLines[i]!, list)) },
  { weight: 2, arbitrary: generatedEvent.map((g) => g.text) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(fc.oneof(fc.constantFrom(...listItems), sample, hostileJson), { maxLength: 5 }), fc.option(edits, { nil: undefined }))
      .map(([items, list]) => {
        const document = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items };
        return list ? applyEdits(JSON.stringify(document), list) : jsonText(document);
      }),
  },
  { weight: 1, arbitrary: fc.oneof(hostileString, hostileJson.map(jsonText)) },
);

/** How many items a line holds: the entries of a well-formed EventList, else one. */
function itemsOf(text: string): number {
  if (!text.includes('EventList')) return 1;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 1;
  }
  const list = value as { kind?: unknown; apiVersion?: unknown; items?: unknown } | null;
  const isList = typeof list === 'object' && list !== null && !Array.isArray(list) && list.kind === 'EventList';
  return isList && list.apiVersion === 'audit.k8s.io/v1' && Array.isArray(list.items) ? list.items.length : 1;
}

/** Each item is an event or a rejection with a reason; each event is valid, bounded and writable. */
function checkParsed(parsed: ParsedAudit, items: number, input: string): void {
  if (parsed.events.length + parsed.rejected.length !== items) fail(`${items} items, not all accounted for`, input);
  parsed.rejected.forEach((reason) => checkReason(reason, 120));
  for (const data of parsed.events) {
    const check = checkEvent({ seq: 0, ...auditEvent(data) });
    if (!check.ok) fail(`an accepted event is invalid (${check.message})`, input);
    if (data.requestObject !== undefined && Buffer.byteLength(JSON.stringify(data.requestObject)) > MAX_REQUEST_OBJECT_BYTES) {
      fail('a request object over the bound', input);
    }
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-fuzz-k8s-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Kubernetes audit reader', () => {
  const before = prototypeState();
  afterAll(() => {
    expect(prototypeState()).toEqual(before);
  });

  it('the fixture events and EventList all parse', () => {
    for (const text of sampleLines) expect(parseAuditLine(text).rejected).toEqual([]);
    expect(parseAuditDocument(eventList).rejected).toEqual([]);
  });

  // Found by the fuzzing: an apiVersion that is not a string was quoted through String(), which
  // throws for an object with its own `toString` and overflows the stack on deep nesting; and a
  // reason named an annotation's key, raw: any text, and a new reason for every key.
  it('reasons for hostile values are fixed words, not the values', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    for (const apiVersion of ['{"toString":1}', deep, '7']) {
      expect(parseAuditLine(`{"kind":"Event","apiVersion":${apiVersion}}`).rejected).toEqual(['invalid field apiVersion']);
      expect(parseAuditLine(`{"kind":"EventList","apiVersion":${apiVersion},"items":[]}`).rejected).toEqual(['invalid field apiVersion']);
    }
    expect(parseAuditLine(JSON.stringify({ kind: 'Event', apiVersion: 'v\x1b[2J\x9b' })).rejected).toEqual(['unsupported apiVersion "v\\u001b[2J\\x9b"']);
    const annotated = (key: string) => JSON.stringify({ ...samples[0], annotations: { [key]: 5 } });
    for (const key of ['\x1b]0;owned\x07', 'a\nb', 'x'.repeat(10_000)]) {
      expect(parseAuditLine(annotated(key)).rejected).toEqual(['invalid field annotations']);
    }
  });

  it('3 000 generated events with hostile values are kept, their identity as written', () => {
    fc.assert(
      fc.property(generatedEvent, ({ text, expected }) => {
        const parsed = timed(() => parseAuditLine(text));
        checkParsed(parsed, 1, text);
        const [data] = parsed.events;
        if (!data) fail(`refused (${parsed.rejected[0]})`, text);
        expect({ auditID: data.auditID, verb: data.verb, username: data.user.username, stage: data.stage }).toEqual(expected);
      }),
      { numRuns: 3000, seed: 0x4a8_0001 },
    );
  }, 60_000);

  it('100 000 mutated and generated lines in 100 streams: every item an event or a counted reason, each request once', () => {
    let total = 0;
    fc.assert(
      fc.property(batch(line, 1000), (texts) => {
        total += texts.length;
        const requests: K8sAudit[] = [];
        const merger = new StageMerger((data) => requests.push(data), { maxPending: 20, maxEmitted: 100 });
        let pushed = 0;
        for (const text of texts) {
          const parsed = timed(() => parseAuditLine(text));
          checkParsed(parsed, itemsOf(text), text);
          for (const data of parsed.events) {
            timed(() => merger.push(data));
            pushed++;
          }
        }
        const { stats } = merger;
        if (pushed - stats.requests - stats.duplicates > 20) fail('more requests pending than the bound', { ...stats, pushed });
        merger.flush();
        if (stats.requests !== requests.length || stats.requests + stats.duplicates !== pushed) fail('stage events lost', { ...stats, pushed });
      }),
      { numRuns: 100, seed: 0x4a8_0002, endOnFailure: true },
    );
    expect(total).toBe(100_000);
  }, 120_000);

  it('6 000 mutated and generated lines or items in 6 files through readK8sAuditLog: every item emitted, merged or counted by reason', async () => {
    let files = 0;
    // Some files are one EventList document over many lines, as webhook captures are, then damaged.
    const item = fc.oneof(fc.constantFrom(...listItems.map((i) => JSON.stringify(i, null, 2))), fc.constantFrom(...sampleLines), generatedEvent.map((g) => g.text));
    const content = fc.oneof(
      { weight: 3, arbitrary: batch(line, 1000).map((texts) => Buffer.from(texts.join('\n'))) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(batch(item, 1000), mutations)
          .map(([items, list]) => mutateBytes(Buffer.from(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[\n${items.join(',\n')}\n]}`), list)),
      },
    );
    await fc.assert(
      fc.asyncProperty(content, fc.boolean(), async (bytes, bom) => {
        const path = join(dir, `${files++}.log`);
        await writeFile(path, bom ? Buffer.concat([Buffer.from('\ufeff'), bytes]) : bytes);
        const started = performance.now();
        const stats = await readK8sAuditLog(path, (event) => {
          const check = checkEvent({ seq: 0, ...event });
          if (!check.ok) fail(`an emitted event is invalid (${check.message})`);
        });
        if (performance.now() - started > 10_000) fail('reading took over 10 s');
        const expected = expectedItems(bytes.toString('utf8'));
        if (stats.requests + stats.duplicates + stats.rejected !== expected) fail(`${expected} items, not all counted`, { ...stats, reasons: [...stats.reasons] });
        const reasons = [...stats.reasons];
        reasons.forEach(([reason]) => checkReason(reason, 120));
        if (reasons.reduce((n, [, count]) => n + count, 0) !== stats.rejected) fail('rejections without a reason', reasons);
      }),
      { numRuns: 6, seed: 0x4a8_0003, endOnFailure: true },
    );
  }, 120_000);
});

/**
 * The items a file holds, as audit-offline.ts documents its reading: one JSON document when its
 * first line opens an object that does not parse alone and neither does the second line (and the
 * whole parses), else line by line.
 */
function expectedItems(text: string): number {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const invalid = (l: string | undefined) => l === undefined || parseAuditLine(l).rejected[0] === 'invalid JSON';
  if (lines[0]?.startsWith('{') && invalid(lines[0]) && invalid(lines[1])) {
    try {
      const parsed = parseAuditDocument(JSON.parse(text));
      return parsed.events.length + parsed.rejected.length;
    } catch {
      // not JSON after all: read line by line
    }
  }
  return lines.reduce((n, l) => n + itemsOf(l), 0);
}

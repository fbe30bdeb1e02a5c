// `vigil detect --k8s-audit FILE`: the fixture logs, an EventList document, damaged and hostile files.
import { createWriteStream, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEvent, type EventOf, type UnsequencedEvent } from '../../src/engine/events.js';
import { readK8sAuditLog } from '../../src/sources/k8s/audit-offline.js';

type Audit = EventOf<'k8s/audit'>;

const fixtures = new URL('../fixtures/k8s/', import.meta.url).pathname;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-k8s-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(file: string) {
  const events: UnsequencedEvent[] = [];
  const stats = await readK8sAuditLog(file, (e) => events.push(e));
  return { stats, events: events as Omit<Audit, 'seq'>[] };
}

function temp(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** A valid event line for the hostile cases. */
function line(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Request',
    auditID: 'c0ffee00-0000-4000-8000-000000000001',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb: 'create',
    user: { username: 'dev-alice', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.23'],
    userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
    objectRef: { resource: 'pods', namespace: 'default', name: 'p', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: '2026-11-27T10:00:00.123456Z',
    stageTimestamp: '2026-11-27T10:00:00.130000Z',
    ...overrides,
  });
}

const names = (events: Omit<Audit, 'seq'>[]) => events.map((e) => e.data.objectRef?.name ?? '');

describe('readK8sAuditLog', () => {
  it('reads each fixture, counting multi-stage requests once', async () => {
    const expected: Record<string, { lines: number; requests: number; duplicates: number }> = {
      'pod-anomaly.jsonl': { lines: 18, requests: 16, duplicates: 2 },
      'user-enumeration.jsonl': { lines: 10, requests: 10, duplicates: 0 },
      'role-binding.jsonl': { lines: 8, requests: 8, duplicates: 0 },
      'event-deletion.jsonl': { lines: 5, requests: 5, duplicates: 0 },
      'benign.jsonl': { lines: 20, requests: 19, duplicates: 1 },
    };
    let seq = 0;
    for (const [file, want] of Object.entries(expected)) {
      const path = join(fixtures, file);
      expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(want.lines);
      const { stats, events } = await read(path);
      expect(stats).toEqual({ requests: want.requests, rejected: 0, duplicates: want.duplicates, reasons: new Map() });
      expect(events).toHaveLength(want.requests);
      for (const event of events) expect(checkEvent({ seq: seq++, ...event }).ok).toBe(true);
    }
  });

  it('emits a request at its final stage, timed when the API server received it', async () => {
    const { events } = await read(join(fixtures, 'pod-anomaly.jsonl'));
    const hostPID = events.filter((e) => e.data.objectRef?.name === 'pa-hostpid');
    expect(hostPID).toHaveLength(1);
    expect(hostPID[0]!.data.stage).toBe('ResponseComplete');
    expect((hostPID[0]!.data.requestObject as { spec: { hostPID: boolean } }).spec.hostPID).toBe(true);
    expect(hostPID[0]!.ts).toBe(new Date(hostPID[0]!.data.requestReceivedTimestamp).toISOString());
    expect(hostPID[0]!.ts).toMatch(/^2026-11-27T10:00:\d\d\.\d{3}Z$/);
    const exec = events.filter((e) => e.data.objectRef?.name === 'pa-exec-target');
    expect(exec.map((e) => e.data.stage)).toEqual(['ResponseStarted']);
    expect(names(events)).toEqual([
      'pa-privileged-container',
      'pa-privileged-init',
      'pa-hostnetwork',
      'pa-hostpid',
      'pa-hostipc',
      'pa-hostpath-root',
      'pa-hostpath-docker-sock',
      'pa-hostpath-containerd-sock',
      'pa-cap-sys-admin',
      'pa-mirror-static-node-1',
      'pa-exec-target',
      'pa-exec-websocket-target',
      'pa-attach-target',
      'pa-portforward-target',
      'pa-ephemeral-patch-target',
      'pa-ephemeral-update-target',
    ]);
  });

  it('emits what never completed at the end of the file', async () => {
    const { events } = await read(join(fixtures, 'benign.jsonl'));
    const last = events.at(-1)!;
    expect(last.data).toMatchObject({ stage: 'RequestReceived', verb: 'get', objectRef: { name: 'kube-root-ca.crt' } });
    expect(last.data).not.toHaveProperty('responseStatus');
    const watch = events.find((e) => e.data.verb === 'watch');
    expect(watch?.data.stage).toBe('ResponseStarted');
    const unauthenticated = events.find((e) => e.data.responseStatus?.code === 401);
    expect(unauthenticated?.data.user).toEqual({ username: '' });
  });

  it('reads a pretty-printed EventList as one document', async () => {
    const { stats, events } = await read(join(fixtures, 'eventlist.json'));
    expect(stats).toEqual({ requests: 3, rejected: 0, duplicates: 1, reasons: new Map() });
    expect(events.map((e) => `${e.data.verb} ${e.data.objectRef?.resource}`)).toEqual(['create pods', 'create selfsubjectrulesreviews', 'deletecollection events']);
    expect(events[0]!.data.objectRef?.name).toBe('el-privileged');
  });

  it('reads a compact EventList on one line, and a pretty-printed single Event', async () => {
    const list = JSON.parse(readFileSync(join(fixtures, 'eventlist.json'), 'utf8')) as unknown;
    const compact = await read(temp('compact.json', `${JSON.stringify(list)}\n`));
    expect(compact.stats.requests).toBe(3);
    const single = await read(temp('single.json', JSON.stringify(JSON.parse(line()), null, 4)));
    expect(single.stats).toEqual({ requests: 1, rejected: 0, duplicates: 0, reasons: new Map() });
  });

  it('counts rejected lines by reason and reads the good ones around them', async () => {
    const { stats, events } = await read(join(fixtures, 'malformed.jsonl'));
    expect(names(events)).toEqual(['ml-good-1', 'ml-good-2', 'ml-good-3']);
    expect(stats.requests).toBe(3);
    expect(stats.rejected).toBe(13);
    expect(Object.fromEntries(stats.reasons)).toEqual({
      'invalid JSON': 2,
      'not an audit event': 3,
      'unsupported apiVersion "audit.k8s.io/v1beta1"': 1,
      'missing field auditID': 1,
      'invalid field stage': 1,
      'missing field verb': 1,
      'missing field user': 1,
      'invalid field requestReceivedTimestamp': 1,
      'missing field requestReceivedTimestamp': 1,
      'invalid field sourceIPs': 1,
    });
  });

  it('reads a log whose first lines are damaged line by line', async () => {
    const good = [line({ auditID: 'g1' }), line({ auditID: 'g2' })];
    const cutFirst = await read(temp('cut-first.jsonl', `${line().slice(40)}\n${good.join('\n')}\n`));
    expect(cutFirst.stats).toMatchObject({ requests: 2, rejected: 1 });
    const twoBad = await read(temp('two-bad.jsonl', `{"kind":"Event",\n{"kind":\n${good.join('\n')}\n`));
    expect(twoBad.stats).toMatchObject({ requests: 2, rejected: 2 });
    expect(Object.fromEntries(twoBad.stats.reasons)).toEqual({ 'invalid JSON': 2 });
  });

  it('handles CRLF line ends, a byte-order mark and blank lines', async () => {
    const { stats } = await read(temp('crlf.jsonl', `\ufeff${line({ auditID: 'c1' })}\r\n\r\n${line({ auditID: 'c2' })}\r\n`));
    expect(stats).toEqual({ requests: 2, rejected: 0, duplicates: 0, reasons: new Map() });
  });

  it('refuses a single document over 512 MiB with a clear error', async () => {
    const file = temp('huge-document.json', '{\n  "kind": "EventList",\n');
    truncateSync(file, 513 * 1024 * 1024); // sparse: no disk used
    await expect(readK8sAuditLog(file, () => {})).rejects.toThrow(/cannot read Kubernetes audit log \(a single JSON document of \d+ bytes, over 512 MiB: convert it to one event per line\)$/);
  });

  it('throws a one-line error for a file it cannot read', async () => {
    await expect(readK8sAuditLog(join(dir, 'absent.log'), () => {})).rejects.toThrow(/^.*absent\.log: cannot read Kubernetes audit log \(no such file or directory\)$/);
    await expect(readK8sAuditLog(dir, () => {})).rejects.toThrow(/cannot read Kubernetes audit log \(is a directory\)$/);
  });

  describe('hostile input', () => {
    it('skips a line over 64 MiB without holding it, and reads on', async () => {
      const file = join(dir, 'huge.jsonl');
      const out = createWriteStream(file);
      const chunk = `{"kind":"Event","pad":"${'x'.repeat(1024 * 1024)}`;
      for (let i = 0; i < 66; i++) if (!out.write(i === 0 ? chunk : 'y'.repeat(1024 * 1024))) await once(out, 'drain');
      out.end(`"}\n${line({ auditID: 'after' })}\n`);
      await once(out, 'finish');
      const { stats, events } = await read(file);
      expect(Object.fromEntries(stats.reasons)).toEqual({ 'line too long': 1 });
      expect(events.map((e) => e.data.auditID)).toEqual(['after']);
    });

    it('bounds a large request object instead of keeping it', async () => {
      const big = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'big', namespace: 'default' }, data: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v'.repeat(1000)])) };
      const { events } = await read(temp('big.jsonl', `${line({ requestObject: big, responseObject: big })}\n`));
      expect(events[0]!.data.requestObject).toEqual({ truncated: true, kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'big', namespace: 'default' } });
      expect(events[0]!.data).not.toHaveProperty('responseObject');
    });

    it('survives deep nesting, in the request object and as the whole line', async () => {
      const deepObject = `${line().slice(0, -1)},"requestObject":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`;
      const deepArray = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
      const { stats, events } = await read(temp('deep.jsonl', `${deepObject}\n${deepArray}\n`));
      expect(events).toHaveLength(1);
      expect(events[0]!.data.requestObject).toEqual({ truncated: true, metadata: {} });
      expect(() => JSON.stringify(events[0])).not.toThrow();
      expect(Object.fromEntries(stats.reasons)).toEqual({ 'not an audit event': 1 });
    });

    it('keeps escape characters in names as data', async () => {
      const username = 'system:serviceaccount:web:\u001b[31mred\u001b[0m\u001b]8;;http://x\u0007';
      const { events } = await read(temp('esc.jsonl', `${line({ user: { username } })}\n`));
      expect(events[0]!.data.user.username).toBe(username);
    });

    it('gives the same output for the same input', async () => {
      const a = await read(join(fixtures, 'benign.jsonl'));
      const b = await read(join(fixtures, 'benign.jsonl'));
      expect(b.events).toEqual(a.events);
    });
  });
});

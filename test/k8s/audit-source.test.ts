// The live Kubernetes audit source on a real file in a temp dir: appended requests are emitted
// once, stages merged, through kube-apiserver's lumberjack rotation; no log means `down`.
import { appendFileSync, closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventOf, UnsequencedEvent } from '../../src/engine/events.js';
import { K8sAuditSource, type K8sAuditTiming } from '../../src/sources/k8s/audit-source.js';

type Status = EventOf<'vigil/source.status'>['data'];
type Audit = EventOf<'k8s/audit'>['data'];

const POLL_MS = 5;
const fixture = (name: string): string[] => readFileSync(new URL(`../fixtures/k8s/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);

let dir: string;
let log: string;
const sources: K8sAuditSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-k8s-source-'));
  log = join(dir, 'audit.log');
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

/** Follows `path` (the source's fixed path for tests), or with null what the settings pick. */
function follow(settings = { auditLogFile: '', discoverAuditLogs: [] as string[] }, path: string | null = log, timing: K8sAuditTiming = {}) {
  const requests: Audit[] = [];
  const events: UnsequencedEvent[] = [];
  const statuses: Status[] = [];
  const source = new K8sAuditSource(settings, path ?? undefined, { pollMs: POLL_MS, ...timing });
  sources.push(source);
  source.start((e) => {
    events.push(e);
    if (e.source === 'k8s' && e.kind === 'audit') requests.push(e.data);
    if (e.source === 'vigil' && e.kind === 'source.status') statuses.push(e.data);
  });
  return { source, requests, events, statuses };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A few polls, to show that something does not happen. */
const settle = () => new Promise((resolve) => setTimeout(resolve, POLL_MS * 10));

function event(auditID: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/${auditID}`,
    verb: 'get',
    user: { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] },
    sourceIPs: ['10.0.0.11'],
    userAgent: 'kubelet/v1.30.2 (linux/amd64) kubernetes/3968350',
    objectRef: { resource: 'pods', namespace: 'default', name: auditID, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-11-27T10:00:00.123456Z',
    stageTimestamp: '2026-11-27T10:00:00.125000Z',
    ...overrides,
  });
}

const append = (lines: string[], file = log) => appendFileSync(file, lines.map((l) => `${l}\n`).join(''));

describe('K8sAuditSource', () => {
  it('follows the log from its end and emits each appended request once, timed by the API server', async () => {
    writeFileSync(log, `${event('old')}\n`);
    const { requests, events, statuses } = follow();
    expect(statuses).toEqual([{ source: 'k8s-audit', state: 'up', reason: `following ${log}` }]);
    await settle();
    append([event('a1'), event('a2')]);
    await until(() => requests.length === 2, 'two requests');
    append([event('a3')]);
    await until(() => requests.length === 3, 'the third');
    await settle();
    expect(requests.map((r) => r.auditID)).toEqual(['a1', 'a2', 'a3']);
    expect(events.find((e) => e.source === 'k8s')?.ts).toBe('2026-11-27T10:00:00.123Z');
  });

  it('merges the stages of one request, from the fixture log', async () => {
    writeFileSync(log, '');
    const { requests } = follow();
    await settle();
    const lines = fixture('pod-anomaly.jsonl');
    append(lines.slice(0, 5)); // pa-hostpid's RequestReceived and ResponseComplete are lines 4-5
    append(lines.slice(5));
    await until(() => requests.length === 16, '16 requests from 18 lines');
    await settle();
    expect(requests).toHaveLength(16);
    expect(requests.filter((r) => r.objectRef?.name === 'pa-hostpid').map((r) => r.stage)).toEqual(['ResponseComplete']);
    expect(requests.filter((r) => r.objectRef?.name === 'pa-exec-target').map((r) => r.stage)).toEqual(['ResponseStarted']);
  });

  it('emits a request cut off after RequestReceived once it has waited long enough', async () => {
    writeFileSync(log, '');
    const { requests } = follow(undefined, log, { pendingMs: 60 });
    await settle();
    append([event('cut', { stage: 'RequestReceived', responseStatus: undefined })]);
    await settle();
    expect(requests).toEqual([]);
    await until(() => requests.length === 1, 'the flush');
    expect(requests[0]).toMatchObject({ auditID: 'cut', stage: 'RequestReceived' });
  });

  it('follows lumberjack rotation: renamed to audit-<timestamp>.log, a new audit.log opened', async () => {
    let fd = openSync(log, 'a');
    const { requests, statuses } = follow();
    await settle();
    writeSync(fd, `${event('r1')}\n${event('r2')}\n`);
    await until(() => requests.length === 2, 'the first lines');
    // Rotation as lumberjack does it, between two polls: its last lines, close, rename, create.
    writeSync(fd, `${event('r3')}\n${event('long', { stage: 'ResponseStarted', verb: 'watch' })}\n`);
    closeSync(fd);
    renameSync(log, join(dir, 'audit-2026-11-27T10-00-00.000.log'));
    fd = openSync(log, 'a');
    writeSync(fd, `${event('r4')}\n${event('long', { verb: 'watch' })}\n`);
    await until(() => requests.length === 5, 'the lines around the rotation');
    // And again at once: what was written to the file just opened is still read.
    writeSync(fd, `${event('r5')}\n`);
    closeSync(fd);
    renameSync(log, join(dir, 'audit-2026-11-27T10-05-00.000.log'));
    fd = openSync(log, 'a');
    writeSync(fd, `${event('r6')}\n`);
    closeSync(fd);
    await until(() => requests.length === 7, 'the second rotation');
    await settle();
    expect(requests.map((r) => r.auditID)).toEqual(['r1', 'r2', 'r3', 'long', 'r4', 'r5', 'r6']);
    expect(statuses.map((s) => s.state)).toEqual(['up']);
  });

  it('waits for a configured file that does not exist yet', async () => {
    const { requests, statuses } = follow({ auditLogFile: log, discoverAuditLogs: [] }, null);
    expect(statuses).toEqual([{ source: 'k8s-audit', state: 'up', reason: `waiting for ${log}` }]);
    await settle();
    append([event('late')]);
    await until(() => requests.length === 1, 'the file to appear');
  });

  it('discovers the first audit log that exists', async () => {
    const second = join(dir, 'kube-apiserver-audit.log');
    writeFileSync(second, '');
    const { statuses } = follow({ auditLogFile: '', discoverAuditLogs: [join(dir, 'none.log'), second, log] }, null);
    expect(statuses).toEqual([{ source: 'k8s-audit', state: 'up', reason: `following ${second}` }]);
  });

  it('says down, and does nothing more, without an audit log', async () => {
    const paths = [join(dir, 'a.log'), join(dir, 'b.log')];
    const { events, statuses, source } = follow({ auditLogFile: '', discoverAuditLogs: paths }, null);
    expect(statuses).toEqual([{ source: 'k8s-audit', state: 'off', reason: `no kube-apiserver audit log (looked in ${paths.join(', ')})` }]);
    writeFileSync(paths[0]!, `${event('x')}\n`);
    await settle();
    expect(events).toHaveLength(1);
    await source.stop();
  });

  it('reports rejected lines as degraded, at the first and once per 1000 after', async () => {
    writeFileSync(log, '');
    const { requests, statuses } = follow();
    await settle();
    append(['not json', event('ok')]);
    await until(() => requests.length === 1, 'the good line');
    expect(statuses.at(-1)).toEqual({ source: 'k8s-audit', state: 'degraded', reason: `${log}: 1 line(s) rejected so far (latest: invalid JSON)` });
    append(Array.from({ length: 999 }, () => '{"kind":"Pod"}'));
    await settle();
    expect(statuses.filter((s) => s.state === 'degraded')).toHaveLength(1);
    append(['{"kind":"Pod"}', event('ok2')]);
    await until(() => requests.length === 2, 'the next good line');
    expect(statuses.filter((s) => s.state === 'degraded').map((s) => s.reason)).toEqual([
      `${log}: 1 line(s) rejected so far (latest: invalid JSON)`,
      `${log}: 1001 line(s) rejected so far (latest: not an audit event)`,
    ]);
  });

  it('counts lines too long for the tailer as rejected', async () => {
    writeFileSync(log, '');
    const { requests, statuses } = follow(undefined, log, { pendingMs: 20 });
    await settle();
    append([`{"pad":"${'x'.repeat(1024 * 1024 + 10)}"}`, event('after')]);
    await until(() => requests.length === 1, 'the line after');
    await until(() => statuses.some((s) => s.state === 'degraded'), 'the report');
    expect(statuses.at(-1)?.reason).toBe(`${log}: 1 line(s) rejected so far (latest: line over 1 MiB)`);
  });

  it('emits nothing after stop', async () => {
    writeFileSync(log, '');
    const { source, requests } = follow();
    await settle();
    await source.stop();
    append([event('after-stop')]);
    await settle();
    expect(requests).toEqual([]);
  });
});

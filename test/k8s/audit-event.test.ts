// Parsing kube-apiserver audit events into `k8s/audit` data: what is kept, what is refused and
// why, and how an oversized or hostile request object is bounded.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkEvent } from '../../src/engine/events.js';
import { auditEvent, boundRequestObject, MAX_REQUEST_OBJECT_BYTES, parseAuditDocument, parseAuditLine } from '../../src/sources/k8s/audit-event.js';

const fixture = (name: string): string[] => readFileSync(new URL(`../fixtures/k8s/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);

/** A minimal valid event, as the log backend writes it. */
function raw(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: '5b8f6a2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods/web-1',
    verb: 'get',
    user: { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] },
    sourceIPs: ['10.0.0.11'],
    userAgent: 'kubelet/v1.30.2 (linux/amd64) kubernetes/3968350',
    objectRef: { resource: 'pods', namespace: 'default', name: 'web-1', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-11-27T10:00:00.123456Z',
    stageTimestamp: '2026-11-27T10:00:00.125001Z',
    ...overrides,
  };
}

function one(value: unknown) {
  const { events, rejected } = parseAuditDocument(value);
  expect(rejected).toEqual([]);
  expect(events).toHaveLength(1);
  return events[0]!;
}

function reason(value: unknown): string {
  const { events, rejected } = parseAuditDocument(value);
  expect(events).toEqual([]);
  expect(rejected).toHaveLength(1);
  return rejected[0]!;
}

describe('parseAuditDocument', () => {
  it('normalises a real pod create: request object kept, response object and extras dropped', () => {
    const { events, rejected } = parseAuditLine(fixture('pod-anomaly.jsonl')[0]!);
    expect(rejected).toEqual([]);
    const data = events[0]!;
    expect(data).toMatchObject({
      auditID: expect.any(String),
      stage: 'ResponseComplete',
      level: 'RequestResponse',
      verb: 'create',
      requestURI: '/api/v1/namespaces/default/pods?fieldManager=kubectl-run',
      user: { username: 'dev-alice', groups: ['developers', 'system:authenticated'] },
      sourceIPs: ['10.0.0.23'],
      userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
      objectRef: { resource: 'pods', namespace: 'default', name: 'pa-privileged-container', apiVersion: 'v1' },
      responseStatus: { code: 201 },
      requestReceivedTimestamp: expect.stringMatching(/^2026-11-27T10:00:07\.\d{6}Z$/),
    });
    expect((data.requestObject as { spec: { containers: { securityContext: unknown }[] } }).spec.containers[0]!.securityContext).toEqual({ privileged: true });
    expect(data).not.toHaveProperty('responseObject');
    expect(data).not.toHaveProperty('annotations');
    expect(data).not.toHaveProperty('stageTimestamp');
  });

  it('produces data the event schema accepts, for every fixture line (recordings read them back)', () => {
    const files = ['pod-anomaly.jsonl', 'user-enumeration.jsonl', 'role-binding.jsonl', 'event-deletion.jsonl', 'benign.jsonl'];
    let seq = 0;
    for (const file of files) {
      for (const line of fixture(file)) {
        const { events, rejected } = parseAuditLine(line);
        expect(rejected, `${file}: ${line.slice(0, 120)}`).toEqual([]);
        for (const data of events) {
          const event = { seq: seq++, ...auditEvent(data) };
          const checked = checkEvent(JSON.parse(JSON.stringify(event)));
          expect(checked.ok, JSON.stringify(checked)).toBe(true);
          if (checked.ok) expect(checked.event).toEqual(event);
        }
      }
    }
    expect(seq).toBe(61);
  });

  it('reads the items of an EventList, which carry no kind or apiVersion', () => {
    const item = raw();
    delete item.kind;
    delete item.apiVersion;
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [item, { ...item, auditID: 'second' }, { ...item, kind: 'Pod' }] };
    const { events, rejected } = parseAuditDocument(list);
    expect(events.map((e) => e.auditID)).toEqual(['5b8f6a2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b', 'second']);
    expect(rejected).toEqual(['not an audit event']);
    expect(parseAuditDocument({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] })).toEqual({ events: [], rejected: [] });
    expect(reason({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1' })).toBe('missing field items');
    expect(reason({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: {} })).toBe('invalid field items');
    expect(reason({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [] })).toBe('unsupported apiVersion "audit.k8s.io/v1beta1"');
  });

  it('rejects with a reason that names the field', () => {
    const without = (key: string) => {
      const e = raw();
      delete e[key];
      return e;
    };
    expect(reason(without('auditID'))).toBe('missing field auditID');
    expect(reason(without('stage'))).toBe('missing field stage');
    expect(reason(without('verb'))).toBe('missing field verb');
    expect(reason(without('user'))).toBe('missing field user');
    expect(reason(without('requestReceivedTimestamp'))).toBe('missing field requestReceivedTimestamp');
    expect(reason(raw({ auditID: '' }))).toBe('invalid field auditID');
    expect(reason(raw({ stage: 'Halfway' }))).toBe('invalid field stage');
    expect(reason(raw({ user: { username: 7 } }))).toBe('invalid field user.username');
    expect(reason(raw({ sourceIPs: ['10.0.0.1', 5] }))).toBe('invalid field sourceIPs.1');
    expect(reason(raw({ responseStatus: { code: '200' } }))).toBe('invalid field responseStatus.code');
    expect(reason(raw({ requestReceivedTimestamp: 'yesterday' }))).toBe('invalid field requestReceivedTimestamp');
    expect(reason(raw({ requestReceivedTimestamp: '2026-13-45T10:00:00Z' }))).toBe('invalid field requestReceivedTimestamp');
    expect(reason(raw({ requestReceivedTimestamp: null }))).toBe('invalid field requestReceivedTimestamp');
    expect(reason(raw({ kind: 'Pod' }))).toBe('not an audit event');
    expect(reason(raw({ apiVersion: undefined }))).toBe('missing field apiVersion');
    expect(reason(raw({ apiVersion: 'audit.k8s.io/v1beta1' }))).toBe('unsupported apiVersion "audit.k8s.io/v1beta1"');
    for (const value of [null, 7, 'Event', [raw()]]) expect(reason(value)).toBe('not an audit event');
    expect(parseAuditLine('{"kind":"Event"')).toEqual({ events: [], rejected: ['invalid JSON'] });
  });

  it('takes a request that failed authentication, logged with an empty user', () => {
    const data = one(raw({ stage: 'ResponseStarted', user: {}, responseStatus: { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } }));
    expect(data.user).toEqual({ username: '' });
    expect(data.responseStatus).toEqual({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
  });

  it('ignores fields it does not know, and keeps impersonation', () => {
    const data = one(raw({ newField: { anything: [1, 2] }, impersonatedUser: { username: 'system:admin', groups: ['system:masters'] } }));
    expect(data.impersonatedUser).toEqual({ username: 'system:admin', groups: ['system:masters'] });
    expect(data).not.toHaveProperty('newField');
  });

  it('defaults what a non-resource request or a terse event leaves out', () => {
    const data = one(raw({ requestURI: '/healthz', objectRef: undefined, sourceIPs: undefined, userAgent: undefined, responseStatus: undefined, level: undefined }));
    expect(data).toMatchObject({ requestURI: '/healthz', sourceIPs: [], userAgent: '', level: '' });
    expect(data).not.toHaveProperty('objectRef');
    expect(data).not.toHaveProperty('responseStatus');
  });

  it('keeps control characters in names as data (display escapes them, not the parser)', () => {
    const data = one(raw({ user: { username: 'evil\u001b[2J\u001b]0;owned\u0007user' } }));
    expect(data.user.username).toBe('evil\u001b[2J\u001b]0;owned\u0007user');
  });
});

describe('auditEvent', () => {
  it('times the event by requestReceivedTimestamp, as ISO 8601 in UTC', () => {
    const event = auditEvent(one(raw({ requestReceivedTimestamp: '2026-11-27T12:00:00.987654+02:00' })));
    expect(event).toMatchObject({ ts: '2026-11-27T10:00:00.987Z', source: 'k8s', kind: 'audit' });
  });
});

describe('boundRequestObject', () => {
  const podSpec = { containers: [{ name: 'c', image: 'alpine', securityContext: { privileged: true } }], volumes: [{ name: 'h', hostPath: { path: '/' } }] };

  it('keeps an ordinary object as it is', () => {
    const pod = { kind: 'Pod', metadata: { name: 'p' }, spec: podSpec };
    expect(boundRequestObject(pod)).toBe(pod);
  });

  it('cuts long strings first, so padding cannot hide a privileged spec', () => {
    const padded = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', annotations: { pad: 'x'.repeat(200_000) } }, spec: podSpec };
    const kept = boundRequestObject(padded) as typeof padded & { truncated: boolean };
    expect(kept.truncated).toBe(true);
    expect(kept.spec).toEqual(podSpec);
    expect(kept.metadata.annotations.pad.length).toBeLessThan(1100);
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(MAX_REQUEST_OBJECT_BYTES);
  });

  it('keeps only kind and identity when cutting strings is not enough', () => {
    const labels = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, 'v']));
    const big = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'ns', uid: 'u-1', labels }, spec: podSpec };
    expect(boundRequestObject(big)).toEqual({ truncated: true, kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'ns', uid: 'u-1' } });
    expect(boundRequestObject(new Array(100_000).fill(1))).toEqual({ truncated: true, metadata: {} });
  });

  it('refuses nesting deeper than any Kubernetes object, which JSON.stringify could not write back', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const bounded = boundRequestObject({ kind: 'Pod', metadata: { name: 'deep' }, spec: deep });
    expect(bounded).toEqual({ truncated: true, kind: 'Pod', metadata: { name: 'deep' } });
    expect(() => JSON.stringify(bounded)).not.toThrow();
  });

  it('keeps a "__proto__" key as data when it copies', () => {
    const hostile = JSON.parse(`{"kind":"Pod","metadata":{"__proto__":{"polluted":true},"pad":"${'x'.repeat(70_000)}"}}`) as unknown;
    const kept = boundRequestObject(hostile) as { metadata: Record<string, unknown> };
    expect(Object.hasOwn(kept.metadata, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(kept.metadata)).toBe(Object.prototype);
  });
});
